"""`make run`'s processes (web, worker, beat) stop within 10 seconds of Ctrl-C."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.workers import database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_web_worker_and_beat_within_ten_seconds(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # the embedded broker, in tmp
    env.update(
        DATABASE_URL=database_url(),
        VAR_DIR=str(tmp_path),
        SECRET_KEY=env.get("SECRET_KEY", "serve-test-key"),
        DEBUG="1",
        PORT=str(port),
    )
    make = shutil.which("make")
    assert make, "make is not installed"
    proc = subprocess.Popen(  # noqa: S603
        [
            make,
            "--no-print-directory",
            "serve",
            f"PORT={port}",
            f"VENV={Path(sys.executable).parent.parent}",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group, as in a terminal
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = tmp_path / "celery-worker.log"
    try:
        wait_for(lambda: _listening(port), what="the web server")
        wait_for(lambda: log.exists() and "ready." in log.read_text(errors="replace"), what="the worker")
        wait_for(lambda: "beat: Starting" in log.read_text(errors="replace"), what="beat")
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        stopped_at = time.monotonic() + 10
        proc.wait(timeout=10)
        wait_for(
            lambda: not _group_alive(proc.pid), timeout=max(0.1, stopped_at - time.monotonic()), what="all"
        )
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    assert not _listening(port)


def test_production_processes_time_out_stuck_requests_and_shut_down_gracefully():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    web = services["web"]["command"]
    assert int(web[web.index("--timeout") + 1]) > 0
    graceful = int(web[web.index("--graceful-timeout") + 1])
    # compose waits longer than gunicorn's graceful period before it kills
    assert int(services["web"]["stop_grace_period"].rstrip("s")) > graceful
    for name in ("web", "worker", "beat"):
        assert services[name]["stop_signal"] == "SIGTERM" and services[name]["stop_grace_period"]

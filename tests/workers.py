"""A real Celery worker for tests: started as a subprocess on the test database (PostgreSQL in
CI, the SQLite test file locally) and the configured broker (Redis when REDIS_URL is set, as in
CI; kombu's filesystem transport otherwise). Each test uses its own queue."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_service

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def check_services() -> None:
    redis_url = os.environ.get("REDIS_URL", "")
    if settings.REQUIRE_SERVICES:
        # CI: the worker must go through the machine's real Redis and PostgreSQL
        require_service("Redis broker", redis_url.startswith("redis://"), "REDIS_URL is not set")
        require_service(
            "PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL"
        )
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            require_service("Redis", False, str(exc))


WORKER_APP = "test-worker-"  # application_name of the workers' PostgreSQL sessions (+ queue)


class Worker:
    def __init__(self, queue: str, **env: str):
        self.queue = queue
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "worker-test-key"),
            # libpq names the worker's PostgreSQL sessions, so a test can tell them from others
            "PGAPPNAME": f"{WORKER_APP}{queue}",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        celery = Path(sys.executable).with_name("celery")
        self.log = open(ROOT / "var" / f"worker-{self.queue}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            [
                str(celery),
                "-A",
                "config",
                "worker",
                "-Q",
                self.queue,
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.queue}@%h",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def succeeded(self, task: str) -> int:
        """How many runs of ``task`` this worker has finished (from its log)."""
        self.log.flush()
        text = (ROOT / "var" / f"worker-{self.queue}.log").read_text(errors="replace")
        return sum(1 for line in text.splitlines() if f"Task {task}[" in line and "succeeded" in line)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def send(name: str, queue: str, args: list | None = None) -> None:  # send_task never runs eagerly
    from config.celery import app

    app.send_task(name, args=args or [], queue=queue)


def wait_for(predicate, timeout=90.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what() if callable(what) else what}")


def new_queue() -> str:
    check_services()
    return f"test-{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """This process publishes to ``url`` (a dead port: the broker is down) for the block."""
    from config.celery import app

    saved = app.conf.broker_url

    def reset() -> None:  # the connection and producer pools are made from the URL on first use
        # (dropped, not closed: kombu keeps one pool per URL, and the real one is used again after)
        setattr(app, "_pool", None)  # noqa: B010 - celery's private cache, no public reset
        setattr(app.amqp, "_producer_pool", None)  # noqa: B010

    reset()
    app.conf["broker_url"] = url
    try:
        yield
    finally:
        reset()
        app.conf["broker_url"] = saved

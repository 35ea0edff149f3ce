"""Scheduled work through a real Celery worker process.

The worker is started as a subprocess on the test database (PostgreSQL in CI, the SQLite test
file locally) and the configured broker (Redis when REDIS_URL is set, as in CI; kombu's
filesystem transport otherwise). Each test uses its own queue, so nothing else is consumed."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Notification
from disputes import services
from disputes.models import DisputeCase
from tests.conftest import require_service

from .helpers import report

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _check_services() -> None:
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


class Worker:
    def __init__(self, queue: str, **env: str):
        self.queue = queue
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "worker-test-key"),
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


def _send(name: str, queue: str) -> None:  # send_task never runs eagerly
    from config.celery import app

    app.send_task(name, queue=queue)


def _wait_for(predicate, timeout=90.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _overdue_cases(world, n: int) -> list[DisputeCase]:
    staff = world.user("station_a")
    cases = []
    for _ in range(n):
        case = report(world, grid=world.grid_1a)
        services.case_accept(actor=staff, case=case)
        cases.append(case)
    DisputeCase.objects.filter(pk__in=[c.pk for c in cases]).update(
        due_at=timezone.now() - dt.timedelta(hours=30)
    )
    return cases


@pytest.fixture
def queue():
    _check_services()
    return f"test-{uuid.uuid4().hex[:10]}"


def test_a_real_worker_runs_the_case_sweep_and_its_effect_is_in_the_database(world, queue):
    cases = _overdue_cases(world, 3)
    worker = Worker(queue).start()
    try:
        _send("disputes.case_sweeps", queue)
        _wait_for(
            lambda: DisputeCase.objects.filter(pk__in=[c.pk for c in cases], level="village").count() == 3,
            what="the worker to escalate the overdue cases",
        )
    finally:
        worker.stop()
    assert Notification.objects.filter(kind="case.overdue", recipient=world.user("station_a")).count() == 3
    for case in cases:
        case.refresh_from_db()
        assert case.escalation_count == 1
        assert case.events.filter(code="disputes.case.escalated_auto").count() == 1


def test_a_worker_killed_in_the_middle_of_a_sweep_and_run_again_sends_every_reminder_exactly_once(
    world, queue
):
    n = 40
    cases = _overdue_cases(world, n)
    slow = {"SWEEP_CHUNK_SIZE": "4", "SWEEP_CHUNK_PAUSE": "0.4"}
    first = Worker(queue, **slow).start()
    try:
        _send("disputes.case_sweeps", queue)
        _wait_for(
            lambda: Notification.objects.filter(kind="case.overdue").count() >= 8,
            what="the first chunks of reminders",
        )
        first.kill()
    finally:
        first.stop()
    partial = Notification.objects.filter(kind="case.overdue").count()
    assert 8 <= partial < n, "the worker was to be killed in the middle of the sweep"
    assert not DisputeCase.objects.filter(escalation_count__gt=0).exists()

    second = Worker(queue).start()
    try:
        _send("disputes.case_sweeps", queue)
        _wait_for(
            lambda: DisputeCase.objects.filter(escalation_count=1).count() == n,
            what="the second worker to finish the sweep",
        )
    finally:
        second.stop()
    keys = list(Notification.objects.filter(kind="case.overdue").values_list("recipient_id", "key"))
    assert len(keys) == n and len(set(keys)) == n
    assert {k for _r, k in keys} == {k for _r, k in keys if any(f"case-{c.pk}:" in k for c in cases)}
    assert DisputeCase.objects.filter(escalation_count=1).count() == n

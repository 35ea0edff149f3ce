"""Scheduled jobs: one run at a time (``core.jobs.job_lock``), retries on transient errors, time
limits, and ``run_jobs --all`` running every job."""

import threading
from io import StringIO
from typing import cast

import pytest
from celery import current_app
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import OperationalError, connections

from core import jobs

pytestmark = pytest.mark.django_db(transaction=True)
ALL_JOBS = {
    str(spec["task"]) for spec in cast("dict[str, dict[str, object]]", settings.PERIODIC_TASKS).values()
}
SCHEDULED = sorted(ALL_JOBS - {"core.heartbeat"})


def _in_other_thread(func):
    """Run ``func`` on another thread (its own database connection) and return its result."""
    out = {}

    def run():
        try:
            out["value"] = func()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    return out["value"]


def _try_lock(name):
    def attempt():
        with jobs.job_lock(name) as got:
            return got

    return attempt


def test_a_job_lock_is_held_by_one_run_at_a_time_and_released_after_it():
    with jobs.job_lock("tests.a") as got:
        assert got is True
        assert _in_other_thread(_try_lock("tests.a")) is False
        assert _in_other_thread(_try_lock("tests.b")) is True  # another job is not blocked
    assert _in_other_thread(_try_lock("tests.a")) is True


@pytest.mark.parametrize("name", SCHEDULED)
def test_every_scheduled_task_skips_while_another_run_holds_its_lock(name):
    current_app.loader.import_default_modules()
    task = current_app.tasks[name]
    with jobs.job_lock(name):
        result = _in_other_thread(lambda: task.apply().result)
    assert result == jobs.SKIPPED


@pytest.mark.parametrize("name", SCHEDULED)
def test_every_scheduled_task_retries_transient_errors_and_has_time_limits(name):
    current_app.loader.import_default_modules()
    task = current_app.tasks[name]
    assert OperationalError in task.autoretry_for
    assert task.max_retries == settings.JOB_MAX_RETRIES and task.retry_backoff
    assert 0 < task.soft_time_limit < task.time_limit


def test_a_transient_database_error_is_retried_until_the_job_succeeds(monkeypatch):
    # eagerly (as run_jobs runs them) the retries follow at once; a worker waits the back-off
    monkeypatch.setitem(current_app.conf, "task_eager_propagates", False)
    calls = []

    @jobs.scheduled_task("tests.flaky_job")
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return "done"

    assert flaky.apply().result == "done"
    assert len(calls) == 3


def test_a_job_that_keeps_failing_gives_up_after_the_last_retry(monkeypatch):
    monkeypatch.setitem(current_app.conf, "task_eager_propagates", False)
    calls = []

    @jobs.scheduled_task("tests.broken_job")
    def broken() -> str:
        calls.append(1)
        raise OperationalError("the database is down")

    result = broken.apply()
    assert result.failed() and isinstance(result.result, OperationalError)
    assert len(calls) == settings.JOB_MAX_RETRIES + 1


def test_run_jobs_all_runs_every_job_and_reports_each_failure_at_the_end(monkeypatch):
    current_app.loader.import_default_modules()
    ran = []
    failing = {"disputes.case_sweeps", "screening.reminders"}
    for name in ALL_JOBS:
        task = current_app.tasks[name]

        def fake_run(*args, _name=name, **kwargs):
            ran.append(_name)
            if _name in failing:
                raise ValueError(f"{_name} broke")
            return "ok"

        monkeypatch.setattr(task, "run", fake_run)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("run_jobs", "--all", stdout=out, stderr=err)
    assert sorted(ran) == sorted(ALL_JOBS)
    assert "2/" in str(exc.value)
    for name in failing:
        assert name in str(exc.value) and name in err.getvalue()
    assert "patrols.visits_sweep: ok" in out.getvalue()

"""Two runs of the same scheduled job at once write the rows of one (the job lock, on
PostgreSQL an advisory lock). The overlap is forced: a third connection holds a lock on the
timeline table, so the first run stops inside its work while the second starts."""

import threading

import psycopg
import pytest
from celery import current_app
from django.db import connection, connections

from core.jobs import SKIPPED
from core.models import Notification
from disputes.models import CaseEvent, DisputeCase
from tests.conftest import require_service
from tests.disputes.helpers import report
from tests.workers import wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _blocker() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _sql(query: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


def test_two_nightly_risk_runs_at_once_write_every_risk_change_once(world):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    n = 20
    cases = [report(world, grid=world.grid_1a) for _ in range(n)]
    # a factor moved without a re-score: tonight's run raises every case to 橙
    DisputeCase.objects.filter(pk__in=[c.pk for c in cases]).update(threat_flag=True, people_involved=10)
    current_app.loader.import_default_modules()
    task = current_app.tasks["disputes.risk_nightly"]
    results: dict[str, object] = {}

    def run(tag: str) -> None:
        try:
            results[tag] = task.apply().result
        finally:
            connections.close_all()

    blocker = _blocker()
    try:
        blocker.execute("LOCK TABLE disputes_caseevent IN ACCESS EXCLUSIVE MODE")
        first = threading.Thread(target=run, args=("first",))
        first.start()
        wait_for(lambda: _waiting_on_locks() >= 1, what="the first run to stop inside its work")
        second = threading.Thread(target=run, args=("second",))
        second.start()
        wait_for(lambda: not second.is_alive() or _waiting_on_locks() >= 2, what="the second run")
    finally:
        blocker.rollback()
        blocker.close()
    first.join(60)
    second.join(60)

    assert results == {"first": n, "second": SKIPPED}
    # expected, computed independently: every nightly assessment that changed the level
    expected = _sql(
        "SELECT count(*) FROM disputes_riskassessment WHERE trigger = 'nightly' AND level <> previous_level"
    )
    assert expected == n
    assert CaseEvent.objects.filter(code="disputes.case.risk_changed", case__in=cases).count() == expected
    assert (
        _sql(
            "SELECT count(*) FROM (SELECT case_id FROM disputes_caseevent WHERE code = 'disputes.case.risk_changed'"
            " GROUP BY case_id, created_at HAVING count(*) > 1) d"
        )
        == 0
    )
    station = world.user("station_a")
    assert Notification.objects.filter(kind="case.risk_raised", recipient=station).count() == n

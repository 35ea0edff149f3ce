"""The PostgreSQL storage parameters of the tables the nightly jobs write (migrations 0022, 0027):
room for HOT updates on the case table, and autovacuum after 2 % of the rows changed, so the
visibility map the dashboards' index-only scans rely on is kept current."""

import pytest
from django.db import connection

from tests.conftest import require_service

pytestmark = pytest.mark.django_db

TABLES = ("disputes_disputecase", "disputes_riskassessment", "disputes_caseevent", "governance_notification")


def _options(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    return dict(option.split("=", 1) for option in options or [])


def test_the_nightly_tables_are_vacuumed_after_two_percent_of_their_rows():
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    for table in TABLES:
        options = _options(table)
        for name in ("vacuum", "vacuum_insert", "analyze"):
            assert options.get(f"autovacuum_{name}_scale_factor") == "0.02", (table, options)
    assert _options("disputes_disputecase")["fillfactor"] == "90"

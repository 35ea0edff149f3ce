"""Autovacuum for the tables the nightly jobs write (PostgreSQL storage parameters).

By default a table is vacuumed when a fifth of its rows are dead (or, for inserts, a fifth are new
since the last vacuum). At a prefecture's size that is 400,000 of 2 M cases, or 430,000 of 2 M
assessments: never, in practice, after a night that changes 22,000 scores and adds 143,000
assessments. Meanwhile the pages the night touched are no longer marked all-visible, and the
dashboards' index-only scans of the open cases (``case_open_picture``) read the table again
(measured at 2 M cases after a night's sweep: 31,963 heap fetches, today's picture per station
18 → 107 ms). Vacuuming after 2 % keeps the visibility map close to current; autovacuum visits only
the pages written since (issue 15)."""

from django.db import migrations

TABLES = ("disputes_disputecase", "disputes_riskassessment", "disputes_caseevent", "governance_notification")
SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0.02",
    "autovacuum_vacuum_insert_scale_factor": "0.02",
    "autovacuum_analyze_scale_factor": "0.02",
}


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        options = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET ({options})")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0026_case_risk_order"),
        ("governance", "0007_merge_20261203_0448"),  # the notifications table
        ("core", "0007_exportjob"),
    ]

    operations = [migrations.RunPython(tune, untune, elidable=False)]

"""Repeat incidents stored (issue 15): ``Incident.is_repeat``, filled for the existing rows with
the nightly rebuild's statement (30-day window, as ``stations.selectors.REPEAT_WINDOW_DAYS``)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        within = "{lag} >= received_at - interval '30 days'"
    else:
        within = "julianday({lag}) >= julianday(received_at) - 30"
    place_lag = "LAG(received_at) OVER (PARTITION BY village_id, address_key ORDER BY received_at, id)"
    phone_lag = "LAG(received_at) OVER (PARTITION BY caller_phone ORDER BY received_at, id)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE stations_incident SET is_repeat = fresh.rep
            FROM (
                SELECT id, (
                    COALESCE(address_key <> '' AND {within.format(lag=place_lag)}, FALSE)
                    OR COALESCE(caller_phone <> '' AND {within.format(lag=phone_lag)}, FALSE)
                ) AS rep
                FROM stations_incident
            ) AS fresh
            WHERE fresh.id = stations_incident.id AND stations_incident.is_repeat <> fresh.rep
            """  # noqa: S608
        )


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0004_merge_20261203_0448"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="is_repeat",
            field=models.BooleanField(db_default=False, editable=False, verbose_name="重复警情"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

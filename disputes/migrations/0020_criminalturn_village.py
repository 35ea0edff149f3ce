"""民转刑 rows carry their case's village (issue 15): an area's turns of a period are one index
range. The column is filled from the cases, then made required."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """UPDATE disputes_criminalturn SET village_id = (
    SELECT c.village_id FROM disputes_disputecase c WHERE c.id = disputes_criminalturn.case_id)"""


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # checked now, not at commit: the ALTER below must find no pending trigger events
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0019_case_closed_and_village_covers"),
        ("governance", "0007_merge_20261203_0448"),
    ]

    operations = [
        migrations.AddField(
            model_name="criminalturn",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="governance.region",
                verbose_name="村(社区)",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="criminalturn",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="governance.region",
                verbose_name="村(社区)",
            ),
        ),
        migrations.RemoveIndex(model_name="criminalturn", name="criminalturn_received_case"),
        migrations.AddIndex(
            model_name="criminalturn",
            index=models.Index(
                fields=["village", "received_at"], include=("case",), name="criminalturn_village_period"
            ),
        ),
    ]

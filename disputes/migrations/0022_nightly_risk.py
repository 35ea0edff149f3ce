"""The case table keeps a tenth of each page free (PostgreSQL ``fillfactor``), so that the nightly
run's change of a score, and the other updates of a case that touch no indexed column, are HOT
updates: the new row version in the same page, no entry written in any of the table's indexes
(issue 15: rewriting a case and its nineteen index entries was most of the nightly run). Pages
written from now on keep the room; a table loaded before keeps its packed pages until it is
rewritten (``VACUUM FULL disputes_disputecase``, at a quiet hour). The open cases' ids get an
index of their own: the nightly run's chunks are ranges of it.

``risk_assessed_at`` is now the time the current score and level were set: a score that stands is
not rewritten each night (the case's latest assessment says when it was last scored)."""

from django.db import migrations, models

CASE_FILLFACTOR = 90


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE disputes_disputecase SET (fillfactor = {CASE_FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE disputes_disputecase RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0021_case_list_page_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="disputecase",
            name="risk_assessed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="风险分更新时间"),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
        # the open cases in id order: the nightly run's chunks, each an index range
        migrations.AddIndex(
            model_name="disputecase",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "agreement_reached",
                            "in_mediation",
                            "mediation_failed",
                            "performed",
                            "referred",
                            "reopened",
                            "reported",
                        ],
                    )
                ),
                fields=["id"],
                name="case_open_id",
            ),
        ),
    ]

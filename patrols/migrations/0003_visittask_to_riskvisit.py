"""VisitTask becomes RiskVisit ("task" is kept for Celery tasks). Data-preserving: the table,
the assignees' table and its column are renamed, the related names and the unique constraint
follow the new name. Links already stored in the inbox (``/visit-tasks/<id>/``) are rewritten to
the new address (``/visits/<id>/``); the notifications' kinds and keys are left as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD, NEW = "/visit-tasks/", "/visits/"


def _rewrite_links(apps, old: str, new: str) -> None:
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    Notification = apps.get_model("core", "Notification")
    Notification.objects.filter(url__startswith=old).update(
        url=Concat(Value(new), Substr("url", len(old) + 1))
    )


def _rename_permissions(apps, old: str, new: str) -> None:
    """Permissions already created for the model keep their rows, under the new codenames."""
    Permission = apps.get_model("auth", "Permission")
    for action in ("add", "change", "delete", "view"):
        Permission.objects.filter(content_type__app_label="patrols", codename=f"{action}_{old}").update(
            codename=f"{action}_{new}"
        )


def forwards(apps, schema_editor):
    _rewrite_links(apps, OLD, NEW)
    _rename_permissions(apps, "visittask", "riskvisit")


def backwards(apps, schema_editor):
    _rewrite_links(apps, NEW, OLD)
    _rename_permissions(apps, "riskvisit", "visittask")


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0001_initial"),
        ("disputes", "0004_case_address_key"),
        ("governance", "0004_notification_to_core"),
        ("patrols", "0002_visit_tasks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="visittask",
            name="visittask_one_per_case_and_level",
        ),
        migrations.RenameModel(old_name="VisitTask", new_name="RiskVisit"),
        migrations.AlterField(
            model_name="riskvisit",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risk_visits",
                to="disputes.disputecase",
                verbose_name="案件",
            ),
        ),
        migrations.AlterField(
            model_name="riskvisit",
            name="village",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risk_visits",
                to="governance.region",
                verbose_name="村(社区)",
            ),
        ),
        migrations.AlterField(
            model_name="riskvisit",
            name="grid",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risk_visits",
                to="governance.grid",
                verbose_name="网格",
            ),
        ),
        migrations.AlterField(
            model_name="riskvisit",
            name="assignees",
            field=models.ManyToManyField(
                blank=True, related_name="risk_visits", to=settings.AUTH_USER_MODEL, verbose_name="核查人员"
            ),
        ),
        migrations.AddConstraint(
            model_name="riskvisit",
            constraint=models.UniqueConstraint(fields=("case", "level"), name="riskvisit_one_per_case_and_level"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

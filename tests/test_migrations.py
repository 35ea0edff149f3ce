"""An existing database migrates to the new layout with no data loss.

The layout of "one house" moved models between apps (the inbox into ``core``, rolling screening
into ``screening``) with state-only migrations that keep the tables. This test takes the test
database back to the migrations of the layout before the move, writes rows there through the
historical models (as a database made then holds them), migrates forward and reads every row
back through today's models, with its values and links intact."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The leaf migrations of every project app before the move (the layout of the previous main).
BEFORE = [
    ("governance", "0003_points"),
    ("stations", "0002_incidents_and_presence"),
    ("disputes", "0004_case_address_key"),
    ("patrols", "0002_visit_tasks"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_old_layout_keeps_its_rows_after_migrating():
    old = _migrate(BEFORE)
    try:
        User = old.get_model("governance", "User")
        Region = old.get_model("governance", "Region")
        Grid = old.get_model("governance", "Grid")
        Notification = old.get_model("governance", "Notification")
        Policy = old.get_model("disputes", "ScreeningPolicy")
        Round = old.get_model("disputes", "ScreeningRound")
        Report = old.get_model("disputes", "ScreeningReport")

        user = User.objects.create(username="old-grid", role="grid", is_active=True)
        county = Region.objects.create(name="旧县", code="530000000000", kind="county")
        township = Region.objects.create(name="旧镇", code="530000100000", kind="township", parent=county)
        village = Region.objects.create(name="旧村", code="530000100001", kind="village", parent=township)
        grid = Grid.objects.create(village=village, name="一网格", code="01")
        note = Notification.objects.create(recipient=user, kind="screening.reminder", key="k:1", title="提醒")
        Policy.objects.create(county=county, interval_days=7, due_days=5)
        round_ = Round.objects.create(
            county=county, title="第1轮", opens_on=dt.date(2026, 11, 2), due_at=timezone.now()
        )
        report = Report.objects.create(round=round_, grid=grid, filed_by=user, is_zero=True, note="无")
    finally:
        _migrate(_latest())

    from core.models import Notification as NewNotification
    from screening.models import ScreeningPolicy, ScreeningReport, ScreeningRound

    kept_note = NewNotification.objects.get(pk=note.pk)
    assert (kept_note.recipient_id, kept_note.key, kept_note.title) == (user.pk, "k:1", "提醒")
    assert ScreeningPolicy.objects.get(county_id=county.pk).interval_days == 7
    assert ScreeningRound.objects.get(pk=round_.pk).title == "第1轮"
    kept = ScreeningReport.objects.select_related("round", "grid").get(pk=report.pk)
    assert (kept.round.title, kept.grid.name, kept.is_zero, kept.note) == ("第1轮", "一网格", True, "无")
    # the reverse relation the other apps use still reaches the moved rows
    from governance.models import Grid as NewGrid

    assert NewGrid.objects.get(pk=grid.pk).screening_reports.count() == 1


@pytest.mark.django_db(transaction=True)
def test_content_types_follow_the_moved_models():
    from django.contrib.contenttypes.models import ContentType

    _migrate(BEFORE)
    _migrate(_latest())
    labels = dict(
        ContentType.objects.filter(
            model__in=["notification", "screeningreport", "screeninground"]
        ).values_list("model", "app_label")
    )
    assert labels == {"notification": "core", "screeningreport": "screening", "screeninground": "screening"}

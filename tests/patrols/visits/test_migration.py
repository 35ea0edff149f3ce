"""A database of the old names migrates to ``RiskVisit`` with every row, link and stored key kept.

The test takes the test database back to the migration before the rename, writes rows there
through the historical models (under the old model name), migrates forward and reads them back
through ``RiskVisit``: the visit, its assignees, the reverse relation, the unique constraint
under its new name, and the inbox links, rewritten to ``/visits/<id>/``. The old names are read
from the migration under test, so they are spelt in one place."""

import datetime as dt
import importlib

import pytest
from django.db import IntegrityError, connection, migrations, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

RENAME = importlib.import_module("patrols.migrations.0003_visittask_to_riskvisit")
OLD_MODEL = next(op.old_name for op in RENAME.Migration.operations if isinstance(op, migrations.RenameModel))
BEFORE = [dep for dep in RENAME.Migration.dependencies if dep[0] == "patrols"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_visits_keep_their_rows_links_and_keys_through_the_rename():
    old = _migrate(BEFORE)
    try:
        User = old.get_model("governance", "User")
        Region = old.get_model("governance", "Region")
        Grid = old.get_model("governance", "Grid")
        Station = old.get_model("stations", "Station")
        Case = old.get_model("disputes", "DisputeCase")
        OldVisit = old.get_model("patrols", OLD_MODEL)
        Notification = old.get_model("governance", "Notification")  # its table, before the move to core

        user = User.objects.create(username="old-grid", role="grid", is_active=True)
        county = Region.objects.create(name="旧县", code="530000000000", kind="county")
        township = Region.objects.create(name="旧镇", code="530000100000", kind="township", parent=county)
        village = Region.objects.create(name="旧村", code="530000100001", kind="village", parent=township)
        grid = Grid.objects.create(village=village, name="一网格", code="01")
        station = Station.objects.create(name="旧派出所", code="S-OLD", county=county)
        now = timezone.now()
        case = Case.objects.create(
            number="2026-000001",
            county=county,
            village=village,
            grid=grid,
            station=station,
            category="neighbour",
            summary="邻里纠纷",
            reported_by=user,
            reported_at=now,
            status="accepted",
            level="grid",
            risk_level="red",
        )
        old_visit = OldVisit.objects.create(
            case=case,
            level="red",
            village=village,
            grid=grid,
            created_at=now,
            due_at=now + dt.timedelta(hours=48),
        )
        old_visit.assignees.add(user)
        link = Notification.objects.create(
            recipient=user,
            kind="visit.task",
            key="visit.task:case-1:red",
            title="核查",
            url=f"{RENAME.OLD}{old_visit.pk}/",
        )
        other = Notification.objects.create(
            recipient=user, kind="disputes.overdue", key="k:2", title="超期", url="/cases/1/"
        )
    finally:
        _migrate(_latest())

    from core.models import Notification as NewNotification
    from disputes.models import DisputeCase
    from patrols.visits.models import RiskVisit

    visit = RiskVisit.objects.get(pk=old_visit.pk)
    assert (visit.case_id, visit.level, visit.village_id, visit.grid_id) == (
        case.pk,
        "red",
        village.pk,
        grid.pk,
    )
    assert list(visit.assignees.values_list("pk", flat=True)) == [user.pk]
    assert DisputeCase.objects.get(pk=case.pk).risk_visits.get() == visit
    kept = NewNotification.objects.get(pk=link.pk)
    assert (kept.url, kept.kind, kept.key) == (
        f"/visits/{old_visit.pk}/",
        "visit.task",
        "visit.task:case-1:red",
    )
    assert NewNotification.objects.get(pk=other.pk).url == "/cases/1/"
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskVisit.objects.create(
            case_id=case.pk, level="red", village_id=village.pk, created_at=now, due_at=now
        )  # riskvisit_one_per_case_and_level

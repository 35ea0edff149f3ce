import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError, NotPermitted
from governance import services
from governance.models import Grid, Region


def test_tree_levels_and_path(world):
    assert world.village_1.parent == world.township_a
    assert world.township_a.parent == world.county
    assert set(world.county.children.values_list("name", flat=True)) == {"甲镇", "乙乡"}


@pytest.mark.parametrize(
    ("kind", "parent_attr"),
    [
        (Region.Kind.VILLAGE, "county"),  # a village must sit under a township
        (Region.Kind.TOWNSHIP, "township_a"),  # a township must sit under the county
        (Region.Kind.COMMUNITY, "village_1"),
    ],
)
def test_a_node_must_sit_under_the_right_kind(world, kind, parent_attr):
    before = Region.objects.count()
    with pytest.raises(DomainError) as exc:
        services.region_create(
            actor=world.user("county"),
            name="新村",
            code="511132999999",
            kind=kind,
            parent=getattr(world, parent_attr),
        )
    assert exc.value.field == "parent"
    assert "上级必须是" in exc.value.message
    assert Region.objects.count() == before


def test_a_second_root_county_needs_no_parent_but_refuses_one(world):
    with pytest.raises(DomainError):
        services.region_create(
            actor=world.user("admin"),
            name="另一县",
            code="511133000000",
            kind=Region.Kind.COUNTY,
            parent=world.county,
        )


def test_duplicate_name_under_one_parent_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.region_create(
            actor=world.user("admin"),
            name="一村",
            code="511132100299",
            kind=Region.Kind.VILLAGE,
            parent=world.township_a,
        )
    assert "同名区划" in str(exc.value)


def test_only_county_wide_users_change_the_tree(world):
    with pytest.raises(NotPermitted):
        services.region_create(
            actor=world.user("station_a"),
            name="新村",
            code="511132100209",
            kind=Region.Kind.VILLAGE,
            parent=world.township_a,
        )


def test_archive_not_delete(world):
    admin = world.user("admin")
    with pytest.raises(DomainError):
        services.region_archive(actor=admin, region=world.township_a)  # still has live villages
    services.region_archive(actor=admin, region=world.village_2)
    world.village_2.refresh_from_db()
    assert world.village_2.is_archived and world.village_2.archived_at is not None
    assert not Grid.objects.get(pk=world.grid_2.pk).is_active
    assert Region.objects.filter(pk=world.village_2.pk).exists()
    with pytest.raises(DomainError):
        services.grid_create(actor=admin, village=world.village_2, name="新网格", code="G-NEW")
    services.region_restore(actor=admin, region=world.village_2)
    world.village_2.refresh_from_db()
    assert not world.village_2.is_archived


def test_regions_cannot_be_deleted_while_referenced(world):
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017  (ProtectedError or IntegrityError)
        world.village_1.delete()
    assert Region.objects.filter(pk=world.village_1.pk).exists()


def test_station_staff_edit_their_village_but_not_the_neighbours(world):
    services.region_update(actor=world.user("station_a"), region=world.village_1, data={"households": 321})
    world.village_1.refresh_from_db()
    assert world.village_1.households == 321
    with pytest.raises(DomainError):
        services.region_update(actor=world.user("station_a"), region=world.village_3, data={"households": 1})
    with pytest.raises(DomainError):
        services.region_update(
            actor=world.user("station_a"), region=world.village_1, data={"parent": world.county}
        )


def test_one_active_leader_per_grid_is_enforced_by_service_and_database(world):
    from governance.models import GridWorker
    from tests.factories import make_id_number, make_phone

    with pytest.raises(ValidationError) as exc:
        services.grid_worker_create(
            actor=world.user("station_a"),
            grid=world.grid_1a,
            name="第二网格长",
            id_number=make_id_number(),
            phone=make_phone(),
            role="leader",
        )
    assert "只能有一名网格长" in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        GridWorker.objects.create(
            grid=world.grid_1a, name="绕过", id_number=make_id_number(), phone=make_phone(), role="leader"
        )


def test_committee_chair_must_be_the_party_secretary(world):
    from tests.factories import make_phone

    committee = world.village_1.security_committee
    with pytest.raises(DomainError) as exc:
        services.committee_member_add(
            actor=world.user("station_a"),
            committee=committee,
            name="某人",
            phone=make_phone(),
            position="deputy",
            kind="party_member",
        )
    assert "村辅警" in exc.value.message
    services.committee_member_add(
        actor=world.user("station_a"),
        committee=committee,
        name="一村辅警",
        phone=make_phone(),
        position="deputy",
        kind="auxiliary_officer",
    )
    with pytest.raises(DomainError):
        services.committee_create(actor=world.user("station_a"), village=world.village_1)

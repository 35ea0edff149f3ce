import datetime as dt

import pytest

from core.errors import DomainError, NotPermitted
from stations import selectors, services
from stations.models import VillageAssignment
from tests.factories import make_id_number, make_phone


def _new_aux(world, station=None, name="新辅警"):
    return services.auxiliary_officer_create(
        actor=world.user("admin"),
        station=station or world.station_a,
        name=name,
        id_number=make_id_number(),
        phone=make_phone(),
    )


def test_reassigning_closes_the_previous_assignment_and_keeps_history(world):
    new_aux = _new_aux(world)
    services.village_assign(
        actor=world.user("station_a"),
        village=world.village_1,
        auxiliary_officer=new_aux,
        start_date=dt.date(2026, 6, 1),
    )
    history = list(
        VillageAssignment.objects.filter(village=world.village_1, kind="auxiliary").order_by("start_date")
    )
    assert [a.auxiliary_officer for a in history] == [world.aux_v1, new_aux]
    assert history[0].end_date == dt.date(2026, 5, 31)
    assert history[1].end_date is None
    # the old auxiliary officer no longer sees the village; the new one's account would
    assert not selectors.auxiliary_village_ids(world.user("aux_v1")).exists()


def test_new_assignment_must_start_after_the_current_one(world):
    new_aux = _new_aux(world)
    with pytest.raises(DomainError) as exc:
        services.village_assign(
            actor=world.user("station_a"),
            village=world.village_1,
            auxiliary_officer=new_aux,
            start_date=dt.date(2025, 12, 1),
        )
    assert exc.value.field == "start_date"
    assert VillageAssignment.objects.filter(village=world.village_1, kind="auxiliary").count() == 1


def test_officer_of_another_station_cannot_be_attached(world):
    with pytest.raises(DomainError) as exc:
        services.village_assign(
            actor=world.user("admin"),
            village=world.village_1,
            officer=world.officer_b,
            start_date=dt.date(2026, 6, 1),
        )
    assert "不属于该村所在派出所" in exc.value.message


def test_station_staff_cannot_assign_outside_their_jurisdiction(world):
    aux_b = _new_aux(world, station=world.station_b, name="乙所辅警")
    with pytest.raises(DomainError):
        services.village_assign(
            actor=world.user("station_a"), village=world.village_3, auxiliary_officer=aux_b
        )


def test_read_only_roles_cannot_assign(world):
    with pytest.raises(NotPermitted):
        services.village_assign(actor=world.user("aux_v1"), village=world.village_1, officer=world.officer_a)


def test_end_assignment_and_coverage_gaps(world):
    gaps = selectors.villages_without_assignment(user=world.user("station_a"), kind="auxiliary")
    assert set(gaps.values_list("name", flat=True)) == {"二村"}
    current = VillageAssignment.objects.get(village=world.village_1, kind="auxiliary", end_date__isnull=True)
    services.assignment_end(actor=world.user("station_a"), assignment=current, end_date=dt.date(2026, 3, 1))
    gaps = selectors.villages_without_assignment(user=world.user("station_a"), kind="auxiliary")
    assert set(gaps.values_list("name", flat=True)) == {"一村", "二村"}
    with pytest.raises(DomainError):
        services.assignment_end(actor=world.user("station_a"), assignment=current)


def test_a_region_belongs_to_one_station(world):
    with pytest.raises(DomainError) as exc:
        services.jurisdiction_add(actor=world.user("admin"), station=world.station_b, region=world.township_a)
    assert "已属于其他派出所" in exc.value.message
    with pytest.raises(DomainError):
        services.jurisdiction_add(actor=world.user("admin"), station=world.station_b, region=world.village_1)

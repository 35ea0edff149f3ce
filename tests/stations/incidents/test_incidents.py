"""Recording incidents, referring non-police matters, repeat detection."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import ConflictError, DomainError, NotPermitted
from stations import selectors, services
from stations.models import Incident

from .helpers import record


def test_record_validates_phone_scope_and_unique_number(world):
    incident = record(world, number="N1", caller_phone="139 0000 0001", address=" 3组 12号 ")
    assert incident.caller_phone == "13900000001" and incident.address_key == "3组12"
    with pytest.raises(ValidationError) as err:
        record(world, number="N2", caller_phone="12345")
    assert "caller_phone" in err.value.message_dict
    with pytest.raises(ValidationError, match="相同编号"):
        record(world, number="N1")
    with pytest.raises(DomainError, match="不在"):
        record(world, number="N3", village=world.village_3)  # not station A's village
    with pytest.raises(DomainError):
        record(world, "station_b", number="N4")  # station A is not station B's
    with pytest.raises(NotPermitted):
        record(world, "aux_v1", number="N5")


def test_refer_and_answer_a_non_police_matter(world):
    incident = record(world, category=Incident.Category.HELP)
    actor = world.user("station_a")
    services.incident_refer(actor=actor, incident=incident, department="12345热线")
    assert incident.referral_status == Incident.ReferralStatus.PENDING and incident.referred_to == "12345热线"
    with pytest.raises(ConflictError):
        services.incident_refer(actor=actor, incident=incident, department="民政局")
    services.incident_answer(actor=actor, incident=incident, answer="民政局已上门核实并发放临时救助。")
    assert incident.referral_status == Incident.ReferralStatus.ANSWERED and incident.answered_at
    with pytest.raises(ConflictError):
        services.incident_answer(actor=actor, incident=incident, answer="again")
    with pytest.raises(DomainError):
        services.incident_refer(actor=actor, incident=incident, department="  ")


def test_update_keeps_address_key_in_step(world):
    incident = record(world, address="5组")
    services.incident_update(
        actor=world.user("station_a"), incident=incident, data={"address": "6组 8号", "outcome": "已调解"}
    )
    incident.refresh_from_db()
    assert incident.address_key == "6组8" and incident.outcome == "已调解"
    with pytest.raises(DomainError):
        services.incident_update(actor=world.user("station_a"), incident=incident, data={"station": None})


def _repeat(user, incident) -> bool:
    return selectors.incident_list(user=user).get(pk=incident.pk).is_repeat


def test_repeat_same_address_or_same_phone_within_30_days(world):
    user = world.user("station_a")
    now = timezone.now()
    first = record(
        world, address="3组12号", caller_phone="13900000009", received_at=now - dt.timedelta(days=40)
    )
    second = record(
        world, address="3组 12 号", received_at=now - dt.timedelta(days=20)
    )  # same place, 20 days on
    third = record(world, address="别处", caller_phone="13900000009", received_at=now - dt.timedelta(days=35))
    elsewhere = record(
        world, address="3组12号", village=world.village_2, received_at=now - dt.timedelta(days=19)
    )
    lone = record(world, address="9组", received_at=now - dt.timedelta(days=1))
    assert not _repeat(user, first)
    assert _repeat(user, second)  # same village + normalised address, within 30 days
    assert _repeat(user, third)  # same caller phone as `first`, 5 days later
    assert not _repeat(user, elsewhere)  # same address text in another village
    assert not _repeat(user, lone)
    repeats = set(selectors.incident_list(user=user, repeat=True).values_list("pk", flat=True))
    assert repeats == {second.pk, third.pk}
    assert {i.pk for i in selectors.incident_related(user=user, incident=first)} == {second.pk, third.pk}


def test_scoping_of_incidents(world):
    incident = record(world)
    assert selectors.incident_list(user=world.user("aux_v1")).filter(pk=incident.pk).exists()
    for outsider in ("station_b", "grid_g1", "mediator_t1", "norole"):
        assert not selectors.incident_list(user=world.user(outsider)).exists(), outsider

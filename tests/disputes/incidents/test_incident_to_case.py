"""A dispute incident becomes a case in one action, linked both ways; a second call returns it."""

import pytest

from core.errors import DomainError, NotPermitted
from disputes import services
from disputes.incidents.services import case_from_incident
from disputes.models import Category, DisputeCase, Source
from stations.models import Incident
from tests.factories import make_phone
from tests.stations.incidents.helpers import record


def test_dispute_incident_becomes_a_linked_case_once(world):
    incident = record(world, caller_phone="13900000001", parties="吉克阿木、沙马拉哈")
    actor = world.user("station_a")
    case, created = case_from_incident(actor=actor, incident=incident, category=Category.NEIGHBOUR)
    assert created
    assert (
        case.source == Source.INCIDENT
        and case.village == world.village_1
        and case.address == incident.address
    )
    assert "沙马拉哈" in case.summary
    assert case.parties.get().phone == "13900000001"
    assert case.incident_link.incident == incident
    assert Incident.objects.get(pk=incident.pk).case_link.case == case
    assert case.events.filter(code="disputes.case.reported", note__contains=incident.number).exists()

    again, created = case_from_incident(actor=actor, incident=incident, category=Category.OTHER)
    assert again == case and not created
    assert DisputeCase.objects.count() == 1


def test_only_dispute_incidents_in_scope(world):
    noise = record(world, category=Incident.Category.NOISE)
    with pytest.raises(DomainError, match="纠纷"):
        case_from_incident(actor=world.user("station_a"), incident=noise, category=Category.NEIGHBOUR)
    dispute = record(world)
    with pytest.raises(DomainError, match="不在您的辖区"):
        case_from_incident(actor=world.user("station_b"), incident=dispute, category=Category.NEIGHBOUR)
    with pytest.raises(NotPermitted):
        case_from_incident(actor=world.user("county"), incident=dispute, category=Category.NEIGHBOUR)
    assert not DisputeCase.objects.exists()


def test_the_callers_clan_and_ethnicity_are_carried_where_known(world):
    phone = make_phone()
    services.case_report(
        actor=world.user("station_a"),
        village=world.village_1,
        category=Category.NEIGHBOUR,
        summary="早先的纠纷",
        parties=[{"name": "吉克阿木", "phone": phone, "clan": "吉克", "ethnicity": "yi"}],
    )
    incident = record(world, caller_phone=phone)
    case, _created = case_from_incident(
        actor=world.user("station_a"), incident=incident, category=Category.NEIGHBOUR
    )
    caller = case.parties.get()
    assert (caller.clan, caller.ethnicity) == ("吉克", "yi")
    stranger = record(world, caller_name="阿苏拉且", caller_phone=make_phone())
    other, _created = case_from_incident(
        actor=world.user("station_a"), incident=stranger, category=Category.NEIGHBOUR
    )
    assert other.parties.get().clan == ""

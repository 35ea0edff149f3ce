"""A dispute incident becomes a case in one action, linked both ways; a second call returns it."""

import pytest

from core.errors import DomainError, NotPermitted
from disputes.incidents.services import case_from_incident
from disputes.models import Category, DisputeCase, Source
from stations.models import Incident
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

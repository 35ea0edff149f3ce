"""The tiers' one-winner writes over HTTP on PostgreSQL (issue 14): two officers of the receiving
station acknowledge the same 交办 at once, two officers of the receiving station decide the same
移交 at once. Each client reads, waits at a barrier and writes: one is 200, the other 409, and the
timeline has the winner's event only."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from disputes.models import DisputeCase
from disputes.tiers import services as tiers
from disputes.tiers.models import CaseTransfer, HandOn
from governance.models import User
from stations import services as st
from tests.conftest import require_service
from tests.disputes.helpers import escalate_to, report
from tests.factories import UserFactory, make_phone

from .test_concurrent_http import _json, _race

pytestmark = [pytest.mark.services, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
ROUNDS = 4


@pytest.fixture(autouse=True)
def _postgres():
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")


def _officer(world, station, username, badge):
    user = UserFactory.create(username=username, role=User.Role.STATION, full_name=username)
    st.officer_create(
        actor=world.user("admin"),
        station=station,
        name=username,
        badge_number=badge,
        phone=make_phone(),
        user=user,
    )
    return user


def test_two_officers_acknowledging_the_same_hand_on_one_wins(world):
    first, second = world.user("station_a"), _officer(world, world.station_a, "station_a2", "100013")
    for i in range(ROUNDS):
        case = escalate_to(world, report(world), "township")
        hand_on = tiers.hand_on_create(
            actor=world.user("township_a"),
            case=case,
            target="station",
            instructions=f"第{i}次交办:请派出所调处",
            deadline=timezone.now() + dt.timedelta(days=7),
        )
        url = f"/api/v1/cases/{case.pk}/acknowledge/"
        codes = _race(
            [
                (u, _json("post", url, {"note": f"签收{n}"}, f'"{case.version}"'))
                for n, u in enumerate((first, second))
            ]
        )
        assert sorted(codes) == [200, 409], codes
        hand_on.refresh_from_db()
        winner = (first, second)[codes.index(200)]
        assert hand_on.status == HandOn.Status.ACKNOWLEDGED and hand_on.acknowledged_by == winner
        case = DisputeCase.objects.get(pk=case.pk)
        assert case.responsible == winner
        assert case.events.filter(code="disputes.case.hand_on_acknowledged").count() == 1


def test_two_decisions_on_the_same_transfer_one_wins(world):
    first, second = world.user("station_b"), _officer(world, world.station_b, "station_b2", "200013")
    for i in range(ROUNDS):
        case = report(world, village=world.village_2)
        transfer = tiers.transfer_request(
            actor=world.user("station_a"), case=case, to_village=world.village_3, reason=f"第{i}次:发生在三村"
        )
        url = f"/api/v1/cases/{case.pk}/transfer/decide/"
        codes = _race(
            [
                (u, _json("post", url, {"accept": True, "note": f"接收{n}"}, f'"{case.version}"'))
                for n, u in enumerate((first, second))
            ]
        )
        assert sorted(codes) == [200, 409], codes
        transfer.refresh_from_db()
        winner = (first, second)[codes.index(200)]
        assert transfer.status == CaseTransfer.Status.ACCEPTED and transfer.decided_by == winner
        case = DisputeCase.objects.get(pk=case.pk)
        assert case.village == world.village_3 and case.responsible == winner
        assert case.events.filter(code="disputes.case.transferred").count() == 1

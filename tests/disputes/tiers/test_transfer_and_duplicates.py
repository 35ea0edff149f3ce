"""移交: a transferred case leaves the old station's write scope and enters the new one; the old
station keeps read access. Duplicates: a second report with the same party phone is offered as a
duplicate and linking it makes no new case; two open cases merge."""

import pytest

from core.errors import DomainError, NotPermitted
from disputes import selectors, services
from disputes.models import DisputeCase, Status
from disputes.tiers import selectors as tier_selectors
from disputes.tiers import services as tiers

from ..helpers import report

pytestmark = pytest.mark.django_db


def test_transfer_moves_the_case_and_its_scope(world):
    case = report(world)
    a, b = world.user("station_a"), world.user("station_b")
    transfer = tiers.transfer_request(actor=a, case=case, to_village=world.village_3, reason="实际发生在三村")
    # the receiver sees it (to decide), but cannot change it yet
    assert selectors.case_list(user=b).filter(pk=case.pk).exists()
    with pytest.raises(NotPermitted):
        services.case_accept(actor=b, case=case)
    assert transfer in tier_selectors.work_queue(user=b).transfers
    tiers.transfer_decide(actor=b, transfer=transfer, accept=True, note="已接收")
    case.refresh_from_db()
    assert case.village == world.village_3 and case.station == world.station_b
    services.case_accept(actor=b, case=case)
    # the old station still reads it, and can no longer write
    case.refresh_from_db()
    assert selectors.case_get(user=a, pk=case.pk) == case
    with pytest.raises(NotPermitted):
        services.case_add_note(actor=a, case=case, note="补充")
    assert case.events.filter(code="disputes.case.transferred").exists()


def test_a_transfer_can_be_sent_back_with_a_reason(world):
    case = report(world)
    transfer = tiers.transfer_request(
        actor=world.user("station_a"), case=case, to_village=world.village_3, reason="误报"
    )
    with pytest.raises(DomainError):
        tiers.transfer_decide(actor=world.user("station_b"), transfer=transfer, accept=False, note="")
    tiers.transfer_decide(actor=world.user("station_b"), transfer=transfer, accept=False, note="不属于本辖区")
    case.refresh_from_db()
    assert case.village == world.village_1
    assert case.events.filter(code="disputes.case.transfer_returned").exists()


def test_same_phone_is_a_duplicate_and_linking_makes_no_new_case(world):
    first = report(world)
    phone = first.parties.exclude(phone="").first().phone
    candidates = tier_selectors.duplicate_candidates(user=world.user("station_a"), phones=[phone])
    assert list(candidates) == [first]
    assert not tier_selectors.duplicate_candidates(user=world.user("station_b"), phones=[phone])
    count = DisputeCase.objects.count()
    tiers.report_link(
        actor=world.user("station_a"),
        case=first,
        source="incident",
        summary="110报警:两户又吵起来",
        contact_phone=phone,
    )
    assert DisputeCase.objects.count() == count
    assert first.events.filter(code="disputes.case.report_linked").exists()


def test_same_address_is_a_duplicate(world):
    first = report(world, address="一村三组12号")
    assert list(
        tier_selectors.duplicate_candidates(
            user=world.user("station_a"), village_id=world.village_1.pk, address="一村 三组12号"
        )
    ) == [first]


def test_merge_closes_the_absorbed_case_as_merged_and_keeps_its_parties(world):
    keep, absorb = report(world), report(world)
    names = set(absorb.parties.values_list("name", flat=True))
    tiers.case_merge(actor=world.user("station_a"), keep=keep, absorb=absorb, reason="同一纠纷")
    absorb.refresh_from_db()
    assert absorb.status == Status.MERGED and not absorb.is_open
    assert names <= set(keep.parties.values_list("name", flat=True))
    assert absorb.parties.count() == len(names)  # nothing deleted
    assert absorb.events.filter(code="disputes.case.merged_into").exists()
    assert keep.events.filter(code="disputes.case.merged").exists()

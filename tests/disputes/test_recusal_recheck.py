"""Recusal (回避) re-checked when a party is added or corrected: a mediator of the same 家支 as
a party added after the assignment flags the case, tells the responsible person, shows on the
case page until it is resolved (the mediator replaced, or kept with a written reason)."""

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.models import Notification
from disputes import services
from disputes.models import CaseMediator

from .helpers import report

pytestmark = pytest.mark.django_db


def _assigned(world):
    staff = world.user("station_a")
    case = report(world)  # parties of the 吉克 and 沙马 clans; the mediator is of 阿说
    services.case_accept(actor=staff, case=case, responsible=world.user("aux_v1"))
    assignment = services.mediator_assign(actor=staff, case=case, mediator=world.mediator_t1)
    assert assignment.conflict_note == ""
    return case, assignment


def test_a_party_of_the_mediators_clan_added_later_flags_the_case(world, client_for):
    case, assignment = _assigned(world)
    services.party_add(actor=world.user("station_a"), case=case, name="阿说木呷", role="other", clan="阿说")
    assignment.refresh_from_db()
    assert assignment.has_open_conflict and "阿说" in assignment.conflict_found
    assert case.events.filter(code="disputes.mediator.conflict_found").count() == 1
    told = Notification.objects.filter(kind="case.recusal")
    assert [n.recipient.username for n in told] == ["aux_v1"]  # the responsible person
    page = client_for("station_a").get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert "需要回避" in page and 'id="act-confirm-conflict"' in page
    # the same party corrected without a new reason: no second flag
    party = case.parties.get(name="阿说木呷")
    services.party_update(actor=world.user("station_a"), party=party, data={"address": "一组"})
    assert case.events.filter(code="disputes.mediator.conflict_found").count() == 1


def test_a_clan_corrected_on_an_existing_party_flags_too(world):
    case, assignment = _assigned(world)
    party = case.parties.get(name="沙马拉哈")
    services.party_update(actor=world.user("station_a"), party=party, data={"clan": "阿说"})
    assignment.refresh_from_db()
    assert assignment.has_open_conflict


def test_the_flag_is_resolved_by_a_written_reason_or_by_replacing_the_mediator(world, client_for):
    case, assignment = _assigned(world)
    services.party_add(actor=world.user("station_a"), case=case, name="阿说木呷", role="other", clan="阿说")
    assignment.refresh_from_db()
    with pytest.raises(DomainError, match="须写明理由"):
        services.mediator_conflict_confirm(actor=world.user("station_a"), assignment=assignment, reason=" ")
    response = client_for("station_a").post(
        reverse("disputes:case-action", args=[case.pk, "confirm-conflict"]),
        {"confirm-conflict-assignment": assignment.pk, "confirm-conflict-reason": "双方均同意由其调解"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert not assignment.has_open_conflict and assignment.conflict_resolution == "双方均同意由其调解"
    assert case.events.filter(code="disputes.mediator.conflict_confirmed").exists()
    page = client_for("station_a").get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert 'id="act-confirm-conflict"' not in page
    # another case: replacing the mediator ends the flag
    other, other_assignment = _assigned(world)
    services.party_add(actor=world.user("station_a"), case=other, name="阿说拉且", role="other", clan="阿说")
    services.mediator_unassign(actor=world.user("station_a"), assignment=other_assignment, reason="回避")
    assert not CaseMediator.objects.get(pk=other_assignment.pk).has_open_conflict

"""Suggested mediators and recusal (回避)."""

import pytest

from core.errors import DomainError
from disputes import selectors, services
from disputes.models import CaseEvent, MediatorRelation
from governance import services as gov
from governance.models import Mediator

from ..factories import make_id_number, make_phone
from .helpers import report

pytestmark = pytest.mark.django_db


def _mediator(world, name, *, clan="", speaks_yi=True, speaks_mandarin=True, township=None, active=True):
    m = gov.mediator_create(
        actor=world.user("admin"),
        township=township or world.township_a,
        name=name,
        kind=Mediator.Kind.DEGU,
        clan=clan,
        phone=make_phone(),
        speaks_yi=speaks_yi,
        speaks_mandarin=speaks_mandarin,
    )
    if not active:
        gov.mediator_update(actor=world.user("admin"), mediator=m, data={"is_active": False})
    return m


def test_suggestions_serve_the_township_speak_the_language_and_skip_the_busy_and_the_conflicted(world):
    busy = _mediator(world, "曲比德古", clan="曲比")
    free = _mediator(world, "阿苏德古", clan="阿苏")
    _mediator(world, "汉语调解员", speaks_yi=False)  # the parties speak Yi
    _mediator(world, "外乡德古", township=world.township_b)  # another township
    _mediator(world, "退休德古", active=False)  # not active
    clan_kin = _mediator(world, "吉克德古", clan="吉克")  # same clan as the applicant
    staff = world.user("station_a")
    other = report(world)
    services.mediator_assign(actor=staff, case=other, mediator=busy)  # busy now has one open case

    case = report(world)
    suggested = selectors.mediator_suggestions(case=case)
    names = [m.name for m in suggested]
    assert "汉语调解员" not in names and "外乡德古" not in names and "退休德古" not in names
    assert clan_kin not in suggested
    assert names.index(free.name) < names.index(busy.name)


def test_a_better_record_ranks_first_among_equally_busy_mediators(world):
    good = _mediator(world, "好德古")
    new = _mediator(world, "新德古")
    staff = world.user("station_a")
    done = report(world)
    services.mediator_assign(actor=staff, case=done, mediator=good)
    services.case_not_accept(actor=staff, case=report(world), reason="x")  # noise
    from .helpers import to_closed

    to_closed(world, done)
    names = [m.name for m in selectors.mediator_suggestions(case=report(world), limit=10)]
    assert names.index(good.name) < names.index(new.name)


def test_assigning_a_mediator_of_the_same_clan_needs_a_written_reason(world):
    kin = _mediator(world, "吉克德古", clan="吉克")
    staff = world.user("station_a")
    case = report(world)
    with pytest.raises(DomainError) as exc:
        services.mediator_assign(actor=staff, case=case, mediator=kin)
    assert exc.value.field == "reason" and "回避" in exc.value.message
    assert case.mediator_assignments.count() == 0
    services.mediator_assign(actor=staff, case=case, mediator=kin, reason="当事人双方书面同意由其调解")
    event = CaseEvent.objects.filter(case=case).last()
    assert event.code == "disputes.mediator.assigned_despite_conflict"
    assert "家支" in event.note and "书面同意" in event.note


def test_a_recorded_relation_to_a_party_flags_the_mediator(world):
    m = _mediator(world, "阿苏德古", clan="阿苏")
    id_number = make_id_number()
    MediatorRelation.objects.create(mediator=m, person_name="吉克阿木", id_number=id_number, relation="舅舅")
    case = report(world, parties=[{"name": "吉克阿木", "role": "applicant", "id_number": id_number}])
    assert services.mediator_conflicts(case=case, mediator=m)
    assert m not in selectors.mediator_suggestions(case=case)
    flagged = {
        x.pk: x.conflicted for x in selectors.mediator_choices(user=world.user("station_a"), case=case)
    }
    assert flagged[m.pk] is True


def test_the_assigned_mediator_sees_the_case_and_nobody_elses(world):
    staff = world.user("station_a")
    mine = report(world)
    report(world)
    services.mediator_assign(actor=staff, case=mine, mediator=world.mediator_t1)
    visible = set(selectors.case_list(user=world.user("mediator_t1")).values_list("pk", flat=True))
    assert visible == {mine.pk}

"""The case page in a fixed number of queries, whatever the number of its records: the case is
read with whether each of its lists has rows (an empty one is not queried) and whether the user
may write to it; the action forms offer the records the page has already read. Each shortcut
gives what the plain query gives."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes import forms, selectors, services
from disputes.models import (
    Agreement,
    CaseExtension,
    CaseMediator,
    CasePause,
    DisputeCase,
    FollowUp,
    MediationSession,
    Referral,
    RiskAssessment,
)
from disputes.tiers import forms as tier_forms
from disputes.tiers import panel
from disputes.tiers import selectors as tier_selectors
from disputes.tiers import services as tiers
from disputes.tiers.models import CaseTransfer, Evaluation, HandOn, LinkedReport, Supervision
from governance import services as gov
from governance.models import Mediator

from ..factories import make_phone
from .helpers import agreement_data, report, to_closed

pytestmark = pytest.mark.django_db


def _page_queries(client, case) -> int:
    client.get(reverse("disputes:case-detail", args=[case.pk]))  # warm: content types, sessions
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("disputes:case-detail", args=[case.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _mediator(world, name: str) -> Mediator:
    return gov.mediator_create(
        actor=world.user("admin"),
        township=world.township_a,
        name=name,
        kind=Mediator.Kind.DEGU,
        phone=make_phone(),
    )


def _busy_case(world, n: int) -> DisputeCase:
    """An open case with ``n`` of every record an open case can carry at once: parties,
    mediators, sessions, pauses, supervisions, linked reports, applications for judicial
    confirmation of its agreement (one: the case then waits on it), and an extension asked for."""
    staff, county = world.user("station_a"), world.user("county")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    services.case_start_mediation(actor=staff, case=case)
    for i in range(n):
        services.party_add(actor=staff, case=case, name=f"其他人{i}", role="other")
        services.mediator_assign(actor=staff, case=case, mediator=_mediator(world, f"德古{n}-{i}"))
        services.session_record(
            actor=staff,
            case=case,
            held_at=timezone.now() - dt.timedelta(hours=i + 1),
            place="村委会",
            attendees="双方当事人",
            record=f"第{i + 1}次调解",
        )
        services.case_pause(actor=staff, case=case, kind="party_absent", reason="当事人外出务工")
        services.case_resume(actor=staff, case=case)
        tiers.supervision_open(
            actor=county, case=case, reason=f"督办{i}", reply_by=timezone.now() + dt.timedelta(days=3)
        )
        tiers.report_link(actor=staff, case=case, source="walk_in", summary=f"再次反映{i}")
    agreement = services.agreement_create(actor=staff, case=case, **agreement_data())
    for i in range(n):
        services.referral_create(
            actor=staff,
            case=case,
            kind="court",
            target_name=f"县法院{i}",
            reason="申请司法确认",
            agreement=agreement,
        )
    services.extension_request(actor=staff, case=case, days=5, reason="等待鉴定结论")
    services.case_assess_risk(actor=staff, case=case)
    return DisputeCase.objects.get(pk=case.pk)


def test_the_case_page_makes_as_many_queries_with_one_record_of_each_kind_as_with_three(world, client_for):
    small, large = _busy_case(world, 1), _busy_case(world, 3)
    assert large.parties.count() == 5 and large.sessions.count() == 3 and large.supervisions.count() == 3
    for actor in ("station_a", "county", "township_a"):
        client = client_for(actor)
        assert _page_queries(client, large) == _page_queries(client, small), actor


def test_a_closed_case_page_makes_as_many_queries_with_one_follow_up_as_with_three(world, client_for):
    small, large = to_closed(world, report(world)), to_closed(world, report(world))
    planned = FollowUp.objects.filter(case=large).order_by("due_date").first()
    for i in range(2):
        FollowUp.objects.create(case=large, due_date=planned.due_date + dt.timedelta(days=i + 1))
    tiers.evaluation_record(actor=world.user("county"), case=small, rating="satisfied", note="")
    tiers.evaluation_record(actor=world.user("county"), case=large, rating="satisfied", note="")
    client = client_for("station_a")  # the follow-up form and the records
    assert _page_queries(client, large) == _page_queries(client, small)


# --- each shortcut gives what the plain query gives ---------------------------------------
PLAIN_LISTS = {
    "active_mediators": lambda c: CaseMediator.objects.filter(case=c, is_active=True),
    "session_list": lambda c: MediationSession.objects.filter(case=c),
    "agreement_list": lambda c: Agreement.objects.filter(case=c),
    "referral_list": lambda c: Referral.objects.filter(case=c),
    "follow_up_list": lambda c: FollowUp.objects.filter(case=c, is_cancelled=False),
    "pause_list": lambda c: CasePause.objects.filter(case=c),
    "extension_list": lambda c: CaseExtension.objects.filter(case=c),
    "hand_on_list": lambda c: HandOn.objects.filter(case=c),
    "supervision_list": lambda c: Supervision.objects.filter(case=c),
    "transfer_list": lambda c: CaseTransfer.objects.filter(case=c),
    "linked_report_list": lambda c: LinkedReport.objects.filter(case=c),
}


@pytest.mark.parametrize("kind", ["bare", "busy", "closed"])
def test_the_lists_the_page_reads_are_the_case_records(world, kind):
    staff = world.user("station_a")
    case = {
        "bare": lambda: report(world),
        "busy": lambda: _busy_case(world, 2),
        "closed": lambda: to_closed(world, report(world)),
    }[kind]()
    if kind == "closed":
        tiers.evaluation_record(actor=world.user("county"), case=case, rating="satisfied", note="")
    page = selectors.case_detail(user=staff, pk=case.pk)
    panel.load(page, staff)
    for name, plain in PLAIN_LISTS.items():
        assert [r.pk for r in getattr(page, name)] == [r.pk for r in plain(case)], name
    evaluation = Evaluation.objects.filter(case=case).first()
    assert page.evaluation_record == evaluation
    assessments = RiskAssessment.objects.filter(case=case).order_by("-assessed_at", "-pk")[:30]
    assert [a.pk for a in page.risk_list] == [a.pk for a in assessments]
    assert [a.pk for a in page.risk_list] == [
        a.pk for a in selectors.risk_history(user=staff, case_pk=case.pk)[: selectors.RISK_HISTORY_SHOWN]
    ]
    if kind == "busy":  # not vacuous: the lists an open case can carry have rows here
        assert [n for n in PLAIN_LISTS if not getattr(page, n)] == [
            "follow_up_list",
            "hand_on_list",
            "transfer_list",
        ]


@pytest.mark.parametrize("read", [selectors.case_get, selectors.case_detail])
def test_the_case_is_read_in_the_scope_the_plain_queries_give_with_whether_the_user_may_write(world, read):
    case = report(world, grid=world.grid_1a)
    services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    tiers.transfer_request(
        actor=world.user("station_a"), case=case, to_village=world.village_3, reason="事发地属乙乡"
    )
    other = report(world, "station_b", village=world.village_3)
    # station B, offered the pending transfer, may only read the case; the others in scope write
    expected = {
        "admin": True,
        "county": True,
        "station_a": True,
        "township_a": True,
        "aux_v1": True,
        "grid_g1": True,
        "mediator_t1": True,
        "station_b": False,
        "norole": None,
        "liaison_hrss": None,
    }
    for actor, writable in expected.items():
        user = world.user(actor)
        readable = selectors.case_ids(user).filter(pk=case.pk).exists()
        assert readable is (writable is not None), actor
        if not readable:
            with pytest.raises(Http404):
                read(user=user, pk=case.pk)
            continue
        page = read(user=user, pk=case.pk)
        plain = selectors.case_ids(user, writable=True).filter(pk=case.pk).exists()
        assert selectors.case_writable(user, page) is plain is writable, actor
        assert tier_selectors.case_is_read_only(user, page) is (actor == "station_b"), actor
        # a case read by another path asks the database, and agrees
        assert selectors.case_writable(user, DisputeCase.objects.get(pk=case.pk)) is writable, actor
        # and a case outside the scope stays a 404
        if not selectors.case_ids(user).filter(pk=other.pk).exists():
            with pytest.raises(Http404):
                read(user=user, pk=other.pk)


def _conflicted_case(world) -> DisputeCase:
    """A case whose mediator must step aside (a party of the mediator's clan added after the
    assignment), with a pending agreement, two open referrals and a pending extension."""
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    services.mediator_assign(actor=staff, case=case, mediator=world.mediator_t1)
    services.mediator_assign(actor=staff, case=case, mediator=_mediator(world, "另一德古"))
    services.party_add(actor=staff, case=case, name="阿说木呷", role="other", clan="阿说")
    services.case_start_mediation(actor=staff, case=case)
    agreement = services.agreement_create(actor=staff, case=case, **agreement_data())
    for court in ("县法院", "州中级法院"):
        services.referral_create(
            actor=staff,
            case=case,
            kind="court",
            target_name=court,
            reason="申请司法确认",
            agreement=agreement,
        )
    services.extension_request(actor=staff, case=case, days=5, reason="等待鉴定结论")
    return case


ROW_FORMS = [
    ("unassign-mediator", forms.UnassignMediatorForm),
    ("confirm-conflict", forms.ConfirmConflictForm),
    ("performance", forms.PerformanceForm),
    ("refer", forms.ReferralForm),
    ("referral-update", forms.ReferralUpdateForm),
    ("pause", forms.PauseForm),
    ("decide-extension", forms.ExtensionDecideForm),
]


@pytest.mark.parametrize(("prefix", "form_class"), ROW_FORMS)
def test_a_form_offers_from_the_page_lists_what_its_queryset_offers(world, prefix, form_class):
    staff = world.user("station_a")
    case = _conflicted_case(world)
    page = selectors.case_detail(user=staff, pk=case.pk)
    plain = selectors.case_get(user=staff, pk=case.pk)  # no lists: the form queries
    from_rows = form_class(case=page, user=staff, prefix=prefix)
    from_queryset = form_class(case=plain, user=staff, prefix=prefix)
    assert str(from_rows) == str(from_queryset)
    assert "<option" in str(from_rows) or prefix == "confirm-conflict"


def test_the_follow_up_form_picks_the_same_planned_visit_from_the_page_list(world):
    staff = world.user("station_a")
    case = to_closed(world, report(world))
    planned = FollowUp.objects.filter(case=case).order_by("due_date").first()
    earlier = FollowUp.objects.create(case=case, due_date=planned.due_date - dt.timedelta(days=1))
    FollowUp.objects.create(case=case, due_date=planned.due_date - dt.timedelta(days=2), is_cancelled=True)
    page = selectors.case_detail(user=staff, pk=case.pk)
    plain = selectors.case_get(user=staff, pk=case.pk)
    from_rows = forms.FollowUpForm(case=page, user=staff, prefix="follow-up")
    from_queryset = forms.FollowUpForm(case=plain, user=staff, prefix="follow-up")
    assert from_rows.initial["follow_up"] == from_queryset.initial["follow_up"] == earlier.pk
    assert str(from_rows) == str(from_queryset)


def test_the_merge_choices_are_the_open_cases_of_the_village_the_case_list_gives(world):
    staff = world.user("station_a")
    case = report(world)
    others = [report(world, summary=f"同村纠纷{i}") for i in range(3)]
    to_closed(world, others[0])  # closed: not offered
    report(world, village=world.village_2)  # another village
    theirs = report(world, "station_b", village=world.village_3)
    tiers.transfer_request(
        actor=world.user("station_b"), case=theirs, to_village=world.village_1, reason="事发地属一村"
    )
    expected = (
        selectors.case_list(user=staff, filters={"open": True, "village": case.village_id})
        .exclude(pk=case.pk)
        .order_by("-reported_at", "-pk")
    )
    got = selectors.merge_candidates(user=staff, case=case)
    assert [c.pk for c in got] == [c.pk for c in expected] == [others[2].pk, others[1].pk]
    form = tier_forms.MergeForm(case=case, user=staff, prefix="t-merge")
    assert others[2].number in str(form["absorb"]) and others[0].number not in str(form["absorb"])


def test_an_out_of_scope_mediator_is_refused_with_the_same_message(world, client_for):
    case = report(world)
    client = client_for("station_a")
    # 乙乡调解员 serves the other station's township: not a choice here
    response = client.post(
        reverse("disputes:case-action", args=[case.pk, "assign-mediator"]),
        {"assign-mediator-mediator": world.mediator_t2.pk, "version": case.version},
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()
    assert not CaseMediator.objects.filter(case=case).exists()
    response = client.post(
        reverse("disputes:case-action", args=[case.pk, "assign-mediator"]),
        {"assign-mediator-mediator": world.mediator_t1.pk, "version": case.version},
    )
    assert response.status_code == 302  # the one in scope (no clan in common): assigned
    assert CaseMediator.objects.filter(case=case, mediator=world.mediator_t1, is_active=True).exists()


@pytest.mark.parametrize("ethnicity", ["yi", "han", ""])
def test_the_suggestions_from_the_page_parties_are_the_suggestions_from_the_database(world, ethnicity):
    staff = world.user("station_a")
    mandarin_only = gov.mediator_create(
        actor=world.user("admin"),
        township=world.township_a,
        name="汉语调解员",
        kind=Mediator.Kind.PEOPLE,
        phone=make_phone(),
        speaks_yi=False,
        speaks_mandarin=True,
    )
    _mediator(world, "彝语德古")
    case = report(world, parties=[{"name": "当事人甲", "role": "applicant", "ethnicity": ethnicity}])
    page = selectors.case_detail(user=staff, pk=case.pk)
    plain = selectors.case_get(user=staff, pk=case.pk)
    from_page = [m.pk for m in selectors.mediator_suggestions(case=page, limit=10)]
    assert from_page == [m.pk for m in selectors.mediator_suggestions(case=plain, limit=10)]
    assert (mandarin_only.pk in from_page) is (ethnicity != "yi")


def test_the_service_refuses_an_out_of_scope_mediator_whatever_the_channel(world):
    """The form offers only the mediators in scope; the service refuses the others too (the API,
    an import or a script calls it directly), with a message and nothing written."""
    from core.errors import DomainError
    from disputes import services

    case = report(world)
    with pytest.raises(DomainError) as refused:
        services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t2)
    assert "不在您的辖区内" in str(refused.value)
    assert not CaseMediator.objects.filter(case=case).exists()
    assert services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)

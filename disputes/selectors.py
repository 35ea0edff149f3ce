"""Scoped reads of dispute cases. Pages, the API, the Excel ledger and the dashboards all start
from ``case_ids(user)``: a case outside the user's scope does not exist for them (404)."""

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.db.models import Count, Exists, F, FloatField, Model, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast, Greatest
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from governance import scoping
from governance.models import Ethnicity, Mediator, User
from governance.selectors import mediator_ids
from stations.selectors import same_source

from .models import (
    OPEN_STATUSES,
    Agreement,
    CaseEvent,
    CaseExtension,
    CaseMediator,
    CasePause,
    DisputeCase,
    FollowUp,
    MediationSession,
    MediatorRelation,
    Party,
    Referral,
    RiskAssessment,
    Status,
)
from .tiers.models import CaseTransfer, Evaluation, HandOn, LinkedReport, Supervision
from .tiers.scope import read_only_case_ids

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

M = TypeVar("M", bound=Model)


# --- The query expressions that lists, the API and the figures share ------------------------
def is_open(prefix: str = "") -> Q:
    """On ``DisputeCase`` (or through a relation, ``prefix="dispute_cases__"``): still being
    handled (not closed, not refused)."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES})


def is_overdue(now: dt.datetime | None = None) -> Q:
    """On ``DisputeCase``: open, not paused, and past the deadline of its stage (the 超期 of lists,
    filters, badges, dashboards, sweeps and the Excel ledger: the case clock, ``disputes.clock``)."""
    return is_open() & Q(paused_at__isnull=True, due_at__lt=now or timezone.now())


def is_closed_on_time() -> Q:
    """On ``DisputeCase``: 按期办结, closed before its handling deadline (the deadline already
    includes every pause and approved extension)."""
    return Q(status=Status.CLOSED, closed_at__lte=F("due_at"))


def has_agreement() -> Exists:
    """On ``DisputeCase``: a mediation agreement was reached (what makes a closed case 化解)."""
    return Exists(Agreement.objects.filter(case=OuterRef("pk")))


def case_incidents() -> Q:
    """On ``Incident``, inside a subquery of a case query: the incidents from the case's source —
    at its place (village + normalised address) or from one of its parties' phones. The one
    definition the risk score (repeat incidents) and the dashboards (民转刑) share."""
    phones = Party.objects.filter(case=OuterRef(OuterRef("pk"))).exclude(phone="").values("phone")
    return same_source(village=OuterRef("village_id"), address_key=OuterRef("address_key"), phones=phones)


def case_ids(user: User, *, writable: bool = False) -> QuerySet:
    """A values-queryset of the ids of the cases ``user`` may see. Deny by default.
    ``writable``: only those it may change (not the read-only ones of ``tiers.scope``: a case
    the user's station transferred away, or one a pending transfer offers it)."""
    cases = DisputeCase.objects.all()
    if not scoping.has_scope(user):
        return cases.none().values("pk")
    if user.is_county_wide:
        return cases.values("pk")
    if user.role in (User.Role.STATION, User.Role.AUXILIARY, User.Role.TOWNSHIP):
        in_villages = Q(village__in=scoping.village_ids(user))
        extra = None if writable else read_only_case_ids(user)
        return cases.filter(in_villages if extra is None else in_villages | Q(pk__in=extra)).values("pk")
    if user.role == User.Role.GRID:
        return cases.filter(Q(grid__in=scoping.grid_ids(user)) | Q(reported_by=user)).values("pk")
    if user.role == User.Role.MEDIATOR:
        return cases.filter(
            mediator_assignments__mediator__user=user, mediator_assignments__is_active=True
        ).values("pk")
    return cases.none().values("pk")


def case_scope(user: User) -> Q:
    """The cases ``case_ids(user)`` gives, as a flat filter on ``DisputeCase``: nothing for the
    county-wide (not ``id IN (SELECT id FROM every case)``), the villages' ids straight on
    ``village_id`` for station staff and auxiliary officers, one level of subquery fewer than
    ``pk__in=case_ids(user)``. Lists and pages filter with it; ``case_ids`` stays the subquery
    related records are reached through."""
    if not scoping.has_scope(user):
        return Q(pk__in=[])
    if user.is_county_wide:
        return Q()
    if user.role in (User.Role.STATION, User.Role.AUXILIARY, User.Role.TOWNSHIP):
        # resolved once to a flat list (one small query): with the villages as a subquery the
        # planner walks the whole date index of a deep page (8 s at 500 k cases; 0.3 s so);
        # plus the read-only cases of ``tiers`` (transferred away, or offered by a transfer)
        villages = Q(village_id__in=[row["pk"] for row in scoping.village_ids(user)])
        read_only = read_only_case_ids(user)
        extra = [row["case_id"] for row in read_only] if read_only is not None else []
        return villages | Q(pk__in=extra) if extra else villages
    if user.role == User.Role.GRID:
        return Q(grid__in=scoping.grid_ids(user)) | Q(reported_by=user)
    return Q(pk__in=case_ids(user))


def _active_mediators_prefetch() -> Prefetch:
    return Prefetch(
        "mediator_assignments",
        queryset=CaseMediator.objects.filter(is_active=True).select_related("mediator"),
        to_attr="active_mediators",
    )


def linkable_cases(user: User) -> QuerySet[DisputeCase]:
    """Open cases the user may write to: those a repeat report may be linked to (every intake
    path: the case API's and the incident API's ``link_to``)."""
    return DisputeCase.objects.filter(pk__in=case_ids(user, writable=True), status__in=OPEN_STATUSES)


def merge_candidates(*, user: User, case: DisputeCase) -> QuerySet[DisputeCase]:
    """The cases that may be merged into ``case`` (the merge form's choices): the open cases of
    its village in the user's scope, newest first, the same ones ``case_list`` gives for
    ``open`` and ``village``, in one query with only what their labels show."""
    return (
        DisputeCase.objects.filter(pk__in=case_ids(user), village_id=case.village_id)
        .filter(is_open())
        .exclude(pk=case.pk)
        .only("pk", "number", "summary")
        .order_by("-reported_at", "-pk")
    )


def case_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[DisputeCase]:
    """Cases in scope, filtered. ``filters`` keys: q, status, level, category, village, grid,
    station, overdue, mediator, date_from, date_to, source, open, risk_level; ``order``: "risk"
    (highest score first), "due" (nearest due date first), default newest first."""
    f = filters or {}
    qs = (
        DisputeCase.objects.filter(case_scope(user))
        .select_related("village", "village__parent", "grid", "station", "responsible")
        .prefetch_related(
            _active_mediators_prefetch(), Prefetch("parties", queryset=Party.objects.order_by("pk"))
        )
    )
    if f.get("q"):
        q = f["q"].strip()
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(summary__icontains=q)
            | Q(address__icontains=q)
            | Q(Exists(Party.objects.filter(case=OuterRef("pk"), name__icontains=q)))
        )
    for key in ("status", "level", "category", "source", "risk_level"):
        if f.get(key):
            value = f[key]
            qs = qs.filter(**{f"{key}__in": value} if isinstance(value, list | tuple) else {key: value})
    if f.get("village"):
        qs = qs.filter(village=f["village"])
    if f.get("grid"):
        qs = qs.filter(grid=f["grid"])
    if f.get("station"):
        qs = qs.filter(station=f["station"])
    if f.get("mediator"):
        qs = qs.filter(
            Exists(CaseMediator.objects.filter(case=OuterRef("pk"), mediator=f["mediator"], is_active=True))
        )
    if f.get("open"):
        qs = qs.filter(is_open())
    if f.get("overdue"):
        qs = qs.filter(is_overdue())
    if f.get("date_from"):
        qs = qs.filter(reported_at__gte=_day_start(f["date_from"]))
    if f.get("date_to"):
        qs = qs.filter(reported_at__lt=_day_start(f["date_to"] + dt.timedelta(days=1)))
    if f.get("order") == "risk":
        return qs.order_by("-risk_score", "-reported_at", "-pk")
    if f.get("order") == "due":
        return qs.order_by(F("due_at").asc(nulls_last=True), "-pk")
    return qs.order_by("-reported_at", "-pk")


def risk_history(*, user: User, case_pk: int | str) -> QuerySet:
    """The case's assessments, newest first (each with its factors and rule version)."""
    return _newest_assessments(RiskAssessment.objects.filter(case__in=case_ids(user), case_id=case_pk))


RISK_HISTORY_SHOWN = 30  # the case page's history of levels


def _newest_assessments(qs: QuerySet) -> QuerySet:
    return qs.order_by("-assessed_at", "-pk")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


_CASE_RELATIONS = ("village", "village__parent", "grid", "station", "responsible", "reported_by", "county")
_VILLAGE_SCOPED = (User.Role.STATION, User.Role.AUXILIARY, User.Role.TOWNSHIP)


def _get_in_scope(user: User, pk: int | str, qs: QuerySet[DisputeCase]) -> DisputeCase:
    """One case of ``qs`` by its key, 404 outside ``case_ids(user)``, knowing whether it is also
    in ``case_ids(user, writable=True)`` (``case_writable``), without building either subquery
    (a dozen milliseconds of query building for one row). The same sets, role by role: the
    county-wide read and write every case; station staff, auxiliary officers and townships
    read and write the cases of their villages (one small query for their ids) and only read
    those of ``tiers.scope``; the others write every case they read."""
    if not scoping.has_scope(user):
        raise Http404
    writable = True
    if user.is_county_wide:
        case = get_object_or_404(qs, pk=pk)
    elif user.role in _VILLAGE_SCOPED:
        villages = [row["pk"] for row in scoping.village_ids(user)]
        found = qs.filter(pk=pk, village_id__in=villages).first()
        if found is None:
            read_only = read_only_case_ids(user)
            if read_only is None:
                raise Http404
            found, writable = get_object_or_404(qs.filter(pk__in=read_only), pk=pk), False
        case = found
    else:
        case = get_object_or_404(qs.filter(pk__in=case_ids(user)), pk=pk)
    case.writable_for, case.in_writable_scope = user.pk, writable
    return case


def case_get(*, user: User, pk: int | str) -> DisputeCase:
    return _get_in_scope(user, pk, DisputeCase.objects.select_related(*_CASE_RELATIONS))


def _page_lists() -> dict[str, Exists]:
    """What the case page lists beside the case, each as an EXISTS in the case's own query: a
    list known to be empty costs no query of its own (most cases have no pause, extension,
    hand-on, supervision, transfer …), and one that is not is read whole as before."""
    case = OuterRef("pk")
    return {
        "has_mediators": Exists(CaseMediator.objects.filter(case=case, is_active=True)),
        "has_sessions": Exists(MediationSession.objects.filter(case=case)),
        "has_agreements": Exists(Agreement.objects.filter(case=case)),
        "has_referrals": Exists(Referral.objects.filter(case=case)),
        "has_follow_ups": Exists(FollowUp.objects.filter(case=case, is_cancelled=False)),
        "has_pauses": Exists(CasePause.objects.filter(case=case)),
        "has_extensions": Exists(CaseExtension.objects.filter(case=case)),
        "has_risk_assessments": Exists(RiskAssessment.objects.filter(case=case)),
        # the tiers' records (``tiers.panel.load``)
        "has_hand_ons": Exists(HandOn.objects.filter(case=case)),
        "has_supervisions": Exists(Supervision.objects.filter(case=case)),
        "has_transfers": Exists(CaseTransfer.objects.filter(case=case)),
        "has_linked_reports": Exists(LinkedReport.objects.filter(case=case)),
        "has_evaluation": Exists(Evaluation.objects.filter(case=case)),
    }


def _listed(present: bool, qs: QuerySet[M]) -> list[M]:
    return list(qs) if present else []


def case_detail(*, user: User, pk: int | str) -> DisputeCase:
    """One case with everything its page shows, in a fixed number of queries: the case with
    whether each of its lists has rows (one query, and one for the ids of the user's villages),
    then one query per list that has rows."""
    qs = DisputeCase.objects.select_related(*_CASE_RELATIONS).annotate(**_page_lists())
    case = _get_in_scope(user, pk, qs)
    case.party_list = list(case.parties.order_by("role", "pk"))
    case.active_mediators = _listed(
        case.has_mediators, case.mediator_assignments.filter(is_active=True).select_related("mediator")
    )
    case.session_list = _listed(case.has_sessions, case.sessions.select_related("recorded_by"))
    case.agreement_list = _listed(case.has_agreements, case.agreements.all())
    case.referral_list = _listed(case.has_referrals, case.referrals.select_related("agreement"))
    case.follow_up_list = _listed(
        case.has_follow_ups, case.follow_ups.filter(is_cancelled=False).select_related("visitor")
    )
    case.timeline = list(case.events.select_related("actor").order_by("created_at", "pk"))
    case.pause_list = _listed(
        case.has_pauses, case.pauses.select_related("referral", "started_by", "ended_by")
    )
    case.extension_list = _listed(
        case.has_extensions, case.extensions.select_related("requested_by", "decided_by")
    )
    newest = _newest_assessments(case.risk_assessments.all())[:RISK_HISTORY_SHOWN]
    case.risk_list = _listed(case.has_risk_assessments, newest)
    return case


def case_writable(user: User, case: DisputeCase) -> bool:
    """The case is in the user's writable scope (``case_ids(user, writable=True)``), not only
    readable (``tiers.scope``). Known for a case read by ``case_get`` / ``case_detail``;
    otherwise one query."""
    if getattr(case, "writable_for", None) == user.pk:
        return bool(case.in_writable_scope)
    return case_ids(user, writable=True).filter(pk=case.pk).exists()


def timeline(*, user: User, case_pk: int | str) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case__in=case_ids(user), case_id=case_pk).select_related("actor")


# --- related records, each reached through the case's scope ------------------------------


def party_list(*, user: User, case_pk: int | None = None) -> QuerySet[Party]:
    qs = Party.objects.filter(case__in=case_ids(user)).select_related("case")
    return qs.filter(case_id=case_pk) if case_pk else qs


def related_list(model: type[M], *, user: User, case_pk: int | None = None) -> QuerySet[M]:
    """Sessions, agreements, referrals, follow-ups: whatever hangs off a case in scope."""
    qs = model._default_manager.filter(case__in=case_ids(user)).select_related("case")
    if model is FollowUp:
        qs = qs.filter(is_cancelled=False)
    return qs.filter(case_id=case_pk) if case_pk else qs


def related_get(model: type[M], *, user: User, pk: int | str) -> M:
    return get_object_or_404(related_list(model, user=user), pk=pk)


# --- Mediator suggestion ------------------------------------------------------------------
def _conflicted_mediator_ids(case: DisputeCase) -> QuerySet:
    parties = Party.objects.filter(case=case)
    clans = parties.exclude(clan="").values("clan")
    ids = parties.exclude(id_number="").values("id_number")
    names = parties.values("name")
    related = MediatorRelation.objects.filter(
        Q(id_number__in=ids) | (Q(id_number="") & Q(person_name__in=names))
    ).values("mediator_id")
    return Mediator.objects.filter(Q(clan__in=clans) | Q(pk__in=related)).values("pk")


class CandidateFigures(TypedDict):
    """What ``mediator_candidates`` annotates each mediator with."""

    open_cases: int
    total_cases: int
    resolved_cases: int
    conflicted: bool
    record: float


def mediator_candidates(*, case: DisputeCase) -> "QuerySet[WithAnnotations[Mediator, CandidateFigures]]":
    """Active mediators serving the case's township, annotated with their open cases, their
    record (share of their cases that reached an agreement) and whether they must step aside."""
    resolved = (Status.AGREEMENT_REACHED, Status.PERFORMED, Status.CLOSED)
    qs = (
        Mediator.objects.filter(is_active=True, township_id=case.village.parent_id)
        .exclude(pk__in=CaseMediator.objects.filter(case=case, is_active=True).values("mediator_id"))
        .annotate(
            open_cases=Count(
                "case_assignments",
                filter=Q(case_assignments__is_active=True, case_assignments__case__status__in=OPEN_STATUSES),
            ),
            total_cases=Count("case_assignments"),
            resolved_cases=Count("case_assignments", filter=Q(case_assignments__case__status__in=resolved)),
            conflicted=Exists(_conflicted_mediator_ids(case).filter(pk=OuterRef("pk"))),
        )
        .annotate(
            record=Cast(F("resolved_cases"), FloatField())
            / Cast(Greatest(F("total_cases"), Value(1)), FloatField())
        )
    )
    parties = getattr(case, "party_list", None)  # read already by case_detail
    if parties is not None:
        ethnicities = {p.ethnicity for p in parties if p.ethnicity}
    else:
        ethnicities = set(
            Party.objects.filter(case=case).exclude(ethnicity="").values_list("ethnicity", flat=True)
        )
    if Ethnicity.YI in ethnicities:
        qs = qs.filter(speaks_yi=True)
    if ethnicities - {Ethnicity.YI}:
        qs = qs.filter(speaks_mandarin=True)
    return qs.order_by("conflicted", "open_cases", "-record", "name")


def mediator_suggestions(*, case: DisputeCase, limit: int = 5) -> list[Mediator]:
    """Suggested mediators, best first: never one who must step aside."""
    return list(mediator_candidates(case=case).filter(conflicted=False)[:limit])


def mediator_choices(*, user: User, case: DisputeCase) -> QuerySet[Mediator]:
    """Every active mediator the user may assign to the case (in scope), conflicts flagged."""
    return (
        Mediator.objects.filter(pk__in=mediator_ids(user), is_active=True)
        .exclude(pk__in=CaseMediator.objects.filter(case=case, is_active=True).values("mediator_id"))
        .annotate(conflicted=Exists(_conflicted_mediator_ids(case).filter(pk=OuterRef("pk"))))
        .select_related("township")
        .order_by("conflicted", "township__code", "name")
    )


def mediator_relation_list(*, user: User) -> QuerySet[MediatorRelation]:
    """Recorded relations of the mediators the user may see."""
    return (
        MediatorRelation.objects.filter(mediator__in=mediator_ids(user))
        .select_related("mediator")
        .order_by("mediator__name", "person_name")
    )

"""Scoped reads of the tiers: duplicate candidates at intake, the referrals a liaison answers,
the hand-ons, supervisions and transfers a user deals with, and the work queue (我的待办) the
home page and the phone home show."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from governance import capabilities, scoping
from governance.models import User
from governance.roles import LiaisonUnit, Role
from governance.validators import normalize_id_number, normalize_phone
from stations.selectors import normalize_address, officer_station_id

from ..models import DisputeCase, Party, Referral, Status
from ..selectors import case_ids, case_writable, is_open
from .models import CaseTransfer, HandOn, Supervision
from .rules import HANDLED_LEVELS, LOCAL_LEVELS

# which referrals a liaison unit answers
UNIT_REFERRALS = {
    LiaisonUnit.JUDICIAL: Q(kind=Referral.Kind.PEOPLE_MEDIATION),
    LiaisonUnit.COURT: Q(kind=Referral.Kind.COURT),
    LiaisonUnit.LAWYER: Q(kind=Referral.Kind.LAWYER),
}


def case_is_read_only(user: User, case: DisputeCase) -> bool:
    """The case is in the user's read scope only (transferred away, or offered by a transfer)."""
    if user.role not in (Role.STATION, Role.TOWNSHIP, Role.AUXILIARY) or user.is_county_wide:
        return False
    return not case_writable(user, case)


# --- Liaisons -----------------------------------------------------------------------------
def liaison_referral_ids(user: User) -> QuerySet:
    """The referrals sent to the liaison's unit (and township, when the account names one)."""
    referrals = Referral.objects.all()
    if not scoping.has_scope(user):
        return referrals.none().values("pk")
    if capabilities.role_of(user) == Role.ADMIN:
        return referrals.values("pk")
    if user.role != Role.LIAISON or not user.liaison_unit:
        return referrals.none().values("pk")
    unit = user.liaison_unit
    condition = UNIT_REFERRALS.get(unit, Q(kind=Referral.Kind.DEPARTMENT, department=unit))  # type: ignore[call-overload]
    if user.township_id is not None:
        condition &= Q(case__village__parent_id=user.township_id)
    return referrals.filter(condition).values("pk")


def liaison_referral_list(*, user: User, open_only: bool = False) -> QuerySet[Referral]:
    """The referrals a liaison answers, with the summary of their cases only (no parties)."""
    qs = (
        Referral.objects.filter(pk__in=liaison_referral_ids(user))
        .select_related("case", "case__village", "agreement")
        .order_by("-sent_at", "-pk")
    )
    if open_only:
        qs = qs.filter(status__in=(Referral.Status.SENT, Referral.Status.ACCEPTED))
    return qs


def liaison_referral_get(*, user: User, pk: int | str) -> Referral:
    return get_object_or_404(liaison_referral_list(user=user), pk=pk)


# --- Hand-ons, supervisions, transfers ----------------------------------------------------
def hand_on_inbox(user: User) -> QuerySet[HandOn]:
    """Pending hand-ons the user's unit must acknowledge."""
    qs = HandOn.objects.filter(status=HandOn.Status.PENDING).select_related(
        "case", "to_station", "to_township"
    )
    role = capabilities.role_of(user)
    if role == Role.ADMIN:
        return qs
    if role == Role.STATION:
        return qs.filter(target=HandOn.Target.STATION, to_station_id=officer_station_id(user))
    if role == Role.TOWNSHIP:
        return qs.filter(target=HandOn.Target.TOWNSHIP, to_township_id=user.township_id)
    if role == Role.LIAISON:
        qs = qs.filter(target=HandOn.Target.DEPARTMENT, to_unit=user.liaison_unit)
        # a liaison of one township's unit (the account names it) receives that township's only,
        # as for its referrals (``liaison_referral_ids``)
        return qs if user.township_id is None else qs.filter(case__village__parent_id=user.township_id)
    return qs.none()


def hand_on_get(*, user: User, pk: int | str) -> HandOn:
    """A hand-on the user sees: of a case in scope, or one sent to their unit."""
    qs = HandOn.objects.filter(Q(case__in=case_ids(user)) | Q(pk__in=hand_on_inbox(user).values("pk")))
    return get_object_or_404(qs.select_related("case", "to_station", "to_township", "created_by"), pk=pk)


def hand_on_list(*, user: User, case_pk: int) -> QuerySet[HandOn]:
    return HandOn.objects.filter(case__in=case_ids(user), case_id=case_pk).select_related(
        "to_station", "to_township", "created_by", "acknowledged_by"
    )


def supervision_list(*, user: User, case_pk: int | None = None) -> QuerySet[Supervision]:
    qs = (
        Supervision.objects.filter(case__in=case_ids(user))
        .select_related("case", "opened_by", "closed_by")
        .prefetch_related("replies__author")
    )
    return qs.filter(case_id=case_pk) if case_pk is not None else qs


def supervision_get(*, user: User, pk: int | str) -> Supervision:
    return get_object_or_404(supervision_list(user=user), pk=pk)


def unanswered() -> Q:
    """On ``Supervision``: open, no reply yet, past its reply-by time (the one definition the
    sweep, the dashboard and the work queue share)."""
    return Q(status=Supervision.Status.OPEN, replied_at__isnull=True, reply_by__lt=timezone.now())


def my_supervisions(user: User) -> QuerySet[Supervision]:
    """The open supervisions the user opened (the supervisor's dashboard)."""
    return (
        Supervision.objects.filter(opened_by=user, status=Supervision.Status.OPEN, case__in=case_ids(user))
        .select_related("case")
        .order_by("reply_by", "pk")
    )


def transfer_inbox(user: User) -> QuerySet[CaseTransfer]:
    """Pending transfers into the user's villages that they may accept or send back."""
    if not capabilities.may(user, "case.transfer_decide"):
        return CaseTransfer.objects.none()
    return CaseTransfer.objects.filter(
        status=CaseTransfer.Status.PENDING, to_village__in=scoping.village_ids(user)
    ).select_related("case", "to_village", "from_village", "requested_by")


def transfer_get(*, user: User, pk: int | str) -> CaseTransfer:
    qs = CaseTransfer.objects.filter(Q(case__in=case_ids(user)) | Q(pk__in=transfer_inbox(user).values("pk")))
    return get_object_or_404(qs.select_related("case", "to_village"), pk=pk)


def transfer_list(*, user: User, case_pk: int) -> QuerySet[CaseTransfer]:
    return CaseTransfer.objects.filter(case__in=case_ids(user), case_id=case_pk).select_related(
        "from_village", "to_village", "from_station", "to_station", "requested_by", "decided_by"
    )


# --- Duplicates ---------------------------------------------------------------------------
def duplicate_candidates(
    *,
    user: User,
    phones: list[str] | None = None,
    id_numbers: list[str] | None = None,
    village_id: int | None = None,
    address: str = "",
    exclude_pk: int | None = None,
    limit: int = 10,
) -> QuerySet[DisputeCase]:
    """Open cases in the user's scope reported within ``TIERS["DUPLICATE_WINDOW_DAYS"]`` with a
    party of the same ID number or phone, or at the same place (village + normalised address)."""
    since = timezone.now() - dt.timedelta(days=int(settings.TIERS["DUPLICATE_WINDOW_DAYS"]))
    phones = [p for p in (normalize_phone(x or "") for x in phones or []) if p]
    id_numbers = [i for i in (normalize_id_number(x or "") for x in id_numbers or []) if i]
    key = normalize_address(address)
    match = Q(pk__in=[])
    if phones or id_numbers:
        parties = Party.objects.filter(Q(phone__in=phones) | Q(id_number__in=id_numbers)).exclude(
            phone="", id_number=""
        )
        match |= Q(pk__in=parties.values("case_id"))
    if key and village_id:
        match |= Q(village_id=village_id, address_key=key)
    qs = DisputeCase.objects.filter(match, is_open(), pk__in=case_ids(user), reported_at__gte=since)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("village").order_by("-reported_at", "-pk")[:limit]


# --- 我的待办 -------------------------------------------------------------------------------
@dataclass
class WorkQueue:
    """What waits for the user, each list at most ``limit`` long, with its full count."""

    to_accept: list[DisputeCase] = field(default_factory=list)
    hand_ons: list[HandOn] = field(default_factory=list)
    supervisions: list[Supervision] = field(default_factory=list)
    my_supervisions: list[Supervision] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    transfers: list[CaseTransfer] = field(default_factory=list)
    due_this_week: list[DisputeCase] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(v for k, v in self.counts.items() if k != "my_supervisions")

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "total": self.total}


def _handled_levels(user: User) -> list[str]:
    levels = [level for level, code in HANDLED_LEVELS.items() if capabilities.may(user, code)]
    if capabilities.may(user, "case.handle_local"):
        levels += LOCAL_LEVELS
    return levels


def _handled_here(user: User) -> Q:
    """On ``DisputeCase``: cases at a level the user handles (station staff: grid and village;
    a township 综治中心: township; the county: county; an administrator: all)."""
    return Q(level__in=_handled_levels(user))


def _to_take_on(user: User) -> Q:
    """On ``DisputeCase``: waiting for the user's level to take it: reported and not yet accepted,
    or escalated to a level the user handles above the station's and nobody of that level is
    responsible for it yet (the escalation's notice says so; 接手 takes it)."""
    role = capabilities.role_of(user)
    waiting = Q(status=Status.REPORTED)
    upper = [level for level in HANDLED_LEVELS if level in _handled_levels(user)]
    if upper and role in (Role.TOWNSHIP, Role.COUNTY):
        waiting |= Q(is_open(), level__in=upper) & ~Q(responsible__role=role)
    return waiting


def work_queue(*, user: User, limit: int = 5) -> WorkQueue:
    """我的待办: cases to accept, hand-ons to acknowledge, supervisions to answer (and the ones the
    user opened), referrals to answer, transfers to accept, the user's deadlines this week. The
    one selector the home page, the phone home and the API read."""
    queue = WorkQueue()
    if not scoping.has_scope(user):
        return queue
    now = timezone.now()
    writable = case_ids(user, writable=True)
    sources: dict[str, QuerySet] = {}
    handles = bool(_handled_levels(user))
    inbox = hand_on_inbox(user)
    if handles:
        # a case handed on to the user's unit waits for its 签收 (under hand_ons), counted once
        sources["to_accept"] = (
            DisputeCase.objects.filter(_handled_here(user), _to_take_on(user), pk__in=writable)
            .exclude(pk__in=inbox.values("case_id"))
            .order_by("due_at", "pk")
        )
    sources["hand_ons"] = inbox.order_by("ack_due_at", "pk")
    if capabilities.may(user, "case.supervision_reply") or handles:
        sources["supervisions"] = (
            Supervision.objects.filter(status=Supervision.Status.OPEN, replied_at__isnull=True)
            .filter(case__in=DisputeCase.objects.filter(_handled_here(user), pk__in=writable).values("pk"))
            .select_related("case")
            .order_by("reply_by", "pk")
        )
    if capabilities.may(user, "case.supervise"):
        sources["my_supervisions"] = my_supervisions(user)
    if capabilities.may(user, "referral.answer"):
        sources["referrals"] = liaison_referral_list(user=user, open_only=True)
    sources["transfers"] = transfer_inbox(user).order_by("requested_at", "pk")
    if handles:
        sources["due_this_week"] = DisputeCase.objects.filter(
            is_open(),
            pk__in=writable,
            responsible=user,
            paused_at__isnull=True,
            due_at__lte=now + dt.timedelta(days=7),
        ).order_by("due_at", "pk")
    for name, qs in sources.items():
        queue.counts[name] = qs.count()
        setattr(queue, name, list(qs[:limit]) if queue.counts[name] else [])
    return queue

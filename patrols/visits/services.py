"""Risk → visit: the writes (scoped reads are in ``selectors``).

When a case's risk is 红 or 橙, ``risk_visits_create`` asks for a visit (one per case and level)
by the grid's workers and the village's attached officer and auxiliary officer, due in
``settings.VISIT_TASK_HOURS`` (48 h), keeping the case's risk at that moment. A visit is done
only by a check-in made for it (``visit_check_in``) by one of its assignees after it was asked
for: a grid worker's ``GridCheckIn`` in the case's grid, or an officer's village check-in
(``stations.VillageVisit``) in the case's village, each with its outcome; it is verified when
that check-in's position is within ``VISIT_VERIFY_DISTANCE_M`` of the grid (village). "Done" and
"verified" are derived in the query (``selectors.done_filter``). Overdue visits are reminded.

The notification kinds and keys, and the points' source keys, keep the strings they were first
stored with (``visit.task``, ``visittask-<id>``): they deduplicate against rows already written.
"""

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.attachments import services as attachment_services
from core.attachments.models import Attachment
from core.errors import DomainError, NotPermitted
from core.notifications import Message, notify_bulk
from disputes import services as dispute_services
from disputes.models import OPEN_STATUSES, DisputeCase, RiskLevel
from governance import points
from governance.models import Grid, GridWorker, User
from stations.evidence import check_in_evidence
from stations.models import VillageAssignment, VillageVisit, VisitOutcome
from stations.presence import services as presence_services
from stations.presence.services import person_of
from stations.services import Coordinate

from .models import GridCheckIn, RiskVisit
from .selectors import done_filter

HIGH = (RiskLevel.RED, RiskLevel.ORANGE)
# Stored strings (notification kinds, a notification's target, a points source key): unchanged.
KIND_ASKED = "visit.task"
KIND_OVERDUE = "visit.task.overdue"
EVENT_CHECKED_IN = "patrols.visit.checked_in"  # the case's timeline: a check-in made for its risk visit


def stored_key(visit_id: int) -> str:
    """The target of a visit's overdue reminder and the points source key of its check-ins."""
    return f"visittask-{visit_id}"


def visit_hours() -> int:
    return int(getattr(settings, "VISIT_TASK_HOURS", 48))


# --- Asking for visits --------------------------------------------------------------------
def _assignees(cases: list[DisputeCase]) -> dict[int, list[User]]:
    """Per case: the active grid workers of its grid who have an account, and the village's
    current attached officer and auxiliary officer (two queries for all cases)."""
    grid_ids = {c.grid_id for c in cases if c.grid_id}
    village_ids = {c.village_id for c in cases}
    by_grid: dict[int | None, list[User]] = {}
    for w in GridWorker.objects.filter(
        grid_id__in=grid_ids, is_active=True, user__isnull=False, user__is_active=True
    ).select_related("user"):
        by_grid.setdefault(w.grid_id, []).append(cast(User, w.user))  # user__isnull=False
    by_village: dict[int, list[User]] = {}
    for a in VillageAssignment.objects.filter(
        village_id__in=village_ids, end_date__isnull=True
    ).select_related("officer__user", "auxiliary_officer__user"):
        person = a.officer if a.kind == VillageAssignment.Kind.ATTACHED_OFFICER else a.auxiliary_officer
        if person is not None and person.user is not None and person.user.is_active:
            by_village.setdefault(a.village_id, []).append(person.user)
    return {c.pk: by_grid.get(c.grid_id, []) + by_village.get(c.village_id, []) for c in cases}


def risk_visits_create(*, now: dt.datetime, case_ids: list[int] | None = None) -> int:
    """A visit for every open 红/橙 case that has none at its level yet (set-wise, idempotent:
    one visit per case and level). With ``case_ids``, only those cases: the hook a rise of risk
    calls at once (``disputes.risk.register_risk_rise_handler``, wired in ``PatrolsConfig``)."""
    targets = DisputeCase.objects.all() if case_ids is None else DisputeCase.objects.filter(pk__in=case_ids)
    cases = list(
        targets.filter(status__in=OPEN_STATUSES, risk_level__in=HIGH)
        .exclude(Exists(RiskVisit.objects.filter(case=OuterRef("pk"), level=OuterRef("risk_level"))))
        .select_related("village")
    )
    if not cases:
        return 0
    due = now + dt.timedelta(hours=visit_hours())
    with transaction.atomic():
        RiskVisit.objects.bulk_create(
            [
                RiskVisit(
                    case=c,
                    level=c.risk_level,
                    risk_score_at_creation=c.risk_score,
                    risk_level_at_creation=c.risk_level,
                    village_id=c.village_id,
                    grid_id=c.grid_id,
                    created_at=now,
                    due_at=due,
                )
                for c in cases
            ],
            ignore_conflicts=True,
        )
        visits = {v.case_id: v for v in RiskVisit.objects.filter(case__in=cases, created_at=now)}
        people = _assignees(cases)
        through = RiskVisit.assignees.through
        through.objects.bulk_create(
            [
                through(riskvisit_id=visits[c.pk].pk, user_id=u.pk)
                for c in cases
                if c.pk in visits
                for u in {u.pk: u for u in people[c.pk]}.values()
            ],
            ignore_conflicts=True,
        )
        # the visits and their notices commit together (the rerun selects cases without a visit)
        notify_bulk(
            [
                (
                    people[c.pk],
                    Message(
                        kind=KIND_ASKED,
                        target=f"case-{c.pk}",
                        period=c.risk_level,
                        title=_("%(l)s色风险案件 %(n)s:请在%(h)d小时内到村(网格)核查走访")
                        % {"l": RiskLevel(c.risk_level).label, "n": c.number, "h": visit_hours()},
                        body=f"{c.village.name} · {c.get_category_display()}",
                        url=reverse("visits:detail", args=[visits[c.pk].pk]),
                    ),
                )
                for c in cases
                if c.pk in visits
            ],
            sms=True,
        )
    return len(visits)


def risk_visits_remind_overdue(*, now: dt.datetime) -> int:
    """Visits past their deadline without a check-in, on cases still open: remind the assignees
    (once per visit)."""
    visits = list(
        RiskVisit.objects.filter(due_at__lt=now, case__status__in=OPEN_STATUSES)
        .filter(done_filter(False))
        .select_related("case", "village")
        .prefetch_related("assignees")
    )
    return notify_bulk(
        [
            (
                list(v.assignees.all()),
                Message(
                    kind=KIND_OVERDUE,
                    target=stored_key(v.pk),
                    period=str(timezone.localdate(v.due_at)),
                    title=_("核查走访任务已超期:案件 %(n)s(%(v)s)")
                    % {"n": v.case.number, "v": v.village.name},
                    url=reverse("visits:detail", args=[v.pk]),
                ),
            )
            for v in visits
        ]
    )


# --- Check-ins ---------------------------------------------------------------------------
@transaction.atomic
def grid_check_in(
    *,
    actor: User,
    grid: Grid,
    note: str = "",
    lat: Coordinate = None,
    lon: Coordinate = None,
    recorded_offline_at: Any = None,
    now: dt.datetime | None = None,
    risk_visit: RiskVisit | None = None,
    outcome: str = "",
) -> GridCheckIn:
    """A grid worker checks in in their own grid: the server's time, the position if given and
    its distance from the grid's boundary (``stations.evidence``). A check-in in the grid does
    not complete a risk visit by itself: only one made for the visit (``visit_check_in``)."""
    worker = GridWorker.objects.filter(user=actor, grid=grid, is_active=True).first()
    if worker is None:
        raise NotPermitted(_("只有本网格的网格员可以在本网格签到。"))
    now = now or timezone.now()
    evidence = check_in_evidence(
        lat=lat, lon=lon, now=now, recorded_offline_at=recorded_offline_at, grid_id=grid.pk
    )
    check_in = GridCheckIn(
        grid=grid,
        user=actor,
        checked_in_at=now,
        note=(note or "").strip()[:200],
        latitude=evidence.latitude,
        longitude=evidence.longitude,
        distance_m=evidence.distance_m,
        verified=evidence.verified,
        recorded_offline_at=evidence.recorded_offline_at,
        risk_visit=risk_visit,
        outcome=outcome,
    )
    check_in.full_clean()
    check_in.save()
    return check_in


def may_check_in_for(user: User, visit: RiskVisit) -> bool:
    """Whether ``user`` may check in for this visit: one of its assignees, who is a grid worker of
    its grid or an officer / auxiliary officer on duty."""
    if not visit.assignees.filter(pk=user.pk).exists():
        return False
    if visit.grid_id is not None and _grid_worker(user, visit) is not None:
        return True
    return person_of(user) is not None


def _grid_worker(user: User, visit: RiskVisit) -> GridWorker | None:
    if visit.grid_id is None:
        return None
    return GridWorker.objects.filter(user=user, grid_id=visit.grid_id, is_active=True).first()


@transaction.atomic
@transaction.atomic
def visit_check_in_with_photo(*, actor: User, visit: RiskVisit, photo: Any = None, **data: Any) -> Any:
    """``visit_check_in`` with the optional photo of the phone form: the check-in and its photo,
    or neither (a photo refused by ``core.attachments`` checks makes no check-in)."""
    record = visit_check_in(actor=actor, visit=visit, **data)
    if photo is not None:
        label = "patrols.grid_check_in" if isinstance(record, GridCheckIn) else "stations.village_visit"
        attachment_services.attachment_add(
            actor=actor, label=label, object_id=record.pk, upload=photo, kind=Attachment.Kind.PHOTO
        )
    return record


def visit_check_in(
    *,
    actor: User,
    visit: RiskVisit,
    outcome: str,
    note: str = "",
    lat: Coordinate = None,
    lon: Coordinate = None,
    recorded_offline_at: Any = None,
    now: dt.datetime | None = None,
) -> GridCheckIn | VillageVisit:
    """A check-in made for a risk visit, by one of its assignees: a grid worker of the visit's
    grid checks in in the grid, an officer or auxiliary officer in the village. It stores the
    server's time, the position (if given), its distance from the grid (village) and the outcome;
    without a position, or farther than ``VISIT_VERIFY_DISTANCE_M``, it is accepted but not
    verified. A grid worker earns 走访核查 points once per visit, for a verified check-in only.
    The case's timeline records the check-in."""
    if not visit.assignees.filter(pk=actor.pk).exists():
        raise NotPermitted(_("只有该任务的核查人员可以为其签到。"))
    if outcome not in VisitOutcome.values:
        raise DomainError(_("请选择核查结果。"), field="outcome")
    now = now or timezone.now()
    worker = _grid_worker(actor, visit)
    record: GridCheckIn | VillageVisit
    if worker is not None and visit.grid is not None:
        record = grid_check_in(
            actor=actor,
            grid=visit.grid,
            note=note,
            lat=lat,
            lon=lon,
            recorded_offline_at=recorded_offline_at,
            now=now,
            risk_visit=visit,
            outcome=outcome,
        )
        if record.verified:
            points.points_for_visit(person=worker, source_key=stored_key(visit.pk), when=now)
    elif person_of(actor) is not None:
        record = presence_services.visit_check_in(
            actor=actor,
            village=visit.village,
            activity=VillageVisit.Activity.VISIT,
            note=note,
            lat=lat,
            lon=lon,
            recorded_offline_at=recorded_offline_at,
            now=now,
            risk_visit_id=visit.pk,
            outcome=outcome,
        )
    else:
        raise NotPermitted(_("只有该任务的核查人员可以为其签到。"))
    dispute_services.case_event_add(
        case=visit.case,
        actor=actor,
        code=EVENT_CHECKED_IN,
        note=_("%(outcome)s · %(verified)s%(note)s")
        % {
            "outcome": VisitOutcome(outcome).label,
            "verified": _("定位核实") if record.verified else _("未核实定位"),
            "note": f" · {record.note}" if record.note else "",
        },
    )
    return record

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
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.attachments import services as attachment_services
from core.attachments.models import Attachment
from core.errors import DomainError, NotPermitted
from core.notifications import Message, notify_bulk, notify_select
from core.sql import as_text, insert_rows, insert_select, label_sql, text_sql
from disputes import services as dispute_services
from disputes.models import OPEN_STATUSES, Category, DisputeCase, RiskLevel
from governance import points
from governance.models import Grid, GridWorker, Region, User
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
def risk_visits_create(*, now: dt.datetime, case_ids: Any = None) -> int:
    """A visit for every open 红/橙 case that has none at its level yet (set-wise, idempotent:
    one visit per case and level). With ``case_ids`` (a list, or a values-queryset of ids), only
    those cases: the hook a rise of risk calls at once (``disputes.risk.register_risk_rise_handler``,
    wired in ``PatrolsConfig``).

    Three INSERT … SELECTs and one of the notices, in one transaction, whatever the number of
    cases: the visits (the case's risk at that moment, due in ``VISIT_TASK_HOURS``), their
    assignees (the active grid workers of the case's grid who have an active account, and the
    village's current attached officer and auxiliary officer with an active account), and each
    assignee's notice (with an SMS). ``test_risk_rise_set_based`` holds it to the visits built one
    case at a time. Returns how many visits were created."""
    targets = DisputeCase.objects.all() if case_ids is None else DisputeCase.objects.filter(pk__in=case_ids)
    targets = targets.filter(status__in=OPEN_STATUSES, risk_level__in=HIGH).exclude(
        Exists(RiskVisit.objects.filter(case=OuterRef("pk"), level=OuterRef("risk_level")))
    )
    due = now + dt.timedelta(hours=visit_hours())
    with transaction.atomic():
        created = insert_select(
            RiskVisit._meta.db_table,
            [
                "case_id",
                "level",
                "risk_score_at_creation",
                "risk_level_at_creation",
                "village_id",
                "grid_id",
                "created_at",
                "due_at",
            ],
            targets.annotate(
                v_level=F("risk_level"),
                v_at=Value(now, output_field=DateTimeField()),
                v_due=Value(due, output_field=DateTimeField()),
            ).values_list(
                "pk", "v_level", "risk_score", "risk_level", "village_id", "grid_id", "v_at", "v_due"
            ),
        )
        if not created:
            return 0
        # this run's visits: asked for now, at the case's level (the cases' other visits are older)
        scope = DisputeCase.objects.all() if case_ids is None else DisputeCase.objects.filter(pk__in=case_ids)
        new = RiskVisit.objects.filter(
            created_at=now, level=F("case__risk_level"), case__in=scope.filter(status__in=OPEN_STATUSES)
        )
        new_sql, new_params = (
            new.order_by()
            .values(
                v_id=F("pk"),
                v_case=F("case_id"),
                v_level=F("level"),
                v_village=F("village_id"),
                v_grid=F("grid_id"),
            )
            .query.sql_with_params()
        )
        _add_assignees(new_sql, list(new_params))
        _notify_asked(new_sql, list(new_params))
    return created


def _add_assignees(new_sql: str, params: list[Any]) -> None:
    """The assignees of the visits of ``new_sql``: one INSERT … SELECT."""
    worker_t, user_t, assignment_t = (m._meta.db_table for m in (GridWorker, User, VillageAssignment))
    officer_t, aux_t = (
        VillageAssignment._meta.get_field(f).related_model._meta.db_table  # type: ignore[union-attr]
        for f in ("officer", "auxiliary_officer")
    )
    through = RiskVisit.assignees.through
    insert_rows(
        through._meta.db_table,
        ["riskvisit_id", "user_id"],
        f"""SELECT rv.v_id, w.user_id FROM ({new_sql}) rv
            JOIN {worker_t} w ON w.grid_id = rv.v_grid AND w.is_active AND w.user_id IS NOT NULL
            JOIN {user_t} u ON u.id = w.user_id AND u.is_active
            UNION
            SELECT rv.v_id, p.user_id FROM ({new_sql}) rv
            JOIN {assignment_t} a ON a.village_id = rv.v_village AND a.end_date IS NULL AND a.kind = %s
            JOIN {officer_t} p ON p.id = a.officer_id
            JOIN {user_t} u ON u.id = p.user_id AND u.is_active
            UNION
            SELECT rv.v_id, p.user_id FROM ({new_sql}) rv
            JOIN {assignment_t} a ON a.village_id = rv.v_village AND a.end_date IS NULL AND a.kind <> %s
            JOIN {aux_t} p ON p.id = a.auxiliary_officer_id
            JOIN {user_t} u ON u.id = p.user_id AND u.is_active""",  # noqa: S608  (table names)
        [
            *params,
            *params,
            str(VillageAssignment.Kind.ATTACHED_OFFICER),
            *params,
            str(VillageAssignment.Kind.ATTACHED_OFFICER),
        ],
    )


def _notify_asked(new_sql: str, params: list[Any]) -> None:
    """Each assignee of the visits of ``new_sql`` is asked to go (an SMS too): one INSERT … SELECT
    (the visits and their notices commit together: the rerun selects cases without a visit)."""
    case_t, region_t = DisputeCase._meta.db_table, Region._meta.db_table
    through_t = RiskVisit.assignees.through._meta.db_table
    marker = 987_654_321
    url_before, url_after = reverse("visits:detail", args=[marker]).split(str(marker))
    category, category_params = label_sql("c.category", Category.choices)
    selects, all_params = [], []
    for level in HIGH:
        title, title_params = text_sql(
            _("%(l)s色风险案件 %(n)s:请在%(h)d小时内到村(网格)核查走访"),
            columns={"n": "c.number"},
            values={"l": RiskLevel(level).label, "h": visit_hours()},
        )
        selects.append(
            f"""SELECT t.user_id AS recipient_id, %s AS kind, 'case-' || {as_text("c.id")} AS target,
                   rv.v_level AS period, {title} AS title,
                   v.name || ' · ' || {category} AS body,
                   %s || {as_text("rv.v_id")} || %s AS url
            FROM ({new_sql}) rv JOIN {through_t} t ON t.riskvisit_id = rv.v_id
            JOIN {case_t} c ON c.id = rv.v_case JOIN {region_t} v ON v.id = c.village_id
            WHERE rv.v_level = %s"""  # noqa: S608  (table names and constant text)
        )
        all_params += [
            KIND_ASKED,
            *title_params,
            *category_params,
            url_before,
            url_after,
            *params,
            str(level),
        ]
    notify_select(" UNION ALL ".join(selects), all_params, sms=True)


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

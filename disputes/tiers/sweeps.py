"""The tiers' scheduled sweep (``disputes.tiers_sweep``, every 15 minutes).

* A hand-on not acknowledged by its ``ack_due_at``: the receiving unit is reminded (once); past
  ``TIERS["ACK_ESCALATE_HOURS"]`` more, the unit that handed it on and the county are told and
  the case's timeline says so (once).
* A supervision without a reply past its ``reply_by``: the handlers are reminded once, and the
  supervisor sees it as 逾期未反馈 on the dashboard.

Each row is claimed with a conditional update (``reminded_at``/``escalated_at`` still empty) in
the same transaction as its notices, so a rerun, a retry or two overlapping runs send each once.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.notifications import notify

from ..models import DisputeCase
from . import people, services
from .models import HandOn, Supervision
from .selectors import unanswered


def remind_unacknowledged(*, now: dt.datetime) -> int:
    done = 0
    for hand_on in HandOn.objects.filter(
        status=HandOn.Status.PENDING, ack_due_at__lt=now, reminded_at__isnull=True
    ).select_related("case", "to_station", "to_township"):
        with transaction.atomic():
            if not HandOn.objects.filter(pk=hand_on.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            notify(
                recipients=services.receivers(hand_on),
                message=services._message(
                    "case.hand_on_unacknowledged",
                    hand_on.case,
                    f"handon-{hand_on.pk}",
                    _("交办逾期未签收:案件 %(n)s") % {"n": hand_on.case.number},
                    hand_on.instructions,
                ),
                sms=True,
            )
            done += 1
    return done


def escalate_unacknowledged(*, now: dt.datetime) -> int:
    grace = dt.timedelta(hours=int(settings.TIERS["ACK_ESCALATE_HOURS"]))
    done = 0
    for hand_on in HandOn.objects.filter(
        status=HandOn.Status.PENDING, ack_due_at__lt=now - grace, escalated_at__isnull=True
    ).select_related("case", "to_station", "to_township", "created_by"):
        with transaction.atomic():
            if not HandOn.objects.filter(pk=hand_on.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            case = DisputeCase.objects.get(pk=hand_on.case_id)
            services._event(
                case,
                None,
                "disputes.case.hand_on_overdue",
                note=_("%(to)s逾期未签收交办,已通报交办单位和县指挥中心") % {"to": hand_on.receiver_label},
            )
            notify(
                recipients=[hand_on.created_by, *people.county_staff()],
                message=services._message(
                    "case.hand_on_overdue",
                    case,
                    f"handon-{hand_on.pk}",
                    _("%(to)s逾期未签收交办:案件 %(n)s") % {"to": hand_on.receiver_label, "n": case.number},
                ),
            )
            done += 1
    return done


def remind_unanswered_supervisions(*, now: dt.datetime) -> int:
    done = 0
    for supervision in Supervision.objects.filter(unanswered(), reminded_at__isnull=True).select_related(
        "case", "case__village", "case__responsible"
    ):
        with transaction.atomic():
            if not Supervision.objects.filter(pk=supervision.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            notify(
                recipients=services.handlers(supervision.case),
                message=services._message(
                    "case.supervision_overdue",
                    supervision.case,
                    f"supervision-{supervision.pk}",
                    _("督办逾期未反馈:案件 %(n)s") % {"n": supervision.case.number},
                    supervision.reason,
                ),
                sms=True,
            )
            done += 1
    return done


def run_all(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "hand_on_reminders": remind_unacknowledged(now=now),
        "hand_on_escalations": escalate_unacknowledged(now=now),
        "supervision_reminders": remind_unanswered_supervisions(now=now),
    }

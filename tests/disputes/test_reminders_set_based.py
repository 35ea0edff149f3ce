"""The follow-up reminder set-based (``sweeps.remind_follow_ups_due``: one INSERT … SELECT of the
notices) writes the notices the reminder built one visit at a time wrote (``Message`` per visit
through ``notify_bulk``), on a constructed set: due follow-ups of closed cases with and without a
responsible person (then the station's staff, a disabled officer's account left out), of the
other station, and follow-ups not due, made, cancelled or of a re-opened case; a second run
writes nothing; the query count does not grow with the visits."""

import datetime as dt
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Notification
from core.notifications import Message, notify_bulk
from disputes import services, sweeps
from disputes.models import DisputeCase, FollowUp, Status
from governance.models import User
from stations.models import Officer

from .helpers import disabled_station_officer, report, rolled_back, to_closed

pytestmark = pytest.mark.django_db


def _constructed(world) -> None:
    disabled_station_officer(world)
    with_responsible = to_closed(world, report(world))
    DisputeCase.objects.filter(pk=with_responsible.pk).update(responsible=world.user("aux_v1"))
    to_closed(world, report(world))  # no responsible person: the station's staff
    DisputeCase.objects.filter(status=Status.CLOSED).exclude(pk=with_responsible.pk).update(responsible=None)
    to_closed(world, report(world, village=world.village_3, actor="station_b"), actor="station_b")
    made = to_closed(world, report(world))
    services.follow_up_record(
        actor=world.user("station_a"), case=made, result="stable", satisfaction="satisfied"
    )
    cancelled = to_closed(world, report(world))
    FollowUp.objects.filter(case=cancelled).update(is_cancelled=True)
    reopened = to_closed(world, report(world))
    DisputeCase.objects.filter(pk=reopened.pk).update(status=Status.REOPENED)


def _one_by_one(*, now: dt.datetime) -> int:
    """The reminder as it was: a ``Message`` per follow-up."""
    today = timezone.localdate(now)
    visits = list(
        FollowUp.objects.filter(
            visited_at__isnull=True, is_cancelled=False, due_date__lte=today, case__status=Status.CLOSED
        ).select_related("case", "case__responsible")
    )
    staff = sweeps._station_staff({v.case.station_id for v in visits})
    return notify_bulk(
        [
            (
                sweeps._responsible(v.case, staff),
                Message(
                    kind="followup.due",
                    target=f"followup-{v.pk}",
                    period=str(v.due_date),
                    title=_("案件 %(n)s 应于 %(d)s 回访") % {"n": v.case.number, "d": v.due_date},
                    url=f"/cases/{v.case_id}/",
                ),
            )
            for v in visits
        ]
    )


def _notices() -> list[tuple]:
    return sorted(
        Notification.objects.values_list(
            "recipient_id", "kind", "key", "title", "body", "url", "sms_status", "created_at"
        )
    )


def test_the_set_based_follow_up_reminder_writes_what_the_one_by_one_reminder_wrote(world, monkeypatch):
    _constructed(world)
    later = timezone.now() + dt.timedelta(days=8)  # the first follow-up (7 days) is due
    fixed = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    Notification.objects.all().delete()
    expected, reference = rolled_back(lambda: (_one_by_one(now=later), _notices()))
    assert sweeps.remind_follow_ups_due(now=later) == expected == len(reference)
    assert _notices() == reference
    recipients = {cast(int, r) for r, *_rest in reference}
    assert {world.user("aux_v1").pk, world.user("station_a").pk, world.user("station_b").pk} <= recipients
    assert User.objects.get(username="off_disabled").pk not in recipients
    assert len({key for _r, _k, key, *_rest in reference}) == 3  # three visits due
    assert sweeps.remind_follow_ups_due(now=later) == 0  # once per visit and due date
    assert _notices() == reference


def test_the_follow_up_reminder_runs_a_fixed_number_of_queries(world):
    later = timezone.now() + dt.timedelta(days=8)
    sweeps.remind_follow_ups_due(now=later)
    counts = []
    for n in (2, 6):
        for _i in range(n):
            to_closed(world, report(world))
        with CaptureQueriesContext(connection) as queries:
            assert sweeps.remind_follow_ups_due(now=later) >= n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_visit_reminded_is_marked_and_one_with_no_one_to_tell_is_tried_again(world):
    """The sweep marks the visits it reminded (``reminded_at``): the next night does not select
    them. A visit whose case has no responsible person and whose station has no active staff
    account gets no notice and no mark: once someone can be told, the next sweep tells them."""
    later = timezone.now() + dt.timedelta(days=8)
    told = to_closed(world, report(world))
    nobody = to_closed(world, report(world, village=world.village_3, actor="station_b"), actor="station_b")
    DisputeCase.objects.filter(pk__in=[told.pk, nobody.pk]).update(responsible=None)
    officers = Officer.objects.filter(station=world.station_b, is_active=True)
    was_active = list(officers.values_list("pk", flat=True))
    officers.update(is_active=False)
    assert sweeps.remind_follow_ups_due(now=later) >= 1
    due = FollowUp.objects.filter(due_date__lte=timezone.localdate(later), visited_at__isnull=True)
    assert due.filter(case=told).exclude(reminded_at=None).count() == 1
    assert due.filter(case=nobody, reminded_at=None).count() == 1
    assert not Notification.objects.filter(kind="followup.due", url=f"/cases/{nobody.pk}/").exists()
    Officer.objects.filter(pk__in=was_active).update(is_active=True)
    assert sweeps.remind_follow_ups_due(now=later) >= 1
    assert Notification.objects.filter(kind="followup.due", url=f"/cases/{nobody.pk}/").exists()
    assert not due.filter(reminded_at=None).exists()
    assert sweeps.remind_follow_ups_due(now=later) == 0

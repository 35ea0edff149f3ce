"""A hand-on not acknowledged in time is reminded, then escalated to the unit that handed it on
and the county: once each, however often the sweep runs."""

import datetime as dt

import pytest
from django.utils import timezone

from disputes import services
from disputes.tiers import services as tiers
from disputes.tiers import sweeps
from disputes.tiers.models import HandOn

from ..helpers import report

pytestmark = pytest.mark.django_db


def test_unacknowledged_hand_on_is_reminded_then_escalated(world, settings):
    settings.TIERS = {**settings.TIERS, "ACK_HOURS": 24, "ACK_ESCALATE_HOURS": 24}
    case = report(world)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="提级")  # → township
    hand_on = tiers.hand_on_create(
        actor=world.user("township_a"),
        case=case,
        target="station",
        instructions="请派出所调处",
        deadline=timezone.now() + dt.timedelta(days=7),
    )
    now = timezone.now()
    assert sweeps.run_all(now=now) == {
        "hand_on_reminders": 0,
        "hand_on_escalations": 0,
        "supervision_reminders": 0,
    }
    day2 = now + dt.timedelta(hours=25)
    assert sweeps.run_all(now=day2)["hand_on_reminders"] == 1
    assert sweeps.run_all(now=day2)["hand_on_reminders"] == 0
    day3 = now + dt.timedelta(hours=49)
    assert sweeps.run_all(now=day3)["hand_on_escalations"] == 1
    assert sweeps.run_all(now=day3)["hand_on_escalations"] == 0
    assert world.user("station_a").notifications.filter(kind="case.hand_on_unacknowledged").count() == 1
    assert world.user("township_a").notifications.filter(kind="case.hand_on_overdue").count() == 1
    assert world.user("county").notifications.filter(kind="case.hand_on_overdue").count() == 1
    assert case.events.filter(code="disputes.case.hand_on_overdue").count() == 1
    assert HandOn.objects.get(pk=hand_on.pk).status == HandOn.Status.PENDING


def test_the_sweep_is_a_scheduled_job(world):
    from disputes import tasks

    assert tasks.tiers_sweep.name == "disputes.tiers_sweep"
    tasks.tiers_sweep.apply().get()

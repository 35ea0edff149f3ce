"""Opening screening rounds on schedule: the first run opens, a second opens nothing, the next
interval opens again; a county without a policy gets the default one."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from screening import services as screening_services
from screening.models import ScreeningPolicy, ScreeningRound

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=6, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def test_first_run_opens_a_round_with_the_default_weekly_policy(world):
    assert not ScreeningPolicy.objects.exists()
    opened = screening_services.screening_rounds_open_due(now=at(2026, 11, 16))  # a Monday
    assert len(opened) == 1
    r = opened[0]
    policy = ScreeningPolicy.objects.get(county=world.county)
    assert (policy.interval_days, policy.due_days, policy.is_active) == (7, 5, True)
    assert r.county == world.county and r.opens_on == dt.date(2026, 11, 16)
    assert r.title == "2026年第47周滚动排查"
    assert r.due_at == dt.datetime(2026, 11, 21, 23, 59, 59, tzinfo=SHANGHAI)


def test_running_twice_opens_nothing_new_and_the_next_interval_opens_again(world):
    screening_services.screening_rounds_open_due(now=at(2026, 11, 16))
    assert screening_services.screening_rounds_open_due(now=at(2026, 11, 16, 18)) == []  # same day
    for day in range(17, 23):  # within the week
        assert screening_services.screening_rounds_open_due(now=at(2026, 11, day)) == []
    (second,) = screening_services.screening_rounds_open_due(now=at(2026, 11, 23))
    assert second.opens_on == dt.date(2026, 11, 23) and second.title == "2026年第48周滚动排查"
    assert ScreeningRound.objects.count() == 2


def test_policy_interval_and_due_days_are_per_county_and_an_inactive_policy_opens_nothing(world):
    ScreeningPolicy.objects.create(county=world.county, interval_days=3, due_days=2)
    (first,) = screening_services.screening_rounds_open_due(now=at(2026, 3, 2))
    assert first.title == "2026年3月2日滚动排查"
    assert timezone.localtime(first.due_at, SHANGHAI).date() == dt.date(2026, 3, 4)
    assert screening_services.screening_rounds_open_due(now=at(2026, 3, 4)) == []
    assert len(screening_services.screening_rounds_open_due(now=at(2026, 3, 5))) == 1
    ScreeningPolicy.objects.filter(county=world.county).update(is_active=False)
    assert screening_services.screening_rounds_open_due(now=at(2026, 3, 20)) == []


def test_the_day_follows_shanghai_time_not_utc(world):
    # 2026-11-15 17:00 UTC is already Monday 16th 01:00 in Shanghai
    (r,) = screening_services.screening_rounds_open_due(now=dt.datetime(2026, 11, 15, 17, 0, tzinfo=dt.UTC))
    assert r.opens_on == dt.date(2026, 11, 16)


def test_the_celery_tasks_call_the_services_and_are_scheduled(world, settings):
    from core.models import Notification
    from screening import tasks

    tasks.screening_open_rounds.delay()
    tasks.screening_open_rounds.delay()  # idempotent
    assert ScreeningRound.objects.count() == 1
    r = ScreeningRound.objects.get()
    ScreeningRound.objects.filter(pk=r.pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    tasks.screening_reminders.delay()
    assert Notification.objects.filter(kind="screening.reminder", recipient__username="grid_g1").count() == 1
    ScreeningRound.objects.filter(pk=r.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    tasks.screening_overdue.delay()
    # 一村 two grids × (aux_v1 + station_a), 二村 station_a, 三村 station_b
    assert Notification.objects.filter(kind="screening.overdue").count() == 6
    scheduled = {spec["task"]: spec.get("crontab") for spec in settings.PERIODIC_TASKS.values()}
    assert scheduled["screening.open_rounds"] == "0 6 * * *"
    assert scheduled["screening.reminders"] == "5 * * * *"
    assert scheduled["screening.overdue"] == "10 * * * *"

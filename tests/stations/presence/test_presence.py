"""Village presence: check-ins, days per month, the 3-day rule, its mid-month reminder, and the
coverage pages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import DomainError, NotPermitted
from core.models import Notification
from stations import services
from stations.models import VillageAssignment, VillageVisit
from stations.presence import selectors as presence_selectors
from stations.presence import services as presence_services
from tests.factories import UserFactory, make_phone

TZ = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def check_in(world, actor, village, day, **kw):
    return presence_services.visit_check_in(
        actor=world.user(actor) if isinstance(actor, str) else actor,
        village=village,
        activity=kw.pop("activity", "visit"),
        now=at(day, kw.pop("hour", 10)),
        **kw,
    )


@pytest.fixture
def second_officer(world):
    """Officer 甲所二民警 of station A, attached to 二村 (officer_a is attached to 一村)."""
    user = UserFactory.create(username="station_a2", role="station", full_name="甲所二民警")
    officer = services.officer_create(
        actor=world.user("admin"),
        station=world.station_a,
        name="甲所二民警",
        badge_number="100003",
        phone=make_phone(),
        user=user,
    )
    services.village_assign(
        actor=world.user("admin"), village=world.village_2, officer=officer, start_date=dt.date(2026, 1, 1)
    )
    world.users["station_a2"] = user
    return officer


def test_check_in_by_officer_and_auxiliary_with_optional_gps(world):
    day = dt.date(2026, 3, 2)
    visit = check_in(world, "station_a", world.village_1, day, lat="28.123456", lon="103.5", note="入户走访")
    assert visit.officer == world.officer_a and visit.auxiliary_officer is None
    assert visit.visited_on == day and str(visit.latitude) == "28.123456"
    aux = check_in(world, "aux_v1", world.village_1, day, activity="screening")
    assert aux.auxiliary_officer == world.aux_v1
    half = check_in(world, "aux_v1", world.village_1, day, lat="28.1")
    assert half.latitude is None and half.longitude is None
    with pytest.raises(DomainError):
        check_in(world, "station_a", world.village_1, day, lat="91", lon="10")


def test_check_in_only_by_the_person_in_their_scope(world):
    day = dt.date(2026, 3, 2)
    with pytest.raises(DomainError, match="不在您的辖区"):
        check_in(world, "station_a", world.village_3, day)
    with pytest.raises(DomainError, match="不在您的辖区"):
        check_in(world, "aux_v1", world.village_2, day)  # the auxiliary officer's scope is 一村
    for name in ("county", "grid_g1", "mediator_t1", "norole"):
        with pytest.raises(NotPermitted):
            check_in(world, name, world.village_1, day)
    assert not VillageVisit.objects.exists()


def test_days_count_distinct_dates_and_the_three_day_rule(world, second_officer):
    march = dt.date(2026, 3, 1)
    for d in (2, 2, 9, 16):  # two check-ins on the 2nd: still one day
        check_in(world, "station_a", world.village_1, dt.date(2026, 3, d))
    check_in(world, "station_a2", world.village_2, dt.date(2026, 3, 3))
    check_in(world, "station_a2", world.village_2, dt.date(2026, 2, 27))  # last month does not count
    rows = {
        (a.kind, a.village_id): a.days
        for a in presence_selectors.presence_coverage(user=world.user("station_a"), month=march)
    }
    assert rows[("officer", world.village_1.pk)] == 3
    assert rows[("officer", world.village_2.pk)] == 1
    assert rows[("auxiliary", world.village_1.pk)] == 0


def test_reminder_from_the_15th_to_officers_behind_once(world, second_officer):
    check_in(world, "station_a", world.village_1, dt.date(2026, 3, 2))
    for d in (3, 4, 5):
        check_in(world, "station_a2", world.village_2, dt.date(2026, 3, d))
    assert presence_services.presence_remind_behind(today=dt.date(2026, 3, 14)) == 0
    assert presence_services.presence_remind_behind(today=dt.date(2026, 3, 15)) == 1
    note = Notification.objects.get()
    assert note.recipient == world.user("station_a") and note.kind == "presence.behind"
    assert note.key == f"presence.behind:officer{world.officer_a.pk}-village{world.village_1.pk}:2026-03"
    assert "一村" in note.title and "1 天" in note.title
    presence_services.presence_remind_behind(today=dt.date(2026, 3, 15))
    presence_services.presence_remind_behind(today=dt.date(2026, 3, 16))
    assert Notification.objects.count() == 1  # once per officer, village and month
    # catching up clears the condition: no reminder next month-half for a met rule
    for d in (17, 18):
        check_in(world, "station_a", world.village_1, dt.date(2026, 3, d))
    assert presence_services.presence_remind_behind(today=dt.date(2026, 3, 20)) == 0
    # a new month is a new reminder
    assert presence_services.presence_remind_behind(today=dt.date(2026, 4, 15)) == 2
    assert Notification.objects.count() == 3


def test_reminder_skips_ended_assignments_and_auxiliary_officers(world, second_officer):
    assignment = VillageAssignment.objects.get(officer=second_officer)
    services.assignment_end(actor=world.user("admin"), assignment=assignment, end_date=dt.date(2026, 3, 10))
    presence_services.presence_remind_behind(today=dt.date(2026, 3, 15))
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["station_a"]


def test_presence_task_is_wired(world, monkeypatch):
    from stations import tasks

    monkeypatch.setattr(tasks.timezone, "localdate", lambda: dt.date(2026, 3, 15))
    assert tasks.presence_reminders.delay().get() == 1


def test_presence_page_and_check_in_page(world, client_for, second_officer):
    check_in(world, "station_a", world.village_1, dt.date(2026, 3, 2))
    client = client_for("station_a")
    page = client.get(reverse("stations:presence"), {"month": "2026-03"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "未达标" in body and "甲所二民警" in body
    assert page.context["summary"] == {"met": 0, "behind": 2}
    outsider = client_for("station_b").get(reverse("stations:presence"), {"month": "2026-03"})
    assert "甲所二民警" not in outsider.content.decode()

    client = client_for("aux_v1")
    assert client.get(reverse("stations:checkin")).status_code == 200
    response = client.post(
        reverse("stations:checkin"),
        {"village": world.village_1.pk, "activity": "publicity", "lat": "28.1", "lon": "103.2"},
    )
    assert response.status_code == 302
    assert VillageVisit.objects.filter(auxiliary_officer=world.aux_v1, activity="publicity").exists()
    bad = client.post(reverse("stations:checkin"), {"village": world.village_3.pk, "activity": "visit"})
    assert bad.status_code == 200  # not a choice: the form says so
    for name in ("county", "grid_g1", "norole"):
        assert client_for(name).get(reverse("stations:checkin")).status_code == 403


def test_presence_page_queries_do_not_grow(world, client_for, second_officer):
    client = client_for("county")
    counts = []
    for extra in (0, 10):
        for i in range(extra):
            user = UserFactory.create(username=f"o{i}", role="station")
            officer = services.officer_create(
                actor=world.user("admin"),
                station=world.station_b,
                name=f"乙所{i}",
                badge_number=f"2000{i:02d}",
                phone=make_phone(),
                user=user,
            )
            presence_services.visit_check_in(
                actor=user, village=world.village_3, now=at(dt.date(2026, 3, 1 + i))
            )
            assert officer
        client.get(reverse("stations:presence"), {"month": "2026-03"})
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("stations:presence"), {"month": "2026-03"})
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]

"""Screening reminders and overdue notices: who is told, who is not, and running a sweep twice
(or killed halfway and run again) leaves every notice exactly once."""

import datetime as dt

import pytest
from django.db import transaction

from core.models import Notification
from governance.models import Grid
from screening import services as screening_services
from stations import services as st
from stations.models import VillageAssignment

from ..factories import UserFactory, make_phone
from .helpers import file, grid_user, open_round

pytestmark = pytest.mark.django_db


def _told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "key"))


def _key(kind, grid, r):
    return f"{kind}:grid-{grid.pk}:round-{r.pk}"


def test_reminders_go_to_the_workers_of_grids_without_a_report_within_24_hours_of_the_deadline(world):
    r = open_round()
    grid_user(world, world.grid_1b, "g1b_leader", role="leader")
    grid_user(world, world.grid_2, "g2_worker")
    grid_user(world, world.grid_3, "g3_worker")
    file(world, r, world.grid_3, actor="station_b", zero=True)  # filed: condition cleared
    assert screening_services.screening_send_reminders(now=r.due_at - dt.timedelta(hours=30)) == 0  # not yet
    assert not Notification.objects.exists()
    screening_services.screening_send_reminders(now=r.due_at - dt.timedelta(hours=3))
    told = _told("screening.reminder")
    assert told == sorted(
        [
            ("grid_g1", _key("screening.reminder", world.grid_1a, r)),
            ("g1b_leader", _key("screening.reminder", world.grid_1b, r)),
            ("g2_worker", _key("screening.reminder", world.grid_2, r)),
        ]
    )
    note = Notification.objects.get(recipient__username="grid_g1")
    assert "一村一组" in note.title and r.title in note.title and note.url == "/screening/m/"
    screening_services.screening_send_reminders(
        now=r.due_at - dt.timedelta(hours=2)
    )  # the next hour: same rows
    assert _told("screening.reminder") == told
    assert screening_services.screening_send_reminders(now=r.due_at + dt.timedelta(minutes=1)) == 0  # passed


def test_inactive_workers_and_workers_without_an_account_are_not_reminded(world):
    r = open_round()
    user = grid_user(world, world.grid_2, "g2_worker")
    user.is_active = False
    user.save()
    screening_services.screening_send_reminders(now=r.due_at - dt.timedelta(hours=1))
    # grid_3 has only a leader without an account; grid_2's account is disabled
    assert [u for u, _k in _told("screening.reminder")] == ["grid_g1"]


def test_overdue_grids_are_flagged_to_the_auxiliary_officer_and_the_station_staff(world):
    r = open_round(days_ago=7)  # due 2 days ago
    second = UserFactory.create(username="station_a2", role="station")
    st.officer_create(
        actor=world.user("admin"),
        station=world.station_a,
        name="甲所二号",
        badge_number="100009",
        phone=make_phone(),
        user=second,
    )
    file(world, r, world.grid_1b, actor="aux_v1", zero=True)  # late, but filed
    now = r.due_at + dt.timedelta(days=2)
    screening_services.screening_flag_overdue(now=now)
    told = _told("screening.overdue")
    g1a, g2, g3 = (_key("screening.overdue", g, r) for g in (world.grid_1a, world.grid_2, world.grid_3))
    assert told == sorted(
        [
            ("aux_v1", g1a),
            ("station_a", g1a),
            ("station_a2", g1a),  # 一村 has an auxiliary officer
            ("station_a", g2),
            ("station_a2", g2),  # 二村 has none: the station only
            ("station_b", g3),
        ]
    )
    assert not Notification.objects.filter(kind="screening.reminder").exists()
    screening_services.screening_flag_overdue(now=now + dt.timedelta(hours=1))
    assert _told("screening.overdue") == told
    # a round whose deadline passed more than 7 days ago is left alone
    Notification.objects.all().delete()
    assert screening_services.screening_flag_overdue(now=r.due_at + dt.timedelta(days=8)) == 0


def test_an_ended_assignment_no_longer_receives_overdue_notices(world):
    r = open_round(days_ago=6)
    VillageAssignment.objects.filter(village=world.village_1, kind="auxiliary").update(
        end_date=dt.date(2026, 1, 31)
    )
    screening_services.screening_flag_overdue(now=r.due_at + dt.timedelta(hours=1))
    assert "aux_v1" not in {u for u, _k in _told("screening.overdue")}


def test_a_sweep_killed_halfway_and_run_again_sends_every_notice_exactly_once(world, settings, monkeypatch):
    settings.SWEEP_CHUNK_SIZE = 1
    r = open_round(days_ago=7)
    now = r.due_at + dt.timedelta(hours=1)
    real = screening_services.notify_many
    calls = []

    def dies_on_second_chunk(pairs, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(pairs, **kw)

    monkeypatch.setattr(screening_services, "notify_many", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        screening_services.screening_flag_overdue(now=now)
    first_chunk = _told("screening.overdue")
    assert first_chunk and len({k for _u, k in first_chunk}) == 1  # only the first grid's chunk is written
    monkeypatch.setattr(screening_services, "notify_many", real)
    screening_services.screening_flag_overdue(now=now)
    screening_services.screening_flag_overdue(now=now)
    told = _told("screening.overdue")
    assert len(told) == len(set(told)) == 6 and set(first_chunk) <= set(told)


def test_a_grid_that_files_between_chunks_is_not_reminded(world, settings, monkeypatch):
    settings.SWEEP_CHUNK_SIZE = 1
    r = open_round()
    grid_user(world, world.grid_1b, "g1b_worker")
    real = screening_services.notify_many

    def grid_1b_files_after_the_first_chunk(pairs, **kw):
        written = real(pairs, **kw)
        if not world.grid_1b.screening_reports.exists():
            with transaction.atomic():
                file(world, r, world.grid_1b, actor="station_a", zero=True)
        return written

    monkeypatch.setattr(screening_services, "notify_many", grid_1b_files_after_the_first_chunk)
    screening_services.screening_send_reminders(now=r.due_at - dt.timedelta(hours=1))
    assert [u for u, _k in _told("screening.reminder")] == ["grid_g1"]


def test_chunks_pause_between_writes(world, settings, monkeypatch):
    settings.SWEEP_CHUNK_SIZE = 2
    settings.SWEEP_CHUNK_PAUSE = 0.5
    slept = []
    monkeypatch.setattr(screening_services.time, "sleep", slept.append)
    r = open_round(days_ago=7)
    screening_services.screening_flag_overdue(now=r.due_at + dt.timedelta(hours=1))  # 3 grids → 2 chunks
    assert slept == [0.5]


def _reads(fn, **kw) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn(**kw)
    return sum(1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))


def test_the_missing_grids_are_found_with_a_fixed_number_of_reads(world):
    from governance import services as gov

    r = open_round(days_ago=7)
    now = r.due_at + dt.timedelta(hours=1)
    few = _reads(screening_services.screening_flag_overdue, now=now)
    Notification.objects.all().delete()
    for i in range(8):
        gov.grid_create(
            actor=world.user("admin"), village=world.village_2, name=f"二村{i + 2}组", code=f"G-2-{i}"
        )
    assert _reads(screening_services.screening_flag_overdue, now=now) == few
    assert len(set(Notification.objects.filter(kind="screening.overdue").values_list("key", flat=True))) == 12
    for i in range(8):
        grid_user(world, Grid.objects.get(code=f"G-2-{i}"), f"w{i}")
    r2 = open_round()
    # missing pairs, rounds, workers, one re-check per chunk: the same for 4 grids or 12
    assert _reads(screening_services.screening_send_reminders, now=r2.due_at - dt.timedelta(hours=1)) == 4
    assert Notification.objects.filter(kind="screening.reminder").count() == 9

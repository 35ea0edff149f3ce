"""The overdue reminder set-based (``sweeps.remind_overdue_cases``: one INSERT … SELECT of the
notices per chunk of cases) writes the notices the reminder built one case at a time wrote
(``Message`` per case through ``notify_bulk``), on a constructed set: overdue cases with and
without a responsible person (then the station's staff, a disabled officer's account left out),
of the other station, of several categories and levels, due at a time whose local day is not
its UTC day and with seconds (the key and the text take the local minute); cases not due, paused
or closed are not reminded. Chunks of two write the same as one chunk; a second run writes
nothing; the query count does not grow with the cases."""

import datetime as dt
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Notification
from core.notifications import Message, notify_bulk
from core.periods import local_tz
from disputes import services, sweeps
from disputes.models import Category, DisputeCase, Level
from disputes.selectors import is_overdue
from governance.models import User

from .helpers import disabled_station_officer, escalate_to, report, rolled_back, to_closed

pytestmark = pytest.mark.django_db


def _due(case: DisputeCase, at: dt.datetime) -> DisputeCase:
    DisputeCase.objects.filter(pk=case.pk).update(due_at=at)
    case.refresh_from_db()
    return case


def _constructed(world, now: dt.datetime) -> None:
    disabled_station_officer(world)
    staff = world.user("station_a")
    # 23:47:31 local the day before: 15:47 UTC (the local and UTC days differ after 16:00 UTC)
    late = dt.datetime.combine(
        timezone.localdate(now) - dt.timedelta(days=1), dt.time(23, 47, 31), local_tz()
    )
    with_responsible = report(world, category=Category.LAND_FOREST)
    services.case_accept(actor=staff, case=with_responsible, responsible=world.user("aux_v1"))
    _due(with_responsible, late)
    plain = report(world, category=Category.MARRIAGE_FAMILY)  # no responsible person: the station's staff
    _due(plain, now - dt.timedelta(hours=3, seconds=17))
    up = escalate_to(world, report(world), "village")
    _due(up, now - dt.timedelta(days=2))
    other = report(world, village=world.village_3, actor="station_b")
    _due(other, now - dt.timedelta(minutes=5))
    _due(report(world), now + dt.timedelta(hours=1))  # not yet due
    paused = _due(report(world), now - dt.timedelta(hours=5))
    DisputeCase.objects.filter(pk=paused.pk).update(paused_at=now - dt.timedelta(hours=6))
    closed = to_closed(world, report(world))
    _due(closed, now - dt.timedelta(days=3))


def _one_by_one(*, now: dt.datetime) -> int:
    """The reminder as it was: a ``Message`` per case."""
    cases = list(DisputeCase.objects.filter(is_overdue(now)).select_related("responsible", "village"))
    staff = sweeps._station_staff({c.station_id for c in cases})
    categories, levels = dict(Category.choices), dict(Level.choices)
    return notify_bulk(
        [
            (
                sweeps._responsible(c, staff),
                Message(
                    kind="case.overdue",
                    target=f"case-{c.pk}",
                    period=timezone.localtime(c.due_at).strftime("%Y%m%d%H%M"),
                    title=_("案件 %(n)s 已超过办理期限") % {"n": c.number},
                    body=_("%(v)s · %(cat)s · 期限 %(d)s · 当前层级:%(l)s")
                    % {
                        "v": c.village.name,
                        "cat": categories[c.category],
                        "d": timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M"),
                        "l": levels[c.level],
                    },
                    url=f"/cases/{c.pk}/",
                ),
            )
            for c in cases
        ],
        sms=True,
    )


def _notices() -> list[tuple]:
    return sorted(
        Notification.objects.values_list(
            "recipient_id", "kind", "key", "title", "body", "url", "sms_status", "created_at"
        )
    )


@pytest.mark.parametrize("chunk", [5000, 2])
def test_the_set_based_overdue_reminder_writes_what_the_one_by_one_reminder_wrote(
    world, monkeypatch, settings, chunk
):
    settings.SWEEP_SELECT_CHUNK_SIZE = chunk
    fixed = timezone.now()
    _constructed(world, fixed)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    Notification.objects.all().delete()
    expected, reference = rolled_back(lambda: (_one_by_one(now=fixed), _notices()))
    assert sweeps.remind_overdue_cases(now=fixed) == expected == len(reference)
    assert _notices() == reference
    recipients = {cast(int, r) for r, *_rest in reference}
    assert {world.user("aux_v1").pk, world.user("station_a").pk, world.user("station_b").pk} <= recipients
    assert User.objects.get(username="off_disabled").pk not in recipients
    assert len({key for _r, _k, key, *_rest in reference}) == 4  # four cases overdue
    assert any("23:47" in body and "土地" in body for *_x, body, _u, _s, _c in reference)
    assert any(key.endswith("2347") for _r, _k, key, *_rest in reference)
    assert any(body.endswith("当前层级:村(社区)") for *_x, body, _u, _s, _c in reference)
    assert sweeps.remind_overdue_cases(now=fixed) == 0  # once per due date
    assert _notices() == reference


def test_the_overdue_reminder_runs_a_fixed_number_of_queries(world):
    now = timezone.now()
    sweeps.remind_overdue_cases(now=now)
    counts = []
    for n in (2, 6):
        for _i in range(n):
            _due(report(world), now - dt.timedelta(hours=2))
        with CaptureQueriesContext(connection) as queries:
            assert sweeps.remind_overdue_cases(now=now) >= n
        counts.append(len(queries))
    assert counts[0] == counts[1]

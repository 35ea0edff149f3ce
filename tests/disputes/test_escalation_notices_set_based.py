"""The notices of the overdue escalation built in SQL (``sweeps._escalated_notices`` and
``services._notify_receiving_levels``: INSERT … SELECTs through ``notify_select``) are the ones
built one case at a time (a ``Message`` per case through ``notify_bulk``), on a constructed set:
cases with a responsible person who is also on the station's staff (told once), with another
responsible person, with a disabled one, with none (the station's staff, a disabled officer's
account left out), of the other station, escalated to the township (its 综治中心; a disabled
account and the other township's left out) and to the county (the command centre), in chunks of
two as in one chunk; a second run writes nothing."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from core.models import Notification
from core.notifications import notify_bulk
from disputes import services, sweeps
from disputes.models import CaseEvent, DisputeCase, Level
from disputes.tiers import people as tier_people
from disputes.tiers import rules as tier_rules
from governance.models import User
from tests.factories import UserFactory

from .helpers import disabled_station_officer, escalated_message, report, rolled_back

pytestmark = pytest.mark.django_db
KINDS = ("case.escalated", "case.escalated_to_level")


def _constructed(world) -> None:
    disabled_station_officer(world)
    UserFactory.create(
        username="township_off", role=User.Role.TOWNSHIP, township=world.township_a, is_active=False
    )
    UserFactory.create(username="township_b", role=User.Role.TOWNSHIP, township=world.township_b)
    UserFactory.create(username="county_off", role=User.Role.COUNTY, is_active=False)
    gone = UserFactory.create(username="gone", role=User.Role.AUXILIARY, is_active=False)
    staff = world.user("station_a")
    cases = []
    for responsible in (None, staff, world.user("aux_v1"), gone):
        case = report(world, grid=world.grid_1a)
        if responsible is not None:
            services.case_accept(actor=staff, case=case, responsible=responsible)
        cases.append(case)
    cases.append(report(world, village=world.village_3, actor="station_b"))  # the other station
    cases.append(report(world, village=world.village_3, actor="station_b"))  # → its township
    cases.append(report(world))  # → township
    cases.append(report(world))  # → county
    cases.append(report(world, threat_flag=True, people_involved=6, amount_involved=50_000))
    for case in cases:
        DisputeCase.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=30))
    DisputeCase.objects.filter(pk__in=[cases[5].pk, cases[6].pk]).update(level=Level.VILLAGE)
    DisputeCase.objects.filter(pk=cases[7].pk).update(level=Level.TOWNSHIP)


def _one_by_one() -> int:
    """The notices as they were built: a ``Message`` per escalated case, to its responsible
    person and its station's staff, and to the handlers of the level it reached (the reason of
    its last step: a case escalated twice in a run, overdue then for its risk, is told of the
    second step first, and the notice of the first has the same key)."""
    escalated = DisputeCase.objects.filter(
        pk__in=CaseEvent.objects.filter(code="disputes.case.escalated_auto").values("case_id")
    ).select_related("responsible", "village")
    staff = sweeps._station_staff({c.station_id for c in escalated})
    pairs = []
    for case in escalated.order_by("pk"):
        pairs.append(
            (
                sweeps._responsible(case, staff) + staff.get(case.station_id, []),
                escalated_message(case),
            )
        )
        if case.level in tier_rules.HANDLED_LEVELS:
            reason = (
                case.events.filter(code="disputes.case.escalated_auto")
                .order_by("-pk")
                .values_list("note", flat=True)[0]
            )
            pairs.append(
                (list(tier_people.level_handlers(case)), services._receiving_level_message(case, reason))
            )
    return notify_bulk(pairs)


def _notices() -> list[tuple]:
    return sorted(
        Notification.objects.filter(kind__in=KINDS).values_list(
            "recipient_id", "kind", "key", "title", "body", "url", "sms_status", "created_at"
        )
    )


def _reference() -> tuple[int, list[tuple]]:
    sweeps.escalate_overdue_cases(now=timezone.now())
    Notification.objects.filter(kind__in=KINDS).delete()
    return _one_by_one(), _notices()


@pytest.mark.parametrize("chunk", [sweeps.ESCALATION_CHUNK, 2])
def test_the_escalation_notices_built_in_sql_are_the_ones_built_one_case_at_a_time(world, monkeypatch, chunk):
    _constructed(world)
    fixed = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    expected, reference = rolled_back(_reference)
    assert sweeps.escalate_overdue_cases(now=fixed, chunk=chunk) == 9
    assert _notices() == reference
    assert len(reference) == expected
    told = {(r, k) for r, k, *_rest in reference}
    user = {u: world.user(u).pk for u in ("station_a", "station_b", "aux_v1", "township_a", "county")}
    assert {
        (user["station_a"], "case.escalated"),
        (user["station_b"], "case.escalated"),
        (user["aux_v1"], "case.escalated"),
        (user["township_a"], "case.escalated_to_level"),
        (user["county"], "case.escalated_to_level"),
        (User.objects.get(username="township_b").pk, "case.escalated_to_level"),
    } <= told
    off = User.objects.filter(username__in=["off_disabled", "township_off", "county_off", "gone"])
    assert not {r for r, _k in told} & set(off.values_list("pk", flat=True))
    assert any(k == "case.escalated" and t.endswith("乡镇(街道)") for _r, k, _key, t, *_rest in reference)
    assert sweeps.escalate_overdue_cases(now=fixed) == 0
    assert _notices() == reference
    assert django_settings.DISPUTES["ESCALATION_GRACE_HOURS"] < 30

"""Stored facts against their raw definitions (issue 15), on a constructed set: the repeat flag
of incidents (``Incident.is_repeat`` vs ``stations.selectors.is_repeat_incident``) and 民转刑
(``CriminalTurn`` vs ``disputes.selectors.case_incidents``), kept by the services when
incidents, cases and parties are written, and restored by the nightly rebuilds."""

import datetime as dt

import pytest
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from core.periods import Period
from disputes import figures as case_figures
from disputes import services as case_services
from disputes.incidents.models import CriminalTurn
from disputes.incidents.turns import criminal_turns_rebuild
from disputes.models import DisputeCase
from disputes.tiers import services as tiers
from governance.models import Region
from stations import services
from stations.models import Incident
from stations.selectors import is_repeat_incident, same_source
from tests.disputes.helpers import report
from tests.stations.incidents.helpers import record

pytestmark = pytest.mark.django_db

CRIME = Incident.Category.CRIMINAL


def _stored_flags() -> dict[int, bool]:
    return dict(Incident.objects.values_list("pk", "is_repeat"))


def _raw_flags() -> dict[int, bool]:
    return dict(Incident.objects.annotate(raw=is_repeat_incident()).values_list("pk", "raw"))


def _incidents(world):
    """Calls at one place (gaps under and over 30 days, one backdated and recorded last), one
    caller across two villages, the same address text in another village, blank address and
    phone, two at the same minute."""
    now = timezone.now().replace(second=0, microsecond=0)

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    made = {
        "p1": record(world, address="3组12号", received_at=ago(100)),
        "p2": record(world, address="3组 12号", received_at=ago(80)),  # 20 days on: repeat
        "p3": record(world, address="3组12号", received_at=ago(40)),  # 40 days on: not
        "phone1": record(world, address="", caller_phone="13900000001", received_at=ago(60)),
        "phone2": record(
            world,
            "station_b",
            station=world.station_b,
            village=world.village_3,
            address="别处",
            caller_phone="13900000001",
            received_at=ago(50),
        ),  # the same caller in another village, 10 days on: repeat
        "other_village": record(world, village=world.village_2, address="3组12号", received_at=ago(79)),
        "blank": record(world, address="", caller_phone="", received_at=ago(79)),
        "tie1": record(world, address="7组", received_at=ago(5)),
        "tie2": record(world, address="7组", received_at=ago(5)),  # the same minute: by id
    }
    # recorded last, received between p2 and p3: p3 becomes a repeat (10 days after it)
    made["backdated"] = record(world, address="3组12号", received_at=ago(50))
    return made


def test_repeat_flags_are_stored_when_incidents_are_written(world):
    made = _incidents(world)
    stored = _stored_flags()
    assert stored == _raw_flags()
    assert {k for k, i in made.items() if stored[i.pk]} == {"p2", "p3", "phone2", "tie2", "backdated"}
    # an edit moves the backdated call elsewhere: p3 is no longer a repeat, and it is none itself
    moved = Incident.objects.get(pk=made["backdated"].pk)
    services.incident_update(actor=world.user("station_a"), incident=moved, data={"address": "9组"})
    stored = _stored_flags()
    assert stored == _raw_flags()
    assert not stored[made["p3"].pk] and not stored[made["backdated"].pk]


def test_an_import_stores_the_flags_of_its_rows_and_of_the_later_ones(world):
    from stations.incidents.services import incident_import_start
    from tests.stations.incidents.helpers import csv_bytes, row

    later = record(world, address="3组12号", received_at=timezone.now() - dt.timedelta(days=1))
    content = csv_bytes([row("IMP-1", when=f"{timezone.localdate() - dt.timedelta(days=10):%Y-%m-%d} 08:30")])
    incident_import_start(
        actor=world.user("station_a"), station=world.station_a, file_name="a.csv", content=content
    )
    assert _stored_flags() == _raw_flags()
    assert Incident.objects.get(pk=later.pk).is_repeat  # the imported call came 9 days before it


def test_nightly_rebuild_restores_every_flag_and_then_writes_nothing(world):
    _incidents(world)
    Incident.objects.update(is_repeat=Case(When(is_repeat=True, then=Value(False)), default=Value(True)))
    assert _stored_flags() != _raw_flags()
    assert services.incident_repeats_rebuild() == Incident.objects.count()
    assert _stored_flags() == _raw_flags()
    assert services.incident_repeats_rebuild() == 0


# --- 民转刑 -----------------------------------------------------------------------------------
def _stored_turns() -> set[tuple[int, int]]:
    return set(CriminalTurn.objects.values_list("case_id", "incident_id"))


def _stored_villages() -> dict[tuple[int, int], int]:
    return {(c, i): v for c, i, v in CriminalTurn.objects.values_list("case_id", "incident_id", "village_id")}


def _case_villages() -> dict[tuple[int, int], int]:
    """Each stored pair with its case's village now (what the row must carry)."""
    villages = dict(DisputeCase.objects.values_list("pk", "village_id"))
    return {(c, i): villages[c] for c, i in _stored_turns()}


def _raw_turns() -> set[tuple[int, int]]:
    """Per case, with the one definition of its source (``same_source``, as ``case_incidents``)."""
    pairs = set()
    for case in DisputeCase.objects.prefetch_related("parties"):
        phones = [p.phone for p in case.parties.all() if p.phone]
        source = same_source(village=case.village_id, address_key=case.address_key, phones=phones)
        crimes = Incident.objects.filter(source, category=CRIME, received_at__gt=case.reported_at)
        pairs |= {(case.pk, pk) for pk in crimes.values_list("pk", flat=True)}
    return pairs


def _turns(world):
    """Cases with their places and parties' phones, then incidents after them. The phones here
    start 137: ``make_phone`` counts up from 13900000000, and a party of another case made with
    it must never share a caller's number by chance."""
    a = report(
        world, address="一村3组", parties=[{"name": "吉克阿木", "role": "applicant", "phone": "13700002222"}]
    )
    b = report(world, "station_b", village=world.village_3, address="三村5组")
    c = report(world, address="", parties=[{"name": "沙马拉哈", "role": "applicant"}])
    now = timezone.now()
    made = {
        "a_place": record(world, category=CRIME, address="一村 3组", received_at=now),
        "a_phone": record(
            world,
            "station_b",
            station=world.station_b,
            village=world.village_3,
            address="",
            category=CRIME,
            caller_phone="13700002222",
            received_at=now,
        ),
        "a_dispute": record(world, address="一村3组", received_at=now),  # not criminal
        "b_before": record(
            world,
            "station_b",
            station=world.station_b,
            village=world.village_3,
            address="三村5组",
            category=CRIME,
            received_at=now - dt.timedelta(days=3),
        ),  # before case b was reported
        "c_phone": record(world, category=CRIME, address="", caller_phone="13700003333", received_at=now),
    }
    return {"a": a, "b": b, "c": c}, made


def test_criminal_turns_are_stored_when_cases_parties_and_incidents_are_written(world):
    cases, made = _turns(world)
    assert (
        _stored_turns()
        == _raw_turns()
        == {
            (cases["a"].pk, made["a_place"].pk),
            (cases["a"].pk, made["a_phone"].pk),
        }
    )
    actor = world.user("station_a")
    # a party with the caller's phone joins case c: that crime is now c's 民转刑
    case_services.party_add(actor=actor, case=cases["c"], name="阿苏", role="respondent", phone="13700003333")
    assert (cases["c"].pk, made["c_phone"].pk) in _stored_turns()
    # the crime at a's place was a help call after all: it leaves
    place = Incident.objects.get(pk=made["a_place"].pk)
    services.incident_update(actor=actor, incident=place, data={"category": Incident.Category.HELP})
    # case b moves to another address: nothing there
    b = DisputeCase.objects.get(pk=cases["b"].pk)
    case_services.case_update(actor=world.user("station_b"), case=b, data={"address": "三村6组"})
    assert (
        _stored_turns()
        == _raw_turns()
        == {
            (cases["a"].pk, made["a_phone"].pk),
            (cases["c"].pk, made["c_phone"].pk),
        }
    )


def test_the_figure_reads_the_stored_rows_and_agrees_with_the_raw_one(world, django_assert_num_queries):
    _turns(world)
    villages = Region.objects.filter(Q(pk=world.village_1.pk) | Q(pk=world.village_3.pk)).values("pk")
    today = timezone.localdate()
    periods = [
        Period(today - dt.timedelta(days=30), today + dt.timedelta(days=1)),
        Period(today - dt.timedelta(days=30), today),  # ends before today's crimes
        Period(today, today + dt.timedelta(days=1)),
    ]
    for period in periods:
        assert case_figures.criminal_turns(villages, period) == case_figures.criminal_turns_raw(
            villages, period
        )
    assert case_figures.criminal_turns(villages, periods[0]) == 1  # case a (two crimes, one case)
    with django_assert_num_queries(1):
        case_figures.criminal_turns(villages, periods[0])


def test_nightly_rebuild_restores_the_rows(world):
    cases, made = _turns(world)
    expected = _raw_turns()
    CriminalTurn.objects.all().delete()
    # rows written behind the services' back (a bulk load, a fix in the database) drift …
    DisputeCase.objects.filter(pk=cases["b"].pk).update(reported_at=timezone.now() - dt.timedelta(days=5))
    assert criminal_turns_rebuild() == len(expected) + 1  # … and the rebuild follows the rows
    assert _stored_turns() == _raw_turns() == expected | {(cases["b"].pk, made["b_before"].pk)}
    assert _stored_villages() == _case_villages()


def test_a_transferred_case_takes_its_turns_to_its_new_village(world):
    """The row carries the case's village (the figure's area filter): a transfer moves it, and
    the place-based turns of the old place leave."""
    cases, made = _turns(world)
    assert _stored_villages() == _case_villages()
    a, b = world.user("station_a"), world.user("station_b")
    transfer = tiers.transfer_request(
        actor=a, case=cases["a"], to_village=world.village_3, reason="实际发生在三村"
    )
    tiers.transfer_decide(actor=b, transfer=transfer, accept=True, note="已接收")
    assert _stored_turns() == _raw_turns() == {(cases["a"].pk, made["a_phone"].pk)}
    assert _stored_villages() == _case_villages() == {(cases["a"].pk, made["a_phone"].pk): world.village_3.pk}
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=30), today + dt.timedelta(days=1))
    one = Region.objects.filter(pk=world.village_1.pk).values("pk")
    three = Region.objects.filter(pk=world.village_3.pk).values("pk")
    assert case_figures.criminal_turns(one, period) == case_figures.criminal_turns_raw(one, period) == 0
    assert case_figures.criminal_turns(three, period) == case_figures.criminal_turns_raw(three, period) == 1

"""Points ledger services: idempotent awards, manual awards (reason and scope), the dispute and
screening hooks, the missed-report sweep, monthly totals and stars computed by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, NotPermitted
from disputes import services as cases
from governance import services as gov
from governance import tasks
from governance.models import GridWorker, PointsEntry, PointsRule, Region
from governance.points import selectors, services
from screening import services as screening_services
from screening import tasks as screening_tasks

from ..disputes.helpers import report, to_closed
from ..factories import make_id_number, make_phone
from ..screening.helpers import file, open_round

pytestmark = pytest.mark.django_db


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A time in the platform's time zone (Asia/Shanghai)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())


def entries(person=None, **kw):
    qs = PointsEntry.objects.all()
    if person is not None:
        qs = qs.filter(**{selectors.person_kind(person): person})
    return qs.filter(**kw)


def leader_1a(world) -> GridWorker:
    return GridWorker.objects.get(grid=world.grid_1a, role=GridWorker.Role.LEADER)


def leader_3(world) -> GridWorker:
    return GridWorker.objects.get(grid=world.grid_3, role=GridWorker.Role.LEADER)


# --- Rules and idempotence ----------------------------------------------------------------
def test_default_rules_exist_with_their_points(world):
    rules = dict(PointsRule.objects.values_list("code", "points"))
    assert rules == {
        "dispute.reported": 2,
        "dispute.resolved": 5,
        "screening.on_time": 3,
        "screening.late": -1,
        "screening.missed": -3,
        "patrol.participation": 2,
        "visit.done": 2,
        "manual": 10,
    }


def test_the_same_event_twice_awards_once(world):
    first = services.points_award(person=world.worker_g1, rule_code="visit.done", source_key="visit-7")
    again = services.points_award(person=world.worker_g1, rule_code="visit.done", source_key="visit-7")
    assert first is not None and first.points == 2 and first.awarded_by is None
    assert again is None
    assert entries(world.worker_g1).count() == 1
    # the same event may award another person once too
    assert (
        services.points_award(person=leader_1a(world), rule_code="visit.done", source_key="visit-7")
        is not None
    )


def test_an_inactive_or_unknown_rule_awards_nothing(world):
    PointsRule.objects.filter(code="visit.done").update(is_active=False)
    assert services.points_award(person=world.worker_g1, rule_code="visit.done", source_key="visit-1") is None
    assert services.points_award(person=world.worker_g1, rule_code="no.such.rule", source_key="x-1") is None
    assert not entries().exists()


def test_a_rule_for_grid_workers_does_not_apply_to_a_committee_member(world):
    member = world.village_1.security_committee.members.get()
    with pytest.raises(DomainError, match="不适用于"):
        services.points_award(person=member, rule_code="dispute.reported", source_key="case-1:reported")
    assert (
        services.points_award(person=member, rule_code="patrol.participation", source_key="patrol-1")
        is not None
    )


def test_points_count_for_the_month_of_the_event(world):
    when = local(2026, 3, 31, 23, 30)
    entry = services.points_award(person=world.worker_g1, rule_code="visit.done", source_key="v-1", when=when)
    assert entry.month == dt.date(2026, 3, 1)


# --- Manual awards ------------------------------------------------------------------------
def test_manual_award_needs_a_reason_and_writes_nothing_without_one(world):
    with pytest.raises(DomainError, match="须填写事由") as err:
        services.points_award_manual(
            actor=world.user("station_a"), person=world.worker_g1, points=3, reason="  "
        )
    assert err.value.field == "reason"
    assert not entries().exists()


def test_manual_award_by_station_staff_inside_their_jurisdiction(world):
    entry = services.points_award_manual(
        actor=world.user("station_a"), person=world.worker_g1, points=-2, reason="纠正:重复登记的案件误加分"
    )
    assert (entry.points, entry.rule, entry.awarded_by, entry.reason) == (
        -2,
        None,
        world.user("station_a"),
        "纠正:重复登记的案件误加分",
    )
    assert entry.source_key.startswith("manual:")
    # two manual awards with the same reason are two entries
    services.points_award_manual(
        actor=world.user("county"), person=world.worker_g1, points=-2, reason="纠正:重复登记的案件误加分"
    )
    assert entries(world.worker_g1).count() == 2


def test_manual_award_outside_scope_or_by_a_read_only_role_is_refused(world):
    with pytest.raises(DomainError, match="不在您的辖区内"):
        services.points_award_manual(
            actor=world.user("station_b"), person=world.worker_g1, points=2, reason="表现好"
        )
    for name in ("aux_v1", "grid_g1", "mediator_t1", "norole"):
        with pytest.raises(NotPermitted):
            services.points_award_manual(
                actor=world.user(name), person=world.worker_g1, points=2, reason="表现好"
            )
    assert not entries().exists()


@pytest.mark.parametrize(
    ("value", "message"), [(0, "不能为0"), (11, "不能超过±10分"), (-11, "不能超过±10分"), ("3", "须为整数")]
)
def test_manual_award_points_must_be_a_non_zero_integer_within_the_cap(world, value, message):
    with pytest.raises(DomainError, match=message):
        services.points_award_manual(
            actor=world.user("admin"), person=world.worker_g1, points=value, reason="调整"
        )
    assert not entries().exists()


def test_manual_awards_can_be_switched_off(world):
    PointsRule.objects.filter(code="manual").update(is_active=False)
    with pytest.raises(DomainError, match="已停用"):
        services.points_award_manual(
            actor=world.user("admin"), person=world.worker_g1, points=2, reason="调整"
        )


def test_manual_rule_code_cannot_be_awarded_as_an_event(world):
    with pytest.raises(DomainError):
        services.points_award(person=world.worker_g1, rule_code="manual", source_key="x")


# --- Dispute hooks ------------------------------------------------------------------------
def test_a_case_reported_by_a_grid_worker_awards_two_points_once(world):
    case = report(world, "grid_g1", grid=world.grid_1a, client_key=None)
    (entry,) = entries(world.worker_g1)
    assert (entry.points, entry.source_key, entry.rule.code) == (
        2,
        f"case-{case.pk}:reported",
        "dispute.reported",
    )
    # replaying the award (a retried hook) changes nothing
    services.points_for_case_reported(case=case)
    assert entries(world.worker_g1).count() == 1


def test_a_resent_report_with_the_same_client_key_awards_once(world):
    import uuid

    key = uuid.uuid4()
    first = report(world, "grid_g1", grid=world.grid_1a, client_key=key)
    again = report(world, "grid_g1", grid=world.grid_1a, client_key=key)
    assert first.pk == again.pk
    assert entries(world.worker_g1).count() == 1


def test_a_case_reported_by_station_staff_awards_nobody(world):
    report(world, "station_a", grid=world.grid_1a)
    assert not entries().exists()


def test_closing_with_an_agreement_awards_five_to_the_reporting_grid_worker(world):
    case = to_closed(world, report(world, "grid_g1", grid=world.grid_1a))
    resolved = entries(world.worker_g1, source_key=f"case-{case.pk}:resolved").get()
    assert resolved.points == 5
    assert sum(entries(world.worker_g1).values_list("points", flat=True)) == 7
    # re-opened and closed again: still one award
    cases.case_reopen(actor=world.user("station_a"), case=case, reason="双方再起争执")
    cases.case_start_mediation(actor=world.user("station_a"), case=case)
    cases.referral_create(
        actor=world.user("station_a"),
        case=case,
        kind="lawyer",
        target_name="县律师事务所",
        reason="需法律意见",
    )
    cases.case_close(actor=world.user("station_a"), case=case)
    assert entries(world.worker_g1, source_key=f"case-{case.pk}:resolved").count() == 1


def test_closing_a_staff_reported_case_awards_the_grid_leader(world):
    case = to_closed(world, report(world, "station_a", grid=world.grid_1a))
    (entry,) = entries()
    assert (entry.grid_worker, entry.points) == (leader_1a(world), 5)
    assert case.status == "closed"


def test_closing_without_an_agreement_or_a_grid_awards_nothing(world):
    user = world.user("station_a")
    case = report(world, "station_a", grid=world.grid_1a)
    cases.case_accept(actor=user, case=case)
    cases.referral_create(
        actor=user, case=case, kind="department", department="hrss", target_name="县人社局", reason="劳动争议"
    )
    cases.case_close(actor=user, case=case)
    to_closed(world, report(world, "station_a", grid=None))
    assert not entries().exists()


def test_a_missing_rule_never_breaks_the_case_action(world):
    PointsRule.objects.filter(code__startswith="dispute.").delete()
    case = to_closed(world, report(world, "grid_g1", grid=world.grid_1a))
    assert case.status == "closed"
    assert not entries().exists()


# --- Screening hooks and the missed-report sweep ------------------------------------------
def test_a_report_on_time_awards_three_to_the_grid_worker_who_filed_it(world):
    r = open_round()
    rep = file(world, r, world.grid_1a)
    (entry,) = entries()
    assert (entry.grid_worker, entry.points, entry.source_key) == (
        world.worker_g1,
        3,
        f"round-{r.pk}:grid-{world.grid_1a.pk}:filed",
    )
    services.points_for_screening_report(report=rep)
    assert entries().count() == 1


def test_a_late_report_filed_on_behalf_deducts_one_from_the_grid_leader(world):
    r = open_round(days_ago=6)  # due 5 days after opening: past due
    file(world, r, world.grid_1a, actor="station_a")
    (entry,) = entries()
    assert (entry.grid_worker, entry.points, entry.rule.code) == (leader_1a(world), -1, "screening.late")


def test_a_grid_without_leader_or_own_filer_earns_nothing(world):
    r = open_round()
    file(world, r, world.grid_1b, actor="aux_v1")
    assert not entries().exists()


def test_the_sweep_deducts_three_from_leaders_of_grids_that_never_reported(world):
    r = open_round(days_ago=20)
    file(world, r, world.grid_1a, actor="station_a")  # late, −1 to the leader of 一村一组
    now = r.due_at + screening_services.MISSED_AFTER + dt.timedelta(minutes=1)
    assert (
        screening_services.screening_deduct_missed(now=r.due_at + dt.timedelta(days=1)) == 0
    )  # too early: may still report
    assert (
        screening_services.screening_deduct_missed(now=now) == 1
    )  # 三村一组 (一村二组, 二村一组 have no leader)
    assert screening_services.screening_deduct_missed(now=now) == 0
    missed = entries(rule__code="screening.missed").get()
    assert (missed.grid_worker, missed.points, missed.source_key) == (
        leader_3(world),
        -3,
        f"round-{r.pk}:grid-{world.grid_3.pk}:missed",
    )
    assert missed.month == selectors.month_of(r.due_at)
    # reporting after the deduction: no second, late deduction
    file(world, r, world.grid_3, actor="station_b")
    assert list(entries(leader_3(world)).values_list("points", flat=True)) == [-3]


# --- Monthly totals and stars -------------------------------------------------------------
def _award(person, n: int, key: str, when: dt.datetime, rule: str = "visit.done"):
    PointsRule.objects.filter(code=rule).update(points=n)
    return services.points_award(person=person, rule_code=rule, source_key=key, when=when)


def test_monthly_totals_and_stars_by_hand(world, settings):
    settings.POINTS_STAR_THRESHOLDS = [(40, 5), (30, 4), (20, 3), (10, 2), (1, 1)]
    march = local(2026, 3, 10, 9)
    april = local(2026, 4, 2, 9)
    g1, l1a, l3 = world.worker_g1, leader_1a(world), leader_3(world)
    _award(g1, 25, "a", march)
    _award(g1, 8, "b", march)  # g1: 33 in March → 4★
    _award(g1, 50, "c", april)  # April does not count for March
    _award(l1a, 10, "d", march)  # 10 → 2★
    _award(l3, 3, "e", march)
    services.points_award_manual(
        actor=world.user("admin"), person=l3, points=-5, reason="纠正", when=march
    )  # −2 → 0★
    month = dt.date(2026, 3, 1)
    result = selectors.points_monthly(user=world.user("county"), month=month)
    totals = {p.name: (p.total, p.stars, p.rank) for p in result.people}
    assert totals == {"一组网格员": (33, 4, 1), "一组网格长": (10, 2, 2), "三村网格长": (-2, 0, 3)}
    by_group = {g.label: (g.people, g.total, g.average) for g in result.groups}
    assert by_group == {"一村": (2, 43, 21.5), "三村": (1, -2, -2.0)}
    townships = selectors.points_monthly(user=world.user("county"), month=month, group="township")
    assert {g.label: g.total for g in townships.groups} == {"甲镇": 43, "乙乡": -2}
    # the command centre's village ranking, summed by the database, is the same ranking
    for user in ("county", "station_a", "station_b"):
        assert selectors.village_ranking(user=world.user(user), month=month) == (
            selectors.points_monthly(user=world.user(user), month=month).groups
        )
    # people who left still count in a month they had points; those without points do not
    GridWorker.objects.update(is_active=False)
    for check_month in (month, dt.date(2026, 4, 1), dt.date(2026, 5, 1)):
        ranking = selectors.village_ranking(user=world.user("county"), month=check_month)
        assert ranking == selectors.points_monthly(user=world.user("county"), month=check_month).groups
    assert {g.label: g.people for g in selectors.village_ranking(user=world.user("county"), month=month)} == {
        "一村": 2,
        "三村": 1,
    }
    assert selectors.village_ranking(user=world.user("county"), month=dt.date(2026, 5, 1)) == []
    # narrowed to some villages: the same villages in the same order, nothing else
    among = Region.objects.filter(pk=world.village_3.pk).values("pk")
    assert [
        g.label for g in selectors.village_ranking(user=world.user("county"), month=month, among=among)
    ] == ["三村"]
    GridWorker.objects.update(is_active=True)

    assert services.points_update_stars(month=month) == 3
    stars = dict(GridWorker.objects.values_list("name", "stars"))
    assert stars == {"一组网格员": 4, "一组网格长": 2, "三村网格长": 0}
    services.points_update_stars(month=month)  # running again gives the same
    assert dict(GridWorker.objects.values_list("name", "stars")) == stars
    services.points_update_stars(month=dt.date(2026, 4, 15))
    assert dict(GridWorker.objects.values_list("name", "stars")) == {
        "一组网格员": 5,
        "一组网格长": 0,
        "三村网格长": 0,
    }


def test_star_thresholds_come_from_settings(world, settings):
    settings.POINTS_STAR_THRESHOLDS = [(100, 5), (5, 1)]
    assert [selectors.stars_for(n) for n in (-1, 0, 4, 5, 99, 100)] == [0, 0, 0, 1, 1, 5]


def test_rankings_are_scoped_per_role(world):
    month = timezone.localdate()
    names = {
        name: sorted(p.name for p in selectors.points_monthly(user=world.user(name), month=month).people)
        for name in ("county", "station_a", "station_b", "aux_v1", "grid_g1", "mediator_t1", "norole")
    }
    assert names["county"] == sorted(["一组网格员", "一组网格长", "三村网格长"])
    assert names["station_a"] == sorted(["一组网格员", "一组网格长"])
    assert names["station_b"] == ["三村网格长"]
    assert names["aux_v1"] == sorted(["一组网格员", "一组网格长"])
    assert names["grid_g1"] == sorted(["一组网格员", "一组网格长"])
    assert names["mediator_t1"] == names["norole"] == []


def test_committee_and_volunteer_rankings_group_by_their_place(world):
    team = world.township_b.volunteer_teams.get()
    member = gov.volunteer_member_add(
        actor=world.user("admin"), team=team, name="乙乡队员", phone=make_phone(), id_number=make_id_number()
    )
    services.points_for_patrol(people=[member], patrol_id=1)
    services.points_for_patrol(people=[member], patrol_id=1)
    month = timezone.localdate()
    vols = selectors.points_monthly(
        user=world.user("county"), month=month, kind="volunteer_member", group="township"
    )
    assert [(p.name, p.total, p.township) for p in vols.people] == [("乙乡队员", 2, "乙乡")]
    assert (
        selectors.points_monthly(user=world.user("station_a"), month=month, kind="volunteer_member").people
        == []
    )
    members = selectors.points_monthly(user=world.user("station_a"), month=month, kind="committee_member")
    assert [(p.name, p.village) for p in members.people] == [("一村书记", "一村")]


def test_inactive_people_with_points_still_count_for_that_month(world):
    services.points_award(person=leader_3(world), rule_code="visit.done", source_key="v-9")
    gov.grid_worker_update(actor=world.user("admin"), worker=leader_3(world), data={"is_active": False})
    result = selectors.points_monthly(user=world.user("county"), month=timezone.localdate())
    assert "三村网格长" in {p.name for p in result.people}
    last_month = selectors.previous_month(timezone.localdate())
    assert "三村网格长" not in {
        p.name for p in selectors.points_monthly(user=world.user("county"), month=last_month).people
    }


# --- Tasks and schedules ------------------------------------------------------------------
def test_tasks_are_scheduled_and_call_the_services(world, settings):

    schedules = {v["task"]: v.get("crontab") for v in settings.PERIODIC_TASKS.values()}
    assert schedules["governance.points_monthly_stars"] == "0 2 1 * *"
    assert schedules["screening.deduct_missed"].endswith("* * * *")
    last_month = selectors.previous_month(timezone.localdate())
    PointsRule.objects.filter(code="visit.done").update(points=12)
    services.points_award(
        person=world.worker_g1,
        rule_code="visit.done",
        source_key="v-1",
        when=local(last_month.year, last_month.month, 15, 10),
    )
    assert tasks.points_monthly_stars.delay().get() == 3
    assert GridWorker.objects.get(pk=world.worker_g1.pk).stars == 2
    r = open_round(days_ago=13)  # due 8 days ago: missed
    assert screening_tasks.screening_deduct_missed.delay().get() == 2  # the leaders of 一村一组 and 三村一组
    assert screening_tasks.screening_deduct_missed.delay().get() == 0
    assert set(entries(rule__code="screening.missed").values_list("source_key", flat=True)) == {
        f"round-{r.pk}:grid-{g.pk}:missed" for g in (world.grid_1a, world.grid_3)
    }

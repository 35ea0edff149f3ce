"""Demo field work: a year of incidents (警情) across the county, with repeat calls at a few
places and dispute incidents (some already turned into cases), this month's and last month's
village check-ins (some attached officers meet the 3-day rule this month, some do not), and a
few patrol plans with finished patrols, check-ins and findings.

Deterministic (fixed seed) and idempotent by natural keys: an incident is (station, 110
number ``DEMO-<n>``), a check-in (person, village, day), a plan (station, title); what exists is
left alone, so a second run creates nothing. Incidents and check-ins are written in bulk (the
rows the services would write, with the same normalised address key); conversions to cases and
patrols go through the services.
"""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from disputes.incidents.services import case_from_incident
from disputes.incidents.turns import criminal_turns_rebuild
from disputes.models import Category
from governance.models import User, VolunteerTeam
from patrols import services as patrol_services
from patrols.models import Patrol, PatrolPlan
from patrols.selectors import Participants
from stations.models import Incident, Station, VillageAssignment, VillageVisit
from stations.selectors import normalize_address, villages_of_station
from stations.services import incident_repeats_rebuild

SEED = 20261215
N_INCIDENTS = 720
N_HOTSPOTS = 24

# category → weight (县局 2023: 群众求助 48%, 纠纷 16%)
WEIGHTS = {
    Incident.Category.HELP: 48,
    Incident.Category.DISPUTE: 16,
    Incident.Category.PUBLIC_ORDER: 9,
    Incident.Category.TRAFFIC: 6,
    Incident.Category.NOISE: 6,
    Incident.Category.COMPLAINT: 5,
    Incident.Category.CRIMINAL: 3,
    Incident.Category.INVALID: 4,
    Incident.Category.FIRE: 1,
    Incident.Category.OTHER: 2,
}
SUMMARIES: dict[str, list[str]] = {
    Incident.Category.HELP: [
        "老人走失,家属报警求助寻找。",
        "村民被困山沟,请求救援。",
        "醉酒人员倒卧路边,群众报警。",
        "儿童放学未归,家长求助。",
    ],
    Incident.Category.DISPUTE: [
        "两户村民因宅基地边界发生争执,互相推搡。",
        "邻居因排水沟堵塞发生口角。",
        "务工人员讨要工资与包工头发生争执。",
        "夫妻吵架,女方报警。",
        "因牛只啃食庄稼引发纠纷。",
    ],
    Incident.Category.PUBLIC_ORDER: [
        "酒后滋事,砸坏小卖部玻璃。",
        "两伙人在集市斗殴。",
        "有人在街上寻衅滋事。",
    ],
    Incident.Category.TRAFFIC: ["摩托车与三轮车相撞,一人受伤。", "货车侧翻堵塞乡道。"],
    Incident.Category.NOISE: ["深夜婚宴放鞭炮、音响扰民。", "夜间施工噪音扰民。"],
    Incident.Category.COMPLAINT: ["举报有人私设赌局。", "投诉商店销售过期食品。"],
    Incident.Category.CRIMINAL: ["村民家中被盗,丢失现金三千元。", "养殖户的两头牛被盗。"],
    Incident.Category.INVALID: ["误拨110。", "无声电话。"],
    Incident.Category.FIRE: ["山林起火,群众报警。"],
    Incident.Category.OTHER: ["路灯损坏,群众反映。"],
}
OUTCOMES = ["民警到场处置,已平息。", "已调解,双方达成谅解。", "已移交相关部门处理。", "已登记,继续跟进。"]
SURNAMES = ["吉克", "沙马", "阿说", "马海", "俄木", "吉伍", "王", "李", "杨", "张"]
GIVEN = ["阿木", "拉哈", "日者", "尔古", "伍呷", "志强", "秀英", "建华"]
REFER_TO = ["12345热线", "乡镇民政办", "劳动保障监察大队", "乡镇综治中心"]


def _pick(rng: random.Random) -> str:
    total = sum(WEIGHTS.values())
    n = rng.randrange(total)
    for category, weight in WEIGHTS.items():
        n -= weight
        if n < 0:
            return category
    return Incident.Category.OTHER


def _past(moment: dt.datetime) -> dt.datetime:
    """No record dated in the future: a moment later today is moved to a few minutes ago."""
    now = timezone.now()
    return moment if moment < now else now - dt.timedelta(minutes=5 + moment.minute)


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return _past(timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)))))


def seed_field() -> Counter:
    created: Counter = Counter()
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    stations = list(Station.objects.filter(is_active=True).order_by("code"))
    if admin is None or not stations:
        return created
    created.update(_seed_incidents(admin, stations))
    created.update(_seed_visits(admin))
    created.update(_seed_patrols(admin, stations))
    return created


def _seed_incidents(admin: User, stations: list[Station]) -> Counter:
    created: Counter = Counter()
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    villages = {
        s.pk: list(villages_of_station(s.pk).filter(is_archived=False).order_by("code")) for s in stations
    }
    places = [(s, v) for s in stations for v in villages[s.pk]]
    if not places:
        return created
    hotspots = []
    for _ in range(N_HOTSPOTS):
        station, village = rng.choice(places)
        hotspots.append(
            (
                station,
                village,
                f"{rng.randrange(1, 9)}组{rng.randrange(1, 40)}号",
                f"13{rng.randrange(5, 10)}{rng.randrange(10**8):08d}",
            )
        )
    existing = set(Incident.objects.filter(number__startswith="DEMO-").values_list("station_id", "number"))
    rows = []
    for i in range(N_INCIDENTS):
        # draw every value whether or not the row exists, so the sequence stays fixed
        category = _pick(rng)
        if i % 6 == 0:  # a repeat call at a hot spot, within a few weeks of the others there
            station, village, address, phone = hotspots[(i // 6) % N_HOTSPOTS]
            days_ago = ((i // 6) % N_HOTSPOTS) * 14 % 330 + rng.randrange(0, 25)
        else:
            station, village = rng.choice(places)
            address = f"{rng.randrange(1, 9)}组{rng.randrange(1, 60)}号"
            phone = f"13{rng.randrange(5, 10)}{rng.randrange(10**8):08d}" if rng.random() < 0.8 else ""
            days_ago = rng.randrange(0, 365)
        received = _moment(today - dt.timedelta(days=days_ago), rng)
        caller = rng.choice(SURNAMES) + rng.choice(GIVEN)
        summary = rng.choice(SUMMARIES[category])
        outcome = rng.choice(OUTCOMES)
        refer = category in (Incident.Category.HELP, Incident.Category.COMPLAINT) and rng.random() < 0.25
        answered = refer and rng.random() < 0.7
        department = rng.choice(REFER_TO)
        other_party = rng.choice(SURNAMES) + "某"
        number = f"DEMO-{i + 1:06d}"
        if (station.pk, number) in existing or received > now:
            continue
        rows.append(
            Incident(
                station=station,
                number=number,
                received_at=received,
                category=category,
                village=village,
                address=address,
                address_key=normalize_address(address),
                caller_name=caller,
                caller_phone=phone,
                parties=caller if category != Incident.Category.DISPUTE else f"{caller}、{other_party}",
                summary=summary,
                outcome=outcome,
                created_by=admin,
                referred_to=department if refer else "",
                referred_at=received + dt.timedelta(hours=2) if refer else None,
                referral_status=(
                    Incident.ReferralStatus.ANSWERED if answered else Incident.ReferralStatus.PENDING
                )
                if refer
                else "",
                referral_answer="已核实处理并回复群众。" if answered else "",
                answered_at=received + dt.timedelta(days=3) if answered else None,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=500)
    created["警情"] += len(rows)
    # written in bulk, not through the services: the stored repeat flags and 民转刑 rows now
    incident_repeats_rebuild()
    criminal_turns_rebuild()
    # a dozen of the most recent dispute incidents already became cases
    disputes = Incident.objects.filter(
        number__startswith="DEMO-", category=Incident.Category.DISPUTE, case_link__isnull=True
    ).order_by("-received_at")[:12]
    linked = Incident.objects.filter(number__startswith="DEMO-", case_link__isnull=False).count()
    for incident in list(disputes)[: max(0, 12 - linked)]:
        _case, made = case_from_incident(actor=admin, incident=incident, category=Category.NEIGHBOUR)
        created["警情转案件"] += int(made)
    return created


def _seed_visits(admin: User) -> Counter:
    """Check-ins of every current attached officer and auxiliary officer: last month all of
    them, this month two in three attached officers reach the 3 days and the rest do not."""
    created: Counter = Counter()
    rng = random.Random(SEED + 1)
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month = (first - dt.timedelta(days=1)).replace(day=1)
    assignments = list(
        VillageAssignment.objects.filter(end_date__isnull=True)
        .select_related("officer__user", "auxiliary_officer__user")
        .order_by("village__code", "kind")
    )
    existing: set[tuple[int | None, int | None, int, dt.date]] = set(
        VillageVisit.objects.filter(visited_on__gte=last_month).values_list(
            "officer_id", "auxiliary_officer_id", "village_id", "visited_on"
        )
    )
    rows = []
    for n, a in enumerate(assignments):
        user = (
            getattr(a.person, "user", None) or admin
        )  # demo staff without an account: recorded by the admin
        previous_days = rng.sample(range(1, 28), rng.randrange(3, 7))
        meets = a.kind == VillageAssignment.Kind.AUXILIARY or n % 3 != 0
        wanted = rng.randrange(3, 6) if meets else rng.randrange(0, 3)
        this_month = sorted(rng.sample(range(1, today.day + 1), min(wanted, today.day)))
        days = [last_month.replace(day=d) for d in previous_days] + [first.replace(day=d) for d in this_month]
        for day in days:
            activity = rng.choice(VillageVisit.Activity.values)
            checked_in_at = _past(_moment(day, rng).replace(hour=rng.randrange(8, 18)))
            key = (a.officer_id, a.auxiliary_officer_id, a.village_id, day)
            if key in existing or day < a.start_date:
                continue
            existing.add(key)
            rows.append(
                VillageVisit(
                    village_id=a.village_id,
                    officer_id=a.officer_id,
                    auxiliary_officer_id=a.auxiliary_officer_id,
                    visited_on=day,
                    checked_in_at=checked_in_at,
                    activity=activity,
                    note="",
                    created_by=user,
                )
            )
    VillageVisit.objects.bulk_create(rows, batch_size=500)
    created["驻村签到"] += len(rows)
    return created


def _seed_patrols(admin: User, stations: list[Station]) -> Counter:
    created: Counter = Counter()
    rng = random.Random(SEED + 2)
    now = timezone.now().replace(second=0, microsecond=0)
    for station in stations[:4]:
        villages = list(villages_of_station(station.pk).filter(is_archived=False).order_by("code")[:4])
        if not villages:
            continue
        officers = list(station.officers.filter(is_active=True)[:2])
        auxiliaries = list(station.auxiliary_officers.filter(is_active=True)[:2])
        teams = list(
            VolunteerTeam.objects.filter(
                is_active=True, region__in=[v.parent_id for v in villages] + [v.pk for v in villages]
            )[:1]
        )
        for title, days_ago, joint in (
            ("夜间治安巡逻", 3, ""),
            ("集市日联合巡逻", 10, "交警中队、乡镇综治中心"),
        ):
            full_title = f"{station.name}{title}"
            if PatrolPlan.objects.filter(station=station, title=full_title).exists():
                continue
            start = now - dt.timedelta(days=days_ago, hours=rng.randrange(0, 4))
            plan = patrol_services.plan_create(
                actor=admin,
                station=station,
                title=full_title,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                checkpoints=[{"village": v} for v in villages[:3]] + [{"place": "乡镇集市"}],
                officers=officers,
                auxiliary_officers=auxiliaries,
                volunteer_teams=teams,
                joint_units=joint,
            )
            created["巡逻计划"] += 1
            patrol = patrol_services.patrol_start(actor=admin, plan=plan, now=start)
            # who came: the officers, and most of the team (the absent earn no patrol points)
            people = Participants(patrol)
            came = [m for m in people.volunteer_members if rng.random() < 0.7]
            if officers or auxiliaries or came:
                created["巡逻到岗"] += patrol_services.attendance_check_in(
                    actor=admin,
                    patrol=patrol,
                    officers=officers,
                    auxiliary_officers=auxiliaries,
                    volunteer_members=came,
                    now=start + dt.timedelta(minutes=5),
                )
            for k, stop in enumerate(plan.checkpoints.all()):
                if k < 3 or rng.random() < 0.5:
                    patrol_services.patrol_check_in(
                        actor=admin,
                        patrol=patrol,
                        checkpoint=stop,
                        now=start + dt.timedelta(minutes=35 * (k + 1)),
                    )
            finding = patrol_services.finding_add(
                actor=admin,
                patrol=patrol,
                kind=rng.choice(["hazard", "lead"]),
                village=villages[0],
                description=rng.choice(
                    [
                        "桥梁护栏缺失,存在安全隐患。",
                        "两户因灌溉用水争执,情绪激动。",
                        "发现可疑车辆夜间在养殖场附近停留。",
                    ]
                ),
                now=start + dt.timedelta(minutes=50),
            )
            if "争执" in finding.description:
                patrol_services.finding_to_case(actor=admin, finding=finding, category=Category.NEIGHBOUR)
            patrol_services.patrol_end(
                actor=admin,
                patrol=patrol,
                summary="巡逻正常,已完成各点打卡。",
                now=start + dt.timedelta(hours=3),
            )
            created["巡逻记录"] += Patrol.objects.filter(pk=patrol.pk).count()
    return created

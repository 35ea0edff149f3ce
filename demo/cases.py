"""Demo dispute cases: a year of 矛盾纠纷 across the county, made through the disputes services
so that every case carries a real timeline.

Each demo case has a fixed client key (uuid5 of its index): a case whose key exists is left
alone, so running the seed twice creates nothing. After the services have run, the case's
timestamps are moved back to the day the scenario says it was reported (demo history only).
"""

import datetime as dt
import random
import uuid
from collections import Counter

from django.db.models import F
from django.utils import timezone

from disputes import services
from disputes.models import Agreement, CaseEvent, Category, DisputeCase, FollowUp, MediationSession, Referral
from governance.models import Grid, GridWorker, Mediator, Region, User

SEED = 20261122
N_CASES = 240
NAMESPACE = uuid.UUID("5b1c3c4e-2f0a-4d7e-9a57-0d3a8e1c9b11")

# category → (weight, summaries)
SUMMARIES: dict[str, tuple[int, list[str]]] = {
    Category.NEIGHBOUR: (14, ["两户村民因房前排水沟堵塞互相指责,发生口角并推搡。",
                              "邻居修建圈舍占用公共通道,双方多次争吵。",
                              "邻居家犬只咬伤村民羊只,就赔偿金额协商不成。"]),
    Category.MARRIAGE_FAMILY: (12, ["夫妻因外出务工收入分配问题争吵,女方回娘家不归。",
                                    "兄弟三人因赡养老母亲及承包地分配发生纠纷。",
                                    "离婚后子女抚养费长期未支付,双方家支出面交涉未果。"]),
    Category.LAND_FOREST: (10, ["两组村民因山林界址不清,在林下采集魔芋时发生争执。",
                                "承包地边界石坎被移动,双方各执一词。"]),
    Category.HOMESTEAD: (8, ["村民新建住房地基越过宅基地界线约半米,邻居阻工。",
                             "老宅拆除后宅基地使用权归属产生争议。"]),
    Category.LABOUR_DEBT: (12, ["十余名村民在县城工地务工,工程结束后工资约十二万元未结清。",
                                "村民借款五万元购买农用车,逾期两年未还,债主上门讨要。",
                                "包工头拖欠六名彝族务工人员工资,务工人员扬言到县里上访。"]),
    Category.MEDICAL: (6, ["村民在乡卫生院输液后出现不适,家属要求赔偿并聚集在卫生院门口。",
                           "患者家属对县医院诊疗费用有异议,情绪激动。"]),
    Category.SCHOOL_EMPLOYMENT: (5, ["学生在校受伤,家长与学校就责任和医疗费发生争议。",
                                     "村民子女被劳务中介收取押金后未安排工作。"]),
    Category.ROMANCE: (6, ["男女双方订婚后悔婚,男方家支要求退还彩礼八万元。",
                           "青年男女恋爱分手后,男方多次到女方家中纠缠。"]),
    Category.DAMAGES: (6, ["牛只闯入邻家玉米地,啃食庄稼约半亩。",
                           "放炮采石震裂邻居房屋墙体。"]),
    Category.TRAFFIC: (5, ["摩托车与三轮车在乡道相撞,双方就医疗费赔偿争执。"]),
    Category.CONTRACT: (4, ["合作社收购花椒后未按约定价格付款。"]),
    Category.BUSINESS: (3, ["两家农家乐因揽客发生冲突。"]),
    Category.LAND_ACQUISITION: (3, ["公路拓宽征地补偿标准有异议,部分村民阻止施工。"]),
    Category.ENVIRONMENT: (2, ["养猪场污水排入灌溉渠,下游村民不满。"]),
    Category.PROPERTY_MGMT: (1, ["小区物业停水,业主与物业公司发生争执。"]),
    Category.CONSUMER: (1, ["村民购买的化肥疑似假货,与经销商争执。"]),
    Category.OTHER: (2, ["村民因红白喜事占道搭棚与过路村民发生争吵。"]),
}

# scenario → weight: how far along the lifecycle the case has gone
SCENARIOS = {
    "closed": 42, "closed_visited": 14, "reopened": 3, "referred": 7, "failed_escalated": 5,
    "agreement": 6, "in_mediation": 9, "accepted": 6, "reported": 5, "not_accepted": 3,
}

PERFORMANCE = ["当场一次性支付现金", "分两期支付,每期于月底前付清", "恢复原状并赔礼道歉", "由村委会监督履行"]
PLACES = ["村委会调解室", "派出所调解室", "当事人家中", "乡综治中心"]


def _pick(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] if isinstance(weights[k], int) else weights[k][0] for k in keys])[0]


def _actor_for(village: Region, staff_by_township: dict[int, User], fallback: User) -> User:
    return staff_by_township.get(village.parent_id, fallback)


def seed_cases() -> Counter:
    created: Counter = Counter()
    keys = [uuid.uuid5(NAMESPACE, f"demo-case-{i}") for i in range(N_CASES)]
    existing = set(DisputeCase.objects.filter(client_key__in=keys).values_list("client_key", flat=True))
    if len(existing) == len(keys):
        return created
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return created
    from stations.models import Officer

    staff_by_township: dict[int, User] = {}
    for officer in Officer.objects.filter(user__isnull=False, user__role=User.Role.STATION).select_related("user"):
        for j in officer.station.jurisdictions.all():
            staff_by_township.setdefault(j.region_id, officer.user)
    grids = list(Grid.objects.filter(is_active=True).select_related("village", "village__parent"))
    grid_users: dict[int, User] = {}
    for w in GridWorker.objects.filter(user__isnull=False, is_active=True).select_related("user"):
        grid_users[w.grid_id] = w.user
    mediators_by_township: dict[int, list[Mediator]] = {}
    for m in Mediator.objects.filter(is_active=True).select_related("user"):
        mediators_by_township.setdefault(m.township_id, []).append(m)
    demo_mediator = Mediator.objects.filter(user__username="demo_mediator").first()
    demo_grid = next((g for g in grids if grid_users.get(g.pk) and grid_users[g.pk].username == "demo_grid"), None)

    rng = random.Random(SEED)
    now = timezone.now()
    for i, key in enumerate(keys):
        # draw every random value whether or not the case exists, so the sequence stays fixed
        category = _pick(rng, SUMMARIES)
        summary = rng.choice(SUMMARIES[category][1])
        scenario = _pick(rng, SCENARIOS)
        grid = demo_grid if (demo_grid and i % 12 == 0) else rng.choice(grids)
        days_ago = rng.randint(1, 360) if scenario.startswith("closed") or scenario in ("reopened", "not_accepted") \
            else rng.randint(0, 40)
        people = rng.choice([2, 2, 2, 3, 4, 6, 12])
        amount = rng.choice([None, None, 2000, 8000, 50000, 120000])
        threat = rng.random() < 0.08
        from_grid = rng.random() < 0.5
        mediator_roll = rng.random()
        if key in existing:
            continue
        village = grid.village
        staff = _actor_for(village, staff_by_township, admin)
        reporter = grid_users.get(grid.pk) if from_grid and grid_users.get(grid.pk) else staff
        parties = _parties(rng, village)
        case = services.case_report(
            actor=reporter, village=village, grid=grid, category=category, summary=summary,
            source="grid_report" if reporter != staff else rng.choice(["walk_in", "walk_in", "screening", "incident"]),
            people_involved=people, amount_involved=amount, threat_flag=threat, vulnerable_flag=rng.random() < 0.1,
            address=f"{village.name}{rng.randint(1, 9)}组", parties=parties, client_key=key,
        )
        created["矛盾纠纷"] += 1
        pool = mediators_by_township.get(village.parent_id, [])
        if demo_mediator and demo_mediator.township_id == village.parent_id and mediator_roll < 0.6:
            pool = [demo_mediator]
        _play(rng, scenario, case, staff, pool, mediator_roll, days_ago)
        _backdate(case, now - dt.timedelta(days=days_ago, hours=rng.randint(0, 10)))
    return created


def _parties(rng: random.Random, village: Region) -> list[dict]:
    from demo.vocab import HAN_SURNAMES, YI_CLANS, YI_GIVEN_FEMALE, YI_GIVEN_MALE

    parties = []
    for role in ("applicant", "respondent"):
        if rng.random() < 0.7:
            clan = rng.choice(YI_CLANS)
            name = clan + rng.choice(YI_GIVEN_MALE + YI_GIVEN_FEMALE)
            parties.append({"name": name, "role": role, "ethnicity": "yi", "clan": clan,
                            "gender": rng.choice("MMF"), "address": f"{village.name}"})
        else:
            parties.append({"name": rng.choice(HAN_SURNAMES) + rng.choice(["国华", "明", "建平", "秀英", "桂芳"]),
                            "role": role, "ethnicity": "han", "gender": rng.choice("MF"),
                            "address": f"{village.name}"})
    return parties


def _play(rng: random.Random, scenario: str, case: DisputeCase, staff: User, pool: list[Mediator],
          roll: float, days_ago: int) -> None:
    if scenario == "reported":
        return
    if scenario == "not_accepted":
        services.case_not_accept(actor=staff, case=case, reason="已进入诉讼程序,告知当事人依法诉讼")
        return
    services.case_accept(actor=staff, case=case)
    if pool:
        candidates = [m for m in pool if not services.mediator_conflicts(case=case, mediator=m)]
        if candidates:
            services.mediator_assign(actor=staff, case=case, mediator=candidates[int(roll * 1000) % len(candidates)])
    if scenario == "accepted":
        return
    today = timezone.localdate()
    services.session_record(actor=staff, case=case, held_at=timezone.now() - dt.timedelta(hours=2),
                            place=rng.choice(PLACES), attendees="双方当事人、德古、驻村辅警",
                            record="双方陈述事实,调解员释法说理,从彝族传统习惯和法律两方面做工作。",
                            outcome=MediationSession.Outcome.FAILED if scenario == "failed_escalated"
                            else MediationSession.Outcome.CONTINUING)
    if scenario == "in_mediation":
        return
    if scenario == "failed_escalated":
        services.case_escalate(actor=staff, case=case, reason="村级调解未成,提请乡镇综治中心调解")
        return
    if scenario == "referred":
        services.referral_create(actor=staff, case=case, kind=Referral.Kind.DEPARTMENT,
                                 department=Referral.Department.HRSS, target_name="县人社局劳动保障监察大队",
                                 reason="涉及劳资纠纷,移交主管部门处理")
        return
    agreement = services.agreement_create(
        actor=staff, case=case, form=Agreement.Form.WRITTEN, facts=case.summary,
        disputed_matters="赔偿数额及履行方式", terms="经调解,双方自愿达成协议,被申请人赔偿申请人损失,双方不再追究。",
        performance_method=rng.choice(PERFORMANCE), performance_place="村委会",
        performance_deadline=today + dt.timedelta(days=15), signed_on=today,
    )
    if scenario == "agreement":
        return
    services.agreement_set_performance(actor=staff, agreement=agreement, status=Agreement.Performance.PERFORMED)
    services.case_close(actor=staff, case=case, note="协议履行完毕,案结事了")
    if scenario == "closed_visited" or (scenario == "closed" and days_ago > 45):
        # the visits planned 7 and 30 days after closure were made (old cases: both of them)
        for _visit in range(2 if days_ago > 45 else 1):
            services.follow_up_record(actor=staff, case=case, result="stable",
                                      satisfaction=rng.choice(["satisfied", "satisfied", "satisfied", "fairly"]),
                                      note="双方关系缓和,未再发生争执")
    if scenario == "reopened":
        services.follow_up_record(actor=staff, case=case, result="recurring", satisfaction="unsatisfied",
                                  note="被申请人未按约定恢复原状,双方再起争执")


def _backdate(case: DisputeCase, reported_at: dt.datetime) -> None:
    """Shift the case, its timeline and its records back by the same offset (demo history)."""
    shift = reported_at - case.reported_at
    DisputeCase.objects.filter(pk=case.pk).update(
        reported_at=F("reported_at") + shift, due_at=F("due_at") + shift, closed_at=F("closed_at") + shift,
    )
    CaseEvent.objects.filter(case=case).update(created_at=F("created_at") + shift)
    MediationSession.objects.filter(case=case).update(held_at=F("held_at") + shift)
    Referral.objects.filter(case=case).update(sent_at=F("sent_at") + shift,
                                              due_date=F("due_date") + dt.timedelta(days=shift.days))
    FollowUp.objects.filter(case=case).update(due_date=F("due_date") + dt.timedelta(days=shift.days),
                                              visited_at=F("visited_at") + shift)
    days = dt.timedelta(days=shift.days)
    Agreement.objects.filter(case=case).update(signed_on=F("signed_on") + days,
                                               performance_deadline=F("performance_deadline") + days)

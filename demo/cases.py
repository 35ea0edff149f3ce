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
from typing import cast

from django.utils import timezone

from demo.vocab import HAN_SURNAMES, YI_CLANS, YI_GIVEN_FEMALE, YI_GIVEN_MALE
from disputes import clock, services
from disputes.models import (
    Agreement,
    CaseEvent,
    CaseExtension,
    CaseMediator,
    CasePause,
    Category,
    DisputeCase,
    FollowUp,
    Level,
    MediationSession,
    Referral,
)
from governance.models import Grid, GridWorker, Mediator, PointsEntry, Region, User
from stations.models import Officer

SEED = 20261122
N_CASES = 320
NAMESPACE = uuid.UUID("5b1c3c4e-2f0a-4d7e-9a57-0d3a8e1c9b11")

# category → (weight, summaries)
SUMMARIES: dict[str, tuple[int, list[str]]] = {
    Category.NEIGHBOUR: (
        14,
        [
            "两户村民因房前排水沟堵塞互相指责,发生口角并推搡。",
            "邻居修建圈舍占用公共通道,双方多次争吵。",
            "邻居家犬只咬伤村民羊只,就赔偿金额协商不成。",
        ],
    ),
    Category.MARRIAGE_FAMILY: (
        12,
        [
            "夫妻因外出务工收入分配问题争吵,女方回娘家不归。",
            "兄弟三人因赡养老母亲及承包地分配发生纠纷。",
            "离婚后子女抚养费长期未支付,双方家支出面交涉未果。",
        ],
    ),
    Category.LAND_FOREST: (
        10,
        ["两组村民因山林界址不清,在林下采集魔芋时发生争执。", "承包地边界石坎被移动,双方各执一词。"],
    ),
    Category.HOMESTEAD: (
        8,
        ["村民新建住房地基越过宅基地界线约半米,邻居阻工。", "老宅拆除后宅基地使用权归属产生争议。"],
    ),
    Category.LABOUR_DEBT: (
        12,
        [
            "十余名村民在县城工地务工,工程结束后工资约十二万元未结清。",
            "村民借款五万元购买农用车,逾期两年未还,债主上门讨要。",
            "包工头拖欠六名彝族务工人员工资,务工人员扬言到县里上访。",
        ],
    ),
    Category.MEDICAL: (
        6,
        [
            "村民在乡卫生院输液后出现不适,家属要求赔偿并聚集在卫生院门口。",
            "患者家属对县医院诊疗费用有异议,情绪激动。",
        ],
    ),
    Category.SCHOOL_EMPLOYMENT: (
        5,
        ["学生在校受伤,家长与学校就责任和医疗费发生争议。", "村民子女被劳务中介收取押金后未安排工作。"],
    ),
    Category.ROMANCE: (
        6,
        ["男女双方订婚后悔婚,男方家支要求退还彩礼八万元。", "青年男女恋爱分手后,男方多次到女方家中纠缠。"],
    ),
    Category.DAMAGES: (6, ["牛只闯入邻家玉米地,啃食庄稼约半亩。", "放炮采石震裂邻居房屋墙体。"]),
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
    "closed": 50,
    "closed_visited": 16,
    "reopened": 3,
    "referred": 4,
    "referred_closed": 5,
    "failed_escalated": 3,
    "agreement": 4,
    "in_mediation": 6,
    "accepted": 4,
    "reported": 3,
    "not_accepted": 3,
}

PERFORMANCE = ["当场一次性支付现金", "分两期支付,每期于月底前付清", "恢复原状并赔礼道歉", "由村委会监督履行"]
PLACES = ["村委会调解室", "派出所调解室", "当事人家中", "乡综治中心"]


def _pick(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(
        keys, weights=[weights[k] if isinstance(weights[k], int) else weights[k][0] for k in keys]
    )[0]


def _actor_for(village: Region, staff_by_township: dict[int | None, User], fallback: User) -> User:
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
    staff_by_township: dict[int | None, User] = {}
    for officer in Officer.objects.filter(user__isnull=False, user__role=User.Role.STATION).select_related(
        "user"
    ):
        for j in officer.station.jurisdictions.all():
            staff_by_township.setdefault(j.region_id, cast(User, officer.user))  # user__isnull=False
    grids = list(Grid.objects.filter(is_active=True).select_related("village", "village__parent"))
    grid_users: dict[int, User] = {}
    for w in GridWorker.objects.filter(user__isnull=False, is_active=True).select_related("user"):
        grid_users[w.grid_id] = cast(User, w.user)  # user__isnull=False
    mediators_by_township: dict[int | None, list[Mediator]] = {}
    for m in Mediator.objects.filter(is_active=True).select_related("user"):
        mediators_by_township.setdefault(m.township_id, []).append(m)
    # extensions asked by the station are approved at the level above: the command centre
    approver = User.objects.filter(role=User.Role.COUNTY, is_active=True).order_by("pk").first() or admin
    demo_mediator = Mediator.objects.filter(user__username="demo_mediator").first()
    demo_grid = next(
        (g for g in grids if grid_users.get(g.pk) and grid_users[g.pk].username == "demo_grid"), None
    )

    rng = random.Random(SEED)
    now = timezone.now()
    for i, key in enumerate(keys):
        # draw every random value whether or not the case exists, so the sequence stays fixed
        category = _pick(rng, SUMMARIES)
        summary = rng.choice(SUMMARIES[category][1])
        scenario = _pick(rng, SCENARIOS)
        grid = demo_grid if (demo_grid and i % 12 == 0) else rng.choice(grids)
        if i % 40 == 7:  # now and then a wage dispute of a whole work team that threatens to escalate
            category, summary, scenario = (
                Category.LABOUR_DEBT,
                SUMMARIES[Category.LABOUR_DEBT][1][2],
                "in_mediation",
            )
        settled = scenario.startswith("closed") or scenario in ("reopened", "not_accepted", "referred_closed")
        days_ago = rng.randint(20, 390) if settled else rng.randint(0, 60)
        people = rng.choice([2, 2, 2, 3, 4, 6, 12])
        amount = rng.choice([None, None, 2000, 8000, 50000, 120000])
        threat = rng.random() < 0.08
        if i % 40 == 7:
            people, amount, threat = 14, 126000, True
        from_grid = rng.random() < 0.5
        mediator_roll = rng.random()
        escalations = 2 if rng.random() < 0.08 else 1 if rng.random() < 0.3 else 0
        # how long the case took from report to its last step (closed cases: 2 to 45 days)
        duration = (
            min(rng.uniform(2, 30), days_ago - 1) if settled else rng.uniform(0.2, max(0.3, days_ago * 0.8))
        )
        if key in existing:
            continue
        village = grid.village
        staff = _actor_for(village, staff_by_township, admin)
        reporter = (grid_users.get(grid.pk) if from_grid else None) or staff
        parties = _parties(rng, village)
        case = services.case_report(
            actor=reporter,
            village=village,
            grid=grid,
            category=category,
            summary=summary,
            source="grid_report"
            if reporter != staff
            else rng.choice(["walk_in", "walk_in", "screening", "incident"]),
            people_involved=people,
            amount_involved=amount,
            threat_flag=threat,
            vulnerable_flag=rng.random() < 0.1,
            address=f"{village.name}{rng.randint(1, 9)}组",
            parties=parties,
            client_key=key,
        )
        created["矛盾纠纷"] += 1
        pool = mediators_by_township.get(village.parent_id, [])
        if demo_mediator and demo_mediator.township_id == village.parent_id and mediator_roll < 0.6:
            pool = [demo_mediator]
        _play(rng, scenario, case, staff, pool, mediator_roll, days_ago, escalations, approver)
        _backdate(case, now - dt.timedelta(days=days_ago, hours=rng.randint(0, 10)), duration)
    return created


def _parties(rng: random.Random, village: Region) -> list[dict]:
    parties = []
    for role in ("applicant", "respondent"):
        if rng.random() < 0.7:
            clan = rng.choice(YI_CLANS)
            name = clan + rng.choice(YI_GIVEN_MALE + YI_GIVEN_FEMALE)
            parties.append(
                {
                    "name": name,
                    "role": role,
                    "ethnicity": "yi",
                    "clan": clan,
                    "gender": rng.choice("MMF"),
                    "address": f"{village.name}",
                }
            )
        else:
            parties.append(
                {
                    "name": rng.choice(HAN_SURNAMES) + rng.choice(["国华", "明", "建平", "秀英", "桂芳"]),
                    "role": role,
                    "ethnicity": "han",
                    "gender": rng.choice("MF"),
                    "address": f"{village.name}",
                }
            )
    return parties


def _handler(case: DisputeCase, staff: User) -> User:
    """Who handles the case at its level now (issue 14): the station below the township, the
    township's 综治中心 at township level (a red case starts there), the command centre above."""
    if case.level == Level.TOWNSHIP:
        users = User.objects.filter(role=User.Role.TOWNSHIP, township_id=case.village.parent_id)
    elif case.level == Level.COUNTY:
        users = User.objects.filter(role=User.Role.COUNTY)
    else:
        return staff
    return users.filter(is_active=True).order_by("pk").first() or staff


def _play(
    rng: random.Random,
    scenario: str,
    case: DisputeCase,
    staff: User,
    pool: list[Mediator],
    roll: float,
    days_ago: int,
    escalations: int,
    approver: User,
) -> None:
    if scenario == "reported":
        return
    staff = _handler(case, staff)
    if scenario == "not_accepted":
        services.case_not_accept(actor=staff, case=case, reason="已进入诉讼程序,告知当事人依法诉讼")
        return
    services.case_accept(actor=staff, case=case)
    if pool:
        candidates = [m for m in pool if not services.mediator_conflicts(case=case, mediator=m)]
        if candidates:
            services.mediator_assign(
                actor=staff, case=case, mediator=candidates[int(roll * 1000) % len(candidates)]
            )
    if scenario == "accepted":
        return
    today = timezone.localdate()
    services.session_record(
        actor=staff,
        case=case,
        held_at=timezone.now() - dt.timedelta(hours=2),
        place=rng.choice(PLACES),
        attendees="双方当事人、德古、驻村辅警",
        record="双方陈述事实,调解员释法说理,从彝族传统习惯和法律两方面做工作。",
        outcome=MediationSession.Outcome.FAILED
        if scenario == "failed_escalated"
        else MediationSession.Outcome.CONTINUING,
    )
    if scenario == "in_mediation":
        _clock_moves(case, staff, approver, int(roll * 10_000) % 6)
        return
    if scenario.startswith("closed") or scenario == "reopened":
        # 小事不出村、大事不出镇: some settle only after going up a level or two
        for reason in ["网格调解未果,提交村调委会调解", "村级调解未果,提请乡镇综治中心调解"][:escalations]:
            services.case_escalate(actor=_handler(case, staff), case=case, reason=reason)
        staff = _handler(case, staff)
    if scenario == "failed_escalated":
        services.case_escalate(
            actor=_handler(case, staff), case=case, reason="村级调解未成,提请乡镇综治中心调解"
        )
        return
    if scenario in ("referred", "referred_closed"):
        referral = services.referral_create(
            actor=staff,
            case=case,
            kind=Referral.Kind.DEPARTMENT,
            department=Referral.Department.HRSS,
            target_name="县人社局劳动保障监察大队",
            reason="涉及劳资纠纷,移交主管部门处理",
        )
        if scenario == "referred_closed":
            services.referral_update(
                actor=staff,
                referral=referral,
                status="answered",
                answer="经劳动保障监察大队协调,用工方已结清工资",
            )
            services.case_close(actor=staff, case=case, note="主管部门处理完毕,当事人无异议")
        elif int(roll * 10_000) % 2 == 0:
            # the clock waits for the department's answer (it resumes when the answer is recorded)
            services.case_pause(
                actor=staff,
                case=case,
                kind=CasePause.Kind.AWAITING_REFERRAL,
                reason="等待县人社局劳动保障监察大队答复",
                referral=referral,
            )
        return
    agreement = services.agreement_create(
        actor=staff,
        case=case,
        form=Agreement.Form.WRITTEN,
        facts=case.summary,
        disputed_matters="赔偿数额及履行方式",
        terms="经调解,双方自愿达成协议,被申请人赔偿申请人损失,双方不再追究。",
        performance_method=rng.choice(PERFORMANCE),
        performance_place="村委会",
        performance_deadline=today + dt.timedelta(days=15),
        signed_on=today,
    )
    if scenario == "agreement":
        return
    services.agreement_set_performance(
        actor=staff, agreement=agreement, status=Agreement.Performance.PERFORMED
    )
    services.case_close(actor=staff, case=case, note="协议履行完毕,案结事了")
    if scenario == "closed_visited" or (scenario == "closed" and days_ago > 45):
        # the visits planned 7 and 30 days after closure were made (old cases: both of them)
        for _visit in range(2 if days_ago > 75 else 1):
            services.follow_up_record(
                actor=staff,
                case=case,
                result="stable",
                satisfaction=rng.choice(["satisfied", "satisfied", "satisfied", "fairly"]),
                note="双方关系缓和,未再发生争执",
            )
    if scenario == "reopened":
        services.follow_up_record(
            actor=staff,
            case=case,
            result="recurring",
            satisfaction="unsatisfied",
            note="被申请人未按约定恢复原状,双方再起争执",
        )


def _backdate_changes(events: list[CaseEvent], originals: dict, times: dict, trace: list) -> None:
    """The times written in the timeline's changes moved with their events: a deadline is the one
    the rebuilt clock had after the event (``trace``), any other time (accepted, paused at …)
    moves by its event's shift. Nothing in a demo timeline points past the seeding moment."""
    due_before = None
    for event, due_after in zip(events, trace, strict=True):
        shift = times[event.pk] - originals[event.pk]
        changes = dict(event.changes or {})
        for key, pair in changes.items():
            if key == "due_at":
                changes[key] = [_iso(due_before), _iso(due_after)]
            elif isinstance(pair, list):
                changes[key] = [_shifted(value, shift) for value in pair]
        due_before = due_after
        event.changes = changes
    CaseEvent.objects.bulk_update(events, ["changes"])


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _shifted(value, shift: dt.timedelta):
    """An ISO date-time string moved by ``shift``; anything else as it is."""
    if not isinstance(value, str) or len(value) < 19 or value[4] != "-" or "T" not in value:
        return value
    try:
        return (dt.datetime.fromisoformat(value) + shift).isoformat()
    except ValueError:
        return value


def _clock_moves(case: DisputeCase, staff: User, approver: User, pick: int) -> None:
    """Some cases in mediation wait or ask for time, as real ones do: a pause while a party is
    away (some resumed since), an extension approved by the level above, one still pending."""
    if pick in (0, 1):
        services.case_pause(
            actor=staff,
            case=case,
            kind=CasePause.Kind.PARTY_ABSENT,
            reason="被申请人外出务工,暂时无法到场调解",
        )
        if pick == 1:
            services.case_resume(actor=staff, case=case, note="当事人已返乡,继续调解")
    elif pick in (2, 3):
        extension = services.extension_request(
            actor=staff, case=case, days=15, reason="需待农闲时组织双方及家支长老共同调解"
        )
        if pick == 2 and approver.pk != staff.pk:
            services.extension_decide(actor=approver, extension=extension, approve=True, note="同意延期")


def _backdate(case: DisputeCase, reported_at: dt.datetime, duration_days: float) -> None:
    """Move the case back to ``reported_at`` and spread its timeline over ``duration_days``
    (the services ran in a second; a real case takes days). Demo history only."""
    events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    step = dt.timedelta(days=duration_days) / max(1, len(events) - 1)
    times = {e.pk: reported_at + step * i for i, e in enumerate(events)}
    originals = {e.pk: e.created_at for e in events}
    for event in events:
        event.created_at = times[event.pk]
    CaseEvent.objects.bulk_update(events, ["created_at"])

    def when(*codes: str) -> dt.datetime | None:
        hits = [times[e.pk] for e in events if e.code in codes]
        return hits[-1] if hits else None

    case.refresh_from_db()
    closed_at = when("disputes.case.closed", "disputes.case.not_accepted") if case.closed_at else None
    # the case clock as the backdated timeline sets it (disputes.clock): some cases come out
    # overdue, some closed late, most on time — as the figures should show
    trace: list = []
    rebuilt = clock.rebuild_from_events(reported_at=reported_at, level=case.level, events=events, trace=trace)
    _backdate_changes(events, originals, times, trace)
    DisputeCase.objects.filter(pk=case.pk).update(reported_at=reported_at, closed_at=closed_at, **rebuilt)
    paused, resumed = when("disputes.case.paused"), when("disputes.case.resumed")
    if paused:
        CasePause.objects.filter(case=case).update(started_at=paused, ended_at=resumed if resumed else None)
    requested, approved = when("disputes.case.extension_requested"), when("disputes.case.extension_approved")
    if requested:
        CaseExtension.objects.filter(case=case).update(requested_at=requested, decided_at=approved)
        if approved and rebuilt["due_at"] is not None:
            for extension in CaseExtension.objects.filter(case=case, status=CaseExtension.Status.APPROVED):
                extension.new_due_at = rebuilt["due_at"]
                extension.old_due_at = rebuilt["due_at"] - dt.timedelta(days=extension.days)
                extension.save(update_fields=["old_due_at", "new_due_at"])
    assigned = when("disputes.mediator.assigned", "disputes.mediator.assigned_despite_conflict")
    if assigned:
        CaseMediator.objects.filter(case=case).update(assigned_at=assigned)
    held = (when("disputes.session.recorded") or reported_at) - dt.timedelta(hours=1)
    MediationSession.objects.filter(case=case).update(held_at=held)
    for event in events:
        if event.code == "disputes.session.recorded" and len(event.note) > 16:
            event.note = f"{timezone.localtime(held):%Y-%m-%d %H:%M}{event.note[16:]}"
            event.save(update_fields=["note"])
    sent = when("disputes.referral.sent")
    if sent:
        Referral.objects.filter(case=case).update(
            sent_at=sent, due_date=timezone.localdate(sent) + dt.timedelta(days=15)
        )
    agreed = when("disputes.case.agreement_reached")
    if agreed:
        day = timezone.localdate(agreed)
        Agreement.objects.filter(case=case).update(
            signed_on=day, performance_deadline=day + dt.timedelta(days=15)
        )
    # the points the services awarded for this case belong to the days it happened
    for code, at in (("reported", reported_at), ("resolved", closed_at)):
        if at is not None:
            local = timezone.localtime(at)
            PointsEntry.objects.filter(source_key=f"case-{case.pk}:{code}").update(
                awarded_at=at, month=local.date().replace(day=1)
            )
    if closed_at:
        visits = list(FollowUp.objects.filter(case=case).order_by("pk"))
        for visit, days in zip(visits, [7, 30, 7, 30], strict=False):
            visit.due_date = timezone.localdate(closed_at) + dt.timedelta(days=days)
            if visit.visited_at:
                visit.visited_at = min(
                    closed_at + dt.timedelta(days=days, hours=3), timezone.now() - dt.timedelta(hours=1)
                )
        FollowUp.objects.bulk_update(visits, ["due_date", "visited_at"])

"""Builders for dispute-case tests: everything goes through the services."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.notifications import Message
from disputes import services
from disputes.models import Category, DisputeCase
from governance.models import User
from stations import services as st

from ..factories import UserFactory, make_id_number, make_phone


def report(world, actor: str = "station_a", *, village=None, grid=None, parties=None, **kw) -> DisputeCase:
    data: dict[str, Any] = {
        "category": Category.NEIGHBOUR,
        "summary": "两户村民因宅基地边界石坎发生争执,双方互不相让。",
        "people_involved": 2,
    }
    data.update(kw)
    if parties is None:
        parties = [
            {
                "name": "吉克阿木",
                "role": "applicant",
                "ethnicity": "yi",
                "clan": "吉克",
                "id_number": make_id_number(),
                "phone": make_phone(),
            },
            {"name": "沙马拉哈", "role": "respondent", "ethnicity": "yi", "clan": "沙马"},
        ]
    return services.case_report(
        actor=world.user(actor), village=village or world.village_1, grid=grid, parties=parties, **data
    )


def agreement_data(**kw) -> dict:
    today = timezone.localdate()
    data = {
        "form": "written",
        "facts": "双方因石坎边界争执。",
        "disputed_matters": "石坎归属及修复费用。",
        "terms": "石坎以原界桩为准,由申请人出资修复,被申请人不再阻拦。",
        "performance_method": "现金一次性支付",
        "performance_place": "村委会",
        "performance_deadline": today + dt.timedelta(days=10),
        "signed_on": today,
    }
    data.update(kw)
    return data


def to_closed(world, case, actor: str = "station_a") -> DisputeCase:
    """Walk a reported case along the ordinary path to 已办结."""
    user = world.user(actor)
    services.case_accept(actor=user, case=case)
    services.case_start_mediation(actor=user, case=case)
    agreement = services.agreement_create(actor=user, case=case, **agreement_data())
    services.agreement_set_performance(actor=user, agreement=agreement, status="performed")
    services.case_close(actor=user, case=case, note="协议已履行完毕")
    return case


# who handles each level (issue 14): station staff the grid and village, the township's 综治中心
# the township, the county command centre the county
LEVEL_HANDLER = {"grid": "station_a", "village": "station_a", "township": "township_a", "county": "county"}


def escalate_to(world, case, level: str, *, reason: str = "提级处置") -> DisputeCase:
    """Escalate ``case`` step by step to ``level``, each step by the handler of the level it is at
    (a case of 甲镇: station A, then 甲镇's 综治中心)."""
    order = ["grid", "village", "township", "county"]
    while order.index(case.level) < order.index(level):
        services.case_escalate(actor=world.user(LEVEL_HANDLER[case.level]), case=case, reason=reason)
    return case


def disabled_station_officer(world) -> User:
    """An officer of station a whose account is disabled (``off_disabled``): told nothing."""
    disabled = UserFactory.create(username="off_disabled", role=User.Role.STATION, is_active=False)
    st.officer_create(
        actor=world.user("admin"),
        station=world.station_a,
        name="停用民警",
        badge_number="100009",
        phone=make_phone(),
        user=disabled,
    )
    return disabled


def rolled_back(run: Any) -> Any:
    """What ``run()`` returns, with every write it made rolled back (a reference run: the old
    one-by-one path, to compare the set-based one with on the same data)."""
    with transaction.atomic():
        result = run()
        transaction.set_rollback(True)
    return result


def escalated_message(case: DisputeCase) -> Message:
    """The overdue sweep's notice of an automatic escalation, built one case at a time (the
    reference the set-based notices are held to)."""
    return Message(
        kind="case.escalated",
        target=f"case-{case.pk}",
        period=case.level,
        title=_("案件 %(n)s 逾期未办结,已自动提级至%(l)s")
        % {"n": case.number, "l": case.get_level_display()},
        url=f"/cases/{case.pk}/",
    )

"""Builders for rolling-screening tests: rounds are opened and reports filed through the services."""

import datetime as dt

from django.utils import timezone

from disputes.models import Category
from governance import services as gov
from governance.models import GridWorker, User
from screening import services as screening_services
from screening.models import ScreeningRound

from ..factories import UserFactory, make_id_number, make_phone


def open_round(*, days_ago: int = 0) -> ScreeningRound:
    """Open the county's round as if the daily job ran ``days_ago`` days ago (due 5 days later)."""
    (opened,) = screening_services.screening_rounds_open_due(now=timezone.now() - dt.timedelta(days=days_ago))
    return opened


def grid_user(world, grid, username: str, *, role=GridWorker.Role.WORKER) -> User:
    """A grid worker with an account on ``grid``."""
    user = UserFactory.create(username=username, role=User.Role.GRID, full_name=username)
    gov.grid_worker_create(
        actor=world.user("admin"),
        grid=grid,
        name=username,
        id_number=make_id_number(),
        phone=make_phone(),
        role=role,
        user=user,
    )
    return user


def new_case_item(**kw) -> dict:
    item = {
        "area": "labour_debt",
        "description": "包工头拖欠三名村民务工工资约两万元,村民情绪激动。",
        "category": Category.LABOUR_DEBT,
        "summary": "拖欠务工工资",
        "people_involved": 3,
    }
    item.update(kw)
    return item


def file(world, round, grid, actor: str = "grid_g1", **kw):
    kw.setdefault("zero", not kw.get("items"))
    return screening_services.screening_report_file(actor=world.user(actor), round=round, grid=grid, **kw)

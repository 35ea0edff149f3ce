"""Builders for patrol tests (through the services)."""

import datetime as dt

from django.utils import timezone

from patrols import services
from patrols.models import PatrolPlan


def plan(world, actor: str = "station_a", **kw) -> PatrolPlan:
    start = timezone.now().replace(microsecond=0)
    data = {
        "station": world.station_a,
        "title": "夜间联合巡逻",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=3),
        "checkpoints": [{"village": world.village_1}, {"grid": world.grid_2}, {"place": "甲镇集市"}],
        "officers": [world.officer_a],
        "auxiliary_officers": [world.aux_v1],
        "joint_units": "交警中队、综治中心",
    }
    data.update(kw)
    return services.plan_create(actor=world.user(actor), **data)

"""Builders for incident tests: everything through the services."""

import csv
import datetime as dt
import io
from typing import Any

from django.utils import timezone

from stations import services
from stations.incidents.imports import HEADERS
from stations.models import Incident

_n = iter(range(1, 10**6))


def record(world, actor: str = "station_a", *, station=None, village=None, **kw) -> Incident:
    data: dict[str, Any] = {
        "number": f"J{next(_n):08d}",
        "received_at": timezone.now() - dt.timedelta(days=1),
        "category": Incident.Category.DISPUTE,
        "summary": "村民因排水沟堵塞发生争执,报警求助。",
        "address": "3组12号",
        "caller_name": "吉克阿木",
        "caller_phone": "",
    }
    data.update(kw)
    return services.incident_record(
        actor=world.user(actor),
        station=station or world.station_a,
        village=village or world.village_1,
        **data,
    )


def csv_bytes(rows: list[list], header: list[str] | None = None, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def row(
    number: str,
    *,
    when: str = "2026-01-05 08:30",
    category: str = "纠纷",
    township: str = "甲镇",
    village: str = "一村",
    address: str = "3组12号",
    caller: str = "吉克阿木",
    phone: str = "13900000001",
    parties: str = "",
    summary: str = "邻里纠纷报警。",
    outcome: str = "",
) -> list:
    return [number, when, category, township, village, address, caller, phone, parties, summary, outcome]

"""The Excel ledger (矛盾纠纷排查化解台账): the cases of the list for the same filters, in scope,
with phones masked whatever the role."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from disputes import services
from disputes.models import DisputeCase

from ..factories import make_id_number, make_phone
from .helpers import report, to_closed

pytestmark = pytest.mark.django_db

HEADER = [
    "序号",
    "案件编号",
    "登记时间",
    "村(社区)",
    "网格",
    "类别",
    "简要案情",
    "当事人",
    "联系电话",
    "涉及人数",
    "处置层级",
    "状态",
    "化解责任人",
    "调解员",
    "办理期限",
    "是否逾期",
    "办结时间",
]


def ledger(client, **params) -> list[list]:
    response = client.get(reverse("disputes:case-export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["矛盾纠纷排查化解台账"]
    rows = [list(r) for r in wb["矛盾纠纷排查化解台账"].iter_rows(values_only=True)]
    assert rows[0] == HEADER
    return rows[1:]


def test_ledger_rows_hold_the_case_and_mask_phones(world, client_for):
    phone, id_number = make_phone(), make_id_number()
    case = report(
        world,
        grid=world.grid_1a,
        people_involved=6,
        parties=[
            {"name": "吉克阿木", "role": "applicant", "phone": phone, "id_number": id_number},
            {"name": "沙马拉哈", "role": "respondent"},
        ],
    )
    services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    services.case_accept(actor=world.user("station_a"), case=case)
    DisputeCase.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    closed = report(world, village=world.village_2, category="labour_debt", summary="拖欠工资")
    to_closed(world, closed)

    rows = ledger(client_for("station_a"))  # station staff see phones in full on the case page, never here
    assert len(rows) == 2
    by_number = {r[1]: r for r in rows}
    row = by_number[case.number]
    assert row[0] in (1, 2)
    assert row[3:7] == ["一村", "一村一组", "邻里", case.summary]
    assert row[7] == "吉克阿木(申请人)、沙马拉哈(被申请人)"
    assert row[8] == phone[:3] + "****" + phone[-4:]
    assert row[9] == 6 and row[10] == "网格" and row[11] == "已受理"
    assert row[12] == "甲所民警" and row[13] == "阿说德古"
    assert row[15] == "是" and row[16] is None
    done = by_number[closed.number]
    assert done[11] == "已办结" and done[15] == "否" and done[16]
    flat = "".join(str(v) for r in rows for v in r if v is not None)
    assert phone not in flat and id_number not in flat


def test_ledger_follows_the_filters_and_the_scope(world, client_for):
    a = report(world, category="neighbour")
    b = report(world, village=world.village_2, category="labour_debt")
    c = report(world, "station_b", village=world.village_3)
    rows = ledger(client_for("station_a"), category="labour_debt")
    assert [r[1] for r in rows] == [b.number]
    assert {r[1] for r in ledger(client_for("station_a"))} == {a.number, b.number}
    assert {r[1] for r in ledger(client_for("county"))} == {a.number, b.number, c.number}
    assert ledger(client_for("mediator_t1")) == []
    assert ledger(client_for("norole")) == []


def test_ledger_query_count_does_not_grow_with_rows(world, client_for):
    client = client_for("station_a")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ledger(client)
        return len(ctx.captured_queries)

    for _ in range(2):
        services.mediator_assign(
            actor=world.user("station_a"), case=report(world), mediator=world.mediator_t1
        )
    small = count()
    for _ in range(10):
        services.mediator_assign(
            actor=world.user("station_a"), case=report(world), mediator=world.mediator_t1
        )
    assert count() == small


def test_export_button_carries_the_list_filters(world, client_for):
    report(world)
    page = client_for("station_a").get(reverse("disputes:case-list"), {"status": "reported", "page": "1"})
    # a form that posts (a large ledger queues a job: never on a GET)
    assert '<form method="post" action="/cases/export.xlsx?status=reported"' in page.content.decode()

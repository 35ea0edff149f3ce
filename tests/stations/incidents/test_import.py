"""Importing a 110 export: good rows kept, bad rows reported by row and column, nothing
doubled on re-import, nothing half-written."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.errors import DomainError, NotPermitted
from stations.incidents.imports import HEADERS, incident_import_template
from stations.incidents.services import incident_import_start
from stations.models import ImportJob, Incident

from .helpers import csv_bytes, row


def _start(world, content, name="export.csv", actor="station_a", station=None):
    return incident_import_start(
        actor=world.user(actor), station=station or world.station_a, file_name=name, content=content
    )


def test_good_csv_file_is_imported_whole(world):
    content = csv_bytes(
        [
            row("A001"),
            row("A002", category="噪音", village="二村", phone=""),
            row("A003", when="2026/01/06 21:15", category="群众求助", township=""),
        ]
    )
    job = _start(world, content)
    assert job.status == ImportJob.Status.DONE
    assert job.created_count == 3 and job.errors == [] and job.skipped == []
    incidents = {i.number: i for i in Incident.objects.all()}
    assert set(incidents) == {"A001", "A002", "A003"}
    assert incidents["A002"].village == world.village_2
    assert incidents["A002"].category == Incident.Category.NOISE
    assert incidents["A001"].address_key == "3组12"
    assert all(
        i.station == world.station_a and i.created_by == world.user("station_a") for i in incidents.values()
    )


def test_xlsx_from_the_template_is_imported(world):
    template = load_workbook(io.BytesIO(incident_import_template(villages=[world.village_1])))
    sheet = template.active
    assert [c.value for c in sheet[1]] == HEADERS
    sheet.delete_rows(2)
    sheet.append(row("X001"))
    buffer = io.BytesIO()
    template.save(buffer)
    job = _start(world, buffer.getvalue(), name="警情.xlsx")
    assert job.status == ImportJob.Status.DONE and job.created_count == 1
    assert Incident.objects.get().number == "X001"


def test_bad_rows_are_reported_by_row_and_column_and_good_rows_kept(world):
    content = csv_bytes(
        [
            row("B001"),  # row 2: good
            row("B002", category="打架"),  # row 3: bad category
            row("B003", when="昨天晚上", phone="12345"),  # row 4: bad time and phone
            row("B004", village="三村"),  # row 5: another station's village
            row("", summary=""),  # row 6: number and summary missing
            row("B001"),  # row 7: duplicate number in the file
            row("B007"),  # row 8: good
        ]
    )
    job = _start(world, content)
    assert job.status == ImportJob.Status.DONE
    assert sorted(Incident.objects.values_list("number", flat=True)) == ["B001", "B007"]
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {
        (3, "警情类别"),
        (4, "接警时间"),
        (4, "报警电话"),
        (5, "村(社区)"),
        (6, "警情编号"),
        (6, "简要警情"),
        (7, "警情编号"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "打架" in messages[(3, "警情类别")] and "纠纷" in messages[(3, "警情类别")]
    assert "第 2 行" in messages[(7, "警情编号")]
    assert job.error_rows == 5 and job.created_count == 2


def test_reimporting_the_same_file_creates_no_duplicates_and_says_so(world):
    content = csv_bytes([row("C001"), row("C002")])
    _start(world, content)
    again = _start(world, content)
    assert Incident.objects.count() == 2
    assert again.created_count == 0
    assert again.skipped == [{"row": 2, "number": "C001"}, {"row": 3, "number": "C002"}]
    assert "跳过 2 条" in again.message


def test_same_number_at_another_station_is_a_different_incident(world):
    _start(world, csv_bytes([row("D001")]))
    _start(
        world,
        csv_bytes([row("D001", township="乙乡", village="三村")]),
        actor="station_b",
        station=world.station_b,
    )
    assert Incident.objects.filter(number="D001").count() == 2


def test_gbk_csv_and_missing_columns(world):
    job = _start(world, csv_bytes([row("E001")], encoding="gb18030"))
    assert job.created_count == 1
    header = [h for h in HEADERS if h != "接警时间"]
    with pytest.raises(DomainError, match="表头缺少必填列:接警时间"):
        _start(world, csv_bytes([row("E002")[:1] + row("E002")[2:]], header=header))


def test_unreadable_file_is_refused_on_the_form(world):
    with pytest.raises(DomainError, match="Excel"):
        _start(world, b"not a zip", name="x.xlsx")
    with pytest.raises(DomainError, match="只支持"):
        _start(world, b"x", name="x.txt")


def test_only_station_staff_in_scope_import(world):
    with pytest.raises(NotPermitted):
        _start(world, csv_bytes([row("F001")]), actor="aux_v1")
    with pytest.raises(DomainError):
        _start(world, csv_bytes([row("F001")]), actor="station_b")
    assert not Incident.objects.exists()


def test_large_file_runs_as_a_task_with_progress(world, settings, django_capture_on_commit_callbacks):
    settings.INCIDENT_IMPORT_ASYNC_ROWS = 5
    rows = [row(f"G{i:03d}", address=f"{i}组") for i in range(12)]
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(world, csv_bytes(rows))
        assert job.status == ImportJob.Status.PENDING  # queued, not run in the request
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.total == 12 and job.processed == 12 and job.percent == 100
    assert Incident.objects.count() == 12


def test_a_database_refusal_writes_nothing(world, monkeypatch):
    from django.db import IntegrityError

    from stations.incidents import imports

    def boom(*args, **kwargs):
        raise IntegrityError("race")

    monkeypatch.setattr(imports.Incident.objects, "bulk_create", boom)
    job = _start(world, csv_bytes([row("H001"), row("H002")]))
    assert job.status == ImportJob.Status.FAILED and "未写入任何数据" in job.message
    assert not Incident.objects.exists()


def test_template_lists_categories_and_villages(world):
    workbook = load_workbook(
        io.BytesIO(incident_import_template(villages=[world.village_1, world.village_2]))
    )
    values = [c.value for r in workbook["填写说明"].iter_rows() for c in r if c.value]
    assert "无效报警" in values and "二村" in values


def test_workbook_without_rows(world):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = _start(world, buffer.getvalue(), name="empty.xlsx")
    assert job.status == ImportJob.Status.DONE and job.created_count == 0

"""Incident pages: list with filters and a fixed number of queries, detail, record, refer,
import with its report, incident → case page; outsiders get 404."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes.models import DisputeCase
from stations.models import ImportJob, Incident

from .helpers import csv_bytes, record, row


def test_list_filters_and_masks_phones(world, client_for):
    record(world, category=Incident.Category.NOISE, caller_phone="13912345678", address="5组")
    record(world, caller_phone="13912345678", address="6组")  # same phone: a repeat
    client = client_for("station_a")
    page = client.get(reverse("stations:incident-list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "139****5678" in body and "13912345678" not in body
    assert body.count(">重复<") == 1
    assert (
        len(client.get(reverse("stations:incident-list"), {"category": "noise"}).context["object_list"]) == 1
    )
    assert len(client.get(reverse("stations:incident-list"), {"repeat": "1"}).context["object_list"]) == 1
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert (
        len(client.get(reverse("stations:incident-list"), {"date_from": future}).context["object_list"]) == 0
    )


def test_list_query_count_does_not_grow(world, client_for):
    """3 rows and 30 rows (with repeats, two villages) cost the same number of queries."""
    client = client_for("station_a")
    counts = []
    for batch in (3, 27):
        for i in range(batch):
            record(
                world,
                address=f"{i % 4}组",
                caller_phone=f"1391111{i % 5:04d}",
                village=world.village_1 if i % 2 else world.village_2,
            )
        client.get(reverse("stations:incident-list"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("stations:incident-list")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_detail_shows_full_phone_to_station_and_404_to_outsiders(world, client_for):
    incident = record(world, caller_phone="13912345678")
    url = reverse("stations:incident-detail", args=[incident.pk])
    assert "13912345678" in client_for("station_a").get(url).content.decode()
    aux = client_for("aux_v1").get(url)
    assert aux.status_code == 200 and "13912345678" not in aux.content.decode()
    for outsider in ("station_b", "grid_g1", "mediator_t1", "norole"):
        assert client_for(outsider).get(url).status_code == 404, outsider
        assert (
            client_for(outsider)
            .get(reverse("incident-cases:case-from-incident", args=[incident.pk]))
            .status_code
            == 404
        )


def test_record_refer_and_answer_through_pages(world, client_for):
    client = client_for("station_a")
    response = client.post(
        reverse("stations:incident-create"),
        {
            "station": world.station_a.pk,
            "number": "P001",
            "received_at": "2026-01-05T08:30",
            "category": "help",
            "village": world.village_1.pk,
            "address": "2组",
            "caller_name": "阿木",
            "caller_phone": "12345",
            "summary": "老人走失求助。",
        },
    )
    assert response.status_code == 200 and "电话号码格式不正确" in response.content.decode()
    response = client.post(
        reverse("stations:incident-create"),
        {
            "station": world.station_a.pk,
            "number": "P001",
            "received_at": "2026-01-05T08:30",
            "category": "help",
            "village": world.village_1.pk,
            "summary": "老人走失求助。",
        },
    )
    incident = Incident.objects.get(number="P001")
    assert response.status_code == 302
    client.post(reverse("stations:incident-refer", args=[incident.pk]), {"department": "12345热线"})
    again = client.post(reverse("stations:incident-refer", args=[incident.pk]), {"department": "民政"})
    assert again.status_code == 200 and "等待答复" in again.content.decode()
    client.post(reverse("stations:incident-answer", args=[incident.pk]), {"answer": "已找到老人。"})
    incident.refresh_from_db()
    assert incident.referral_status == "answered" and incident.referral_answer == "已找到老人。"
    assert (
        client_for("aux_v1")
        .post(reverse("stations:incident-refer", args=[incident.pk]), {"department": "x"})
        .status_code
        == 403
    )


def test_import_page_reports_bad_rows(world, client_for):
    client = client_for("station_a")
    template = client.get(reverse("stations:incident-import-template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    upload = SimpleUploadedFile("export.csv", csv_bytes([row("I001"), row("I002", category="打架")]))
    response = client.post(
        reverse("stations:incident-import"), {"station": world.station_a.pk, "file": upload}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "stations:import-job", args=[job.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "第 3 行" in page and "警情类别" in page and "打架" in page
    progress = client.get(response["Location"], {"format": "json"}).json()
    assert progress["finished"] and progress["created"] == 1 and progress["error_rows"] == 1
    assert client_for("station_b").get(response["Location"]).status_code == 404
    client = client_for("station_a")
    bad = client.post(
        reverse("stations:incident-import"),
        {"station": world.station_a.pk, "file": SimpleUploadedFile("x.txt", b"abc")},
    )
    assert bad.status_code == 200 and "只支持" in bad.content.decode()


def test_incident_to_case_page(world, client_for):
    incident = record(world)
    client = client_for("station_a")
    detail = client.get(reverse("stations:incident-detail", args=[incident.pk])).content.decode()
    assert "转为矛盾纠纷案件" in detail
    url = reverse("incident-cases:case-from-incident", args=[incident.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": "neighbour", "summary": incident.summary, "people_involved": 2})
    case = DisputeCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "disputes:case-detail", args=[case.pk]
    )
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == reverse("disputes:case-detail", args=[case.pk])
    detail = client.get(reverse("stations:incident-detail", args=[incident.pk])).content.decode()
    assert case.number in detail

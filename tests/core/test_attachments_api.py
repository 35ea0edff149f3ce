"""The attachments API under the parent's route (``/api/v1/cases/{id}/attachments/``, and a
session's or an agreement's): the same checks and scope as the form (API = form), multipart
upload, the file streamed as on the page, and the routes in the OpenAPI schema."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from core.attachments.models import Attachment
from disputes import services as dispute_services
from tests.disputes.helpers import agreement_data, report

from .attachment_helpers import html_as_jpg, pdf_bytes, photo, upload, zip_as_jpg
from .test_attachments import media, stored_files  # noqa: F401  (the storage fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client_for(world):
    def _as(name: str) -> APIClient:
        client = APIClient()
        client.force_login(world.user(name))
        return client

    return _as


@pytest.fixture
def case(world):
    return report(world, grid=world.grid_1a)


def url(case) -> str:
    return reverse("cases-attachments", args=[case.pk])


def test_upload_list_and_download_through_the_api(world, case, api_client_for):
    api = api_client_for("station_a")
    created = api.post(url(case), {"file": photo(3000, 2000), "kind": "photo"}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["width"], body["height"]) == (1600, 1067) and body["mime_type"] == "image/jpeg"
    listed = api.get(url(case))
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [body["id"]]
    download = api.get(reverse("cases-attachment-download", args=[case.pk, body["id"]]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    stored = Attachment.objects.get()
    with default_storage.open(stored.file.name) as f:
        assert b"".join(download.streaming_content) == f.read()


@pytest.mark.parametrize("make", [html_as_jpg, zip_as_jpg], ids=["html", "zip"])
def test_the_api_refuses_what_the_form_refuses(world, case, api_client_for, media, make):  # noqa: F811
    response = api_client_for("station_a").post(url(case), {"file": make()}, format="multipart")
    assert response.status_code == 400
    assert "按文件内容识别" in response.json()["file"][0]
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_outside_the_scope_404_and_without_the_capability_403(world, case, api_client_for):
    assert api_client_for("station_b").get(url(case)).status_code == 404
    assert (
        api_client_for("station_b").post(url(case), {"file": photo(10, 10)}, format="multipart").status_code
        == 404
    )
    assert api_client_for("county").get(url(case)).status_code == 200
    assert (
        api_client_for("county").post(url(case), {"file": photo(10, 10)}, format="multipart").status_code
        == 403
    )
    assert Attachment.objects.count() == 0


def test_an_agreement_takes_its_signed_scan_and_the_case_timeline_says_so(world, case, api_client_for):
    dispute_services.case_accept(actor=world.user("station_a"), case=case)
    agreement = dispute_services.agreement_create(
        actor=world.user("station_a"), case=case, **agreement_data()
    )
    api = api_client_for("station_a")
    response = api.post(
        reverse("agreements-attachments", args=[agreement.pk]),
        {"file": upload(pdf_bytes(), "调解协议书.pdf", "application/pdf"), "kind": "scan"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mime_type"] == "application/pdf"
    assert case.events.filter(code="disputes.case.attachment_added", note__contains="调解协议").exists()


def test_the_routes_are_in_the_openapi_schema(api_client_for):
    schema = api_client_for("admin").get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    paths = schema.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/cases/{id}/attachments/"])
    assert "/api/v1/cases/{id}/attachments/{attachment_pk}/" in paths
    assert "/api/v1/agreements/{id}/attachments/" in paths and "/api/v1/sessions/{id}/attachments/" in paths


def test_the_api_and_the_form_store_the_same_bytes(world, case, api_client_for, client_for):
    from .attachment_helpers import jpeg_bytes

    original = jpeg_bytes(2500, 1500)
    by_api = (
        api_client_for("station_a").post(url(case), {"file": upload(original)}, format="multipart").json()
    )
    client_for("station_a").post(
        reverse("attachments:add", args=["disputes.case", case.pk]),
        {"file": upload(original), "kind": "photo"},
    )
    by_form = Attachment.objects.exclude(pk=by_api["id"]).get()
    assert (by_form.width, by_form.height, by_form.sha256) == (
        by_api["width"],
        by_api["height"],
        by_api["sha256"],
    )


def test_the_apis_links_work_for_a_basic_auth_client(world, case):
    """``url`` and ``thumbnail_url`` are the record's API routes, so a client signed in with basic
    auth (no session) downloads the photo and its thumbnail; an outsider gets 404."""
    import base64

    from rest_framework.test import APIClient

    from tests.conftest import PASSWORD

    def basic(username):
        client = APIClient()
        token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
        return client

    api = basic("station_a")
    body = api.post(url(case), {"file": photo(3000, 2000), "kind": "photo"}, format="multipart").json()
    assert body["url"] == reverse("cases-attachment-download", args=[case.pk, body["id"]])
    photo_bytes = api.get(body["url"])
    thumb = api.get(body["thumbnail_url"])
    assert photo_bytes.status_code == thumb.status_code == 200
    full, small = b"".join(photo_bytes.streaming_content), b"".join(thumb.streaming_content)
    assert len(small) < len(full)
    assert basic("station_b").get(body["url"]).status_code == 404

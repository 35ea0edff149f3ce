"""Photos and scans on case records (core.attachments): stored through the storage API after the
checks (size, type by content, Pillow verify, re-encode, ≤1600 px, no EXIF), served only to the
record's scope (outsider 404, anonymous to the login page) with headers that keep a browser from
running them, the same rules on the case page, the phone report and the API, and a line on the
case's timeline."""

import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from PIL import Image

from core.attachments import services
from core.attachments.models import Attachment
from core.errors import DomainError, NotFound, NotPermitted
from disputes.models import CaseEvent, DisputeCase
from tests.disputes.helpers import report

from .attachment_helpers import (
    bad_exif_jpeg,
    bomb_png,
    html_as_jpg,
    jpeg_bytes,
    mpo_bytes,
    pdf_bytes,
    photo,
    truncated_jpeg,
    upload,
    zip_as_jpg,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def case(world):
    return report(world, grid=world.grid_1a)


def add(world, case, file, actor="station_a", kind="photo") -> Attachment:
    return services.attachment_add(
        actor=world.user(actor), label="disputes.case", object_id=case.pk, upload=file, kind=kind
    )


# --- Stored, re-encoded, resized --------------------------------------------------------------
def test_a_photo_is_stored_re_encoded_and_resized(world, case, media):
    attachment = add(world, case, photo(4000, 3000))
    assert attachment.kind == "photo" and attachment.mime_type == "image/jpeg"
    assert (attachment.width, attachment.height) == (1600, 1200)
    with default_storage.open(attachment.file.name) as f:
        content = f.read()
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG" and image.size == (1600, 1200)
    assert not image.getexif()  # EXIF (maker, GPS position) stripped
    assert attachment.size == len(content) and len(attachment.sha256) == 64
    assert attachment.original_name == "现场.jpg" and attachment.uploaded_by == world.user("station_a")
    assert Image.open(default_storage.open(attachment.thumbnail.name)).size == (320, 240)
    assert len(stored_files(media)) == 2  # the photo and its thumbnail, under var/media by default
    event = CaseEvent.objects.get(case=case, code="disputes.case.attachment_added")
    assert "现场.jpg" in event.note and event.actor == world.user("station_a")


@pytest.mark.parametrize("make", [bad_exif_jpeg, mpo_bytes], ids=["damaged-exif", "multi-picture"])
def test_a_phone_camera_jpeg_with_damaged_exif_or_several_pictures_is_kept(world, case, media, make):
    attachment = add(world, case, upload(make()))
    with default_storage.open(attachment.file.name) as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and not image.getexif()  # re-encoded, EXIF stripped


def test_a_damaged_exif_photo_through_the_api_is_201_not_a_server_error(world, case):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(world.user("station_a"))
    response = client.post(
        f"/api/v1/cases/{case.pk}/attachments/",
        {"file": upload(bad_exif_jpeg()), "kind": "photo"},
        format="multipart",
    )
    assert response.status_code == 201, response.content


def test_a_png_becomes_a_jpeg_and_a_path_in_the_name_is_dropped(world, case):
    attachment = add(world, case, upload(jpeg_bytes(800, 600, fmt="PNG"), "../../etc/<b>x.png", "image/png"))
    assert attachment.mime_type == "image/jpeg" and (attachment.width, attachment.height) == (800, 600)
    assert attachment.original_name == "b_x.jpg"
    assert attachment.file.name.startswith("attachments/") and "etc" not in attachment.file.name


def test_a_signed_agreement_scan_as_pdf_is_kept_as_a_download(world, case, client_for):
    attachment = add(world, case, upload(pdf_bytes(), "调解协议书.pdf", "application/pdf"), kind="scan")
    assert attachment.mime_type == "application/pdf" and attachment.width is None
    response = client_for("station_a").get(reverse("attachments:download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf_bytes()


# --- Refused, with a message, nothing stored ---------------------------------------------------
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (html_as_jpg, "按文件内容识别"),
        (zip_as_jpg, "按文件内容识别"),
        (truncated_jpeg, "图片已损坏"),
        (bomb_png, "图片像素过多"),
        (lambda: upload(pdf_bytes(), "x.pdf", "application/pdf"), "照片只能是"),
    ],
    ids=["html-named-jpg", "zip-named-jpg", "truncated-jpeg", "decompression-bomb", "pdf-as-photo"],
)
def test_a_fake_or_broken_image_is_refused_and_nothing_is_stored(world, case, media, make, message):
    with pytest.raises(DomainError) as err:
        add(world, case, make())
    assert message in err.value.message and err.value.field == "file"
    assert Attachment.objects.count() == 0 and stored_files(media) == []
    assert not CaseEvent.objects.filter(code="disputes.case.attachment_added").exists()


def test_a_file_over_the_cap_is_refused(world, case, media, settings):
    settings.ATTACHMENTS = {**settings.ATTACHMENTS, "MAX_BYTES": 50_000}
    big = photo(3000, 2000)
    assert big.size > 50_000
    with pytest.raises(DomainError, match="文件过大"):
        add(world, case, big)
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_a_record_takes_at_most_the_count_cap(world, case, settings):
    settings.ATTACHMENTS = {**settings.ATTACHMENTS, "MAX_PER_RECORD": 2}
    add(world, case, photo(200, 100))
    add(world, case, photo(200, 100))
    with pytest.raises(DomainError, match="最多上传 2 个"):
        add(world, case, photo(200, 100))
    assert Attachment.objects.count() == 2


def test_outside_the_scope_is_not_found_and_without_the_capability_refused(world, case):
    with pytest.raises(NotFound):
        add(world, case, photo(200, 100), actor="station_b")
    with pytest.raises(NotPermitted):
        add(world, case, photo(200, 100), actor="county")  # sees the county, does not attach
    assert Attachment.objects.count() == 0


# --- Served only to the record's scope ----------------------------------------------------------
SEES_CASE = ("admin", "county", "station_a", "aux_v1", "grid_g1", "township_a")


@pytest.mark.parametrize("route", ["attachments:download", "attachments:thumbnail"])
def test_the_photo_is_shown_only_to_the_records_scope(world, case, client_for, route):
    attachment = add(world, case, photo(2000, 1000))
    url = reverse(route, args=[attachment.pk])
    for actor in SEES_CASE:
        response = client_for(actor).get(url)
        assert response.status_code == 200, actor
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline;")
        assert "sandbox" in response["Content-Security-Policy"]
    for actor in ("station_b", "mediator_t1", "liaison_hrss", "norole"):
        assert client_for(actor).get(url).status_code == 404, actor
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert client_for("admin").get(reverse(route, args=[attachment.pk + 999])).status_code == 404


def test_the_case_page_shows_the_photos_and_uploads_through_the_same_checks(world, case, client_for, media):
    client = client_for("station_a")
    page = reverse("disputes:case-detail", args=[case.pk])
    add_url = reverse("attachments:add", args=["disputes.case", case.pk])
    assert add_url in client.get(page).content.decode()
    refused = client.post(add_url, {"kind": "photo", "file": html_as_jpg(), "next": page}, follow=True)
    assert "按文件内容识别" in refused.content.decode()
    assert Attachment.objects.count() == 0 and stored_files(media) == []
    done = client.post(add_url, {"kind": "photo", "file": photo(3200, 1800), "next": page})
    assert done.status_code == 302 and done["Location"] == page
    attachment = Attachment.objects.get()
    assert (attachment.width, attachment.height) == (1600, 900)
    assert reverse("attachments:thumbnail", args=[attachment.pk]) in client.get(page).content.decode()
    # a station outside the scope cannot post to the case either
    assert client_for("station_b").post(add_url, {"file": photo(100, 100)}).status_code == 404


def test_the_phone_report_keeps_its_photo_once(world, client_for):
    from tests.disputes.mobile.test_mobile import JSON, form_data

    client = client_for("grid_g1")
    data = form_data(world)
    first = client.post(reverse("mobile:report"), {**data, "photo": photo(3000, 4000)}, **JSON)
    again = client.post(reverse("mobile:report"), {**data, "photo": photo(3000, 4000)}, **JSON)
    assert first.status_code == 201 and again.status_code == 200
    case = DisputeCase.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.object_id == case.pk and (attachment.width, attachment.height) == (1200, 1600)


def test_a_bad_photo_on_the_phone_report_makes_no_case(world, client_for, media):
    from tests.disputes.mobile.test_mobile import JSON, form_data

    client = client_for("grid_g1")
    response = client.post(reverse("mobile:report"), {**form_data(world), "photo": zip_as_jpg()}, **JSON)
    assert response.status_code == 400
    assert "按文件内容识别" in response.json()["errors"]["photo"][0]
    assert DisputeCase.objects.count() == 0 and Attachment.objects.count() == 0 and stored_files(media) == []


# --- Check-ins: a photo by the one who checked in, seen with the check-in ------------------------
def test_a_village_check_in_takes_its_officers_photo_only(world, client_for):
    from stations.presence import services as presence

    visit = presence.visit_check_in(actor=world.user("station_a"), village=world.village_1)
    attachment = services.attachment_add(
        actor=world.user("station_a"),
        label="stations.village_visit",
        object_id=visit.pk,
        upload=photo(2400, 1800),
    )
    assert (attachment.width, attachment.height) == (1600, 1200)
    with pytest.raises(NotPermitted):  # sees the check-in, did not make it
        services.attachment_add(
            actor=world.user("aux_v1"),
            label="stations.village_visit",
            object_id=visit.pk,
            upload=photo(10, 10),
        )
    with pytest.raises(DomainError):  # a check-in takes photos, not documents
        services.attachment_add(
            actor=world.user("station_a"),
            label="stations.village_visit",
            object_id=visit.pk,
            upload=upload(pdf_bytes(), "x.pdf", "application/pdf"),
            kind="document",
        )
    url = reverse("attachments:download", args=[attachment.pk])
    assert client_for("aux_v1").get(url).status_code == 200
    assert client_for("station_b").get(url).status_code == 404


def test_the_phone_case_page_shows_the_photo_and_takes_another(world, case, client_for):
    attachment = add(world, case, photo(800, 600))
    client = client_for("grid_g1")
    page = client.get(reverse("mobile:case-detail", args=[case.pk])).content.decode()
    assert reverse("attachments:thumbnail", args=[attachment.pk]) in page
    assert reverse("attachments:add", args=["disputes.case", case.pk]) in page
    assert "<script>" not in page  # CSP: scripts by src only


def test_grid_and_patrol_check_ins_take_their_authors_photo(world, client_for):
    from patrols import services as patrols
    from patrols.visits import services as visits
    from tests.patrols.helpers import plan

    grid_check_in = visits.grid_check_in(actor=world.user("grid_g1"), grid=world.grid_1a)
    on_grid = services.attachment_add(
        actor=world.user("grid_g1"),
        label="patrols.grid_check_in",
        object_id=grid_check_in.pk,
        upload=photo(900, 900),
    )
    patrol = patrols.patrol_start(actor=world.user("station_a"), plan=plan(world))
    checkpoint = patrol.plan.checkpoints.order_by("pk").first()
    check_in, _created = patrols.patrol_check_in(
        actor=world.user("station_a"), patrol=patrol, checkpoint=checkpoint
    )
    on_patrol = services.attachment_add(
        actor=world.user("station_a"),
        label="patrols.patrol_check_in",
        object_id=check_in.pk,
        upload=photo(300, 200),
    )
    with pytest.raises(NotPermitted):
        services.attachment_add(
            actor=world.user("aux_v1"),
            label="patrols.patrol_check_in",
            object_id=check_in.pk,
            upload=photo(10, 10),
        )
    assert client_for("station_a").get(reverse("attachments:download", args=[on_grid.pk])).status_code == 200
    assert client_for("station_b").get(reverse("attachments:download", args=[on_grid.pk])).status_code == 404
    assert client_for("aux_v1").get(reverse("attachments:download", args=[on_patrol.pk])).status_code == 200
    assert (
        client_for("station_b").get(reverse("attachments:download", args=[on_patrol.pk])).status_code == 404
    )
    assert client_for("grid_g1").get(reverse("attachments:download", args=[on_patrol.pk])).status_code == 404


def test_the_patrol_page_shows_its_check_in_photos(world, client_for):
    from patrols import services as patrols
    from tests.patrols.helpers import plan

    patrol = patrols.patrol_start(actor=world.user("station_a"), plan=plan(world))
    check_in, _created = patrols.patrol_check_in(
        actor=world.user("station_a"),
        patrol=patrol,
        checkpoint=patrol.plan.checkpoints.order_by("pk").first(),
    )
    attachment = services.attachment_add(
        actor=world.user("station_a"),
        label="patrols.patrol_check_in",
        object_id=check_in.pk,
        upload=photo(300, 200),
    )
    page = client_for("aux_v1").get(reverse("patrols:patrol-detail", args=[patrol.pk])).content.decode()
    assert reverse("attachments:thumbnail", args=[attachment.pk]) in page

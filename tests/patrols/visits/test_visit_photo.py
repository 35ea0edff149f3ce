"""A visit check-in on the phone may carry a photo (issue 16): stored on the check-in through
core.attachments' checks, in the same transaction — a refused photo makes no check-in — and a
resend of the same submission stores neither twice."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.attachments.models import Attachment
from disputes import risk
from patrols.visits import services as visit_services
from patrols.visits.models import GridCheckIn
from tests.core.attachment_helpers import html_as_jpg, photo
from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def visit(world):
    case = report(
        world,
        grid=world.grid_1a,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_case(case=case)
    visit_services.risk_visits_create(now=timezone.now())
    return case.risk_visits.get()


def _post(client, visit, **extra):
    body = {"outcome": "met_parties", "note": "已入户", "next": "/visits/m/", **extra}
    return client.post(reverse("visits:check-in", args=[visit.pk]), body)


def test_a_visit_check_in_with_its_photo_stores_both_once(world, client_for, visit):
    client = client_for("grid_g1")
    key = "3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d"
    assert _post(client, visit, photo=photo(), client_key=key).status_code == 302
    assert _post(client, visit, photo=photo(), client_key=key).status_code == 302  # the outbox's resend
    check_in = GridCheckIn.objects.get()
    assert check_in.risk_visit == visit
    stored = Attachment.objects.get()
    assert stored.object_id == check_in.pk and stored.content_type.model == "gridcheckin"
    assert stored.width <= 1600 and stored.mime_type == "image/jpeg"


def test_a_refused_photo_makes_no_check_in(world, client_for, visit):
    response = _post(client_for("grid_g1"), visit, photo=html_as_jpg())
    assert response.status_code == 302  # back to the list, with the message
    assert not GridCheckIn.objects.exists() and not Attachment.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("JPEG" in m or "图片" in m for m in messages), messages

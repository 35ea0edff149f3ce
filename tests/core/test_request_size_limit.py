"""A request body beyond one attachment plus its form is refused with 413 and a message before it
is read (files are not capped by DATA_UPLOAD_MAX_MEMORY_SIZE), on pages, the phone and the API."""

import pytest
from django.test import Client

from core.middleware import request_body_cap

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url,accept",
    [
        ("/api/v1/cases/", "application/json"),
        ("/m/report/", "application/json"),
        ("/m/report/", "text/html"),
        ("/cases/new/", "text/html"),
    ],
)
def test_a_body_declared_beyond_the_cap_is_413_with_a_message(world, url, accept):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("station_a"))
    response = client.generic(
        "POST",
        url,
        data=b"x" * 16,
        content_type="multipart/form-data; boundary=xyz",
        HTTP_ACCEPT=accept,
        CONTENT_LENGTH=str(request_body_cap() + 1),
    )
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()


def test_a_body_within_the_cap_goes_through(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("station_a"))
    response = client.post("/api/v1/cases/", data="{}", content_type="application/json")
    assert response.status_code == 400  # read and validated: the fields are missing

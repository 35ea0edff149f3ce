"""Login throttling: after a handful of wrong passwords per account or per address, logins are
refused for a while (even with the right password) with a clear message, on the login form, the
admin login and HTTP basic auth; an administrator unlocks from the admin."""

import base64

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LIMIT = settings.AXES_FAILURE_LIMIT
MESSAGE = "登录失败次数过多"
AccessAttempt = apps.get_model("axes", "AccessAttempt")


def _login(client: Client, username: str, password: str, path: str = "/login/"):
    return client.post(path, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_account_even_for_the_right_one(world):
    client = Client()
    for _ in range(LIMIT - 1):
        assert _login(client, "station_a", "wrong").status_code == 200  # the ordinary error
    response = _login(client, "station_a", "wrong")
    assert response.status_code == 429 and MESSAGE in response.content.decode()
    response = _login(client, "station_a", PASSWORD)
    assert response.status_code == 429
    assert MESSAGE in response.content.decode() and "15 分钟" in response.content.decode()
    assert not _signed_in(client)
    # another account from another address is not affected
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other, "station_b", PASSWORD).status_code == 302 and _signed_in(other)


def test_wrong_passwords_from_one_address_lock_that_address(world):
    client = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(LIMIT):
        _login(client, f"nobody{n}", "wrong")
    response = _login(client, "county", PASSWORD)
    assert response.status_code == 429 and not _signed_in(client)
    assert _login(Client(REMOTE_ADDR="10.1.1.2"), "county", PASSWORD).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(world):
    client = Client()
    for _ in range(LIMIT - 1):
        _login(client, "station_a", "wrong")
    assert _login(client, "station_a", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(LIMIT - 1):
        _login(client, "station_a", "wrong")
    assert _login(client, "station_a", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_too(world):
    client = Client()
    for _ in range(LIMIT):
        _login(client, "admin", "wrong", path="/admin/login/")
    response = _login(client, "admin", PASSWORD, path="/admin/login/")
    assert response.status_code == 429 and MESSAGE in response.content.decode()
    assert not _signed_in(client)


def _basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_basic_auth_is_locked_with_a_json_answer(world):
    client = Client()
    for _ in range(LIMIT):
        assert client.get("/api/v1/cases/", **_basic("station_a", "wrong")).status_code in (401, 403, 429)
    response = client.get("/api/v1/cases/", **_basic("station_a", PASSWORD))
    assert response.status_code == 429
    assert MESSAGE in response.json()["detail"]
    assert (
        Client(REMOTE_ADDR="10.2.2.2").get("/api/v1/cases/", **_basic("station_b", PASSWORD)).status_code
        == 200
    )


def test_an_administrator_unlocks_from_the_admin(world, client_for):
    locked = Client()
    for _ in range(LIMIT):
        _login(locked, "station_a", "wrong")
    assert _login(locked, "station_a", PASSWORD).status_code == 429
    admin = client_for("admin")
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "station_a" in listing.content.decode()
    pks = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert _login(locked, "station_a", PASSWORD).status_code == 302

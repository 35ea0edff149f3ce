"""Every user (not only staff) changes their own password from the user menu; the policy
refuses the demo accounts' public password outside the demo."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from demo.plan import PASSWORD as DEMO_PASSWORD
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ["grid_g1", "mediator_t1", "station_a", "aux_v1"])
def test_every_role_changes_its_password(client_for, world, actor):
    client = client_for(actor)
    page = client.get("/")
    if page.status_code == 200:
        assert 'href="/password/"' in page.content.decode()  # the user menu links the page
    form = client.get("/password/")
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    new = "Yi-county-2026-strong"
    response = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response["Location"] == "/password/done/"
    user = world.user(actor)
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get("/password/done/").status_code == 200  # still signed in


def test_the_wrong_current_password_is_refused(client_for, world):
    client = client_for("station_a")
    new = "Yi-county-2026-strong"
    response = client.post("/password/", {"old_password": "nope", "new_password1": new, "new_password2": new})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert world.user("station_a").check_password(PASSWORD)


def test_the_demo_password_is_refused_outside_the_demo(client_for, world, settings):
    settings.DEBUG, settings.DEMO_MODE = False, False
    with pytest.raises(ValidationError) as info:
        validate_password(DEMO_PASSWORD)
    assert "演示账号的公开密码" in str(info.value)
    client = client_for("station_a")
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": DEMO_PASSWORD, "new_password2": DEMO_PASSWORD},
    )
    assert response.status_code == 200 and "演示账号的公开密码" in response.content.decode()
    assert world.user("station_a").check_password(PASSWORD)


def test_the_demo_password_is_allowed_in_the_demo(settings):
    settings.DEMO_MODE = True
    validate_password(DEMO_PASSWORD)  # no error

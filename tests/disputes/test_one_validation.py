"""One validation per record (issue 13): the case intake page and the API refuse the same
inputs on the same field, because the rule lives in the model (``core.limits`` validators) and
the service, and nothing is written by either channel."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.limits import PARTIES_MAX, PEOPLE_MAX, TEXT_MAX
from disputes.models import DisputeCase
from governance.validators import validate_id_number

from .test_api import case_payload
from .test_pages import _intake


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


CASES = [
    ("occurred_on", _tomorrow, "日期不能晚于今天"),
    ("people_involved", lambda: PEOPLE_MAX + 1, "100000"),
    ("people_involved", lambda: 2**40, "100000"),
    ("summary", lambda: "纠" * (TEXT_MAX + 1), "5000"),
]


@pytest.mark.parametrize("field,value,word", CASES)
def test_page_and_api_refuse_the_same_input_with_the_same_message(world, client_for, field, value, word):
    v = value()
    page = client_for("station_a").post(reverse("disputes:case-create"), _intake(world, **{field: str(v)}))
    assert page.status_code == 400
    form = page.context["form"]
    page_messages = form.errors[field]
    api = APIClient()
    api.force_login(world.user("station_a"))
    response = api.post("/api/v1/cases/", case_payload(world, **{field: v}), format="json")
    assert response.status_code == 400, response.json()
    api_messages = response.json()[field]
    assert page_messages  # the page refuses on the same field
    assert any(word in m for m in api_messages), api_messages
    assert not DisputeCase.objects.exists()


def test_api_patch_refuses_what_the_form_refuses(world):
    api = APIClient()
    api.force_login(world.user("station_a"))
    created = api.post("/api/v1/cases/", case_payload(world), format="json").json()
    for field, value, word in CASES:
        response = api.patch(f"/api/v1/cases/{created['id']}/", {field: value()}, format="json")
        assert response.status_code == 400, (field, response.json())
        assert any(word in m for m in response.json()[field])
    case = DisputeCase.objects.get()
    assert case.people_involved == 3 and case.occurred_on is None


def test_parties_per_case_are_capped_on_the_api(world):
    api = APIClient()
    api.force_login(world.user("station_a"))
    parties = [{"name": f"当事人{i}", "role": "applicant"} for i in range(PARTIES_MAX + 1)]
    response = api.post("/api/v1/cases/", case_payload(world, parties=parties), format="json")
    assert response.status_code == 400
    assert "50" in response.json()["parties"][0]
    assert not DisputeCase.objects.exists()
    ok = api.post("/api/v1/cases/", case_payload(world, parties=parties[:PARTIES_MAX]), format="json")
    assert ok.status_code == 201


def test_an_id_number_of_someone_born_before_1900_is_valid():
    validate_id_number("440524188001010014")

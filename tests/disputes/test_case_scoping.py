"""Who sees which case, and the idempotent report."""

import uuid

import pytest

from core.errors import DomainError
from disputes import selectors, services
from disputes.models import DisputeCase

from .helpers import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world):
    return {
        "g1a": report(world, grid=world.grid_1a),
        "g1b": report(world, grid=world.grid_1b),
        "v2": report(world, village=world.village_2),
        "v3": report(world, village=world.village_3, actor="station_b"),
    }


EXPECTED = {
    "admin": {"g1a", "g1b", "v2", "v3"},
    "county": {"g1a", "g1b", "v2", "v3"},
    "station_a": {"g1a", "g1b", "v2"},
    "station_b": {"v3"},
    "aux_v1": {"g1a", "g1b"},
    "grid_g1": {"g1a"},
    "mediator_t1": set(),
    "norole": set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_exactly_its_cases(world, cases, role):
    visible = set(selectors.case_list(user=world.user(role)).values_list("pk", flat=True))
    assert visible == {cases[k].pk for k in EXPECTED[role]}


def test_outside_the_scope_a_case_is_a_404(world, cases):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.case_get(user=world.user("station_b"), pk=cases["g1a"].pk)


def test_a_grid_worker_reports_only_into_their_own_grid(world):
    with pytest.raises(DomainError) as exc:
        report(world, actor="grid_g1", grid=world.grid_1b)
    assert exc.value.field == "grid"
    with pytest.raises(DomainError):
        report(world, actor="grid_g1", village=world.village_3, grid=world.grid_3)
    assert not DisputeCase.objects.exists()
    case = report(world, actor="grid_g1", grid=world.grid_1a, source="grid_report")
    assert case.level == "grid"


def test_a_resent_report_with_the_same_client_key_returns_the_first_case(world):
    key = uuid.uuid4()
    first = report(world, actor="grid_g1", grid=world.grid_1a, client_key=key)
    again = report(world, actor="grid_g1", grid=world.grid_1a, client_key=key)
    assert again.pk == first.pk
    assert DisputeCase.objects.count() == 1
    assert first.events.count() == 1


def test_filters_narrow_the_list(world, cases):
    staff = world.user("station_a")
    services.case_accept(actor=staff, case=cases["g1a"])
    by_status = selectors.case_list(user=staff, filters={"status": "accepted"})
    assert list(by_status) == [cases["g1a"]]
    assert set(selectors.case_list(user=staff, filters={"grid": world.grid_1b.pk})) == {cases["g1b"]}
    assert set(selectors.case_list(user=staff, filters={"q": "吉克阿木"})) == {
        cases["g1a"],
        cases["g1b"],
        cases["v2"],
    }
    assert set(selectors.case_list(user=staff, filters={"q": cases["v2"].number})) == {cases["v2"]}

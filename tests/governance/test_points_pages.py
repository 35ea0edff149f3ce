"""Points pages: rankings per role (the 末位 list only for station and above), a person's ledger,
the manual award form (reason required, nothing written on bad input), outsiders get 404, and
the ranking page issues the same number of queries for 3 or 20 people."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import NotPermitted
from governance import services as gov
from governance.models import GridWorker, PointsEntry, PointsRule
from governance.points import selectors, services

from ..factories import make_id_number, make_phone

pytestmark = pytest.mark.django_db
RANKING = reverse("points:ranking")


def person_url(worker, name="person"):
    return reverse(f"points:{name}", args=["grid_worker", worker.pk])


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("admin", 200),
        ("county", 200),
        ("station_a", 200),
        ("station_b", 200),
        ("aux_v1", 200),
        ("grid_g1", 404),
        ("mediator_t1", 404),
        ("norole", 404),
    ],
)
def test_ranking_page_by_role(client_for, actor, status):
    assert client_for(actor).get(RANKING).status_code == status


def test_anonymous_users_go_to_the_login_page(client, world):
    response = client.get(RANKING)
    assert response.status_code == 302 and "login" in response.url


def test_ranking_shows_people_in_scope_with_the_bottom_list_for_station_staff(world, client_for):
    services.points_award(person=world.worker_g1, rule_code="visit.done", source_key="v-1")
    page = client_for("station_a").get(RANKING).content.decode()
    assert "一组网格员" in page and "一组网格长" in page and "三村网格长" not in page
    assert 'id="bottom"' in page and "末位" in page
    other = client_for("station_b").get(RANKING).content.decode()
    assert "三村网格长" in other and "一组网格员" not in other


def test_auxiliary_officer_sees_the_top_but_not_the_bottom_list(world, client_for):
    page = client_for("aux_v1").get(RANKING).content.decode()
    assert "一组网格员" in page
    assert 'id="bottom"' not in page


def test_ranking_by_township_and_drill_down_to_a_village(world, client_for):
    client = client_for("county")
    page = client.get(RANKING, {"group": "township"}).content.decode()
    assert "甲镇" in page and "乙乡" in page
    page = client.get(RANKING, {"group": "village", "area": world.village_3.pk}).content.decode()
    assert "三村网格长" in page and "一组网格员" not in page


def test_a_bad_month_falls_back_to_this_month_with_a_message(world, client_for):
    response = client_for("station_a").get(RANKING, {"month": "2026-13", "kind": "nobody"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "月份格式应为" in page and "查询条件有误" in page
    assert response.context["result"].kind == "grid_worker"


def test_nav_has_points_for_station_and_auxiliary_but_not_grid_workers(world, client_for):
    assert RANKING in client_for("station_a").get(reverse("governance:village-list")).content.decode()
    assert RANKING in client_for("aux_v1").get(reverse("governance:village-list")).content.decode()
    assert RANKING not in client_for("grid_g1").get(reverse("governance:grid-list")).content.decode()


# --- A person's ledger --------------------------------------------------------------------
def test_person_page_shows_the_ledger_to_people_in_scope_only(world, client_for):
    services.points_award(person=world.worker_g1, rule_code="visit.done", source_key="visit-42")
    for actor in ("station_a", "aux_v1", "grid_g1", "county"):
        response = client_for(actor).get(person_url(world.worker_g1))
        assert response.status_code == 200, actor
        assert "visit-42" in response.content.decode()
    for actor in ("station_b", "mediator_t1", "norole"):
        assert client_for(actor).get(person_url(world.worker_g1)).status_code == 404, actor
    assert client_for("admin").get(f"/points/person/nobody/{world.worker_g1.pk}/").status_code == 404


# --- Manual awards ------------------------------------------------------------------------
def test_manual_award_without_a_reason_shows_the_error_and_writes_nothing(world, client_for):
    response = client_for("station_a").post(
        person_url(world.worker_g1, "award"), {"points": "3", "reason": " "}
    )
    assert response.status_code == 200
    assert "须填写事由" in response.content.decode()
    assert not PointsEntry.objects.exists()


def test_manual_award_over_the_cap_is_refused_by_the_service(world, client_for):
    response = client_for("station_a").post(
        person_url(world.worker_g1, "award"), {"points": "50", "reason": "表彰"}
    )
    assert response.status_code == 200
    assert "不能超过±10分" in response.content.decode()
    assert not PointsEntry.objects.exists()


def test_manual_award_by_station_staff(world, client_for):
    response = client_for("station_a").post(
        person_url(world.worker_g1, "award"), {"points": "-2", "reason": "纠正误记"}
    )
    assert response.status_code == 302 and response.url == person_url(world.worker_g1)
    entry = PointsEntry.objects.get()
    assert (entry.grid_worker, entry.points, entry.reason, entry.awarded_by) == (
        world.worker_g1,
        -2,
        "纠正误记",
        world.user("station_a"),
    )


@pytest.mark.parametrize(
    ("actor", "status"), [("station_b", 404), ("norole", 404), ("aux_v1", 403), ("grid_g1", 403)]
)
def test_manual_award_refused_to_outsiders_and_read_only_roles(world, client_for, actor, status):
    url = person_url(world.worker_g1, "award")
    assert client_for(actor).get(url).status_code == status
    assert client_for(actor).post(url, {"points": "3", "reason": "表彰"}).status_code == status
    assert not PointsEntry.objects.exists()


# --- Admin --------------------------------------------------------------------------------
def test_admin_ledger_is_read_only_and_rules_are_edited_through_the_service(world, client_for):
    services.points_award(person=world.worker_g1, rule_code="visit.done", source_key="v-1")
    entry = PointsEntry.objects.get()
    client = client_for("admin")
    assert client.get(reverse("admin:governance_pointsentry_changelist")).status_code == 200
    assert client.get(reverse("admin:governance_pointsentry_add")).status_code == 403
    assert client.get(reverse("admin:governance_pointsentry_delete", args=[entry.pk])).status_code == 403
    rule = PointsRule.objects.get(code="visit.done")
    response = client.post(
        reverse("admin:governance_pointsrule_change", args=[rule.pk]),
        {"name": "走访核查", "points": "3", "applies_to": "all", "description": "", "is_active": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 3 and rule.code == "visit.done"
    entry.refresh_from_db()
    assert entry.points == 2  # past entries keep their points
    with pytest.raises(NotPermitted):
        services.points_rule_update(actor=world.user("station_a"), rule=rule, data={"points": 9})


# --- Query count --------------------------------------------------------------------------
def _add_workers(world, n: int) -> None:
    admin = world.user("admin")
    for i in range(n):
        grid = (world.grid_1a, world.grid_1b, world.grid_2)[i % 3]
        worker = gov.grid_worker_create(
            actor=admin,
            grid=grid,
            name=f"网格员{i:02d}",
            id_number=make_id_number(),
            phone=make_phone(),
            role=GridWorker.Role.WORKER,
        )
        services.points_award(person=worker, rule_code="visit.done", source_key=f"v-{i}")


def _count(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(RANKING, params).status_code == 200
    return len(ctx.captured_queries)


def test_ranking_page_queries_do_not_grow_with_the_number_of_people(world, client_for):
    client = client_for("county")
    month = selectors.month_of(timezone.localdate())
    _count(client)  # warm up (session, content types)
    assert len(selectors.points_monthly(user=world.user("county"), month=month).people) == 3
    small = {group: _count(client, group=group) for group in ("village", "township")}
    _add_workers(world, 17)
    assert len(selectors.points_monthly(user=world.user("county"), month=month).people) == 20
    large = {group: _count(client, group=group) for group in ("village", "township")}
    assert small == large

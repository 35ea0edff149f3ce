"""Two sends of one submission at the same moment (a phone resending while the first answer is
still on its way): one record. Through HTTP — two clients posting the same client key after a
barrier — and, on PostgreSQL, with both requests inside create() before either has stored its
key, so that the unique constraint settles it (the loser's record is rolled back)."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from core.models import ClientSubmission
from core.submissions import submit
from stations.models import VillageVisit
from stations.presence import services as presence_services
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def _phone(world, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


@pytest.mark.parametrize("channel", ["page", "api"])
def test_two_posts_of_one_key_at_once_make_one_check_in(world, channel):
    key = str(uuid.uuid4())
    one, two = _phone(world, "aux_v1"), _phone(world, "aux_v1")
    if channel == "page":
        data = {"village": str(world.village_1.pk), "activity": "visit", "client_key": key}
        url = "/stations/m/checkin/"
    else:
        data = {"village": world.village_1.pk, "activity": "visit", "client_key": key}
        url = "/api/v1/village-visits/"

    def post(client):
        if channel == "api":
            return lambda: client.post(url, data, content_type="application/json")
        return lambda: client.post(url, data)

    results = _race(post(one), post(two))
    assert all(not isinstance(r, Exception) for r in results), results
    statuses = sorted(r.status_code for r in results)
    assert statuses == ([302, 302] if channel == "page" else [200, 201]), statuses
    assert VillageVisit.objects.count() == 1
    assert ClientSubmission.objects.filter(client_key=key).count() == 1


def test_both_inside_create_at_once_the_constraint_keeps_one_on_postgresql(world):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the race needs concurrent writers")
    aux = world.user("aux_v1")
    key = uuid.uuid4()
    inside = threading.Barrier(2)

    def create():
        visit = presence_services.visit_check_in(actor=aux, village=world.village_1, activity="visit")
        inside.wait(timeout=10)  # both have made a check-in; neither has stored its key yet
        return visit

    def send():
        return submit(user=aux, form="stations.village_check_in", client_key=key, create=create)

    results = _race(send, send)
    assert all(not isinstance(r, Exception) for r in results), results
    (first, made_a), (second, made_b) = results
    assert first.pk == second.pk and sorted([made_a, made_b]) == [False, True]
    assert VillageVisit.objects.count() == 1  # the loser's check-in was rolled back
    assert ClientSubmission.objects.filter(client_key=key).count() == 1

"""Every village check-in keeps the server's time, its position's distance from the village (its
grids' boundaries) and a phone's offline time apart; a bad offline time is refused with the same
message on the phone form and the API, and writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import DomainError
from governance.models import Grid
from stations.evidence import distance_to_boundaries_m, ring
from stations.models import VillageVisit
from stations.presence import services as presence_services

pytestmark = pytest.mark.django_db

BOX = {
    "type": "Polygon",
    "coordinates": [
        [[103.255, 29.225], [103.265, 29.225], [103.265, 29.235], [103.255, 29.235], [103.255, 29.225]]
    ],
}


def test_ring_reads_geojson_as_lat_lon_and_ignores_anything_else():
    assert ring(BOX)[0] == (29.225, 103.255)
    assert ring({"type": "Point", "coordinates": [1, 2]}) is None and ring(None) is None
    assert distance_to_boundaries_m((29.23, 103.26), [None, BOX]) == 0.0
    assert distance_to_boundaries_m((29.23, 103.26), []) is None


def test_the_village_check_in_keeps_server_time_distance_and_the_phone_s_time_apart(world):
    Grid.objects.filter(pk=world.grid_1a.pk).update(boundary=BOX)
    now = timezone.now()
    offline = now - dt.timedelta(days=2)
    visit = presence_services.visit_check_in(
        actor=world.user("aux_v1"),
        village=world.village_1,
        lat="29.240000",
        lon="103.260000",
        recorded_offline_at=offline,
        now=now,
    )
    assert visit.checked_in_at == now and visit.visited_on == timezone.localdate(now)
    assert visit.recorded_offline_at == offline
    assert visit.distance_m == pytest.approx(556, rel=0.02) and not visit.verified  # > 500 m
    near = presence_services.visit_check_in(
        actor=world.user("aux_v1"), village=world.village_1, lat="29.2300", lon="103.2600"
    )
    assert near.distance_m == 0 and near.verified
    # a village without mapped grids: no distance, not verified
    other = presence_services.visit_check_in(
        actor=world.user("station_a"), village=world.village_2, lat="29.2300", lon="103.2600"
    )
    assert other.distance_m is None and not other.verified


@pytest.mark.parametrize(
    "offset, message",
    [
        (dt.timedelta(hours=1), "离线记录时间不能晚于当前时间。"),
        (-dt.timedelta(days=8), "离线记录时间不能早于 7 天前。"),
    ],
)
def test_a_bad_offline_time_is_refused_alike_on_the_form_and_the_api(world, client_for, offset, message):
    when = timezone.now() + offset
    with pytest.raises(DomainError) as refused:
        presence_services.visit_check_in(
            actor=world.user("aux_v1"), village=world.village_1, recorded_offline_at=when
        )
    assert refused.value.message == message
    page = client_for("aux_v1").post(
        reverse("stations:checkin"),
        {"village": world.village_1.pk, "activity": "visit", "recorded_offline_at": when.isoformat()},
    )
    assert page.status_code == 200 and message in page.content.decode()
    api = APIClient()
    api.force_authenticate(world.user("aux_v1"))
    response = api.post(
        "/api/v1/village-visits/",
        {"village": world.village_1.pk, "recorded_offline_at": when.isoformat()},
        format="json",
    )
    assert response.status_code == 400 and response.json()["recorded_offline_at"] == [message]
    assert not VillageVisit.objects.exists()

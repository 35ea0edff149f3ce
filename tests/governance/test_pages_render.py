"""Every page renders for a county-wide user and for station staff (templates, URL names)."""

import pytest
from django.urls import reverse

from governance.models import CommitteeMember, SecurityCommittee, VolunteerTeam
from stations.models import VillageAssignment


def _urls(world):
    committee = SecurityCommittee.objects.get(village=world.village_1)
    member = CommitteeMember.objects.filter(committee=committee).first()
    team = VolunteerTeam.objects.get(name="一村护村队")
    assignment = VillageAssignment.objects.filter(village=world.village_1, end_date__isnull=True).first()
    return [
        reverse("home"),
        reverse("governance:village-list"),
        reverse("governance:village-detail", args=[world.village_1.pk]),
        reverse("governance:village-edit", args=[world.village_1.pk]),
        reverse("governance:grid-list"),
        reverse("governance:grid-detail", args=[world.grid_1a.pk]),
        reverse("governance:grid-create"),
        reverse("governance:grid-edit", args=[world.grid_1a.pk]),
        reverse("governance:gridworker-list"),
        reverse("governance:gridworker-detail", args=[world.worker_g1.pk]),
        reverse("governance:gridworker-create"),
        reverse("governance:gridworker-edit", args=[world.worker_g1.pk]),
        reverse("governance:mediator-list"),
        reverse("governance:mediator-detail", args=[world.mediator_t1.pk]),
        reverse("governance:mediator-create"),
        reverse("governance:mediator-edit", args=[world.mediator_t1.pk]),
        reverse("governance:committee-list"),
        reverse("governance:committee-detail", args=[committee.pk]),
        reverse("governance:committee-create"),
        reverse("governance:committee-edit", args=[committee.pk]),
        reverse("governance:committeemember-create", args=[committee.pk]),
        reverse("governance:committeemember-edit", args=[member.pk]),
        reverse("governance:volunteerteam-list"),
        reverse("governance:volunteerteam-detail", args=[team.pk]),
        reverse("governance:volunteerteam-create"),
        reverse("governance:volunteerteam-edit", args=[team.pk]),
        reverse("governance:volunteermember-create", args=[team.pk]),
        reverse("stations:station-list"),
        reverse("stations:station-detail", args=[world.station_a.pk]),
        reverse("stations:officer-create", args=[world.station_a.pk]),
        reverse("stations:officer-edit", args=[world.officer_a.pk]),
        reverse("stations:auxiliaryofficer-create", args=[world.station_a.pk]),
        reverse("stations:auxiliaryofficer-edit", args=[world.aux_v1.pk]),
        reverse("stations:assignment-create"),
        reverse("stations:assignment-create") + f"?village={world.village_2.pk}&kind=officer",
        reverse("stations:assignment-end", args=[assignment.pk]),
        reverse("stations:coverage"),
        reverse("stations:coverage") + "?kind=auxiliary",
    ]


@pytest.mark.parametrize("actor", ["admin", "county", "station_a"])
def test_every_page_renders_for_staff(world, client_for, actor):
    client = client_for(actor)
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "县域基层治理平台".encode() in response.content, url


def test_anonymous_is_sent_to_login(world, client):
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_login_page_renders_and_signs_in(world, client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录".encode() in response.content
    response = client.post(reverse("login"), {"username": "station_a", "password": "test-pass-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_chinese_error(world, client):
    response = client.post(reverse("login"), {"username": "station_a", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_logout_is_a_post(world, client_for):
    client = client_for("station_a")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302

"""Which stations a user's station records put in scope, when the ids of officers and stations
do not happen to coincide (in the shared world officer 1 serves station 1: a check that compared
an officer's id with a station's id passed there, and refused every station officer in the demo).
"""

import pytest
from django.urls import reverse

from core.errors import DomainError
from governance.models import User
from stations import selectors
from stations import services as st
from stations.models import AuxiliaryOfficer

from ..factories import UserFactory, make_id_number, make_phone


@pytest.fixture
def second_officer_a(world):
    """A station A officer with a login whose officer id is not station A's id."""
    admin = world.user("admin")
    for n in range(3):
        st.officer_create(
            actor=admin,
            station=world.station_b,
            name=f"乙所辅助{n}",
            badge_number=f"20000{n}",
            phone=make_phone(),
        )
    user = UserFactory.create(username="station_a2", role=User.Role.STATION, full_name="甲所民警二")
    officer = st.officer_create(
        actor=admin,
        station=world.station_a,
        name="甲所民警二",
        badge_number="100011",
        phone=make_phone(),
        user=user,
    )
    assert officer.pk != world.station_a.pk
    return user


def test_station_ids_are_station_ids(world, second_officer_a):
    assert list(selectors.station_ids(second_officer_a).values_list("pk", flat=True)) == [world.station_a.pk]
    assert list(selectors.station_ids(world.user("aux_v1")).values_list("pk", flat=True)) == [
        world.station_a.pk
    ]


def test_station_staff_add_an_auxiliary_officer_to_their_own_station(world, second_officer_a):
    aux = st.auxiliary_officer_create(
        actor=second_officer_a,
        station=world.station_a,
        name="新辅警",
        id_number=make_id_number(),
        phone=make_phone(),
    )
    assert aux.station == world.station_a


def test_station_staff_still_cannot_add_to_another_station(world, second_officer_a):
    with pytest.raises(DomainError):
        st.officer_create(
            actor=second_officer_a,
            station=world.station_b,
            name="越权",
            badge_number="100012",
            phone=make_phone(),
        )


def test_bad_id_number_and_phone_are_refused_on_the_form_in_chinese(world, second_officer_a, client):
    client.force_login(second_officer_a)
    url = reverse("stations:auxiliaryofficer-create", args=[world.station_a.pk])
    response = client.post(
        url,
        {
            "name": "测试辅警",
            "gender": "M",
            "ethnicity": "yi",
            "id_number": "511132198506120001",
            "phone": "2345678901",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "校验位" in " ".join(errors["id_number"])
    assert "电话号码格式不正确" in " ".join(errors["phone"])
    assert not AuxiliaryOfficer.objects.filter(name="测试辅警").exists()

"""A small county shared by most tests: two stations, each with one township, so that every
test can also ask "and the outsider cannot".

    county 测试县
      ├── 甲镇 (station A: 甲镇派出所) ── 一村 (grids 一村一组, 一村二组), 二村 (grid 二村一组)
      └── 乙乡 (station B: 乙乡派出所) ── 三村 (grid 三村一组)

Actors (all users have password ``test-pass-123``): admin, county, station_a, station_b
(the outsider), aux_v1 (auxiliary officer of 一村), grid_g1 (grid worker of 一村一组),
mediator_t1 (德古 serving 甲镇), township_a (甲镇综治中心 handler), liaison_hrss (人社 liaison:
sees only the referrals sent to 人社), norole (active account with no role).
"""

import datetime as dt
import os
from dataclasses import dataclass

import pytest
from django.conf import settings

from governance import services as gov
from governance.models import Grid, GridWorker, Mediator, Region, User
from stations import services as st
from stations.models import AuxiliaryOfficer, Officer, Station

from .factories import UserFactory, make_id_number, make_phone

PASSWORD = "test-pass-123"


def require_service(name: str, available: bool, reason: str) -> None:
    """Skip when a real service is absent locally; in CI (REQUIRE_SERVICES=1) fail instead."""
    if available:
        return
    if settings.REQUIRE_SERVICES or os.environ.get("REQUIRE_SERVICES") in {"1", "true", "yes"}:
        pytest.fail(f"{name} is required here (REQUIRE_SERVICES is set) but is not available: {reason}")
    pytest.skip(f"{name} not available: {reason}")


@dataclass
class World:
    county: Region
    township_a: Region
    township_b: Region
    village_1: Region
    village_2: Region
    village_3: Region
    grid_1a: Grid
    grid_1b: Grid
    grid_2: Grid
    grid_3: Grid
    station_a: Station
    station_b: Station
    officer_a: Officer
    officer_b: Officer
    aux_v1: AuxiliaryOfficer
    worker_g1: GridWorker
    mediator_t1: Mediator
    mediator_t2: Mediator
    users: dict[str, User]

    def user(self, name: str) -> User:
        return self.users[name]


ROLES = [
    "admin",
    "county",
    "station_a",
    "station_b",
    "aux_v1",
    "grid_g1",
    "mediator_t1",
    "township_a",
    "liaison_hrss",
    "norole",
]


@pytest.fixture
def world(db) -> World:
    admin = UserFactory.create(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    county_user = UserFactory.create(username="county", role=User.Role.COUNTY, is_staff=True)
    county = gov.region_create(
        actor=admin, name="测试县", code="511132000000", kind=Region.Kind.COUNTY, parent=None
    )
    ta = gov.region_create(
        actor=admin, name="甲镇", code="511132100000", kind=Region.Kind.TOWNSHIP, parent=county
    )
    tb = gov.region_create(
        actor=admin, name="乙乡", code="511132200000", kind=Region.Kind.TOWNSHIP, parent=county
    )
    v1 = gov.region_create(actor=admin, name="一村", code="511132100201", kind=Region.Kind.VILLAGE, parent=ta)
    v2 = gov.region_create(
        actor=admin, name="二村", code="511132100202", kind=Region.Kind.COMMUNITY, parent=ta
    )
    v3 = gov.region_create(actor=admin, name="三村", code="511132200201", kind=Region.Kind.VILLAGE, parent=tb)

    # a station no actor belongs to, made first, so that station ids never coincide with officer
    # ids (a check that compares one with the other must fail here, as it would in production)
    Station.objects.create(name="丙镇派出所(无人员)", code="PS-0", county=county)
    station_a = Station.objects.create(name="甲镇派出所", code="PS-A", county=county)
    station_b = Station.objects.create(name="乙乡派出所", code="PS-B", county=county)
    st.jurisdiction_add(actor=admin, station=station_a, region=ta)
    st.jurisdiction_add(actor=admin, station=station_b, region=tb)

    station_a_user = UserFactory.create(username="station_a", role=User.Role.STATION, full_name="甲所民警")
    station_b_user = UserFactory.create(username="station_b", role=User.Role.STATION, full_name="乙所民警")
    officer_a = st.officer_create(
        actor=admin,
        station=station_a,
        name="甲所民警",
        badge_number="100001",
        phone=make_phone(),
        user=station_a_user,
    )
    officer_b = st.officer_create(
        actor=admin,
        station=station_b,
        name="乙所民警",
        badge_number="100002",
        phone=make_phone(),
        user=station_b_user,
    )

    aux_user = UserFactory.create(username="aux_v1", role=User.Role.AUXILIARY, full_name="一村辅警")
    aux = st.auxiliary_officer_create(
        actor=admin,
        station=station_a,
        name="一村辅警",
        id_number=make_id_number(),
        phone=make_phone(),
        user=aux_user,
    )
    start = dt.date(2026, 1, 1)
    st.village_assign(actor=admin, village=v1, auxiliary_officer=aux, start_date=start)
    st.village_assign(actor=admin, village=v1, officer=officer_a, start_date=start)

    g1a = gov.grid_create(actor=admin, village=v1, name="一村一组", code="G-1A")
    g1b = gov.grid_create(actor=admin, village=v1, name="一村二组", code="G-1B")
    g2 = gov.grid_create(actor=admin, village=v2, name="二村一组", code="G-2")
    g3 = gov.grid_create(actor=admin, village=v3, name="三村一组", code="G-3")
    grid_user = UserFactory.create(username="grid_g1", role=User.Role.GRID, full_name="一组网格员")
    worker = gov.grid_worker_create(
        actor=admin,
        grid=g1a,
        name="一组网格员",
        id_number=make_id_number(),
        phone=make_phone(),
        role=GridWorker.Role.WORKER,
        user=grid_user,
    )
    gov.grid_worker_create(
        actor=admin,
        grid=g1a,
        name="一组网格长",
        id_number=make_id_number(),
        phone=make_phone(),
        role=GridWorker.Role.LEADER,
    )
    gov.grid_worker_create(
        actor=admin,
        grid=g3,
        name="三村网格长",
        id_number=make_id_number(),
        phone=make_phone(),
        role=GridWorker.Role.LEADER,
    )

    mediator_user = UserFactory.create(username="mediator_t1", role=User.Role.MEDIATOR, full_name="阿说德古")
    m1 = gov.mediator_create(
        actor=admin,
        township=ta,
        name="阿说德古",
        kind=Mediator.Kind.DEGU,
        clan="阿说",
        phone=make_phone(),
        speaks_yi=True,
        user=mediator_user,
    )
    m2 = gov.mediator_create(
        actor=admin,
        township=tb,
        name="乙乡调解员",
        kind=Mediator.Kind.PEOPLE,
        phone=make_phone(),
        speaks_yi=False,
        speaks_mandarin=True,
    )

    c1 = gov.committee_create(actor=admin, village=v1)
    gov.committee_member_add(
        actor=admin,
        committee=c1,
        name="一村书记",
        phone=make_phone(),
        position="chair",
        kind="party_secretary",
    )
    c3 = gov.committee_create(actor=admin, village=v3)
    gov.committee_member_add(
        actor=admin,
        committee=c3,
        name="三村书记",
        phone=make_phone(),
        position="chair",
        kind="party_secretary",
    )
    gov.volunteer_team_create(
        actor=admin,
        region=v1,
        name="一村护村队",
        kind="village_guard",
        leader_name="一村队长",
        leader_phone=make_phone(),
    )
    gov.volunteer_team_create(
        actor=admin,
        region=tb,
        name="乙乡巡逻队",
        kind="patrol",
        leader_name="乙乡队长",
        leader_phone=make_phone(),
    )

    township_user = UserFactory.create(
        username="township_a", role=User.Role.TOWNSHIP, township=ta, full_name="甲镇综治中心"
    )
    liaison = UserFactory.create(
        username="liaison_hrss", role=User.Role.LIAISON, liaison_unit="hrss", full_name="人社联络员"
    )
    norole = UserFactory.create(username="norole", role="")
    users = {
        "admin": admin,
        "county": county_user,
        "station_a": station_a_user,
        "station_b": station_b_user,
        "aux_v1": aux_user,
        "grid_g1": grid_user,
        "mediator_t1": mediator_user,
        "township_a": township_user,
        "liaison_hrss": liaison,
        "norole": norole,
    }
    return World(
        county=county,
        township_a=ta,
        township_b=tb,
        village_1=v1,
        village_2=v2,
        village_3=v3,
        grid_1a=g1a,
        grid_1b=g1b,
        grid_2=g2,
        grid_3=g3,
        station_a=station_a,
        station_b=station_b,
        officer_a=officer_a,
        officer_b=officer_b,
        aux_v1=aux,
        worker_g1=worker,
        mediator_t1=m1,
        mediator_t2=m2,
        users=users,
    )


@pytest.fixture
def client_for(client, world):
    """``client_for("station_a")`` returns the test client logged in as that actor."""

    def _login(name: str):
        client.force_login(world.user(name))
        return client

    return _login


def pytest_configure(config):
    # Hashing is not under test; keep logins fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True

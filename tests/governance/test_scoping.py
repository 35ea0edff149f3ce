from governance import scoping, selectors
from stations import selectors as station_selectors


def _village_names(user):
    return set(selectors.village_list(user=user).values_list("name", flat=True))


def test_each_role_sees_exactly_its_villages(world):
    assert _village_names(world.user("admin")) == {"一村", "二村", "三村"}
    assert _village_names(world.user("county")) == {"一村", "二村", "三村"}
    assert _village_names(world.user("station_a")) == {"一村", "二村"}
    assert _village_names(world.user("station_b")) == {"三村"}
    assert _village_names(world.user("aux_v1")) == {"一村"}
    assert _village_names(world.user("grid_g1")) == {"一村"}
    assert _village_names(world.user("mediator_t1")) == set()
    assert _village_names(world.user("norole")) == set()


def test_grid_worker_sees_only_their_own_grid(world):
    grids = set(selectors.grid_list(user=world.user("grid_g1")).values_list("name", flat=True))
    assert grids == {"一村一组"}
    station_grids = set(selectors.grid_list(user=world.user("station_a")).values_list("name", flat=True))
    assert station_grids == {"一村一组", "一村二组", "二村一组"}


def test_inactive_user_sees_nothing(world):
    user = world.user("station_a")
    user.is_active = False
    user.save()
    assert not scoping.village_ids(user).exists()


def test_officer_who_left_loses_scope(world):
    world.officer_a.is_active = False
    world.officer_a.save()
    assert _village_names(world.user("station_a")) == set()


def test_mediators_are_scoped_by_township(world):
    names = set(selectors.mediator_list(user=world.user("station_a")).values_list("name", flat=True))
    assert names == {"阿说德古"}
    own = set(selectors.mediator_list(user=world.user("mediator_t1")).values_list("name", flat=True))
    assert own == {"阿说德古"}


def test_stations_in_scope(world):
    assert list(station_selectors.station_list(user=world.user("station_a"))) == [world.station_a]
    assert list(station_selectors.station_list(user=world.user("aux_v1"))) == [world.station_a]
    assert station_selectors.station_list(user=world.user("grid_g1")).count() == 0
    assert station_selectors.station_list(user=world.user("county")).count() == 3  # with the empty 丙镇派出所

import pytest

from core.geo import distance_to_place_m, distance_to_polygon_m, haversine_m, point_in_polygon

SQUARE = [(30.0, 120.0), (30.0, 120.01), (30.01, 120.01), (30.01, 120.0)]


def test_haversine_one_degree_latitude():
    assert haversine_m((30.0, 120.0), (31.0, 120.0)) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m((30.0, 120.0), (30.0, 120.0)) == 0.0


def test_point_in_polygon():
    assert point_in_polygon((30.005, 120.005), SQUARE)
    assert not point_in_polygon((30.02, 120.005), SQUARE)


def test_distance_to_polygon_inside_is_zero_outside_is_edge_distance():
    assert distance_to_polygon_m((30.005, 120.005), SQUARE) == 0.0
    # 0.001 degree of latitude north of the top edge is about 111 m
    assert distance_to_polygon_m((30.011, 120.005), SQUARE) == pytest.approx(111.2, rel=1e-2)


def test_distance_to_place_prefers_boundary_then_centre_then_none():
    p = (30.011, 120.005)
    assert distance_to_place_m(p, boundary=SQUARE, centre=(0.0, 0.0)) == pytest.approx(111.2, rel=1e-2)
    assert distance_to_place_m(p, centre=(30.0, 120.005)) == pytest.approx(1223, rel=1e-2)
    assert distance_to_place_m(p) is None

"""The radius filter's planar box holds the whole geodesic circle: checked with pyproj's geodesic (an
independent implementation), at every bearing, from the equator to the Shetlands and beyond."""

import pytest
from pyproj import Geod

from registry.search import radius_box_degrees

WGS84 = Geod(ellps="WGS84")


@pytest.mark.parametrize("lon, lat, radius_m", [
    (0.0, 0.0, 1000), (-1.5491, 53.8008, 1000), (-0.1276, 51.5072, 250), (-3.19, 55.95, 100_000),
    (-1.15, 60.4, 50_000), (-5.7, 50.07, 3000), (20.0, 70.0, 100_000), (-1.5, -53.8, 10_000), (10.0, 84.0, 1000),
])
def test_every_point_on_the_circle_is_inside_the_box(lon, lat, radius_m):
    box = radius_box_degrees(lat, radius_m)
    assert box is not None
    dlon, dlat = box
    for bearing in range(0, 360, 2):
        x, y, _ = WGS84.fwd(lon, lat, bearing, radius_m)
        assert abs(x - lon) <= dlon and abs(y - lat) <= dlat, (bearing, x, y)


@pytest.mark.parametrize("lat, radius_m", [(84.99, 10_000), (89.0, 1000), (-88.0, 1000)])
def test_no_box_near_the_poles(lat, radius_m):
    assert radius_box_degrees(lat, radius_m) is None


def test_the_box_is_not_much_wider_than_the_circle():
    """Tight enough to help the index: within 3% of the circle's own extent at Leeds."""
    dlon, dlat = radius_box_degrees(53.8008, 1000)
    east, _, _ = WGS84.fwd(-1.5491, 53.8008, 90, 1000)
    _, north, _ = WGS84.fwd(-1.5491, 53.8008, 0, 1000)
    assert dlon <= (east + 1.5491) * 1.03
    assert dlat <= (north - 53.8008) * 1.03

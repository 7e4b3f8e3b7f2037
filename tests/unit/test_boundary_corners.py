"""Site boundaries typed as corners, one a line (issue 13 item 5): longitude/latitude or easting/northing."""

import pytest
import shapely

from registry.errors import InvalidInput
from registry.footprints import boundary_from_corners
from registry.workflow.fields import parse_geojson


def test_longitude_latitude_corners_make_that_polygon_closed_for_you():
    shape = boundary_from_corners("-1.5500, 53.8000\n-1.5490, 53.8000\n-1.5490, 53.8010\n-1.5500, 53.8010",
                                  field="site_geojson")
    assert shape.geom_type == "MultiPolygon"
    assert shape.bounds == pytest.approx((-1.55, 53.8, -1.549, 53.801))
    ring = list(shape.geoms[0].exterior.coords)
    assert ring[0] == ring[-1] and len(ring) == 5


def test_easting_northing_corners_are_converted_from_the_national_grid():
    # Leeds Town Hall is at grid reference SE 29880 33820 (OS), about 53.7999 N, 1.5487 W.
    shape = boundary_from_corners("429870 433810\n429890 433810\n429890 433830\n429870 433830",
                                  field="site_geojson")
    centre = shape.centroid
    assert centre.x == pytest.approx(-1.5487, abs=0.003)
    assert centre.y == pytest.approx(53.7999, abs=0.003)


@pytest.mark.parametrize(("raw", "words"), [
    ("-1.55, 53.80\n-1.54, 53.80", "at least three different corners"),
    ("-1.55, 53.80\nnorth of the pub\n-1.54, 53.81", "Line 2 of the site boundary"),
])
def test_bad_corners_name_the_field_in_plain_words(raw, words):
    with pytest.raises(InvalidInput) as caught:
        boundary_from_corners(raw, field="site_geojson")
    assert words in caught.value.detail
    assert caught.value.field == "site_geojson"


def test_the_nomination_field_takes_corners_as_well_as_geojson():
    wkt = parse_geojson("-1.5500, 53.8000\n-1.5490, 53.8000\n-1.5490, 53.8010", "site_geojson")
    assert shapely.from_wkt(wkt).equals(shapely.from_wkt(
        "MULTIPOLYGON (((-1.55 53.8, -1.549 53.8, -1.549 53.801, -1.55 53.8)))"))

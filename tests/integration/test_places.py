"""The gazetteer and district boundaries."""

import json

from sqlalchemy import text

from registry import places


def test_postcode_normalisation():
    assert places.normalise_postcode(" ls11ur ") == "LS1 1UR"
    assert places.normalise_postcode("EC1A 1BB") == "EC1A 1BB"
    assert places.normalise_postcode("not a postcode") is None


# Ordnance Survey's OSTN15 test vectors (developer pack OSTN15_TestInput/Output, ETRS89 <-> OSGB36):
# (latitude, longitude) -> (easting, northing). Contains OS data (c) Crown copyright 2016.
OS_TEST_POINTS = [
    ("TP01", 49.92226393730, -6.29977752014, 91492.146, 11318.804),
    ("TP04", 50.57563665000, -1.29782277240, 449816.371, 75335.861),
    ("TP10", 51.85890896400, -4.30852476960, 241124.584, 220332.641),
    ("TP20", 53.80021519630, -1.66379168242, 422242.186, 433818.701),
]


def test_bng_conversion_uses_ostn15_accuracy():
    # OS's own answers, to the centimetre, both ways; a plain Helmert transform (PROJ's EPSG:27700 without
    # the OSTN15 grid) misses them by metres, so this fails on anything but OSTN15.
    from pyproj import Transformer

    lats = [p[1] for p in OS_TEST_POINTS]
    lons = [p[2] for p in OS_TEST_POINTS]
    eastings, northings = places.wgs84_to_bng(lons, lats)
    for (name, _, _, easting, northing), e, n in zip(OS_TEST_POINTS, eastings, northings, strict=True):
        assert abs(e - easting) < 0.02 and abs(n - northing) < 0.02, (name, e, n)
    for name, lat, lon, easting, northing in OS_TEST_POINTS:
        got_lon, got_lat = places.bng_point(easting, northing)
        assert abs(got_lon - lon) < 3e-7 and abs(got_lat - lat) < 3e-7, name  # ~2 cm
    helmert = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    misses = [((he - p[3]) ** 2 + (hn - p[4]) ** 2) ** 0.5
              for p, (he, hn) in zip(OS_TEST_POINTS, [helmert.transform(p[2], p[1]) for p in OS_TEST_POINTS],
                                     strict=True)]
    assert max(misses) > 1.0  # the test vectors tell the two apart


def test_official_boundaries_replace_the_approximate_ones(app, db_session, tmp_path):
    lon, lat = db_session.execute(text("SELECT ST_X(point), ST_Y(point) FROM asset WHERE authority_code = "
                                       "'W06000011' ORDER BY id LIMIT 1")).one()
    square = [[lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.01],
              [lon - 0.01, lat + 0.01], [lon - 0.01, lat - 0.01]]
    path = tmp_path / "lad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LAD23CD": "W06000015", "LAD23NM": "Cardiff"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}))
    result = app.test_cli_runner().invoke(args=["places", "import-boundaries", str(path)])
    assert result.exit_code == 0, result.output
    source = db_session.execute(text("SELECT boundary_source FROM authority WHERE code = 'W06000015'")).scalar()
    assert source == "ons"
    # An official boundary wins over the nearest postcode: the point is now in Cardiff's (test) area.
    located = db_session.execute(text("SELECT district_code_at(ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                                 {"x": lon, "y": lat}).scalar()
    assert located == "W06000015"

"""The gazetteer and district boundaries."""

import json

from sqlalchemy import text

from registry import places


def test_postcode_normalisation():
    assert places.normalise_postcode(" ls11ur ") == "LS1 1UR"
    assert places.normalise_postcode("EC1A 1BB") == "EC1A 1BB"
    assert places.normalise_postcode("not a postcode") is None


def test_bng_conversion_uses_ostn15_accuracy():
    # OS trig pillar-style check: a round trip through OSTN15 is exact to the centimetre, and it differs
    # from a plain Helmert transform by metres (which is why we do not use PROJ's EPSG:27700 here).
    from pyproj import Transformer

    lon, lat = places.bng_point(530_000.0, 180_000.0)
    eastings, northings = places.wgs84_to_bng([lon], [lat])
    assert abs(eastings[0] - 530_000) < 0.05 and abs(northings[0] - 180_000) < 0.05
    helmert_lon, helmert_lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(
        530_000, 180_000)
    assert abs(helmert_lon - lon) < 0.0002 and abs(helmert_lat - lat) < 0.0002  # metres, not kilometres


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

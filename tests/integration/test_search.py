"""Radius, nearest, bbox, text and filters through the OGC API, checked independently.

Distances are checked against pyproj.Geod (WGS84 ellipsoid), computed in
Python from the coordinates the API returns and from every asset in the table,
so a missing or extra asset shows up.
"""

import random

import pytest
from pyproj import Geod
from sqlalchemy import text

from registry import db

GEOD = Geod(ellps="WGS84")


def all_public_points(sources=("surveyed",)):
    """Public, searchable assets' points; radius and nearest count only surveyed ones by default."""
    rows = db.session.execute(text(
        "SELECT id, ST_X(point), ST_Y(point) FROM asset WHERE NOT withheld AND surplus_status <> 'withdrawn' "
        "AND location_source = ANY(:sources)"), {"sources": list(sources)}).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def geodesic_m(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def random_centres(n, seed):
    """Random points near assets (so radii catch something) and a few in empty places."""
    rng = random.Random(seed)
    points = list(all_public_points().values())
    centres = []
    for _ in range(n):
        lon, lat = rng.choice(points)
        centres.append((lon + rng.uniform(-0.02, 0.02), lat + rng.uniform(-0.015, 0.015)))
    return centres


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.data
    return response.get_json()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_radius_matches_independent_geodesic_distances(client, seed):
    points = all_public_points()
    rng = random.Random(1000 + seed)  # one generator for the test: each centre draws its own radius
    radii, found = [], 0
    for lon, lat in random_centres(8, seed):
        radius = rng.choice([250, 800, 1500, 3000])
        radii.append(radius)
        document = get_json(client, f"/api/collections/assets/items?near={lon},{lat}&radius={radius}&limit=1000")
        returned = {f["id"]: f["properties"]["distance_m"] for f in document["features"]}
        expected = {i for i, (x, y) in points.items() if geodesic_m(lon, lat, x, y) <= radius}
        # Nothing inside the radius missed, nothing outside included (a centimetre of slack
        # for assets sitting exactly on the circle).
        borderline = {i for i, (x, y) in points.items() if abs(geodesic_m(lon, lat, x, y) - radius) < 0.01}
        assert set(returned) - borderline == expected - borderline
        for asset_id, distance in returned.items():
            x, y = points[asset_id]
            assert distance == pytest.approx(geodesic_m(lon, lat, x, y), abs=1.0)
        distances = list(returned.values())
        assert distances == sorted(distances), "nearest first"
        assert document["numberMatched"] == len(expected)
        found += len(expected)
    assert len(set(radii)) > 1, "every centre drew the same radius"
    assert found > 0, "no centre caught any asset"


@pytest.mark.parametrize("seed", [4, 5])
def test_nearest_are_the_true_geodesic_nearest(client, seed):
    points = all_public_points()
    rng = random.Random(1000 + seed)  # one generator for the test: each centre draws its own k
    ks = []
    for lon, lat in random_centres(10, seed):
        k = rng.choice([1, 5, 12])
        ks.append(k)
        document = get_json(client, f"/api/collections/assets/items?nearest={lon},{lat}&limit={k}")
        by_distance = sorted((geodesic_m(lon, lat, x, y), i) for i, (x, y) in points.items())
        expected_distances = [d for d, _ in by_distance[:k]]
        got = [f["properties"]["distance_m"] for f in document["features"]]
        assert len(got) == k
        assert got == pytest.approx(expected_distances, abs=1.0)
        for feature in document["features"]:
            x, y = points[feature["id"]]
            assert feature["properties"]["distance_m"] == pytest.approx(geodesic_m(lon, lat, x, y), abs=1.0)
    assert len(set(ks)) > 1, "every centre drew the same k"


def test_nearest_from_an_empty_sea_still_finds_the_nearest(client):
    document = get_json(client, "/api/collections/assets/items?nearest=-5.0,50.0&limit=3")
    assert len(document["features"]) == 3
    assert document["features"][0]["properties"]["distance_m"] > 10_000


def test_bbox_returns_exactly_the_points_inside(client):
    points = all_public_points(("surveyed", "postcode", "postcode_district"))
    bbox = (-1.60, 53.78, -1.50, 53.83)
    inside = {i for i, (x, y) in points.items() if bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]}
    assert inside, "the demo data should have assets in central Leeds"
    seen, url = set(), "/api/collections/assets/items?bbox=" + ",".join(map(str, bbox)) + "&limit=7"
    pages = 0
    while url:
        document = get_json(client, url.replace("http://localhost", ""))
        assert document["numberMatched"] == len(inside)
        seen.update(f["id"] for f in document["features"])
        url = next((link["href"] for link in document["links"] if link["rel"] == "next"), None)
        pages += 1
        assert pages < 200
    assert seen == inside


def test_bbox_in_british_national_grid_and_output_in_bng(client):
    # Central Leeds in BNG metres; the same assets as the WGS84 query around it.
    document = get_json(client, "/api/collections/assets/items?bbox=428000,432000,432000,435000"
                                "&bbox-crs=EPSG:27700&crs=EPSG:27700&limit=1000")
    assert document["features"]
    for feature in document["features"]:
        easting, northing = feature["geometry"]["coordinates"]
        assert 427_990 <= easting <= 432_010 and 431_990 <= northing <= 435_010


def test_text_search_is_ranked_and_combines_with_filters(client):
    document = get_json(client, "/api/collections/assets/items?q=library&authority=E08000035&limit=50")
    assert document["features"]
    for feature in document["features"]:
        properties = feature["properties"]
        assert properties["authority_code"] == "E08000035"
        blob = " ".join(str(properties.get(k) or "") for k in ("name", "description", "address")).lower()
        assert "librar" in blob


def test_filters_by_type_status_and_area(client):
    document = get_json(client, "/api/collections/assets/items?type=library,depot&status=surplus&area=S12000036"
                                "&limit=100")
    for feature in document["features"]:
        assert feature["properties"]["asset_type"] in ("library", "depot")
        assert feature["properties"]["surplus_status"] == "surplus"
        assert feature["properties"]["area_code"] == "S12000036"


def test_radius_combined_with_text(client):
    document = get_json(client, "/api/collections/assets/items?near=-3.19,55.95&radius=5000&q=centre&limit=100")
    distances = [f["properties"]["distance_m"] for f in document["features"]]
    assert distances == sorted(distances)
    assert all(d <= 5000 for d in distances)


@pytest.mark.parametrize(
    "query, bad_param",
    [
        ("near=-1.5,53.8", "radius"),
        ("near=abc&radius=100", "near"),
        ("near=-1.5,53.8&radius=-5", "radius"),
        ("near=-1.5,53.8&radius=9999999", "radius"),
        ("radius=100", "near"),
        ("nearest=200,53", "nearest"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("type=castle", "type"),
        ("status=haunted", "status"),
        ("authority=Leeds", "authority"),
        ("crs=EPSG:3857", "crs"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_get_a_problem_naming_them(client, query, bad_param):
    response = client.get(f"/api/collections/assets/items?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["invalid_param"] == bad_param
    assert problem["status"] == 400 and problem["detail"]


def test_limit_is_clamped_not_refused(client):
    document = get_json(client, "/api/collections/assets/items?limit=5000")
    assert document["numberReturned"] == 1000


def test_unknown_item_is_a_404_problem(client):
    response = client.get("/api/collections/assets/items/987654321")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_withheld_assets_never_appear(client, db_session):
    asset_id = db_session.execute(text("SELECT id FROM asset ORDER BY id LIMIT 1")).scalar_one()
    lon, lat = db_session.execute(text("SELECT ST_X(point), ST_Y(point) FROM asset WHERE id = :i"),
                                  {"i": asset_id}).one()
    db_session.execute(text("UPDATE asset SET withheld = true WHERE id = :i"), {"i": asset_id})
    db_session.commit()  # releases a savepoint only: the outer transaction is still rolled back
    assert client.get(f"/api/collections/assets/items/{asset_id}").status_code == 404
    assert client.get(f"/assets/{asset_id}").status_code == 404
    document = get_json(client, f"/api/collections/assets/items?near={lon},{lat}&radius=50&limit=100")
    assert asset_id not in {f["id"] for f in document["features"]}


def test_places_resolves_postcodes_outcodes_and_districts(client):
    postcode = get_json(client, "/api/places?q=eh1%201yz")
    assert postcode["kind"] == "postcode" and postcode["name"] == "EH1 1YZ"
    assert postcode["district_code"] == "S12000036"
    assert 55.9 < postcode["lat"] < 56.0 and -3.3 < postcode["lon"] < -3.1
    district = get_json(client, "/api/places?q=Cardiff")
    assert district["kind"] == "district" and district["district_code"] == "W06000015"
    assert client.get("/api/places?q=ZZ99 9ZZ").status_code == 404
    assert client.get("/api/places").get_json()["invalid_param"] == "q"


def test_locate_names_the_district_and_the_footprints_containing_the_point(client, db_session):
    lon, lat, asset_id = db_session.execute(text(
        "SELECT ST_X(ST_PointOnSurface(footprint)), ST_Y(ST_PointOnSurface(footprint)), id FROM asset "
        "WHERE footprint IS NOT NULL AND authority_code = 'E08000035' ORDER BY id LIMIT 1")).one()
    document = get_json(client, f"/api/locate?lon={lon}&lat={lat}")
    assert document["district"]["code"] == "E08000035"
    assert asset_id in {a["id"] for a in document["assets"]}
    assert client.get("/api/locate?lon=x&lat=1").get_json()["invalid_param"] == "lon"


def test_datetime_filters_on_the_last_update(client, db_session):
    db_session.execute(text("UPDATE asset SET updated_at = '2020-06-01T12:00:00Z' WHERE id IN "
                            "(SELECT id FROM asset WHERE authority_code = 'W06000011' ORDER BY id LIMIT 4)"))
    db_session.commit()
    old = get_json(client, "/api/collections/assets/items?datetime=../2020-12-31&authority=W06000011&limit=100")
    assert old["numberMatched"] == 4
    assert get_json(client, "/api/collections/assets/items?datetime=2020-06-01&authority=W06000011")[
        "numberMatched"] == 4
    newer = get_json(client, "/api/collections/assets/items?datetime=2021-01-01T00:00:00Z/..&authority=W06000011"
                             "&limit=1")
    total = get_json(client, "/api/collections/assets/items?authority=W06000011&limit=1")["numberMatched"]
    assert newer["numberMatched"] == total - 4
    bad = client.get("/api/collections/assets/items?datetime=yesterday")
    assert bad.status_code == 400 and bad.get_json()["invalid_param"] == "datetime"


@pytest.mark.parametrize("path", ["/api/collections/assets/items/379109767914522880", "/assets/379109767914522880",
                                  "/api/cases/379109767914522880", "/cases/99999999999"])
def test_ids_beyond_the_database_range_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("url, param", [("/api/places?q=a%00b", "q"), ("/search?q=%00", "q"),
                                        ("/api/collections/authorities/items?offset=10000000000000000001",
                                         "offset"),
                                        ("/api/collections/assets/items?after=99999999999", "after")])
def test_values_the_database_cannot_hold_are_refused_by_name(client, url, param):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.get_json()["invalid_param"] == param


@pytest.mark.parametrize("seed", [6, 7])
def test_radius_page_is_the_true_nearest_inside_the_circle(client, seed):
    """A radius page of 5 (found by the KNN bound, not by sorting the whole circle) holds exactly the 5
    geodesically nearest assets inside it, and numberMatched counts the whole circle (pyproj)."""
    points = all_public_points()
    rng = random.Random(2000 + seed)
    pages = 0
    for lon, lat in random_centres(8, seed):
        radius = rng.choice([400, 1500, 3000])
        document = get_json(client, f"/api/collections/assets/items?near={lon},{lat}&radius={radius}&limit=5")
        inside = sorted((geodesic_m(lon, lat, x, y), i) for i, (x, y) in points.items()
                        if geodesic_m(lon, lat, x, y) <= radius)
        returned = [f["id"] for f in document["features"]]
        assert len(returned) == min(5, len(inside))
        # Ties within a centimetre could order either way: compare distances, then the set when clear.
        expected_distances = [d for d, _ in inside[:5]]
        got = [f["properties"]["distance_m"] for f in document["features"]]
        assert got == pytest.approx(expected_distances, abs=1.0)
        assert document["numberMatched"] == len(inside)
        pages += len(inside) > 5
    assert pages > 0, "no circle held more than one page"


def test_radius_with_fewer_inside_than_the_page_still_stops_at_the_circle(client):
    """Candidates ignore the radius (so the KNN walk ends), the answer never leaves the circle."""
    points = all_public_points()
    lon, lat = next(iter(points.values()))
    radius = 30
    document = get_json(client, f"/api/collections/assets/items?near={lon},{lat}&radius={radius}&limit=10")
    inside = {i for i, (x, y) in points.items() if geodesic_m(lon, lat, x, y) <= radius}
    assert 0 < len(inside) < 10
    assert {f["id"] for f in document["features"]} == inside

"""Asset editing by officers: forms and the write API, geometry checks, BNG input, audit."""

import io

import pytest
from sqlalchemy import text

from registry import accounts, audit, db, footprints
from registry.errors import InvalidInput
from tests.integration.conftest import csrf_token, sign_in

BOWTIE = {"type": "Polygon", "coordinates": [[[-1.55, 53.80], [-1.54, 53.81], [-1.54, 53.80], [-1.55, 53.81],
                                              [-1.55, 53.80]]]}
# A 100 m square in British National Grid near Leeds.
BNG_SQUARE = {"type": "Polygon", "coordinates": [[[430000, 433000], [430100, 433000], [430100, 433100],
                                                  [430000, 433100], [430000, 433000]]]}


@pytest.fixture()
def officer(make_user, two_authorities):
    return make_user("council_officer", authority_code=two_authorities[0])


@pytest.fixture()
def bearer(officer):
    _, secret = accounts.create_api_token(officer, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def asset_count() -> int:
    return db.session.execute(text("SELECT count(*) FROM asset")).scalar()


# ---------------------------------------------------------------- pure geometry rules


def test_self_intersecting_polygon_is_refused_with_a_clear_message():
    with pytest.raises(InvalidInput, match="crosses itself") as caught:
        footprints.from_geojson(BOWTIE)
    assert caught.value.field == "geometry"


def test_bng_polygon_becomes_wgs84_with_its_point_inside():
    point, footprint = footprints.from_geojson(BNG_SQUARE, crs=footprints.BNG)
    assert footprint.contains(point)
    assert -1.6 < point.x < -1.5 and 53.7 < point.y < 53.9


@pytest.mark.parametrize(("raw", "message"), [
    ("530000 180000\nnot a pair", "Line 2"),
    ("530000, 180000\n530100, 180000", "three different corners"),
    ("9999999, 180000", "easting 0–700000"),
], ids=["bad-line", "two-points", "outside-grid"])
def test_bng_text_errors(raw, message):
    with pytest.raises(InvalidInput, match=message):
        footprints.from_bng_text(raw)


def test_lon_lat_out_of_range_points_at_bng():
    with pytest.raises(InvalidInput, match="Content-Crs"):
        footprints.from_geojson({"type": "Point", "coordinates": [430000, 433000]})


# ---------------------------------------------------------------- API


def test_api_create_with_bng_footprint(client, bearer, two_authorities):
    body = {"type": "Feature", "geometry": BNG_SQUARE,
            "properties": {"reference": "API-BNG-1", "name": "Grid Hall", "asset_type": "community_centre"}}
    response = client.post("/api/collections/assets/items", json=body,
                           headers={**bearer, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/27700>"})
    assert response.status_code == 201, response.get_data(as_text=True)
    asset_id = int(response.headers["Location"].rsplit("/", 1)[1])
    row = db.session.execute(text("SELECT authority_code, ST_Area(footprint::geography) AS area_m2, "
                                  "ST_Contains(footprint, point) AS inside FROM asset WHERE id = :id"),
                             {"id": asset_id}).one()
    assert row.authority_code == two_authorities[0]
    assert row.area_m2 == pytest.approx(10_000, rel=0.02)
    assert row.inside
    assert [e.action for e in audit.entries_for("asset", asset_id)] == ["asset.create"]
    # The public GET shows it.
    assert client.get(f"/api/collections/assets/items/{asset_id}").status_code == 200


def test_api_refuses_self_intersecting_geometry_and_writes_nothing(client, bearer):
    before = asset_count()
    body = {"type": "Feature", "geometry": BOWTIE,
            "properties": {"reference": "API-BAD", "name": "Bowtie", "asset_type": "land"}}
    response = client.post("/api/collections/assets/items", json=body, headers=bearer)
    assert response.status_code == 400
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    # The bow tie's two diagonals cross at their midpoint, (-1.545, 53.805): said in plain words.
    assert problem["invalid_param"] == "geometry"
    assert problem["detail"] == ("The boundary crosses itself near latitude 53.80500, longitude -1.54500: "
                                 "draw it again so its edges do not cross.")
    assert asset_count() == before


def test_api_refuses_bad_fields_naming_them(client, bearer):
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.55, 53.8]},
            "properties": {"reference": "API-BAD-2", "name": "X", "asset_type": "spaceport"}}
    response = client.post("/api/collections/assets/items", json=body, headers=bearer)
    assert response.status_code == 400 and response.get_json()["invalid_param"] == "asset_type"


def test_api_patch_changes_only_what_it_names(client, bearer):
    created = client.post("/api/collections/assets/items", headers=bearer, json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.55, 53.8]},
        "properties": {"reference": "API-PATCH", "name": "Before", "asset_type": "library", "postcode": "LS1 1UR"}})
    asset_id = int(created.headers["Location"].rsplit("/", 1)[1])
    response = client.patch(f"/api/collections/assets/items/{asset_id}", headers=bearer,
                            json={"type": "Feature", "properties": {"name": "After"}})
    assert response.status_code == 204
    row = db.session.execute(text("SELECT name, asset_type, ST_X(point) AS x FROM asset WHERE id = :id"),
                             {"id": asset_id}).one()
    assert (row.name, row.asset_type, round(row.x, 4)) == ("After", "library", -1.55)


# ---------------------------------------------------------------- forms


def test_officer_adds_an_asset_with_bng_corners(client, officer):
    sign_in(client, officer)
    response = client.post("/assets/new", data={
        "reference": "FORM-1", "name": "Form Hall", "asset_type": "community_centre", "condition": "fair",
        "occupancy": "vacant", "surplus_status": "surplus", "geometry_format": "bng",
        "geometry": "430000, 433000\n430100, 433000\n430100, 433100\n430000, 433100",
        "confirm_location": "y",  # Leeds may not be the officer's council: the officer confirms the place
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    asset_id = int(response.headers["Location"].split("/")[-2])
    row = db.session.execute(text("SELECT authority_code, footprint IS NOT NULL AS has_fp FROM asset "
                                  "WHERE id = :id"), {"id": asset_id}).one()
    assert row.authority_code == officer.authority_code and row.has_fp


def test_form_shows_geometry_errors_in_the_error_summary(client, officer):
    sign_in(client, officer)
    before = asset_count()
    response = client.post("/assets/new", data={
        "reference": "FORM-BAD", "name": "Bowtie Hall", "asset_type": "land", "condition": "unknown",
        "occupancy": "vacant", "surplus_status": "surplus", "geometry_format": "bng",
        "geometry": "430000, 433000\n430100, 433100\n430100, 433000\n430000, 433100",
        "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html and "crosses itself" in html
    assert 'href="#geometry"' in html
    assert asset_count() == before


def test_form_accepts_an_uploaded_geojson_file(client, officer):
    sign_in(client, officer)
    geojson = b'{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": ' \
              b'[[[-1.55, 53.80], [-1.549, 53.80], [-1.549, 53.801], [-1.55, 53.801], [-1.55, 53.80]]]}}'
    response = client.post("/assets/new", content_type="multipart/form-data", data={
        "reference": "FORM-FILE", "name": "File Hall", "asset_type": "land", "condition": "unknown",
        "occupancy": "vacant", "surplus_status": "surplus", "geometry_format": "geojson",
        "geometry_file": (io.BytesIO(geojson), "site.geojson"), "confirm_location": "y",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    row = db.session.execute(text(
        "SELECT id, authority_code, ST_Equals(footprint, ST_GeomFromText('MULTIPOLYGON(((-1.55 53.80, -1.549 53.80, "
        "-1.549 53.801, -1.55 53.801, -1.55 53.80)))', 4326)) AS same, "
        "ST_Within(point, ST_MakeEnvelope(-1.55, 53.80, -1.549, 53.801, 4326)) AS inside "
        "FROM asset WHERE reference = 'FORM-FILE'")).one()
    assert row.same is True  # the file's polygon, not another (nor none)
    assert row.inside is True and row.authority_code == officer.authority_code
    assert response.headers["Location"].endswith(f"/assets/{row.id}/edit")


def test_officer_edits_and_changes_status_with_audit(client, officer, two_authorities):
    asset_id = db.session.execute(text("SELECT min(id) FROM asset WHERE authority_code = :a"),
                                  {"a": two_authorities[0]}).scalar()
    sign_in(client, officer)
    page = client.get(f"/assets/{asset_id}/edit")
    assert page.status_code == 200
    response = client.post(f"/assets/{asset_id}/status", data={"surplus_status": "available_for_transfer",
                                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert db.session.execute(text("SELECT surplus_status FROM asset WHERE id = :id"),
                              {"id": asset_id}).scalar() == "available_for_transfer"
    entry = audit.entries_for("asset", asset_id)[-1]
    assert entry.action == "asset.change_status" and entry.actor_user_id == officer.id
    assert entry.detail["to"] == "available_for_transfer"


def test_asset_page_offers_editing_only_to_the_owning_authoritys_officers(client, officer, make_user,
                                                                            two_authorities):
    asset_id = db.session.execute(text("SELECT min(id) FROM asset WHERE authority_code = :a AND NOT withheld"),
                                  {"a": two_authorities[0]}).scalar()
    edit_link = f"/assets/{asset_id}/edit"
    assert edit_link not in client.get(f"/assets/{asset_id}").get_data(as_text=True)
    sign_in(client, make_user("council_officer", authority_code=two_authorities[1]))
    assert edit_link not in client.get(f"/assets/{asset_id}").get_data(as_text=True)
    sign_in(client, officer)
    assert edit_link in client.get(f"/assets/{asset_id}").get_data(as_text=True)


def test_admin_pages_render(client, make_user, officer):
    admin = make_user("admin")
    sign_in(client, admin)
    for path in ("/admin/users", f"/admin/users/{officer.id}", "/admin/audit", "/admin/permissions"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "asset.edit" in client.get("/admin/permissions").get_data(as_text=True)


def test_admin_assigns_an_officer_and_a_membership_with_audit(client, make_user, two_authorities):
    admin, person = make_user("admin"), make_user()
    organisation_id = db.session.execute(text("SELECT min(id) FROM organisation")).scalar()
    sign_in(client, admin)
    response = client.post(f"/admin/users/{person.id}/officer", data={
        "officer-authority_code": two_authorities[1], "officer-roles": ["council_officer", "reviewer"],
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    response = client.post(f"/admin/users/{person.id}/memberships", data={
        "membership-organisation_id": str(organisation_id), "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    person = accounts.get(person.id)
    assert person.authority_code == two_authorities[1]
    assert {"council_officer", "reviewer", "community_group_rep", "citizen"} == set(person.roles)
    assert organisation_id in person.organisation_ids
    assert [e.action for e in audit.entries_for("user", person.id)] == ["admin.assign_officer",
                                                                        "admin.add_membership"]
    # An admin cannot remove their own admin role by mistake.
    refused = client.post(f"/admin/users/{admin.id}/officer", data={
        "officer-authority_code": "", "csrf_token": csrf_token(client)})
    assert refused.status_code == 400 and "own administrator role" in refused.get_data(as_text=True)

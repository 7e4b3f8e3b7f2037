"""Issue 13 item 6: the officer's asset form shows every error at once, in plain words, and asks the officer
to confirm a postcode the postcode directory does not hold or a location outside the council's area."""

import re
from html import unescape

import pytest
from sqlalchemy import text

from registry import db

from .conftest import csrf_token, sign_in

LEEDS = "E08000035"
IN_LEEDS = '{"type": "Point", "coordinates": [-1.5491, 53.7997]}'  # Leeds city centre
IN_WESTMINSTER = '{"type": "Point", "coordinates": [-0.1357, 51.4975]}'  # Victoria Street, London


@pytest.fixture()
def leeds_officer(make_user):
    return make_user("council_officer", authority_code=LEEDS)


def _post(client, **values):
    data = {"reference": "CHK-1", "name": "Check Hall", "asset_type": "land", "condition": "unknown",
            "occupancy": "vacant", "surplus_status": "surplus", "geometry_format": "geojson",
            "geometry": IN_LEEDS, "csrf_token": csrf_token(client), **values}
    return client.post("/assets/new", data=data)


def _summary(html):
    start = html.index("govuk-error-summary")
    return [(field, unescape(words).strip()) for field, words in
            re.findall(r'<a href="#([a-z0-9_]+)"[^>]*>([^<]+)</a>', html[start:html.index("</ul>", start)])]


def _count(reference):
    return db.session.execute(text("SELECT count(*) FROM asset WHERE reference = :r"), {"r": reference}).scalar()


def test_every_error_at_once_in_plain_words(client, leeds_officer):
    sign_in(client, leeds_officer)
    response = _post(client, reference="", postcode="LS1 1UR TOO LONG", uprn="12ab", floor_area_m2="big",
                     geometry="not json")
    assert response.status_code == 400
    listed = _summary(response.get_data(as_text=True))
    fields = [field for field, _ in listed]
    assert fields[:1] == ["reference"] and {"postcode", "uprn", "floor_area_m2", "geometry"} <= set(fields)
    words = dict(listed)
    assert words["postcode"] == "Postcode must be 10 characters or fewer."
    assert words["floor_area_m2"] == "Enter the floor area as a number, like 250."
    assert words["uprn"] == "UPRN must be a whole number of up to 12 digits."
    assert "cannot be longer" not in response.get_data(as_text=True)
    assert _count("CHK-1") == 0 and _count("") == 0


def test_a_self_intersecting_boundary_is_named_where_it_crosses(client, leeds_officer):
    sign_in(client, leeds_officer)
    # A bow tie in eastings and northings: its diagonals cross at (430050, 433050).
    response = _post(client, geometry_format="bng",
                     geometry="430000, 433000\n430100, 433100\n430100, 433000\n430000, 433100")
    assert response.status_code == 400
    assert dict(_summary(response.get_data(as_text=True)))["geometry"] == (
        "The boundary crosses itself near easting 430050, northing 433050: draw it again so its edges do not cross.")


def test_a_postcode_not_in_the_directory_must_be_confirmed(client, leeds_officer):
    sign_in(client, leeds_officer)
    # LS2 0QQ has the shape of a postcode but is not in the demo postcode directory.
    assert db.session.execute(text("SELECT count(*) FROM postcode WHERE postcode = 'LS2 0QQ'")).scalar() == 0
    response = _post(client, postcode="ls20qq")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert dict(_summary(html))["postcode"].startswith("LS2 0QQ is not in the postcode directory")
    assert 'name="confirm_postcode"' in html  # the checkbox is shown with the error
    assert _count("CHK-1") == 0
    confirmed = _post(client, postcode="ls20qq", confirm_postcode="y")
    assert confirmed.status_code == 302
    assert db.session.execute(text("SELECT postcode FROM asset WHERE reference = 'CHK-1'")).scalar() == "LS2 0QQ"


def test_a_known_postcode_needs_no_confirmation(client, leeds_officer):
    sign_in(client, leeds_officer)
    known = db.session.execute(text("SELECT postcode FROM postcode WHERE district_code = :d ORDER BY postcode "
                                    "LIMIT 1"), {"d": LEEDS}).scalar()
    response = _post(client, postcode=known)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def test_a_point_outside_the_councils_area_must_be_confirmed(client, leeds_officer):
    sign_in(client, leeds_officer)
    response = _post(client, geometry=IN_WESTMINSTER)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert dict(_summary(html))["geometry"].startswith("The location is outside your council's area")
    assert 'name="confirm_location"' in html
    assert _count("CHK-1") == 0
    assert _post(client, geometry=IN_WESTMINSTER, confirm_location="y").status_code == 302
    assert _count("CHK-1") == 1

"""Statements of community support (issue 15 item 5): counted in and out of the area, once each, never published.

The site is put at LS6 3AA, in Headingley & Hyde Park ward (E05011397) of the Leeds ward extract
in fixtures/samples/boundaries. Which ward each postcode below lies in was read off that extract
(and agrees with the ONS postcode directory for these postcodes): LS6 2AA and LS6 3HN are in
Headingley & Hyde Park; LS4 2AA is in Kirkstall; LS1 1UR is in Little London & Woodhouse; LS16 5AA
is in Weetwood. Distances for the distance area come from pyproj's Geod on the WGS84 ellipsoid.
"""

import csv
import io
import re
from datetime import date

import pytest
from pyproj import Geod
from sqlalchemy import text

from registry import audit, db
from registry import support_statements as support
from registry.errors import Conflict, Forbidden, InvalidInput

from .conftest import csrf_token, sign_in
from .workflow_world import build, nominate

HEADINGLEY = ("E05011397", "Headingley & Hyde Park")
SITE_POSTCODE = "LS6 3AA"
IN_WARD = ("LS6 2AA", "LS6 3HN")
OUT_OF_WARD = ("LS4 2AA", "LS1 1UR", "LS16 5AA")
TODAY = date(2026, 3, 2)


def postcode_point(postcode: str) -> tuple[float, float]:
    row = db.session.execute(text("SELECT ST_X(point), ST_Y(point) FROM postcode WHERE postcode = :p"),
                             {"p": postcode}).one()
    return row[0], row[1]


@pytest.fixture()
def world(db_session):
    w = build()
    lon, lat = postcode_point(SITE_POSTCODE)
    db.session.execute(text("UPDATE asset SET point = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) WHERE id = :id"),
                       {"lon": lon, "lat": lat, "id": w.asset.id})
    w.case = nominate(w, TODAY)
    db.session.commit()
    return w


def sign_up_and_confirm(case_id, name, email, postcode, typed_postcode=None):
    supporter = support.add_supporter(case_id, name, email, postcode)
    if supporter is not None:
        support.confirm(support.confirmation_token(supporter), typed_postcode or postcode)
    return supporter


def test_the_sites_ward_is_offered_and_named(world):
    choices = support.area_choices(world.case)
    assert (choices["ward"]["code"], choices["ward"]["name"]) == HEADINGLEY
    assert choices["parish"] is None  # Leeds's wards only: no parish boundary is loaded in the tests


def test_supporters_inside_and_outside_the_ward_are_counted_right(world):
    support.open_statement(world.rep, world.case.id, "ward")
    for n, postcode in enumerate(IN_WARD + OUT_OF_WARD):
        sign_up_and_confirm(world.case.id, f"Resident {n}", f"resident{n}@example.org", postcode)
    # One who never confirms is not counted.
    support.add_supporter(world.case.id, "Never Confirms", "never@example.org", IN_WARD[0])
    assert support.public_counts(world.case.id) == {
        "in_area": 2, "outside_area": 3, "total": 5, "area": "Headingley & Hyde Park ward", "open": True}


def test_a_repeat_supporter_counts_once(world):
    support.open_statement(world.rep, world.case.id, "ward")
    sign_up_and_confirm(world.case.id, "Ann Resident", "Ann.Resident@Example.org", IN_WARD[0])
    # The same person again: other case of letters, spaces, even another postcode.
    again = support.add_supporter(world.case.id, "Ann R", "  ann.resident@example.ORG ", OUT_OF_WARD[0])
    assert again is None  # already confirmed: nothing to send, nothing changed
    assert support.public_counts(world.case.id)["total"] == 1
    assert support.public_counts(world.case.id)["in_area"] == 1
    rows = db.session.execute(text("SELECT count(*) FROM supporter")).scalar()
    assert rows == 1


def test_the_database_refuses_a_second_row_for_one_email(world):
    statement = support.open_statement(world.rep, world.case.id, "ward")
    db.session.add(support.Supporter(statement_id=statement.id, name="A", email_normalised="a@example.org",
                                     postcode="LS6 2AA"))
    db.session.flush()
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(support.Supporter(statement_id=statement.id, name="B", email_normalised="a@example.org",
                                         postcode="LS6 3HN"))
        db.session.flush()


def test_an_unconfirmed_supporter_may_correct_their_postcode_by_signing_again(world):
    support.open_statement(world.rep, world.case.id, "ward")
    first = support.add_supporter(world.case.id, "Bob", "bob@example.org", OUT_OF_WARD[0])
    second = support.add_supporter(world.case.id, "Bob Resident", "bob@example.org", IN_WARD[1])
    assert first.id == second.id
    support.confirm(support.confirmation_token(second), IN_WARD[1])
    assert support.public_counts(world.case.id)["in_area"] == 1


def test_a_distance_area_counts_by_distance_on_the_spheroid(world):
    support.open_statement(world.rep, world.case.id, "distance", "500")
    geod = Geod(ellps="WGS84")
    site = postcode_point(SITE_POSTCODE)
    expected_in = 0
    for n, postcode in enumerate(IN_WARD + OUT_OF_WARD[:2] + ("LS6 4AA",)):
        lon, lat = postcode_point(postcode)
        _, _, metres = geod.inv(site[0], site[1], lon, lat)
        expected_in += metres <= 500
        sign_up_and_confirm(world.case.id, f"R {n}", f"r{n}@example.org", postcode)
    counts = support.public_counts(world.case.id)
    assert expected_in == 3  # LS6 2AA, LS6 3HN, LS6 4AA within 500 m of LS6 3AA; LS4 2AA, LS1 1UR not
    assert (counts["in_area"], counts["outside_area"]) == (3, 2)
    assert counts["area"] == "within 500 metres of the site"


@pytest.mark.parametrize(("raw", "message"), [
    ("", "whole number"), ("eight hundred", "whole number"), ("50", "between 100"), ("50001", "between 100"),
])
def test_a_bad_distance_is_refused_in_words(world, raw, message):
    with pytest.raises(InvalidInput, match=message):
        support.open_statement(world.rep, world.case.id, "distance", raw)


def test_a_draft_cannot_gather_support(world):
    from registry.workflow import engine

    draft = engine.open_case("acv", "start_draft", world.rep, {"land_description": "A field"}, TODAY,
                             authority_code=world.asset.area_code, asset_id=world.asset.id,
                             organisation_id=world.group.id)
    with pytest.raises(Conflict, match="Send the case"):
        support.open_statement(world.rep, draft.id, "distance", "800")


def test_only_the_groups_rep_opens_a_statement_and_only_once(world):
    for someone in (world.cig_rep, world.officer, world.citizen):
        with pytest.raises(Forbidden):
            support.open_statement(someone, world.case.id, "ward")
    support.open_statement(world.rep, world.case.id, "ward")
    with pytest.raises(Conflict):
        support.open_statement(world.rep, world.case.id, "distance", "800")


@pytest.mark.parametrize(("field", "values"), [
    ("name", {"name": "", "email": "x@example.org", "postcode": "LS6 2AA"}),
    ("email", {"name": "X", "email": "not-an-email", "postcode": "LS6 2AA"}),
    ("postcode", {"name": "X", "email": "x@example.org", "postcode": "NOT A PC"}),
    ("postcode", {"name": "X", "email": "x@example.org", "postcode": "ZZ9 9ZZ"}),  # shaped right, not known
])
def test_bad_supporter_input_names_the_field(world, field, values):
    support.open_statement(world.rep, world.case.id, "ward")
    with pytest.raises(InvalidInput) as refused:
        support.add_supporter(world.case.id, **values)
    assert refused.value.field == field
    assert db.session.execute(text("SELECT count(*) FROM supporter")).scalar() == 0


def test_confirming_needs_the_same_postcode_and_a_good_link(world):
    support.open_statement(world.rep, world.case.id, "ward")
    supporter = support.add_supporter(world.case.id, "Cy", "cy@example.org", IN_WARD[0])
    token = support.confirmation_token(supporter)
    with pytest.raises(InvalidInput, match="postcode you gave"):
        support.confirm(token, OUT_OF_WARD[0])
    with pytest.raises(InvalidInput, match="not valid"):
        support.confirm(token[:-3] + "xyz", IN_WARD[0])
    assert support.public_counts(world.case.id)["total"] == 0
    support.confirm(token, IN_WARD[0].lower().replace(" ", ""))  # typed any way
    assert support.public_counts(world.case.id)["total"] == 1


# ---------------------------------------------------------------- through the pages


def test_a_resident_signs_and_confirms_through_the_pages(client, world, smtp):
    support.open_statement(world.rep, world.case.id, "ward")
    db.session.commit()
    page = client.get(f"/cases/{world.case.id}/support")
    assert page.status_code == 200
    response = client.post(f"/cases/{world.case.id}/support", data={
        "name": "Dora Resident", "email": "dora@example.org", "postcode": "ls6 2aa", "csrf_token": csrf_token(client)})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    smtp.wait_for(1)
    assert smtp.messages[-1]["To"] == "dora@example.org"
    link = next(u for u in smtp.links() if "/support/confirm/" in u)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path)
    assert form.status_code == 200 and 'name="postcode"' in form.get_data(as_text=True)
    assert support.public_counts(world.case.id)["total"] == 0  # opening the link confirms nothing
    wrong = client.post("/" + path, data={"postcode": "LS4 2AA", "csrf_token": csrf_token(client)})
    assert wrong.status_code == 400 and "postcode you gave" in wrong.get_data(as_text=True)
    done = client.post("/" + path, data={"postcode": "LS6 2AA", "csrf_token": csrf_token(client)})
    assert done.status_code == 200 and "Support confirmed" in done.get_data(as_text=True)
    case_page = client.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert re.search(r'id="support-in-area" data-count="1"', case_page)
    assert re.search(r'id="support-outside" data-count="0"', case_page)
    assert client.get(f"/api/cases/{world.case.id}").get_json()["community_support"] == {
        "in_area": 1, "outside_area": 0, "total": 1, "area": "Headingley & Hyde Park ward", "open": True}


def test_signing_again_says_the_same_and_sends_nothing_new(client, world, smtp):
    support.open_statement(world.rep, world.case.id, "ward")
    sign_up_and_confirm(world.case.id, "Eve", "eve@example.org", IN_WARD[0])
    db.session.commit()
    response = client.post(f"/cases/{world.case.id}/support", data={
        "name": "Eve", "email": "EVE@example.org", "postcode": IN_WARD[0], "csrf_token": csrf_token(client)})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert smtp.messages == []
    assert support.public_counts(world.case.id)["total"] == 1


def test_a_bad_form_shows_the_error_in_words_and_keeps_what_was_typed(client, world):
    support.open_statement(world.rep, world.case.id, "ward")
    db.session.commit()
    response = client.post(f"/cases/{world.case.id}/support", data={
        "name": "Fay", "email": "fay@example.org", "postcode": "ZZ9 9ZZ", "csrf_token": csrf_token(client)})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body and "We cannot find the postcode ZZ9 9ZZ" in body
    assert 'value="Fay"' in body


def test_the_rep_opens_a_statement_through_the_page(client, world):
    sign_in(client, world.rep)
    form = client.get(f"/cases/{world.case.id}/support/open").get_data(as_text=True)
    assert "Headingley &amp; Hyde Park" in form
    response = client.post(f"/cases/{world.case.id}/support/open",
                           data={"area_kind": "distance", "distance_m": "80", "csrf_token": csrf_token(client)})
    assert response.status_code == 400 and "between 100 and 50,000 metres" in response.get_data(as_text=True)
    response = client.post(f"/cases/{world.case.id}/support/open",
                           data={"area_kind": "ward", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert support.get_statement(world.case.id).area_code == HEADINGLEY[0]
    assert "Open a statement of support" not in client.get(f"/cases/{world.case.id}").get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("public", 401), ("citizen", 403), ("cig_rep", 403), ("officer", 403),
                                             ("rep", 302)])
def test_who_may_open_a_statement(client, world, who, status):
    user = getattr(world, who, None)
    if user is not None:
        sign_in(client, user)
    response = client.post(f"/cases/{world.case.id}/support/open",
                           data={"area_kind": "ward", "csrf_token": csrf_token(client)})
    assert response.status_code == status
    assert (support.statement_for_case(world.case.id) is not None) == (status == 302)


# ---------------------------------------------------------------- the officer's list, audited


@pytest.fixture()
def supported(world):
    support.open_statement(world.rep, world.case.id, "ward")
    sign_up_and_confirm(world.case.id, "Gil In", "gil@example.org", IN_WARD[0])
    sign_up_and_confirm(world.case.id, "=HYPERLINK(\"http://evil.example\")", "hal@example.org", OUT_OF_WARD[0])
    support.add_supporter(world.case.id, "Ivy Waiting", "ivy@example.org", IN_WARD[1])
    db.session.commit()
    return world


def test_the_officer_downloads_names_and_the_flag_and_the_download_is_audited(client, supported):
    w = supported
    sign_in(client, w.officer)
    totals = client.get(f"/cases/{w.case.id}/support/supporters").get_data(as_text=True)
    assert 'id="support-in-area" data-count="1"' in totals and "1 person has added support" in totals
    before = len(audit.entries_for("case", w.case.id))
    response = client.get(f"/cases/{w.case.id}/support/supporters.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["name"], r["in_area"]) for r in rows] == [("Gil In", "true"),
                                                         ("'=HYPERLINK(\"http://evil.example\")", "false")]
    assert list(rows[0]) == ["name", "in_area", "confirmed_on"]
    assert "@example.org" not in body and "LS6" not in body and "LS4" not in body and "Ivy" not in body
    entries = audit.entries_for("case", w.case.id)
    assert len(entries) == before + 1
    assert entries[-1].action == "support.download" and entries[-1].actor_user_id == w.officer.id
    assert entries[-1].detail["rows"] == 2


@pytest.mark.parametrize("who", ["public", "citizen", "rep", "other_officer"])
def test_nobody_else_gets_the_list_and_a_refusal_is_not_audited_as_a_download(client, supported, who):
    user = getattr(supported, who, None)
    if user is not None:
        sign_in(client, user)
    for suffix in ("", ".csv"):
        response = client.get(f"/cases/{supported.case.id}/support/supporters{suffix}")
        assert response.status_code == (401 if who == "public" else 403)
        assert "Gil In" not in response.get_data(as_text=True)
    assert [e for e in audit.entries_for("case", supported.case.id) if e.action == "support.download"] == []


def test_no_supporter_detail_in_any_public_answer_of_the_case(client, supported):
    w = supported
    personal = ("Gil In", "gil@example.org", "hal@example.org", "HYPERLINK", "Ivy Waiting", "ivy@example.org")
    for path in (f"/cases/{w.case.id}", f"/api/cases/{w.case.id}", f"/cases/{w.case.id}/support",
                 f"/cases/{w.case.id}?f=json", f"/assets/{w.asset.id}", "/registers/assets-of-community-value.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert [p for p in personal if p in body] == [], path
    assert client.get(f"/api/cases/{w.case.id}").get_json()["community_support"]["total"] == 2


def test_a_closed_statement_keeps_its_count_and_takes_no_more(client, supported):
    w = supported
    support.close_statement(w.rep, w.case.id)
    with pytest.raises(Conflict):
        support.add_supporter(w.case.id, "Late", "late@example.org", IN_WARD[0])
    counts = support.public_counts(w.case.id)
    assert (counts["total"], counts["open"]) == (2, False)


@pytest.mark.parametrize(("who", "status"), [("public", 401), ("citizen", 403), ("cig_rep", 403), ("officer", 403),
                                             ("rep", 302)])
def test_who_may_close_a_statement(client, supported, who, status):
    user = getattr(supported, who, None)
    if user is not None:
        sign_in(client, user)
    response = client.post(f"/cases/{supported.case.id}/support/close", data={"csrf_token": csrf_token(client)})
    assert response.status_code == status
    db.session.expire_all()
    assert (support.get_statement(supported.case.id).closed_at is not None) == (status == 302)


def test_the_supporter_form_is_rate_limited(app, client, world, monkeypatch):
    support.open_statement(world.rep, world.case.id, "ward")
    db.session.commit()
    monkeypatch.setattr(app.config["SETTINGS"], "rate_limits_enabled", True)  # read at each request
    token = csrf_token(client)
    statuses = [client.post(f"/cases/{world.case.id}/support", data={
        "name": "Spammer", "email": f"s{n}@example.org", "postcode": "ZZ9 9ZZ", "csrf_token": token}).status_code
        for n in range(12)]
    # 10 a minute from one address (counters are shared, so an earlier run this minute may have used some).
    assert statuses[-2:] == [429, 429] and set(statuses) <= {400, 429}
    assert client.get(f"/cases/{world.case.id}/support").status_code == 200  # showing the page is never limited
    assert db.session.execute(text("SELECT count(*) FROM supporter")).scalar() == 0

"""Statements of community support (issue 15 item 5): counted in and out of the area, once each, never published.

The site is put at LS6 3AA, in Headingley & Hyde Park ward (E05011397) of the Leeds ward extract
in fixtures/samples/boundaries. Which ward each postcode below lies in was read off that extract
(and agrees with the ONS postcode directory for these postcodes): LS6 2AA and LS6 3HN are in
Headingley & Hyde Park; LS4 2AA is in Kirkstall; LS1 1UR is in Little London & Woodhouse; LS16 5AA
is in Weetwood. Distances for the distance area come from pyproj's Geod on the WGS84 ellipsoid.
The parish area loads the real ONS parishes of Trafford (fixtures/samples/boundaries) and moves the
site to a Partington postcode; which parish each postcode lies in was read off that file by hand and
is checked with shapely on its polygon.
"""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import shapely
import shapely.geometry
from itsdangerous import URLSafeTimedSerializer
from pyproj import Geod
from sqlalchemy import select, text

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


def open_ward_statement(world) -> None:
    support.open_statement(world.rep, world.case.id, "ward")
    db.session.commit()


def sign_on_the_page(client, world, name: str, email: str, postcode: str):
    """The supporter form of the case's page, posted as a resident fills it in."""
    return client.post(f"/cases/{world.case.id}/support", data={
        "name": name, "email": email, "postcode": postcode, "csrf_token": csrf_token(client)})


def test_a_resident_signs_and_confirms_through_the_pages(client, world, smtp):
    open_ward_statement(world)
    page = client.get(f"/cases/{world.case.id}/support")
    assert page.status_code == 200
    response = sign_on_the_page(client, world, "Dora Resident", "dora@example.org", "ls6 2aa")
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
    response = sign_on_the_page(client, world, "Eve", "EVE@example.org", IN_WARD[0])
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert smtp.messages == []
    assert support.public_counts(world.case.id)["total"] == 1


@pytest.mark.parametrize(("typed", "shown"), [
    pytest.param(("Fay", "fay@example.org", "ZZ9 9ZZ"),
                 ["There is a problem", "We cannot find the postcode ZZ9 9ZZ", 'value="Fay"',
                  'href="#postcode"', 'id="postcode-error"'],
                 id="an_unknown_postcode_in_words_keeping_what_was_typed"),
    # name missing, email malformed and postcode unknown: one answer lists all three, each by its field
    pytest.param((" ", "bad", "ZZ1"),
                 ["Enter your name.", "Enter a full UK postcode, like LS6 3HN."]
                 + [f'{attr}="{ref}{field}{end}"' for field in ("name", "email", "postcode")
                    for attr, ref, end in (("href", "#", ""), ("id", "", "-error"))],
                 id="every_error_at_once"),
])
def test_a_bad_form_is_refused_in_words_and_writes_nothing(client, world, typed, shown):
    open_ward_statement(world)
    response = sign_on_the_page(client, world, *typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert [words for words in shown if words not in body] == []
    assert support.public_counts(world.case.id)["total"] == 0


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
    open_ward_statement(world)
    monkeypatch.setattr(app.config["SETTINGS"], "rate_limits_enabled", True)  # read at each request
    token = csrf_token(client)
    statuses = [client.post(f"/cases/{world.case.id}/support", data={
        "name": "Spammer", "email": f"s{n}@example.org", "postcode": "ZZ9 9ZZ", "csrf_token": token}).status_code
        for n in range(12)]
    # 10 a minute from one address (counters are shared, so an earlier run this minute may have used some).
    assert statuses[-2:] == [429, 429] and set(statuses) <= {400, 429}
    assert client.get(f"/cases/{world.case.id}/support").status_code == 200  # showing the page is never limited
    assert db.session.execute(text("SELECT count(*) FROM supporter")).scalar() == 0


# ---------------------------------------------------------------- withdrawing: the row goes, the count drops


def personal_rows(name: str, email: str, postcode: str) -> int:
    """Supporter rows holding any of this person's details, and audit lines naming any of them."""
    rows = db.session.execute(text(
        "SELECT count(*) FROM supporter WHERE name = :n OR email_normalised = :e OR postcode = :p"),
        {"n": name, "e": email, "p": postcode}).scalar()
    audited = db.session.execute(text(
        "SELECT count(*) FROM audit_entry WHERE detail::text ILIKE ANY (ARRAY[:n, :e, :p])"),
        {"n": f"%{name}%", "e": f"%{email}%", "p": f"%{postcode}%"}).scalar()
    return rows + audited


def test_withdrawing_deletes_the_supporter_and_the_count_drops(world):
    statement = support.open_statement(world.rep, world.case.id, "ward")
    jo = sign_up_and_confirm(world.case.id, "Jo Leaving", "jo.leaving@example.org", "LS6 3HN")
    sign_up_and_confirm(world.case.id, "Kit Staying", "kit@example.org", OUT_OF_WARD[0])
    waiting = support.add_supporter(world.case.id, "Lou Waiting", "lou@example.org", "LS16 5AA")
    assert (support.public_counts(world.case.id)["in_area"], support.public_counts(world.case.id)["outside_area"]) \
        == (1, 1)
    jo_token, lou_token = support.withdrawal_token(jo), support.withdrawal_token(waiting)

    assert support.withdraw(jo_token) == world.case.id
    counts = support.public_counts(world.case.id)
    assert (counts["in_area"], counts["outside_area"], counts["total"]) == (0, 1, 1)
    assert personal_rows("Jo Leaving", "jo.leaving@example.org", "LS6 3HN") == 0
    entry = audit.entries_for("case", world.case.id)[-1]
    assert (entry.action, entry.actor_user_id, entry.detail) == (
        "support.withdraw", None, {"statement_id": statement.id, "was_confirmed": True})

    support.withdraw(lou_token)  # an unconfirmed signature may be withdrawn too: nothing counted changes
    assert support.public_counts(world.case.id)["total"] == 1
    assert personal_rows("Lou Waiting", "lou@example.org", "LS16 5AA") == 0
    assert audit.entries_for("case", world.case.id)[-1].detail == {"statement_id": statement.id,
                                                                    "was_confirmed": False}
    assert db.session.execute(text("SELECT name FROM supporter")).scalars().all() == ["Kit Staying"]

    with pytest.raises(InvalidInput, match="already been withdrawn"):
        support.withdraw(jo_token)  # a second click: nothing left to withdraw, and no second audit line
    assert [e.action for e in audit.entries_for("case", world.case.id)].count("support.withdraw") == 2


def test_a_withdrawn_supporter_may_sign_again_and_counts_once(world):
    support.open_statement(world.rep, world.case.id, "ward")
    first = sign_up_and_confirm(world.case.id, "Max Again", "max@example.org", IN_WARD[0])
    old_link = support.withdrawal_token(first)
    support.withdraw(old_link)
    assert support.public_counts(world.case.id)["total"] == 0
    second = sign_up_and_confirm(world.case.id, "Max Again", "MAX@example.org", IN_WARD[1])
    assert second.id != first.id
    assert support.add_supporter(world.case.id, "Max", "max@example.org", IN_WARD[0]) is None  # still once
    assert support.public_counts(world.case.id)["in_area"] == 1
    assert support.public_counts(world.case.id)["total"] == 1
    # The link of the withdrawn row does not reach the new one.
    with pytest.raises(InvalidInput):
        support.withdraw(old_link)
    assert support.public_counts(world.case.id)["total"] == 1


def test_a_confirmation_link_cannot_withdraw_nor_a_withdrawal_link_confirm(world):
    support.open_statement(world.rep, world.case.id, "ward")
    supporter = support.add_supporter(world.case.id, "Ned", "ned@example.org", IN_WARD[0])
    confirm_token, withdraw_token = support.confirmation_token(supporter), support.withdrawal_token(supporter)
    for bad in (confirm_token, withdraw_token[:-3] + "xyz", "nonsense"):
        with pytest.raises(InvalidInput, match="withdrawal link is not valid"):
            support.withdraw(bad)
    with pytest.raises(InvalidInput, match="confirmation link is not valid"):
        support.confirm(withdraw_token, IN_WARD[0])
    # Both links carry the row's id only, no email (links end up in access logs): read without the key.
    assert URLSafeTimedSerializer("any key").loads_unsafe(withdraw_token)[1] == {"w": supporter.id}
    assert URLSafeTimedSerializer("any key").loads_unsafe(confirm_token)[1] == {"s": supporter.id}
    assert db.session.execute(text("SELECT count(*) FROM supporter")).scalar() == 1


def test_a_closed_statements_supporter_may_still_withdraw(supported):
    w = supported
    gil = db.session.scalar(select(support.Supporter).where(support.Supporter.name == "Gil In"))
    support.close_statement(w.rep, w.case.id)
    support.withdraw(support.withdrawal_token(gil))  # consent is withdrawn at any time: the final count drops
    counts = support.public_counts(w.case.id)
    assert (counts["in_area"], counts["outside_area"], counts["open"]) == (0, 1, False)


def test_a_resident_withdraws_from_the_emailed_link(client, world, smtp):
    open_ward_statement(world)
    sign_on_the_page(client, world, "Opal Resident", "opal@example.org", "LS6 3HN")
    smtp.wait_for(1)
    body = smtp.last_body()
    assert "withdraw your support at any time" in body and "deleted after 30 days" in body
    paths = {kind: "/" + next(u for u in smtp.links() if f"/support/{kind}/" in u).split("://", 1)[1].split("/", 1)[1]
             for kind in ("confirm", "withdraw")}
    done = client.post(paths["confirm"], data={"postcode": "LS6 3HN", "csrf_token": csrf_token(client)})
    confirmed_page = done.get_data(as_text=True)
    assert 'id="withdraw-link"' in confirmed_page and "/support/withdraw/" in confirmed_page
    assert support.public_counts(world.case.id)["in_area"] == 1

    # Opening the link (as a mail scanner does) shows a button and changes nothing.
    for _ in range(2):
        shown = client.get(paths["withdraw"])
        assert shown.status_code == 200 and 'id="withdraw-support"' in shown.get_data(as_text=True)
    assert support.public_counts(world.case.id)["in_area"] == 1
    # A POST without the form's CSRF token is refused and changes nothing.
    assert client.post(paths["withdraw"], data={}).status_code == 400
    assert support.public_counts(world.case.id)["in_area"] == 1

    gone = client.post(paths["withdraw"], data={"csrf_token": csrf_token(client)})
    assert gone.status_code == 200 and 'id="support-withdrawn"' in gone.get_data(as_text=True)
    case_page = client.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert 'id="support-in-area" data-count="0"' in case_page
    assert personal_rows("Opal Resident", "opal@example.org", "LS6 3HN") == 0
    again = client.get(paths["withdraw"])
    assert again.status_code == 400 and "already been withdrawn" in again.get_data(as_text=True)


# ---------------------------------------------------------------- [U] retention of unconfirmed signatures

PURGE_AT = "2026-03-31T12:00:00"  # with the default 30 days, signatures last signed before 1 March 12:00 go


def signed_at(name: str, when: str) -> None:
    db.session.execute(text("UPDATE supporter SET created_at = CAST(:t AS timestamptz) WHERE name = :n"),
                       {"t": when, "n": name})


def names_left() -> list[str]:
    return db.session.execute(text("SELECT name FROM supporter ORDER BY name")).scalars().all()


@pytest.fixture()
def signatures(world):
    support.open_statement(world.rep, world.case.id, "ward")
    sign_up_and_confirm(world.case.id, "A Confirmed Long Ago", "a@example.org", IN_WARD[0])
    for name in ("B Unconfirmed 30 days 1 minute", "C Unconfirmed 29 days 23 hours", "D Unconfirmed today"):
        support.add_supporter(world.case.id, name, f"{name[0].lower()}@example.org", IN_WARD[1])
    signed_at("A Confirmed Long Ago", "2025-06-01T00:00:00Z")
    signed_at("B Unconfirmed 30 days 1 minute", "2026-03-01T11:59:00Z")
    signed_at("C Unconfirmed 29 days 23 hours", "2026-03-01T13:00:00Z")
    signed_at("D Unconfirmed today", "2026-03-31T09:00:00Z")
    db.session.commit()
    return world


def test_the_purge_deletes_unconfirmed_signatures_past_the_retention(app, signatures):
    result = app.test_cli_runner().invoke(args=["support", "purge", "--now", PURGE_AT])
    assert result.exit_code == 0, result.output
    assert "1 unconfirmed signature(s) of support older than 30 days deleted." in result.output
    assert names_left() == ["A Confirmed Long Ago", "C Unconfirmed 29 days 23 hours", "D Unconfirmed today"]
    assert support.public_counts(signatures.case.id)["total"] == 1
    entry = db.session.scalar(select(audit.AuditEntry).where(audit.AuditEntry.action == "support.purge"))
    assert entry.detail == {"deleted": 1, "retention_days": 30, "signed_before": "2026-03-01T12:00:00+00:00"}
    assert "@example.org" not in str(entry.detail) and "Unconfirmed" not in str(entry.detail)
    # Run again at once: nothing more to delete, no second audit line.
    again = app.test_cli_runner().invoke(args=["support", "purge", "--now", PURGE_AT])
    assert "0 unconfirmed signature(s)" in again.output
    assert db.session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'support.purge'")).scalar() == 1


def test_the_retention_is_configurable_and_never_below_the_links_life(app, signatures, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "support_unconfirmed_retention_days", 13)
    refused = app.test_cli_runner().invoke(args=["support", "purge", "--now", PURGE_AT])
    assert refused.exit_code == 1 and "must be at least the confirmation link's life (14 days)" in refused.output
    assert len(names_left()) == 4
    # 14 days before 31 March 12:00 is 17 March 12:00: B and C go, D (signed on the 31st) stays.
    monkeypatch.setattr(app.config["SETTINGS"], "support_unconfirmed_retention_days", 14)
    result = app.test_cli_runner().invoke(args=["support", "purge", "--now", PURGE_AT])
    assert "2 unconfirmed signature(s) of support older than 14 days deleted." in result.output
    assert names_left() == ["A Confirmed Long Ago", "D Unconfirmed today"]


def test_signing_again_restarts_the_retention_clock(app, signatures):
    w = signatures
    support.add_supporter(w.case.id, "B Unconfirmed 30 days 1 minute", "b@example.org", IN_WARD[0])
    db.session.commit()
    signed = db.session.execute(text("SELECT created_at FROM supporter WHERE email_normalised = 'b@example.org'")
                                ).scalar()
    assert signed > datetime(2026, 11, 1, tzinfo=UTC)  # now, not 1 March
    # Purge as if 20 days after signing again: within 30 days of the new signing, so kept.
    at = (signed + timedelta(days=20)).replace(tzinfo=None).isoformat()
    result = app.test_cli_runner().invoke(args=["support", "purge", "--now", at])
    assert result.exit_code == 0, result.output
    assert "B Unconfirmed 30 days 1 minute" in names_left()


def test_the_signing_page_says_what_is_kept_for_how_long_and_who_sees_it(app, client, world, monkeypatch):
    open_ward_statement(world)
    page = client.get(f"/cases/{world.case.id}/support").get_data(as_text=True)
    assert 'id="support-privacy"' in page
    for words in ("your name, email address and postcode", "Officers of the council dealing with the case",
                  "if you do not confirm, we delete everything after 30 days", "until you withdraw your support"):
        assert words in page, words
    monkeypatch.setattr(app.config["SETTINGS"], "support_unconfirmed_retention_days", 45)
    assert "we delete everything after 45 days" in client.get(f"/cases/{world.case.id}/support").get_data(as_text=True)


# ---------------------------------------------------------------- the parish as the area

TRAFFORD_PARISHES = (Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "boundaries"
                     / "trafford_parishes_par23.geojson")
PARTINGTON = ("E04000011", "Partington")
PARISH_SITE = "M31 4AN"
# Read off the fixture's polygons by hand (and checked with shapely below): three Partington postcodes;
# M31 4AG lies in Carrington, the next parish (about 550 m outside Partington); M33 7AA is in Sale
# (unparished); LS6 2AA is in Leeds.
IN_PARISH = ("M31 4AR", "M31 4BQ", "M31 4BN")
OUT_OF_PARISH = ("M31 4AG", "M33 7AA", "LS6 2AA")


def test_a_parish_area_counts_by_the_parish_boundary(world):
    from registry import places

    assert places.import_boundary_file(TRAFFORD_PARISHES, None)["imported"] == 4
    lon, lat = postcode_point(PARISH_SITE)
    db.session.execute(text("UPDATE asset SET point = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) WHERE id = :id"),
                       {"lon": lon, "lat": lat, "id": world.asset.id})
    parish = support.area_choices(world.case)["parish"]
    assert (parish["code"], parish["name"]) == PARTINGTON

    partington = next(shapely.geometry.shape(f["geometry"])
                      for f in json.loads(TRAFFORD_PARISHES.read_text())["features"]
                      if f["properties"]["area_code"] == PARTINGTON[0])
    inside = {p for p in IN_PARISH + OUT_OF_PARISH if partington.intersects(shapely.Point(postcode_point(p)))}
    assert inside == set(IN_PARISH)  # shapely on the fixture agrees with the hand reading

    support.open_statement(world.rep, world.case.id, "parish")
    for n, postcode in enumerate(IN_PARISH + OUT_OF_PARISH):
        sign_up_and_confirm(world.case.id, f"Parishioner {n}", f"p{n}@example.org", postcode)
    assert support.public_counts(world.case.id) == {
        "in_area": 3, "outside_area": 3, "total": 6, "area": "Partington parish", "open": True}
    placed = dict(db.session.execute(text("SELECT postcode, in_area FROM supporter")).all())
    assert placed == {**dict.fromkeys(IN_PARISH, True), **dict.fromkeys(OUT_OF_PARISH, False)}

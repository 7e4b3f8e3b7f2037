"""Caching that is always fresh and never leaks (issue 14, item 4).

- Every public GET route (the privacy walk's enumeration of app.url_map, with
  real ids) answers with a validator and answers 304 to it; the form pages among
  them are private instead.
- A change to the register (an asset edit, a case step, a transfer's condition,
  an organisation's name) changes the validator, through real commits too.
- Signed-in and bearer answers are `private, no-store` with no validator;
  answers carrying a flash message or a CSRF token are never public.
- A date-dependent answer's validator changes with the UK date (injected).
"""

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from registry import accounts, db, registers, support_statements, transfers
from registry.web import caching
from registry.workflow import engine
from tests.integration.conftest import sign_in
from tests.integration.test_privacy import fill, public_endpoints
from tests.integration.workflow_world import build, nominate

PUBLIC = "public, max-age=0, must-revalidate"
PRIVATE = "private, no-store"
CASE_DAY = date(2026, 11, 2)
OFFICER = SimpleNamespace(id=None, roles=frozenset({"council_officer"}), authority_code=None,
                          organisation_ids=frozenset())
# Public GET pages that are forms (they also take POST and carry a CSRF token): never public.
FORM_PAGES = {"/sign-in", "/sign-up", "/reset-password", "/alerts"}  # /alerts: the alerts sign-up form
# A public GET that signs a person out: never from a cache.
ACTING_PAGES = {"/sign-out"}
# A form page whose path names a record: a case's statement of support takes residents' POSTs (issue 15 item 5).
RECORD_FORM_PAGE = re.compile(r"/cases/\d+/support")
# The query a route needs to answer 200 at all.
SCOTTISH_COUNCIL = "S12000036"  # City of Edinburgh, a demo council
NEEDED_QUERY = {
    "/api/places": "?q=LS1",
    "/api/locate": "?lon=-1.5491&lat=53.7997",
    "/api/map/clusters": "?bbox=-1.6,53.78,-1.5,53.83&zoom=12",
    "/api/deadlines": "?event=acv-nomination-received&date=2026-06-01",
    "/api/rights": "?lon=-1.5491&lat=53.7997&date=2026-06-01",
}
TRANSFER = {
    "tenure": "freehold", "completion_date": "2020-04-01", "market_value": "250000", "consideration": "150000",
    "title_numbers": "WYK123456", "decision_reference": "Executive Board minute 42/2020",
    "conditions": [{"beneficiary": "Leeds City Council", "instrument": "lr_restriction",
                    "registered_ref": "WYK123456 restriction entry 2", "method": "stepped_taper",
                    "taper": [100, 80, 60, 40, 20], "period_years": 5, "triggers": ["disposal", "change_of_use"]}],
}


@pytest.fixture()
def world(db_session):
    built = build()
    case = nominate(built, CASE_DAY)
    transfer_asset = db.session.execute(text(
        "SELECT id FROM asset WHERE authority_code = :a AND NOT withheld AND id <> :mine ORDER BY id LIMIT 1"),
        {"a": built.asset.authority_code, "mine": built.asset.id}).scalar_one()
    db.session.execute(text("UPDATE asset SET surplus_status = 'available_for_transfer' WHERE id = :id"),
                       {"id": transfer_asset})
    transfer = transfers.create(TRANSFER, OFFICER, CASE_DAY, asset_id=transfer_asset, organisation_id=built.cig.id)
    support_statements.open_statement(built.rep, case.id, "distance", "1000")
    db_session.commit()
    return SimpleNamespace(world=built, case=case, transfer=transfer,
                           seeded={"asset_id": [built.asset.id], "code": [built.asset.authority_code],
                                   "collection_id": ["assets", "authorities"],
                                   "organisation_id": [built.group.id], "case_id": [case.id],
                                   "transfer_id": [transfer.id], "name": list(registers.REGISTERS),
                                   # one tile over central Leeds (z16: assets and footprints)
                                   "z": [16], "x": [32485], "y": [21104],
                                   "zoom": [14]})


def walk(app, seeded) -> list[str]:
    urls = []
    for rule in public_endpoints(app):
        if app.view_functions[rule.endpoint].__name__ == "static":
            continue
        values = seeded
        if "<code>" in rule.rule or "<string:code>" in rule.rule:
            # Scotland's land register and s.95 report exist only for Scottish councils; the rest for ours.
            scottish_only = "land-register" in rule.rule or "asset-transfer-report" in rule.rule
            values = {**seeded, "code": [SCOTTISH_COUNCIL] if scottish_only else seeded["code"][:1]}
        urls += [path + NEEDED_QUERY.get(rule.rule, "") for path in fill(rule, values)]
    return urls


def validators(response) -> tuple:
    return response.headers.get("ETag"), response.headers.get("Last-Modified")


def test_every_public_get_carries_a_validator_and_answers_304_to_it(app, client, world):
    urls = walk(app, world.seeded)
    # The walk reaches the records of every kind, not just the lists.
    for expected in (f"/assets/{world.world.asset.id}", f"/cases/{world.case.id}", f"/api/cases/{world.case.id}",
                     f"/transfers/{world.transfer.id}", "/authorities/E08000035/decisions.atom",
                     "/registers/assets-of-community-value.csv", "/api/map/clusters?bbox=-1.6,53.78,-1.5,53.83&zoom=12",
                     f"/api/collections/assets/items/{world.world.asset.id}"):
        assert expected in urls, expected
    cached, private, wrong = [], [], []
    for url in urls:
        first = client.get(url)
        if url in FORM_PAGES | ACTING_PAGES or RECORD_FORM_PAGE.fullmatch(url):
            private.append(url)
            if (first.headers.get("Cache-Control"), *validators(first)) != (PRIVATE, None, None):
                wrong.append((url, "should be private", first.headers.get("Cache-Control")))
            continue
        if first.status_code == 302 and url.endswith("/asset-transfer-report"):
            # "This year's report" depends on today: it redirects to the year's own (cacheable) page.
            continue
        etag = first.headers.get("ETag")
        if first.status_code != 200 or not etag or first.headers.get("Cache-Control") != PUBLIC:
            wrong.append((url, first.status_code, etag, first.headers.get("Cache-Control")))
            continue
        if not etag.startswith('W/"') or "Cookie" not in first.headers.get("Vary", ""):
            wrong.append((url, "validator or Vary", etag, first.headers.get("Vary")))
        again = client.get(url, headers={"If-None-Match": etag})
        if again.status_code != 304 or again.get_data() != b"" or again.headers.get("ETag") != etag:
            wrong.append((url, "revalidation", again.status_code, again.headers.get("ETag")))
        if "Content-Security-Policy" in again.headers:
            wrong.append((url, "a 304 must not replace the stored page's CSP nonce"))
        cached.append(url)
    assert wrong == []
    assert sorted(p for p in private if not RECORD_FORM_PAGE.fullmatch(p)) == sorted(FORM_PAGES | ACTING_PAGES)
    assert f"/cases/{world.case.id}/support" in private
    assert len(cached) >= 45, cached  # every fillable public GET route, each register in each format


def test_different_answers_have_different_validators(client, world):
    asset_id = world.world.asset.id
    tags = {client.get(url).headers["ETag"] for url in (
        f"/assets/{asset_id}", f"/api/collections/assets/items/{asset_id}",
        f"/api/collections/assets/items/{asset_id}?f=html", "/registers/assets-of-community-value.csv",
        "/registers/assets-of-community-value.geojson")}
    assert len(tags) == 5
    as_json = client.get(f"/api/collections/assets/items/{asset_id}", headers={"Accept": "application/json"})
    as_html = client.get(f"/api/collections/assets/items/{asset_id}", headers={"Accept": "text/html"})
    assert as_json.mimetype != as_html.mimetype and as_json.headers["ETag"] != as_html.headers["ETag"]
    assert "Accept" in as_json.headers["Vary"]


def test_an_asset_edit_through_the_write_api_changes_the_validator(client, world, make_user):
    asset = world.world.asset
    url = f"/assets/{asset.id}"
    before = client.get(url).headers["ETag"]
    officer = make_user("council_officer", authority_code=asset.authority_code)
    _, secret = accounts.create_api_token(officer, "caching test")
    db.session.commit()
    edited = client.patch(f"/api/collections/assets/items/{asset.id}", headers={"Authorization": f"Bearer {secret}"},
                          json={"type": "Feature", "properties": {"description": "Reopened as a library on Saturdays"}})
    assert edited.status_code == 204
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert "Reopened as a library on Saturdays" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before


@pytest.mark.parametrize("change", [
    "UPDATE asset SET description = 'Now a lending library' WHERE id = :asset",
    "UPDATE organisation SET name = 'Friends of the Village Green' WHERE id = :org",
    "UPDATE deadline SET due_date = due_date + 1 WHERE case_id = :case",
    "UPDATE clawback_condition SET registered_ref = 'WYK123456 entry 3' WHERE transfer_id = :transfer",
    "UPDATE authority SET name = name || ' Council' WHERE code = :authority",
], ids=["asset-description", "organisation-name", "deadline", "clawback-condition", "authority-name"])
def test_a_change_to_any_public_table_changes_every_validator(client, world, change):
    urls = [f"/assets/{world.world.asset.id}", f"/cases/{world.case.id}", f"/transfers/{world.transfer.id}",
            "/registers/assets-of-community-value", "/api/map/clusters?bbox=-1.6,53.78,-1.5,53.83&zoom=12"]
    before = {url: client.get(url).headers["ETag"] for url in urls}
    assert all(client.get(url, headers={"If-None-Match": tag}).status_code == 304 for url, tag in before.items())
    db.session.execute(text(change), {"asset": world.world.asset.id, "org": world.world.group.id,
                                      "case": world.case.id, "transfer": world.transfer.id,
                                      "authority": world.world.asset.authority_code})
    db.session.commit()
    for url, tag in before.items():
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 200, url
        assert again.headers["ETag"] != tag, url


def test_a_case_step_invalidates_the_case_page_at_once(client, world):
    url = f"/cases/{world.case.id}"
    before = client.get(url)
    engine.transition(world.case.id, "begin_validation", world.world.officer, {}, CASE_DAY)
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    api = client.get(f"/api/cases/{world.case.id}").get_json()
    assert "begin_validation" in [event["action"] for event in api["timeline"]]


def test_a_signed_in_page_is_private_no_store_and_has_no_public_validator(client, world, make_user):
    url = f"/assets/{world.world.asset.id}"
    anonymous = client.get(url)
    assert anonymous.headers["Cache-Control"] == PUBLIC
    officer = make_user("council_officer", authority_code=world.world.asset.authority_code)
    sign_in(client, officer)
    for path in (url, f"/cases/{world.case.id}", "/registers", "/account"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == PRIVATE, path
        assert validators(response) == (None, None), path
    # The anonymous page's validator is not this person's page: never a 304.
    revalidated = client.get(url, headers={"If-None-Match": anonymous.headers["ETag"]})
    assert revalidated.status_code == 200 and revalidated.headers["Cache-Control"] == PRIVATE


def test_a_bearer_request_is_private(client, world):
    response = client.get(f"/api/collections/assets/items/{world.world.asset.id}",
                          headers={"Authorization": "Bearer not-a-real-token"})
    assert response.headers["Cache-Control"] == PRIVATE and validators(response) == (None, None)


def test_a_page_showing_a_flash_message_is_never_public(client, world):
    url = f"/transfers/{world.transfer.id}"
    plain = client.get(url)
    assert plain.headers["Cache-Control"] == PUBLIC
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Condition recorded for Hilltop")]
    flashed = client.get(url, headers={"If-None-Match": plain.headers["ETag"]})
    assert flashed.status_code == 200  # not a 304: the flash must be shown
    assert "Condition recorded for Hilltop" in flashed.get_data(as_text=True)
    assert flashed.headers["Cache-Control"] == PRIVATE and validators(flashed) == (None, None)


def test_a_page_carrying_a_csrf_token_is_never_public(client):
    response = client.get("/reset-password")
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == PRIVATE and validators(response) == (None, None)


def test_routes_that_need_a_role_are_private(client, world):
    for path in ("/cases", "/account", "/admin/users", "/transfers/overdue"):
        response = client.get(path)
        assert response.status_code == 401, path  # signed out: each asks the visitor to sign in
        assert response.headers["Cache-Control"] == PRIVATE, path


def _on_day(monkeypatch, day: date, now_utc: datetime):
    monkeypatch.setattr(engine, "today_uk", lambda: day)
    monkeypatch.setattr(caching, "utc_now", lambda: now_utc)


def test_a_date_dependent_answer_changes_its_validator_when_the_uk_date_changes(client, world, monkeypatch):
    url = f"/api/cases/{world.case.id}"
    # 23:30 on 30 June 2027 in London (BST) is 22:30 UTC; 00:30 on 1 July is 23:30 UTC on 30 June.
    _on_day(monkeypatch, date(2027, 6, 30), datetime(2027, 6, 30, 22, 30, tzinfo=UTC))
    late_evening = client.get(url)
    assert client.get(url, headers={"If-None-Match": late_evening.headers["ETag"]}).status_code == 304
    _on_day(monkeypatch, date(2027, 7, 1), datetime(2027, 6, 30, 23, 30, tzinfo=UTC))
    after_midnight = client.get(url, headers={"If-None-Match": late_evening.headers["ETag"]})
    assert after_midnight.status_code == 200
    assert after_midnight.headers["ETag"] != late_evening.headers["ETag"]
    # Last-Modified is the start of the UK day, worked by hand: 00:00 BST on Thursday 1 July 2027.
    assert after_midnight.headers["Last-Modified"] == "Wed, 30 Jun 2027 23:00:00 GMT"
    assert late_evening.headers["Last-Modified"] == "Tue, 29 Jun 2027 23:00:00 GMT"


def test_if_modified_since_answers_304_only_from_the_last_change(client, world, monkeypatch):
    url = f"/cases/{world.case.id}"
    _on_day(monkeypatch, date(2027, 12, 2), datetime(2027, 12, 2, 9, 0, tzinfo=UTC))
    first = client.get(url)
    assert first.headers["Last-Modified"] == "Thu, 02 Dec 2027 00:00:00 GMT"  # GMT in winter: midnight is 00:00
    assert client.get(url, headers={"If-Modified-Since": "Thu, 02 Dec 2027 00:00:00 GMT"}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Wed, 01 Dec 2027 23:59:59 GMT"}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3).
    assert client.get(url, headers={"If-None-Match": 'W/"stale"',
                                    "If-Modified-Since": "Thu, 02 Dec 2027 00:00:00 GMT"}).status_code == 200


def test_last_modified_is_left_out_within_the_second_it_names(client, world, monkeypatch):
    changed_at = db.session.execute(text("SELECT changed_at FROM map_version")).scalar_one()
    monkeypatch.setattr(engine, "today_uk", lambda: date(2020, 1, 1))
    monkeypatch.setattr(caching, "utc_now", lambda: changed_at)
    monkeypatch.setitem(client.application.extensions["caching"], "release_at", datetime(2020, 1, 1, tzinfo=UTC))
    response = client.get(f"/assets/{world.world.asset.id}")
    assert response.headers["ETag"] and "Last-Modified" not in response.headers


# ---------------------------------------------------------------- real commits


@pytest.fixture()
def committed_asset(app):
    """An asset whose description a test may change with real commits; restored afterwards."""
    with db.engine().begin() as connection:
        asset_id, description = connection.execute(text(
            "SELECT id, description FROM asset WHERE NOT withheld ORDER BY id DESC LIMIT 1")).one()
    yield asset_id
    with db.engine().begin() as connection:
        connection.execute(text("UPDATE asset SET description = :d WHERE id = :id"),
                           {"d": description, "id": asset_id})


def test_the_counter_moves_at_commit_and_not_on_rollback(app, committed_asset):
    client = app.test_client()  # no rolled-back test transaction: every request and write commits
    url = f"/assets/{committed_asset}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    with db.engine().connect() as connection, connection.begin() as transaction:
        connection.execute(text("UPDATE asset SET description = 'Never saved' WHERE id = :id"),
                           {"id": committed_asset})
        # Uncommitted: other readers still see the old data, so the old validator still holds.
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        transaction.rollback()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    with db.engine().begin() as connection:
        connection.execute(text("UPDATE asset SET description = 'Saved: a café on Fridays' WHERE id = :id"),
                           {"id": committed_asset})
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Saved: a café on Fridays" in changed.get_data(as_text=True)
    with db.engine().connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM register_change_pending")).scalar() == 0


def test_open_transactions_do_not_wait_for_each_other_on_the_counter(app, committed_asset):
    """Each bumps once, at its commit: a writer never holds the counter while another writes."""
    with db.engine().connect() as first, db.engine().connect() as second:
        start = first.execute(text("SELECT version FROM map_version")).scalar_one()
        first.commit()
        with first.begin(), second.begin():
            first.execute(text("UPDATE asset SET description = 'First writer' WHERE id = :id"),
                          {"id": committed_asset})
            # Were the counter bumped during the statement, this would wait for `first` to end.
            second.execute(text("SET LOCAL lock_timeout = '500ms'"))
            second.execute(text("UPDATE organisation SET name = name WHERE id = (SELECT min(id) FROM organisation)"))
            second.execute(text("UPDATE asset SET description = description WHERE id = :id - 1"),
                           {"id": committed_asset})
        end = first.execute(text("SELECT version FROM map_version")).scalar_one()
    assert end - start == 2

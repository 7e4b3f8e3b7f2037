"""An officer imports a real council register on /imports, in headless Chromium.

Trafford Council's 2023 register extract (fixtures/samples/councils/formats, 25 records with WGS84
GeoX/GeoY): the officer uploads it, maps OtherDetail to the description, sees the preview with its
row problems, confirms, and the assets appear in search and in the map data with their reference.
Expected values come from the file (the csv module), never from the importer.
"""

import csv
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from registry import accounts, db

pytestmark = pytest.mark.browser
PASSWORD = "import page test password"
TRAFFORD = "E08000009"
EXTRACT = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "councils" / "formats" / \
    "trafford_2023_extract.csv"
with EXTRACT.open(newline="", encoding="utf-8") as _handle:
    ROWS = list(csv.DictReader(_handle))
TOWN_HALL = next(r for r in ROWS if r["PropertyName"] == "Altrincham Town Hall")


def _clean(app):
    with app.app_context():
        ids = db.session.execute(text("SELECT id FROM asset WHERE authority_code = :a"), {"a": TRAFFORD}).scalars()
        from registry import assets

        for asset_id in list(ids):
            assets.delete(asset_id)
        db.session.execute(text("DELETE FROM import_upload WHERE authority_code = :a"), {"a": TRAFFORD})
        db.session.execute(text("DELETE FROM import_mapping WHERE authority_code = :a"), {"a": TRAFFORD})
        db.session.execute(text("DELETE FROM import_run WHERE :a = ANY(authority_codes)"), {"a": TRAFFORD})
        db.session.commit()
        db.session.remove()


@pytest.fixture()
def officer(app):
    _clean(app)
    with app.app_context():
        user = accounts.create_user(f"importer.{time.time_ns()}@example.org", PASSWORD, "Import Officer",
                                    roles=["council_officer"], authority_code=TRAFFORD, confirmed=True)
        db.session.commit()
        email, user_id = user.email, user.id
        db.session.remove()
    yield email
    _clean(app)
    with app.app_context():
        db.session.execute(text("UPDATE user_account SET active = false WHERE id = :id"), {"id": user_id})
        db.session.commit()
        db.session.remove()


def sign_in_and_upload(page, officer: str) -> None:
    """The officer signs in and uploads the extract; the page is then the upload's preview."""
    page.goto("/sign-in")
    page.fill("#email", officer)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/account")

    page.goto("/imports")
    page.set_input_files("#file", str(EXTRACT))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url("**/imports/*")


def test_officer_uploads_maps_previews_confirms_and_finds_the_assets(page, officer, live_server):
    sign_in_and_upload(page, officer)
    assert page.locator('[data-count="rows"]').inner_text() == str(len(ROWS))
    assert page.locator('[data-count="new"]').inner_text() == str(len(ROWS))

    # The importer's own detection: AssetCode is the reference, OtherDetail its own field.
    assert page.get_by_label("AssetCode", exact=True).input_value() == "reference"
    assert page.get_by_label("OtherDetail", exact=True).input_value() == "other_detail"
    page.get_by_label("OtherDetail", exact=True).select_option("description")
    page.get_by_label("Save this mapping as the default for Trafford Council").check()
    # The field's words, not its machine name (newuser finding 14).
    floor_area = page.get_by_label("OtherDetail", exact=True).locator("option[value=floor_area_m2]")
    assert floor_area.inner_text() == "Floor area (m²)"
    assert page.locator(".govuk-caption-l").inner_text() == "Trafford Council"
    page.get_by_role("button", name="Apply the mapping").click()
    page.wait_for_load_state()
    assert "Mapping saved" in page.content()
    assert page.get_by_label("OtherDetail", exact=True).input_value() == "description"

    # The problems by row: the town hall's postcode is not in the demo gazetteer (its coordinates win).
    messages = page.locator("#row-messages tbody tr")
    town_hall_rows = messages.filter(has_text=TOWN_HALL["AssetCode"])
    assert town_hall_rows.count() >= 1
    first = town_hall_rows.first.locator("td")
    assert first.nth(0).inner_text() == "1" and first.nth(1).inner_text() == "2"  # record 1, spreadsheet row 2
    assert TOWN_HALL["PostCode"] in town_hall_rows.first.inner_text()

    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url("**/status")
    assert page.locator("[data-status]").get_attribute("data-status") == "done"
    assert page.locator('[data-count="new"]').inner_text() == str(len(ROWS))

    # In search, and on its page with its reference.
    page.goto("/search?q=Altrincham+Town+Hall")
    link = page.get_by_role("link", name="Altrincham Town Hall").first
    link.click()
    page.wait_for_load_state()
    assert TOWN_HALL["AssetCode"] in page.content()
    asset_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    # In the map data around it, and its reference in the API.
    lon, lat = float(TOWN_HALL["GeoX"]), float(TOWN_HALL["GeoY"])
    bbox = f"{lon - 0.002},{lat - 0.002},{lon + 0.002},{lat + 0.002}"
    features = page.request.get(f"{live_server.url}/api/map/clusters?bbox={bbox}&zoom=17").json()["features"]
    assert asset_id in [f["properties"].get("id") for f in features]
    item = page.request.get(f"{live_server.url}/api/collections/assets/items/{asset_id}").json()
    assert item["properties"]["reference"] == TOWN_HALL["AssetCode"]
    assert item["properties"]["description"] == TOWN_HALL["OtherDetail"].strip()  # the changed mapping

    # The history lists the import with its CSV report.
    page.goto("/imports")
    assert page.get_by_role("link", name="Download CSV").count() == 1


def _work_once(app) -> int | None:
    """What `flask imports work --once` does for one upload, from the test (the live server shares the app)."""
    with app.app_context():
        from registry.imports import uploads

        upload_id = uploads.work_one()
        db.session.remove()
        return upload_id


def test_a_long_files_preview_and_import_run_in_the_background_and_the_pages_follow(
        app, page, officer, live_server, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "import_sync_rows", 10)  # 25 records is "long" here
    sign_in_and_upload(page, officer)
    assert page.locator("[data-preview-status]").get_attribute("data-preview-status") == "queued"
    assert page.locator("[data-progress]").get_attribute("data-progress") == f"0/{len(ROWS)}"
    assert page.locator('[data-count="new"]').count() == 0  # no dry run in the request

    assert _work_once(app) is not None
    # The page refreshes itself (no JavaScript) and shows the preview once the worker is done.
    page.locator('[data-count="new"]').wait_for(timeout=15000)
    assert page.locator('[data-count="rows"]').inner_text() == str(len(ROWS))
    assert page.locator('[data-count="new"]').inner_text() == str(len(ROWS))
    assert page.get_by_label("AssetCode", exact=True).input_value() == "reference"

    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url("**/status")
    assert page.locator("[data-status]").get_attribute("data-status") == "queued"
    assert _work_once(app) is not None
    page.locator('[data-status="done"]').wait_for(timeout=15000)
    assert page.locator('[data-count="new"]').inner_text() == str(len(ROWS))
    with app.app_context():
        stored = set(db.session.execute(text("SELECT reference FROM asset WHERE authority_code = :a"),
                                        {"a": TRAFFORD}).scalars())
        db.session.remove()
    assert stored == {r["AssetCode"] for r in ROWS}

"""An officer signs in and draws an asset's footprint on the edit page's map, in real Chromium."""

import time

import pytest
import shapely
from sqlalchemy import text

from registry import accounts, assets, db

pytestmark = pytest.mark.browser
PASSWORD = "drawing test password"


@pytest.fixture()
def officer_and_asset(app):
    with app.app_context():
        code, lon, lat = db.session.execute(text(
            "SELECT authority_code, ST_X(point), ST_Y(point) FROM asset WHERE NOT withheld ORDER BY id LIMIT 1"
        )).one()
        user = accounts.create_user(f"drawer.{time.time_ns()}@example.org", PASSWORD, "Drawing Officer",
                                    roles=["council_officer"], authority_code=code, confirmed=True)
        record = assets.validate_record({"authority_code": code, "reference": f"DRAW-{time.time_ns()}",
                                         "name": "Drawing Test Hall", "asset_type": "community_centre"},
                                        point=shapely.Point(lon + 0.002, lat + 0.002))
        asset_id = assets.create(record)
        db.session.commit()
        email, user_id = user.email, user.id
        db.session.remove()
    yield {"email": email, "asset_id": asset_id}
    with app.app_context():
        assets.delete(asset_id)
        # Audit rows keep the user (append-only): switch the account off instead.
        db.session.execute(text("UPDATE user_account SET active = false WHERE id = :id"), {"id": user_id})
        db.session.commit()
        db.session.remove()


def test_officer_draws_a_footprint(page, officer_and_asset):
    page.goto("/sign-in")
    page.fill("#email", officer_and_asset["email"])
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/account")

    asset_id = officer_and_asset["asset_id"]
    page.goto(f"/assets/{asset_id}/edit")
    page.get_by_role("button", name="Start drawing").click()
    box = page.locator(".leaflet-container").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40)):
        page.mouse.click(cx + dx, cy + dy)
    page.get_by_role("button", name="Use this boundary").click()
    assert '"Polygon"' in page.locator("#geometry").input_value()
    page.get_by_role("button", name="Save asset").click()
    page.wait_for_load_state()
    assert "Changes saved." in page.content()

    with db.engine().connect() as connection:
        row = connection.execute(text(
            "SELECT GeometryType(footprint) AS kind, ST_Contains(footprint, point) AS inside FROM asset "
            "WHERE id = :id"), {"id": asset_id}).one()
    assert row.kind == "MULTIPOLYGON" and row.inside
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []

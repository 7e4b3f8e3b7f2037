"""The alerts sign-up page in headless Chromium: accessible, no script error, nothing from another host."""

from urllib.parse import urlparse

from sqlalchemy import select, text

from registry import db

from .test_map import serious_accessibility_violations

EMAIL = "browser.subscriber@example.net"


def test_subscribe_page_is_accessible_and_subscribes_to_a_ward(page, live_server, app):
    with app.app_context():
        ward = db.session.execute(text("SELECT code FROM area_boundary WHERE kind = 'ward' ORDER BY code LIMIT 1")
                                  ).scalar()
    try:
        page.goto("/alerts")
        page.wait_for_selector(".leaflet-container")
        assert serious_accessibility_violations(page) == []
        page.fill("#email", EMAIL)
        page.check("input[name=area_kind][value=ward]")
        page.fill("#area_code", ward)
        page.check("input[name=events][value=disposal_notice]")
        page.click("form button.govuk-button:has-text('Subscribe')")
        page.wait_for_selector("h1")
        assert page.inner_text("h1") == "Check your email", page.inner_text("main")[:800]
        assert page.console_errors == []
        own = urlparse(live_server.url).netloc
        assert [u for u in page.requested_urls if urlparse(u).netloc not in (own, "")] == []
        with app.app_context():
            row = db.session.execute(text("SELECT area_kind, area_code, events, confirmed_at FROM alert_subscription "
                                          "WHERE email = :email"), {"email": EMAIL}).one()
        assert (row.area_kind, row.area_code, row.events, row.confirmed_at) == ("ward", ward, ["disposal_notice"],
                                                                                None)

        # The emailed link: opening it (what a mail scanner does) shows a button and starts nothing.
        with app.app_context():
            from registry import alerts

            token = alerts.confirmation_token(db.session.scalar(
                select(alerts.AlertSubscription).where(alerts.AlertSubscription.email == EMAIL)))
        page.goto(f"/alerts/confirm/{token}")
        assert page.inner_text("h1") == "Start your alerts"
        assert serious_accessibility_violations(page) == []
        with app.app_context():
            assert db.session.execute(text("SELECT confirmed_at FROM alert_subscription WHERE email = :email"),
                                      {"email": EMAIL}).scalar() is None
        page.click("#start-alerts")
        page.wait_for_selector("h1")
        assert page.inner_text("h1") == "Your alerts have started"
        assert page.console_errors == []
        with app.app_context():
            assert db.session.execute(text("SELECT confirmed_at FROM alert_subscription WHERE email = :email"),
                                      {"email": EMAIL}).scalar() is not None
    finally:
        with app.app_context():
            db.session.execute(text("DELETE FROM alert_subscription WHERE email = :email"), {"email": EMAIL})
            db.session.commit()

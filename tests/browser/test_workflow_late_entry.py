"""An officer keys in, two days late, a request to bid received on the interim moratorium's last day.

Headless Chromium against the live server: the case page offers the step although the registry's clock has
already ended the interim moratorium; entering it with the date it was received and why it is late gives
the full moratorium, and the timeline shows the automatic step superseded (the reason stays private).
"""

from datetime import timedelta

import pytest

from registry import db
from registry.uktime import today_uk
from registry.workflow import engine
from tests.browser.test_acv_flow import new_browser, sign_in_as  # noqa: F401  (new_browser is a fixture)
from tests.integration.workflow_world import build, list_asset, purge

pytestmark = pytest.mark.browser


@pytest.fixture()
def late_case(app):
    with app.app_context():
        w = build()
        received = today_uk() - timedelta(days=44)
        listed = list_asset(w, received - timedelta(days=20))
        case = engine.open_case("moratorium", "receive_notice", w.officer,
                                {"notice_received_on": received.isoformat(), "disposal_type": "freehold_sale"},
                                received, authority_code=listed.authority_code, asset_id=listed.asset_id,
                                parent_case_id=listed.id, title=listed.title)
        last_day = received + timedelta(days=41)  # 6 weeks beginning with the day of receipt
        engine.run_clocks(last_day + timedelta(days=1))
        db.session.commit()
        facts = {"case_id": case.id, "officer": w.officer.email, "cig": w.cig.id, "last_day": last_day,
                 "state": case.state}
        db.session.remove()
    yield facts
    with app.app_context():
        purge(w)
        db.session.remove()


def test_officer_enters_a_request_received_on_the_last_day_after_the_clock_ended_the_interim(page, late_case,
                                                                                             new_browser):  # noqa: F811
    assert late_case["state"] == "free_to_dispose"
    sign_in_as(page, late_case["officer"])
    page.goto(f"/cases/{late_case['case_id']}")
    form = page.locator("#step-request_to_bid")
    details = form.locator("xpath=ancestor::details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    day = late_case["last_day"]
    page.fill("#request_to_bid-organisation_id", str(late_case["cig"]))
    page.fill("#request_to_bid-request_received_on-day", str(day.day))
    page.fill("#request_to_bid-request_received_on-month", str(day.month))
    page.fill("#request_to_bid-request_received_on-year", str(day.year))
    page.fill("#request_to_bid-late_entry_reason", "Handed in at reception on the last day; keyed today.")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 0, page.locator(".govuk-error-summary").inner_text()
    timeline = page.locator("#timeline + ol").inner_text()
    assert "Superseded: Record that the interim moratorium ended" in timeline
    assert "Full moratorium" in timeline
    page = new_browser()  # the public: a browser nobody signed in with (the officer's may still be answered)
    page.goto(f"/cases/{late_case['case_id']}")
    public = page.content()
    assert "Full moratorium" in public and "reception" not in public
    assert page.console_errors == []

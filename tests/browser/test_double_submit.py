"""An expression of interest whose answer is lost, and is sent again, is lodged once (issue 12, item 8).

In headless Chromium against the live server: the first POST reaches the server (which lodges the EOI
and commits) but its answer is cut off, as on a dropped connection. The person goes back to the form,
which is fetched afresh (a new CSRF token), types the same again and sends it: they are taken to the
EOI lodged the first time, and the register holds one.
"""

import pytest
from sqlalchemy import text

from registry import db
from tests.integration.workflow_world import build, purge

from .test_acv_flow import sign_in_as

pytestmark = pytest.mark.browser

EOI = {"service_name": "Lost Answer Library Service", "outcomes": "Longer opening hours run by volunteers.",
       "financial_resources": "Reserves of 12,000 pounds.", "capability_evidence": "Ten years running it."}


@pytest.fixture()
def world(app):
    with app.app_context():
        w = build()
        db.session.commit()
        w.rep_email, w.authority = w.rep.email, w.asset.authority_code
        db.session.remove()
    yield w
    with app.app_context():
        purge(w)
        db.session.remove()


SEND = "form:has([name=service_name]) button[type=submit]"


def token_of(page) -> str:
    return page.locator("form:has([name=service_name]) [name=csrf_token]").input_value()


def fill_eoi(page):
    for name, value in EOI.items():
        page.fill(f"[name={name}]", value)
    choice = page.locator("[name=relevant_body_type]")
    if choice.first.evaluate("e => e.tagName") == "SELECT":
        choice.select_option("community_body")
    else:
        page.check("input[name=relevant_body_type][value=community_body]")


def lodged(app, organisation_id) -> list[int]:
    with app.app_context():
        try:
            return db.session.execute(text(
                "SELECT id FROM \"case\" WHERE process = 'right_to_challenge' AND organisation_id = :o "
                "AND title LIKE :t ORDER BY id"), {"o": organisation_id, "t": EOI["service_name"] + "%"}).scalars().all()
        finally:
            db.session.remove()


def test_an_eoi_whose_answer_is_lost_is_lodged_once_when_sent_again(app, page, world):
    sign_in_as(page, world.rep_email)
    url = f"/authorities/{world.authority}/challenge"
    first_answer = {}

    def lose_the_first_answer(route):
        if route.request.method == "POST" and not first_answer:
            answer = route.fetch(max_redirects=0)  # the server does the work and answers...
            first_answer.update(status=answer.status, location=answer.headers.get("location"))
            route.abort("connectionreset")  # ...but the answer never reaches the browser
        else:
            route.continue_()

    page.route(f"**{url}", lose_the_first_answer)
    page.goto(url)
    first_token = token_of(page)
    fill_eoi(page)
    try:
        page.locator(SEND).click()
        page.wait_for_load_state()
    except Exception:  # noqa: BLE001, S110 - the navigation fails: that is the lost answer
        pass
    assert first_answer["status"] == 302 and "/cases/" in first_answer["location"]
    assert len(lodged(app, world.group.id)) == 1
    first_case = int(first_answer["location"].split("/cases/")[1].split("?")[0])

    page.wait_for_timeout(1100)  # the token is signed with the time in seconds: a later page has a new one
    page.goto(url)  # back to the form: fetched afresh, with a new CSRF token
    assert token_of(page) != first_token
    fill_eoi(page)
    page.locator(SEND).click()
    page.wait_for_load_state()
    assert f"/cases/{first_case}" in page.url, page.url
    assert lodged(app, world.group.id) == [first_case]

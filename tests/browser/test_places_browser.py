"""Place search in headless Chromium with every other host blocked: neighbourhoods, towns, everyday names."""

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser


def block_other_hosts(page, live_server):
    own = urlparse(live_server.url).netloc
    blocked = []

    def route(r):
        if urlparse(r.request.url).netloc in (own, ""):
            return r.continue_()
        blocked.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    return blocked


def search_for(page, words):
    page.goto("/search")
    page.fill("#q", words)
    page.locator("form[action='/search'] button").first.click()
    page.wait_for_load_state("load")


def test_headingley_and_edinburgh_find_places_offline(page, live_server):
    blocked = block_other_hosts(page, live_server)
    search_for(page, "Headingley")
    assert page.locator("h1").inner_text().strip() == "Assets in Headingley & Hyde Park"
    assert "found" in page.locator("#result-count").inner_text()
    search_for(page, "edinburgh")
    assert page.locator("h1").inner_text().strip() == "Assets in City of Edinburgh Council"
    first = page.locator("#results tbody tr").first.inner_text()
    assert "City of Edinburgh Council" in first
    assert blocked == []
    assert page.console_errors == []


def test_unknown_postcode_offers_real_ones(page, live_server):
    block_other_hosts(page, live_server)
    search_for(page, "LS6 3ZZ")
    assert page.locator("h1").inner_text().strip() == "Postcode not found"
    suggestion = page.locator("#postcode-suggestions a").first
    chosen = suggestion.inner_text().strip()
    assert chosen.startswith("LS6 3")
    assert page.locator("#see-on-map").count() == 0
    suggestion.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().strip() == f"Assets near {chosen}"


def test_the_map_box_takes_town_hall_as_words_and_offers_the_place(page, live_server):
    blocked = block_other_hosts(page, live_server)
    page.goto("/map")
    page.locator("#map-filters summary").click()
    page.fill("#map-q", "Town Hall")
    page.locator("form[action='/map'] button").click()
    page.wait_for_load_state("load")
    assert "“Town Hall” is not the name of one" in page.locator("#map-words").inner_text()
    page.locator("#place-suggestion a").click()
    page.wait_for_load_state("load")
    assert page.locator("#map-words").count() == 0
    assert page.locator("#map-q").input_value() == "Hugh Town"
    assert blocked == []

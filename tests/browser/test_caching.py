"""A revalidated page still works in real Chromium: the 304 keeps the stored page's CSP nonce.

Chromium stores the public map page (Cache-Control: public, max-age=0,
must-revalidate), revalidates it on reload with If-None-Match, gets a 304 and
shows the stored page with its stored headers. Were the 304 to carry a fresh
CSP nonce, the stored page's scripts would be refused and the map would not draw.
"""

import pytest

pytestmark = pytest.mark.browser


def test_reloading_the_map_revalidates_with_304_and_its_scripts_still_run(page, live_server):
    first = page.goto("/map")
    assert first.status == 200 and first.headers["cache-control"] == "public, max-age=0, must-revalidate"
    page.wait_for_selector(".app-cluster", timeout=15_000)

    reloaded = page.reload()
    page.wait_for_selector(".app-cluster", timeout=15_000)
    assert reloaded.request.all_headers().get("if-none-match") == first.headers["etag"]
    # Playwright reports the stored page's status; the wire carried headers only (a 304, no body).
    assert first.request.sizes()["responseBodySize"] > 1000
    assert reloaded.request.sizes()["responseBodySize"] == 0, reloaded.request.sizes()
    assert [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e] == []
    assert page.console_errors == []

"""The public pages: search by postcode, place and words; asset, council and map pages."""

import re

import pytest

from sqlalchemy import text


def test_home_has_one_search_box(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count('type="search"') == 1 and 'action="/search"' in html


def test_postcode_search_lists_assets_nearest_first_with_distances(client):
    html = client.get("/search?q=ls1+1ur&radius=2000").get_data(as_text=True)
    assert "Assets near LS1 1UR" in html
    distances = [float(n) * (1000 if unit == "km" else 1)
                 for n, unit in re.findall(r'numeric">([\d.]+) (km|m)</td>', html)]
    assert distances and distances == sorted(distances) and distances[-1] <= 2000


def test_district_search_lists_that_councils_area(client):
    html = client.get("/search?q=Glasgow+City").get_data(as_text=True)
    assert "Assets in Glasgow City Council" in html  # the council's everyday name, searched by its area


def test_word_search_and_filters_and_paging(client):
    html = client.get("/search?q=pavilion&type=park_pavilion").get_data(as_text=True)
    assert "Pavilion" in html
    page2 = client.get("/search?q=&type=library&page=2").get_data(as_text=True)
    assert 'rel="prev"' in page2


def test_bad_filters_show_a_govuk_error_summary(client):
    response = client.get("/search?q=x&radius=7&type=castle")
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "Choose a type from the list." in html
    assert "Choose a distance from the list." in html


def test_asset_page_shows_details_and_its_footprint_map(client, db_session):
    asset_id, name = db_session.execute(text(
        "SELECT id, name FROM asset WHERE footprint IS NOT NULL AND NOT withheld ORDER BY id LIMIT 1")).one()
    html = client.get(f"/assets/{asset_id}").get_data(as_text=True)
    assert name in html and "Site boundary" in html and "MultiPolygon" in html
    assert "http://" not in re.sub(r'https?://localhost[^"]*', "", html.split("<footer")[0]).replace(
        "http://www.w3.org", "")


def test_authority_pages(client):
    assert "Leeds" in client.get("/authorities").get_data(as_text=True)
    html = client.get("/authorities/E08000035").get_data(as_text=True)
    assert "Leeds" in html and "approximate" in html
    assert client.get("/authorities/E99999999").status_code == 404


def test_map_page_is_a_skeleton_whatever_the_asset_count(client):
    response = client.get("/map")
    assert response.status_code == 200
    assert len(response.data) < 50_000
    html = response.get_data(as_text=True)
    assert "/tiles/assets/{z}/{x}/{y}.mvt" in html and "/api/map/clusters" in html
    assert re.search(r"/static/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js", html)  # fingerprinted (WhiteNoise)
    assert "cdn" not in html.lower()


def test_the_maps_list_link_lists_the_assets_in_the_map_area(client):
    bbox = "-1.60,53.78,-1.50,53.83"
    html = client.get(f"/search?bbox={bbox}").get_data(as_text=True)
    assert "Assets in the map area" in html
    expected = client.get(f"/api/collections/assets/items?bbox={bbox}&limit=1").get_json()["numberMatched"]
    assert f"{expected:,} asset" in html
    assert "govuk-error-summary" in client.get("/search?bbox=nonsense").get_data(as_text=True)


def test_the_map_goes_to_a_place_and_search_results_keep_it(client):
    html = client.get("/map?q=LS1+1UR").get_data(as_text=True)
    assert 'value="LS1 1UR"' in html and "53.80" in html  # centred on the postcode
    assert "govuk-error-message" in client.get("/map?q=ZZ99+9ZZ").get_data(as_text=True)
    results = client.get("/search?q=LS1+1UR").get_data(as_text=True)
    assert 'href="/map?q=LS1+1UR"' in results
    assert "found within" in " ".join(results.split())


def test_empty_pages_say_why(client):
    assert "There are no more results" in client.get("/search?q=LS1+1UR&page=400").get_data(as_text=True)
    assert "Try other words" in client.get("/search?q=zzzqqqxx").get_data(as_text=True)


# ------------------------------------------------------------------ a 404 in our words, naming what exists


@pytest.mark.parametrize(("path", "says", "links"), [
    ("/registers/nope", "There is no register called “nope”.",
     ["/registers/assets-of-community-value", "/registers/unsuccessful-nominations",
      "/registers/right-to-challenge-decisions"]),
    ("/registers/nope.csv", "There is no register called “nope” as CSV.",
     ["/registers/assets-of-community-value.csv", "/registers/unsuccessful-nominations.csv",
      "/registers/right-to-challenge-decisions.csv"]),
    ("/dashboard/nope.csv", "There is no chart called “nope” to download.",
     ["/dashboard/assets-by-status.csv", "/dashboard/cases-by-process.csv", "/dashboard/time-to-decision.csv",
      "/dashboard/transfers.csv", "/dashboard/clawback.csv"]),
    ("/authorities/E08000035/dashboard/nope.csv", "There is no chart called “nope” to download.",
     ["/authorities/E08000035/dashboard/assets-by-status.csv", "/authorities/E08000035/dashboard/cases-by-process.csv",
      "/authorities/E08000035/dashboard/time-to-decision.csv", "/authorities/E08000035/dashboard/transfers.csv",
      "/authorities/E08000035/dashboard/clawback.csv"]),
])
def test_an_unknown_register_or_chart_is_a_404_page_listing_what_exists(client, path, says, links):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Page not found</h1>" in html and says in html
    listed = re.search(r'<ul class="govuk-list govuk-list--bullet" id="what-exists">(.*?)</ul>', html, re.S)
    assert listed and re.findall(r'href="([^"]+)"', listed.group(1)) == links
    assert "requested URL was not found" not in html
    for link in links:
        assert client.get(link).status_code == 200


def test_an_unknown_page_and_api_path_answer_in_our_words(client):
    page = client.get("/no-such-page")
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "<title>Page not found" in html and "requested URL" not in html
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert api.get_json()["detail"] == ("There is nothing at /api/no-such-thing. The API's start is /api, "
                                        "and /api/openapi lists every path it answers.")

"""The search page says what is true, in plain words (the new user's walk, findings 7, 8 and 18).

- The count: "1 asset found.", "No assets found.", and for a text search of common words (which is not
  counted, registry/search.py) "Showing the best matches first; there are more." — never "More than 10,000".
- The box is read as a place only when it is a postcode (or code) or the whole of a place's name; a near
  name ("Town Hall" is like "Hugh Town", "Hedingley" like Headingley) is a word search with the place offered.
- A bad filter answers 400 with the page and its error.

Expected values come from the rows the tests insert, the ward's ONS code and the finding's own words.
"""

import re

import pytest
from sqlalchemy import text

from registry import search

ROCKALL = (-13.7, 57.6)  # far from every demo asset


def _insert(db_session, names):
    for i, name in enumerate(names):
        db_session.execute(text(
            "INSERT INTO asset (authority_code, reference, name, asset_type, point) "
            "VALUES ('E08000035', :ref, :name, 'community_centre', "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
            {"ref": f"WORDS-{i}", "name": name, "lon": ROCKALL[0] + i * 0.001, "lat": ROCKALL[1]})
    db_session.commit()


def count_sentence(html: str) -> str:
    found = re.search(r'<p class="govuk-body" id="result-count">(.*?)</p>', html, re.S)
    assert found, "the page has no count sentence"
    return " ".join(found.group(1).split())


def test_one_match_is_counted_with_no_space_before_the_full_stop(client, db_session):
    _insert(db_session, ["Zorblewick Institute"])
    html = client.get("/search", query_string={"q": "Zorblewick"}).get_data(as_text=True)
    assert count_sentence(html) == "1 asset found."
    assert "Zorblewick Institute" in html


def test_no_match_says_no_assets_found(client):
    html = client.get("/search", query_string={"q": "Zebedee"}).get_data(as_text=True)
    assert count_sentence(html) == "No assets found."


def test_a_text_search_left_uncounted_does_not_claim_ten_thousand(client, db_session, monkeypatch):
    # 25 matches: more than a page of 20. With the text caps made small, 25 is as many as common words
    # in a register of a million: too many to count for less than the page costs, so the count is left out.
    _insert(db_session, [f"Quibblethorpe Rooms {n}" for n in range(25)])
    monkeypatch.setattr(search, "TEXT_SCAN_ROWS", 5)
    monkeypatch.setattr(search, "TEXT_COUNT_CAP", 10)
    assert search.find_assets(search.AssetQuery(q="Quibblethorpe", limit=20)).number_matched is None
    html = client.get("/search", query_string={"q": "Quibblethorpe"}).get_data(as_text=True)
    assert count_sentence(html) == "Showing the best matches first; there are more."
    assert "More than" not in html and 'rel="next"' in html
    last = client.get("/search", query_string={"q": "Quibblethorpe", "page": 2}).get_data(as_text=True)
    assert last.count("Quibblethorpe Rooms") == 2 * 5  # the table and the phone list each list the last 5
    assert 'rel="next"' not in last and "More than" not in last


def test_town_hall_is_a_word_search_with_the_place_offered(client, db_session):
    _insert(db_session, ["Zorblewick Town Hall"])
    html = client.get("/search", query_string={"q": "Town Hall"}).get_data(as_text=True)
    assert "Assets matching “Town Hall”" in html
    assert "Zorblewick Town Hall" in html
    assert "of Hugh Town" not in html and "nearest first" not in html
    offer = re.search(r'id="place-suggestion">Did you mean the place <a class="govuk-link" href="([^"]+)">'
                      r'Hugh Town', html)
    assert offer, "the place is offered"
    picked = client.get(offer.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Assets near Hugh Town" in picked  # chosen by the user: now the place


@pytest.mark.parametrize("typed", ["town hall", "TOWN HALL."])
def test_town_hall_in_any_case_is_words(client, typed):
    html = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert "Assets matching" in html and "Assets near Hugh Town" not in html


@pytest.mark.parametrize("typed", ["Headingley", "headingley!", "E05011397"])
def test_a_whole_place_name_or_its_code_is_still_the_place(client, typed):
    expected = client.get("/api/collections/assets/items?area=E05011397&limit=1000").get_json()["features"]
    html = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert "Assets in Headingley &amp; Hyde Park" in html and 'id="place-suggestion"' not in html
    noun = "asset" if len(expected) == 1 else "assets"
    assert count_sentence(html) == f"{len(expected)} {noun} found."


def test_a_misspelt_place_is_words_with_the_place_offered(client):
    html = client.get("/search", query_string={"q": "Hedingley"}).get_data(as_text=True)
    assert "Assets matching “Hedingley”" in html
    assert 'href="/search?q=E05011397&amp;radius=2000">Headingley &amp; Hyde Park (Leeds City Council)</a>?' in html


def test_a_postcode_is_still_a_place_with_the_radius_in_words(client):
    html = client.get("/search", query_string={"q": "LS1 1UR"}).get_data(as_text=True)
    assert "Assets near LS1 1UR" in html
    assert re.fullmatch(r"[\d,]+ assets? found within 2\.0 km of LS1 1UR, nearest first\.", count_sentence(html))


@pytest.mark.parametrize(("args", "message"), [
    ({"q": "LS6 2AA", "radius": "abc"}, "Choose a distance from the list."),
    ({"q": "x", "type": "castle"}, "Choose a type from the list."),
])
def test_a_bad_filter_answers_400_with_the_page_and_its_error(client, args, message):
    response = client.get("/search", query_string=args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and message in html and 'action="/search"' in html


@pytest.mark.parametrize(("typed", "heading"), [
    ("edinburgh", "Assets in City of Edinburgh Council"),  # a council's everyday name
    ("Leeds City Council", "Assets in Leeds City Council"),
    ("Harrogate", "Assets near Harrogate"),  # a town (GeoNames)
    ("ls6", "Assets near LS6"),  # a postcode district
])
def test_other_whole_names_and_codes_stay_places(client, typed, heading):
    html = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert heading in html and 'id="place-suggestion"' not in html


# ------------------------------------------------------------------ the map's own box follows the same rule


def test_the_map_box_reads_town_hall_as_words_and_offers_hugh_town(client):
    html = client.get("/map", query_string={"q": "Town Hall"}).get_data(as_text=True)
    assert 'id="map-words"' in html and "govuk-error-message" not in html
    assert "center: [54.0, -2.5]" in html and "49.9" not in html  # not moved to Hugh Town (Scilly, 49.91 N)
    listed = re.search(r'id="map-words-list" href="([^"]+)"', html)
    assert listed and listed.group(1) == "/search?q=Town+Hall"
    offer = re.search(r'id="place-suggestion">Did you mean the place <a class="govuk-link" href="([^"]+)">'
                      r'Hugh Town', html)
    assert offer, "the place is offered"
    picked = client.get(offer.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'id="map-words"' not in picked and "center: [49.9" in picked  # chosen by the user: now the place


@pytest.mark.parametrize("typed", ["Headingley", "E05011397", "LS1 1UR"])
def test_the_map_box_still_goes_to_a_whole_place_name_a_code_or_a_postcode(client, typed):
    html = client.get("/map", query_string={"q": typed}).get_data(as_text=True)
    assert 'id="map-words"' not in html and 'id="place-suggestion"' not in html
    assert "center: [53.8" in html  # centred in Leeds (Headingley 53.82, LS1 1UR 53.80)


def test_the_map_box_keeps_the_filters_on_the_word_search_link(client):
    html = client.get("/map", query_string={"q": "Hedingley", "type": "library"}).get_data(as_text=True)
    listed = re.search(r'id="map-words-list" href="([^"]+)"', html)
    assert listed and listed.group(1).replace("&amp;", "&") == "/search?type=library&q=Hedingley"
    assert re.search(r'id="place-suggestion">Did you mean the place <a class="govuk-link" '
                     r'href="/map\?q=E05011397&amp;type=library">Headingley &amp; Hyde Park', html)


def test_see_these_on_the_map_from_a_ward_search_lands_on_the_ward(client):
    html = client.get("/search", query_string={"q": "headingley!"}).get_data(as_text=True)
    link = re.search(r'id="see-on-map" href="([^"]+)"', html)
    assert link and link.group(1) == "/map?q=E05011397"
    landed = client.get(link.group(1)).get_data(as_text=True)
    assert 'id="map-words"' not in landed and "center: [53.8" in landed

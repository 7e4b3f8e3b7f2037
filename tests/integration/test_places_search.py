"""Place search offline: towns, wards and councils by everyday names; unknown postcodes said to be unknown.

The test set-up loads the GeoNames gazetteer and the Leeds ward extract (tests/conftest.py), as bin/serve does.
Expected answers are the places' real codes and positions (ONS codes, map positions known independently).
"""

import pytest
from sqlalchemy import text

from registry import places


@pytest.mark.parametrize(("typed", "kind", "code", "name"), [
    ("Headingley", "ward", "E05011397", "Headingley & Hyde Park"),
    ("headingley", "ward", "E05011397", "Headingley & Hyde Park"),
    ("Hedingley", "ward", "E05011397", "Headingley & Hyde Park"),  # a letter missing
    ("Kirkstall", "ward", "E05011402", "Kirkstall"),
    ("KIRKSTAL", "ward", "E05011402", "Kirkstall"),
    ("Edinburgh", "district", "S12000036", "City of Edinburgh Council"),
    ("Edinbrugh", "district", "S12000036", "City of Edinburgh Council"),  # two letters swapped
    ("Bristol", "district", "E06000023", "Bristol City Council"),
    ("Leeds City Council", "district", "E08000035", "Leeds City Council"),
    ("Glasgow", "district", "S12000049", "Glasgow City Council"),
    ("E05011402", "ward", "E05011402", "Kirkstall"),
])
def test_places_and_areas_resolve(db_session, typed, kind, code, name):
    found = places.find_place(typed)
    assert (found["kind"], found["code"], found["name"]) == (kind, code, name)
    assert found["bbox"][0] < found["lon"] < found["bbox"][2]


@pytest.mark.parametrize(("typed", "name", "lat", "lon"), [
    ("Harrogate", "Harrogate", 53.99, -1.54),  # North Yorkshire spa town
    ("harogate", "Harrogate", 53.99, -1.54),
    ("Otley", "Otley", 53.905, -1.694),  # Otley in Wharfedale (14,000 people), not the Suffolk village
    ("Horsforth", "Horsforth", 53.843, -1.638),
])
def test_towns_from_the_offline_gazetteer(db_session, typed, name, lat, lon):
    found = places.find_place(typed)
    assert found["name"] == name and found["kind"] in ("town", "city", "village")
    assert abs(found["lat"] - lat) < 0.02 and abs(found["lon"] - lon) < 0.02


def test_exact_before_prefix_before_fuzzy(db_session):
    ranked = [m["name"] for m in places.search_places("Leeds")]
    assert ranked[0] == "Leeds City Council"
    assert "Leeds" in ranked[1:]  # the city itself is offered too
    prefix = places.search_places("Kirkst")
    assert prefix[0]["name"] == "Kirkstall" and prefix[0]["how"] == 1


def unknown_in_a_real_sector(db_session) -> str:
    code = "LS6 3ZZ"
    assert db_session.execute(text("SELECT count(*) FROM postcode WHERE postcode = :p"), {"p": code}).scalar() == 0
    assert db_session.execute(text("SELECT count(*) FROM postcode WHERE postcode LIKE 'LS6 3%'")).scalar() > 0
    return code


def test_unknown_postcode_is_said_to_be_unknown_with_suggestions(db_session, client):
    code = unknown_in_a_real_sector(db_session)
    with pytest.raises(places.UnknownPostcode) as caught:
        places.find_place(code.lower().replace(" ", ""))
    suggestions = caught.value.extra["suggestions"]
    assert 1 <= len(suggestions) <= 5 and all(s.startswith("LS6 3") for s in suggestions)
    real = set(db_session.scalars(text("SELECT postcode FROM postcode WHERE postcode = ANY(:s)"),
                                  {"s": suggestions}))
    assert real == set(suggestions)

    page = client.get("/search", query_string={"q": code}).get_data(as_text=True)
    assert "LS6 3ZZ</strong> is not a postcode we know" in page
    assert 'id="postcode-suggestions"' in page and suggestions[0] in page
    assert "See these on the map" not in page and 'id="result-count"' not in page

    api = client.get("/api/places", query_string={"q": code})
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    body = api.get_json()
    assert body["postcode"] == "LS6 3ZZ" and body["suggestions"] == suggestions and body["invalid_param"] == "q"


def test_postcode_of_an_area_that_does_not_exist(db_session, client):
    page = client.get("/search", query_string={"q": "XX99 9XX"}).get_data(as_text=True)
    assert "XX99 9XX</strong> is not a postcode we know" in page and "No postcodes start XX99" in page
    assert "See these on the map" not in page
    body = client.get("/api/places", query_string={"q": "XX99 9XX"}).get_json()
    assert body["status"] == 404 and body["suggestions"] == []


def test_a_ward_searches_by_its_boundary(db_session, client):
    expected = client.get("/api/collections/assets/items?area=E05011397&limit=1000").get_json()["features"]
    page = client.get("/search", query_string={"q": "Headingley"}).get_data(as_text=True)
    assert "Assets in Headingley &amp; Hyde Park" in page
    noun = "asset" if len(expected) == 1 else "assets"
    assert f"{len(expected)} {noun} found" in page


def test_everyday_council_names_on_pages_ons_names_in_data(db_session, client):
    asset_id = db_session.execute(text("SELECT id FROM asset WHERE authority_code = 'E06000023' AND NOT withheld "
                                       "ORDER BY id LIMIT 1")).scalar()
    page = client.get(f"/assets/{asset_id}").get_data(as_text=True)
    assert "Bristol City Council" in page and "Bristol, City of" not in page
    results = client.get("/search", query_string={"q": "Bristol"}).get_data(as_text=True)
    assert "Bristol City Council" in results and "Bristol, City of" not in results
    councils = client.get("/authorities").get_data(as_text=True)
    assert "City of Edinburgh Council" in councils and "Leeds City Council" in councils
    data = client.get(f"/api/collections/assets/items/{asset_id}").get_json()
    assert data["properties"]["authority_name"] == "Bristol, City of"  # data outputs keep the ONS name


@pytest.mark.parametrize("words", ["park", "school", "church hall", "car park", "community centre", "pub",
                                   "swimming pool", "allotments", "land"])
def test_everyday_search_words_stay_word_searches(db_session, client, words):
    with pytest.raises(places.NotFound):
        places.find_place(words)
    page = client.get("/search", query_string={"q": words}).get_data(as_text=True)
    assert f"Assets matching “{words}”" in page

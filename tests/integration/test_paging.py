"""No `next` link on the last page, even when the result is an exact multiple of the page size."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from registry import search

ROCKALL = (-13.75, 57.55, -13.55, 57.65)  # far from every demo asset
BBOX = ",".join(map(str, ROCKALL))


@pytest.fixture()
def six_assets(db_session):
    return _insert(db_session, 6)


def _insert(db_session, n):
    db_session.execute(text(
        "INSERT INTO asset (authority_code, reference, name, asset_type, point) "
        "SELECT 'E08000035', 'PAGING-' || g, 'Pagingtest hall ' || g, 'library', "
        "ST_SetSRID(ST_MakePoint(-13.7 + g * 0.001, 57.6), 4326) FROM generate_series(1, :n) g"), {"n": n})
    db_session.commit()
    return n


def rels(document):
    return {link["rel"]: link["href"] for link in document["links"]}


def test_ogc_keyset_paging_ends_without_next_on_an_exact_last_page(client, six_assets):
    first = client.get(f"/api/collections/assets/items?bbox={BBOX}&limit=3").get_json()
    assert first["numberReturned"] == 3 and first["numberMatched"] == 6
    assert "next" in rels(first)
    next_url = urlsplit(rels(first)["next"])
    second = client.get(f"{next_url.path}?{next_url.query}").get_json()
    assert second["numberReturned"] == 3
    assert "next" not in rels(second)
    ids = [f["id"] for f in first["features"] + second["features"]]
    assert len(set(ids)) == 6


@pytest.mark.parametrize("query", ["limit=6", "limit=3&offset=3", "limit=2&offset=4"])
def test_ogc_offset_paging_has_no_next_on_an_exact_last_page(client, six_assets, query):
    document = client.get(f"/api/collections/assets/items?bbox={BBOX}&{query}").get_json()
    assert document["numberReturned"] > 0
    assert "next" not in rels(document)


def test_ogc_html_items_page_says_page_n_of_m(client, six_assets):
    page = client.get(f"/api/collections/assets/items?bbox={BBOX}&limit=2&offset=2&f=html").get_data(as_text=True)
    assert "Page 2 of 3" in page and 'rel="next"' in page
    last = client.get(f"/api/collections/assets/items?bbox={BBOX}&limit=2&offset=4&f=html").get_data(as_text=True)
    assert "Page 3 of 3" in last and 'rel="next"' not in last


def test_has_more_probes_when_the_count_is_unknown(db_session, six_assets):
    by_id = search.AssetQuery(bbox=ROCKALL, limit=3)
    rows = search.find_assets(by_id).rows
    assert search.has_more(by_id, rows)
    after = search.AssetQuery(bbox=ROCKALL, limit=3, after_id=rows[-1]["id"])
    last = search.find_assets(after).rows
    assert len(last) == 3 and not search.has_more(after, last)
    ranked = search.AssetQuery(bbox=ROCKALL, q="Pagingtest", limit=3, offset=3)
    assert not search.has_more(ranked, search.find_assets(ranked).rows)


def test_html_search_numbers_pages_and_ends_without_next(client, db_session):
    _insert(db_session, 40)  # exactly two pages of 20
    first = client.get("/search?q=Pagingtest").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert re.search(r'aria-label="Page 2"', first)
    last = client.get("/search?q=Pagingtest&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in last and 'rel="next"' not in last and 'rel="prev"' in last
    assert 'aria-current="page"' in last


@pytest.mark.parametrize("offset", [0, 2, 4])
def test_a_page_past_the_count_cap_is_still_the_first_ids_in_order(db_session, monkeypatch, offset):
    """Up to the cap, the page and its count come from one scan of the matching ids; past it the page is
    walked on its own and numberMatched is left out. Both give the page an ORDER BY id LIMIT gives."""
    _insert(db_session, 6)
    expected = db_session.execute(text(
        "SELECT id FROM asset WHERE reference LIKE 'PAGING-%' ORDER BY id LIMIT 2 OFFSET :offset"),
        {"offset": offset}).scalars().all()
    assert len(expected) == 2
    query = search.AssetQuery(bbox=ROCKALL, limit=2, offset=offset)
    counted = search.find_assets(query)
    assert [row["id"] for row in counted.rows] == expected and counted.number_matched == 6
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    capped = search.find_assets(query)
    assert [row["id"] for row in capped.rows] == expected and capped.number_matched is None


def test_a_page_past_the_end_still_gets_its_count(db_session):
    _insert(db_session, 6)
    result = search.find_assets(search.AssetQuery(bbox=ROCKALL, limit=3, offset=9))
    assert result.rows == [] and result.number_matched == 6

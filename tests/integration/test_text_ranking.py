"""Ranked text search (issue 14 item 3): the order worked out by hand from the field weights.

The rule (registry/search.py): an asset whose name holds the whole query comes first
(weight A), then one whose name and address hold it (A, B), then one that holds it
anywhere (A, B, C: description and current use too); within a tier, the lower id
first. The assets are inserted so that id order is the opposite of weight order, so
an implementation ordering by id alone, or by tier the wrong way round, fails.
"""

import pytest
from sqlalchemy import text

from registry import search

ROCKALL_WEST = (-14.5, 57.0, -14.0, 57.3)  # far from every demo asset

# key: (authority, name, address, description, current_use, withheld), inserted in this order
ASSETS = {
    "description_only": ("E08000035", "Old Sorting Office", None, "Home of the quokka club", None, False),
    "address_only": ("E08000035", "The Old Forge", "1 Quokka Lane", None, None, False),
    "name": ("E08000035", "Quokka Hall", None, None, None, False),
    "name_and_more": ("E08000035", "Old Quokka Rooms", None, "Quokka quokka", None, False),
    "current_use_only": ("S12000036", "Harbour Store", None, None, "Quokka watching", False),
    "withheld_name": ("E08000035", "Quokka Refuge", None, None, None, True),
    "hall_name_quokka_address": ("E08000035", "Hall of Fame", "2 Quokka Road", None, None, False),
    "quokka_name_hall_description": ("E08000035", "Quokka Barn", None, "The village hall's barn", None, False),
}


@pytest.fixture()
def ranked_assets(db_session):
    ids = {}
    for i, (key, (authority, name, address, description, current_use, withheld)) in enumerate(ASSETS.items()):
        ids[key] = db_session.execute(text(
            "INSERT INTO asset (authority_code, reference, name, address, description, current_use, withheld, "
            "asset_type, point) VALUES (:authority, :reference, :name, :address, :description, :current_use, "
            ":withheld, 'other', ST_SetSRID(ST_MakePoint(:lon, 57.1), 4326)) RETURNING id"),
            {"authority": authority, "reference": f"RANK-{key}", "name": name, "address": address,
             "description": description, "current_use": current_use, "withheld": withheld,
             "lon": -14.4 + i * 0.01}).scalar_one()
    db_session.commit()
    return ids


def ranked_keys(ids, q, **filters):
    by_id = {v: k for k, v in ids.items()}
    result = search.find_assets(search.AssetQuery(q=q, limit=50, **filters))
    return [by_id[row["id"]] for row in result.rows], result.number_matched


# Worked by hand: tier 1 (name) by id, then tier 2 (name + address), then tier 3 (anywhere).
HAND_WORKED = [
    pytest.param("quokka", {},
                 ["name", "name_and_more", "quokka_name_hall_description",
                  "address_only", "hall_name_quokka_address",
                  "description_only", "current_use_only"], id="one_word_name_then_address_then_description"),
    pytest.param("quokka hall", {},
                 ["name", "hall_name_quokka_address", "quokka_name_hall_description"],
                 id="all_words_in_name_before_name_plus_address_before_anywhere"),
    pytest.param('"quokka hall"', {}, ["name"], id="phrase_only_where_the_words_are_adjacent"),
    pytest.param("quokka -hall", {}, ["name_and_more", "address_only", "description_only", "current_use_only"],
                 id="not_applies_to_every_field"),
    pytest.param("quokka or forge", {},  # "The Old Forge" has forge in its name: tier 1, and the lowest id there
                 ["address_only", "name", "name_and_more", "quokka_name_hall_description",
                  "hall_name_quokka_address",
                  "description_only", "current_use_only"], id="or_the_forge_is_in_the_name"),
    pytest.param("quokka", {"authority": "S12000036"}, ["current_use_only"], id="authority_filter"),
    pytest.param("quokka", {"types": ["library"]}, [], id="type_filter_excludes_all"),
    pytest.param("quokka", {"bbox": ROCKALL_WEST},
                 ["name", "name_and_more", "quokka_name_hall_description",
                  "address_only", "hall_name_quokka_address",
                  "description_only", "current_use_only"], id="bbox_filter_keeps_the_order"),
]


@pytest.mark.parametrize("q, filters, expected", HAND_WORKED)
def test_text_search_ranks_by_field_weight_then_id(db_session, ranked_assets, q, filters, expected):
    keys, matched = ranked_keys(ranked_assets, q, **filters)
    assert keys == expected
    assert matched == len(expected)


@pytest.mark.parametrize("scan_rows", [1, 3, 100_000])
def test_the_bounded_walk_and_the_index_list_give_the_same_order(db_session, ranked_assets, monkeypatch, scan_rows):
    # No narrowing filter, so each tier walks first. 1: every walk falls short and the tier's
    # GIN list answers; 100,000: the walk sees every asset.
    # Pages of two, so that the walk finds the rows it needs in some tiers and not in others.
    monkeypatch.setattr(search, "TEXT_SCAN_ROWS", scan_rows)
    by_id = {v: k for k, v in ranked_assets.items()}
    keys = []
    for offset in range(0, 8, 2):
        page = search.find_assets(search.AssetQuery(q="quokka", limit=2, offset=offset))
        keys += [by_id[row["id"]] for row in page.rows]
    assert keys == ["name", "name_and_more", "quokka_name_hall_description", "address_only",
                    "hall_name_quokka_address", "description_only", "current_use_only"]


# What the statistics may say of the words' shares per tier (name; name and address; anywhere): unknown
# (walk, the lower tiers in one pass), too rare for any walk (straight to the GIN lists), common
# everywhere (each tier's own walk), common in names only. Whatever they say, the answer is the same.
SHARES = {"unknown": (None, None, None), "rare": (0.0, 0.0, 0.0), "common": (1.0, 1.0, 1.0),
          "names_only": (1.0, 0.0, 0.0)}


@pytest.mark.parametrize("shares", SHARES.values(), ids=SHARES.keys())
@pytest.mark.parametrize("scan_rows", [1, 3, 100_000])
@pytest.mark.parametrize("q, filters, expected", HAND_WORKED)
def test_the_words_statistics_choose_the_path_never_the_answer(db_session, ranked_assets, monkeypatch, shares,
                                                               scan_rows, q, filters, expected):
    monkeypatch.setattr(search, "_tier_shares", lambda words: shares)
    monkeypatch.setattr(search, "TEXT_SCAN_ROWS", scan_rows)
    keys, matched = ranked_keys(ranked_assets, q, **filters)
    assert keys == expected
    assert matched == len(expected)


def test_the_shares_come_from_the_statistics_analyze_keeps(db_session):
    """text_tier_shares (migration 0026), read by the app role, against a count of the committed register:
    ANALYZE samples every row of a register this small, so a common word's share is its exact fraction of
    assets; a word no asset holds has share 0 (the list is far from full); an OR, or stop words only, give
    no estimate."""
    from ..conftest import owner_engine

    with owner_engine().begin() as owner:
        owner.execute(text("ANALYZE asset"))
        fraction = owner.execute(text(
            "SELECT avg((search_vector @@ to_tsquery('english', 'library'))::int)::float8, "
            "avg((ts_filter(search_vector, '{a}') @@ to_tsquery('english', 'library'))::int)::float8 "
            "FROM asset")).one()
    assert fraction[0] > 0.01  # the demo register has libraries
    shares = db_session.execute(text(
        "SELECT text_tier_shares(websearch_to_tsquery('english', 'library'))")).scalar_one()
    assert shares[2] == pytest.approx(fraction[0], abs=1e-6)
    assert shares[0] == pytest.approx(fraction[1], abs=1e-6)
    # Names and descriptions hold fewer distinct words than a full list (10 × the statistics target, 1,000)
    # and names with addresses more: a missing word is below ANALYZE's cut-off in the first (share 0), at most the
    # lowest share kept in the second.
    distinct = db_session.execute(text(
        "SELECT count(DISTINCT w) FILTER (WHERE k = 'a'), count(DISTINCT w) FILTER (WHERE k = 'ab') FROM asset, "
        "LATERAL (VALUES ('a', ts_filter(search_vector, '{a}')), ('ab', ts_filter(search_vector, '{a,b}'))) v(k, tv), "
        "unnest(tsvector_to_array(v.tv)) w")).one()
    assert distinct[0] < 1000 < distinct[1]
    rare = db_session.execute(text("SELECT text_tier_shares(websearch_to_tsquery('english', 'zzyzxq'))")).scalar_one()
    # Dropped from the full name-and-address list: bounded by the lowest share that list kept (migration
    # 0031), read here straight from pg_stats by the owner, which pg_stats appends after the shares.
    with owner_engine().begin() as owner:
        lowest = owner.execute(text(
            "SELECT most_common_elem_freqs[cardinality(most_common_elems::text::text[]) + 1] FROM pg_stats "
            "WHERE tablename = 'ix_asset_search_name_address'")).scalar_one()
    assert 0 < lowest < 0.01
    assert rare[0] == 0 and rare[1] == pytest.approx(lowest)
    for unknown in ("library or museum", "the"):
        assert db_session.execute(text("SELECT text_tier_shares(websearch_to_tsquery('english', :q))"),
                                  {"q": unknown}).scalar_one() == [None, None, None]


def test_text_pages_follow_the_ranking_and_count_honestly(client, ranked_assets):
    from urllib.parse import urlencode

    names = []
    url = "/api/collections/assets/items?" + urlencode({"q": "quokka", "limit": 3})
    while url:
        document = client.get(url).get_json()
        assert document["numberMatched"] == 7
        names += [f["properties"]["name"] for f in document["features"]]
        url = next((link["href"] for link in document["links"] if link["rel"] == "next"), None)
    assert names == ["Quokka Hall", "Old Quokka Rooms", "Quokka Barn", "The Old Forge", "Hall of Fame",
                     "Old Sorting Office", "Harbour Store"]


@pytest.mark.parametrize("shares", SHARES.values(), ids=SHARES.keys())
@pytest.mark.parametrize("scan_rows", [1, 3, 100_000])
def test_a_text_page_knows_whether_more_follow(db_session, ranked_assets, monkeypatch, shares, scan_rows):
    # Seven assets match "quokka" (HAND_WORKED): a page ending before the seventh has more, one ending
    # on it or past it has none, whichever path found the rows; has_more, asked apart, agrees.
    monkeypatch.setattr(search, "_tier_shares", lambda words: shares)
    monkeypatch.setattr(search, "TEXT_SCAN_ROWS", scan_rows)
    for limit, offset, expected in [(2, 0, True), (6, 0, True), (7, 0, False), (3, 4, False), (3, 3, True),
                                    (10, 0, False)]:
        query = search.AssetQuery(q="quokka", limit=limit, offset=offset)
        result = search.find_assets(query)
        assert result.more is expected, (limit, offset)
        assert search.has_more(query, result.rows) is expected, (limit, offset)

"""Several live statuses at once (issue 11 item 8) and the one status rule (issue 9 item 7)."""

from datetime import date

import pytest

from registry.workflow import engine

from .workflow_world import build, list_asset

TODAY = date(2026, 6, 1)


@pytest.fixture()
def world(db_session):
    return build()


def request_transfer(world):
    return engine.open_case("cat", "submit_eoi", world.rep,
                            {"proposal": "A community café", "community_benefit": "A warm space",
                             "tenure_sought": "lease", "funding": "Private: grant bid"}, TODAY,
                            authority_code=world.asset.authority_code, asset_id=world.asset.id,
                            organisation_id=world.group.id)


def found_ids(client, status, authority):
    document = client.get(f"/api/collections/assets/items?status={status}&authority={authority}&limit=1000").get_json()
    return {f["id"] for f in document["features"]}


def test_a_listed_asset_with_an_open_transfer_request_has_both_statuses(world, client, db_session):
    list_asset(world, TODAY)
    assert world.asset.live_statuses == ["listed"]
    request_transfer(world)
    assert world.asset.live_statuses == ["under_consideration", "listed"]
    assert world.asset.live_status == "under_consideration"  # the headline: the strongest
    db_session.commit()

    authority = world.asset.authority_code
    assert world.asset.id in found_ids(client, "listed", authority)
    assert world.asset.id in found_ids(client, "under_consideration", authority)
    assert world.asset.id in found_ids(client, world.asset.surplus_status, authority)
    assert world.asset.id not in found_ids(client, "in_moratorium", authority)

    # The HTML search uses the same rule.
    for status in ("listed", "under_consideration"):
        page = client.get(f"/search?status={status}&q={world.asset.name.split()[0]}").get_data(as_text=True)
        assert f'/assets/{world.asset.id}"' in page

    page = client.get(f"/assets/{world.asset.id}").get_data(as_text=True)
    assert "Listed" in page and "Under consideration" in page
    assert "Running processes" in page

    feature = client.get(f"/api/collections/assets/items/{world.asset.id}").get_json()
    assert feature["properties"]["live_statuses"] == ["under_consideration", "listed"]


def test_the_council_page_counts_each_running_status(world, client, db_session):
    list_asset(world, TODAY)
    request_transfer(world)
    db_session.commit()
    authority = world.asset.authority_code
    page = client.get(f"/authorities/{authority}").get_data(as_text=True)
    listed = len(found_ids(client, "listed", authority))
    considered = len(found_ids(client, "under_consideration", authority))
    assert listed >= 1 and considered >= 1
    assert f'status=listed">{listed}</a>' in page
    assert f'status=under_consideration">{considered}</a>' in page


def test_declining_the_request_leaves_the_listing(world):
    list_asset(world, TODAY)
    case = request_transfer(world)
    engine.transition(case.id, "decline_eoi", world.officer, {"reasons": "Asset needed operationally"}, TODAY)
    assert case.state == "eoi_declined"
    assert world.asset.live_statuses == ["listed"] and world.asset.live_status == "listed"

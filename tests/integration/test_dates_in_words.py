"""Feeds and register pages for people say dates in words ("2 March 2026"), as emails do; the Atom elements that
programs read (<updated>) keep RFC 3339, which RFC 4287 s.3.3 requires. The date is the one the test
lists the asset on, written by hand."""

import re
from datetime import date
from xml.etree import ElementTree

import pytest

from .workflow_world import build, list_asset

NS = {"a": "http://www.w3.org/2005/Atom"}
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture()
def world(db_session):
    return build()


def test_the_decisions_feed_says_the_listing_date_in_words(client, world):
    case = list_asset(world, date(2026, 3, 2))
    feed = ElementTree.fromstring(client.get(f"/authorities/{case.authority_code}/decisions.atom").data)
    entries = [e for e in feed.findall("a:entry", NS)
               if case.reference in e.findtext("a:title", namespaces=NS) and "List the land" in
               e.findtext("a:title", namespaces=NS)]
    assert len(entries) == 1
    summary = entries[0].findtext("a:summary", namespaces=NS)
    assert " on 2 March 2026: " in summary
    assert ISO_DATE.search(summary) is None
    assert RFC3339.fullmatch(entries[0].findtext("a:updated", namespaces=NS))
    assert RFC3339.fullmatch(feed.findtext("a:updated", namespaces=NS))


def test_the_acv_register_page_says_the_moratorium_end_in_words(client, world):
    from registry.workflow import engine

    case = list_asset(world, date(2026, 3, 2))
    engine.open_case("moratorium", "receive_notice", world.officer,
                     {"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"}, date(2026, 6, 1),
                     authority_code=case.authority_code, asset_id=case.asset_id, parent_case_id=case.id)
    html = client.get(f"/registers/assets-of-community-value?authority={case.authority_code}").get_data(as_text=True)
    row = re.search(rf'data-case="{case.id}">(.*?)</tr>', html, re.S)
    assert row, "the case is on the register"
    # Notice on 1 June 2026: the interim moratorium is 6 weeks beginning with that day (LA 2011 s.95(6)).
    assert "Interim moratorium until 12 July 2026" in " ".join(row.group(1).split())
    assert ISO_DATE.search(row.group(1)) is None

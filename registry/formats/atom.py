"""An Atom feed (RFC 4287) of an authority's decisions, written with ElementTree (it escapes the text)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.etree import ElementTree

from ..workflow.rules import format_date

ATOM = "http://www.w3.org/2005/Atom"
EMPTY_FEED_UPDATED = "2026-01-01T00:00:00+00:00"


def add_element(parent, tag: str, text: str | None = None, **attributes) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def decisions_feed(authority, entries: Iterable[Mapping], base: str) -> bytes:
    """``entries`` are registers.decisions() rows (public facts only), newest first."""
    entries = list(entries)
    self_url = f"{base}/authorities/{authority.code}/decisions.atom"
    feed = ElementTree.Element("feed", {"xmlns": ATOM})
    add_element(feed, "title", f"Community rights decisions: {authority.name}")
    add_element(feed, "id", self_url)
    add_element(feed, "link", rel="self", href=self_url)
    add_element(feed, "link", rel="alternate", type="text/html", href=f"{base}/registers")
    add_element(feed, "updated", entries[0]["at_utc"].isoformat() if entries else EMPTY_FEED_UPDATED)
    add_element(add_element(feed, "author"), "name", authority.name)
    for e in entries:
        entry = add_element(feed, "entry")
        add_element(entry, "title", f"{e['reference']}: {e['label']}: {e['title']}")
        add_element(entry, "id", f"{base}/cases/{e['case_id']}#event-{e['id']}")
        add_element(entry, "link", rel="alternate", type="text/html", href=f"{base}/cases/{e['case_id']}")
        add_element(entry, "updated", e["at_utc"].isoformat())
        # People read the summary: the date in words ("1 June 2026"); <updated> keeps RFC 3339 for programs.
        summary = (f"{e['process_label']}. {e['label']} on {format_date(e['on_date'])}: "
                   f"now {e['state_label']}.")
        if e.get("reasons"):
            summary += f" Reasons: {e['reasons']}"
        add_element(entry, "summary", summary)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="utf-8")

"""The ACV list in planning.data.gov.uk's ``asset-of-community-value`` field names (domain §8.3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import csvfile, wkt

#: planning.data.gov.uk asset-of-community-value (working draft v1.0.0, domain §8.3).
FIELDS = (
    "reference", "name", "address-text", "description", "point", "geometry", "organisation", "nomination-date",
    "nominating-group", "decision", "decision-date", "expiry-date", "notification-to-sell-date",
    "interested-group", "protected-period-start-date", "notes", "entry-date", "start-date", "end-date",
)


def row(r: Mapping) -> dict:
    """One register row (registers.acv_list) in planning.data names."""
    address = ", ".join(p for p in (r.get("address"), r.get("postcode")) if p)
    return {
        "reference": r["reference"],
        "name": r["name"],
        "address-text": address,
        "description": r.get("description") or "",
        "point": wkt.from_geojson(r.get("point_geojson")),
        "geometry": wkt.from_geojson(r.get("geometry_geojson")),
        "organisation": f"statistical-geography:{r['authority_code']}",
        "nomination-date": r.get("nomination_date") or "",
        "nominating-group": r.get("nominating_group") or "",
        "decision": r.get("decision") or "",
        "decision-date": r.get("decision_date") or "",
        "expiry-date": r.get("expiry_date") or "",
        "notification-to-sell-date": r.get("notification_to_sell_date") or "",
        "interested-group": r.get("interested_group") or "",
        "protected-period-start-date": r.get("notification_to_sell_date") or "",
        "notes": r.get("reasons") or "",
        "entry-date": r.get("entry_date") or "",
        "start-date": r.get("nomination_date") or "",
        "end-date": r.get("end_date") or "",
    }


def to_csv(rows: Iterable[Mapping]) -> str:
    return csvfile.write(FIELDS, (row(r) for r in rows))

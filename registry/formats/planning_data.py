"""The ACV list in planning.data.gov.uk's ``asset-of-community-value`` field names (domain §8.3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from . import csvfile, wkt

#: planning.data.gov.uk asset-of-community-value (working draft v1.0.0, domain §8.3): the specification's
#: fields (digital-land/specification content/dataset/asset-of-community-value.md) except `entity` and
#: `prefix`, which the platform assigns (the entity from the dataset's range, the prefix its own name).
FIELDS = (
    "reference", "name", "address-text", "description", "point", "geometry", "organisation", "nomination-date",
    "nominating-group", "decision", "decision-date", "expiry-date", "notification-to-sell-date",
    "interested-group", "protected-period-start-date", "notes", "entry-date", "start-date", "end-date",
)


def _iso_date(value) -> str:
    """A date as planning.data writes it, YYYY-MM-DD (the first 10 characters of an ISO date or timestamp)."""
    if not value:
        return ""
    return (value.isoformat() if isinstance(value, date) else str(value))[:10]


def row(r: Mapping) -> dict:
    """One register row (registers.acv_list) in planning.data names.

    `reference` is the council's own reference when the entry came from its list (unchanged, byte for byte),
    else our case reference: both stay the same from one publication to the next. `organisation` is the
    council's planning.data CURIE (`local-authority:CMD`); `point` and `geometry` are WKT in WGS84 to 6 decimals.
    """
    from ..imports.authority_names import curie_for

    address, postcode = r.get("address") or "", r.get("postcode") or ""
    if postcode and postcode.replace(" ", "") in address.upper().replace(" ", ""):
        postcode = ""  # already written in the address (Oxford: "106 Bridge Street, Oxford OX2 0BD")
    address = ", ".join(p for p in (address, postcode) if p)
    code = r["authority_code"]
    return {
        "reference": r.get("council_reference") or r["reference"],
        "name": r["name"],
        "address-text": address,
        "description": r.get("description") or "",
        "point": wkt.from_geojson(r.get("point_geojson"), decimals=6),
        "geometry": wkt.from_geojson(r.get("geometry_geojson"), decimals=6),
        "organisation": curie_for(code) or f"statistical-geography:{code}",
        "nomination-date": _iso_date(r.get("nomination_date")),
        "nominating-group": r.get("nominating_group") or "",
        "decision": r.get("decision") or "",
        "decision-date": _iso_date(r.get("decision_date")),
        "expiry-date": _iso_date(r.get("expiry_date")),
        "notification-to-sell-date": _iso_date(r.get("notification_to_sell_date")),
        "interested-group": r.get("interested_group") or "",
        "protected-period-start-date": _iso_date(r.get("notification_to_sell_date")),
        "notes": r.get("reasons") or "",
        "entry-date": _iso_date(r.get("entry_date")),
        "start-date": _iso_date(r.get("nomination_date")),
        "end-date": _iso_date(r.get("end_date")),
    }


def to_csv(rows: Iterable[Mapping]) -> str:
    return csvfile.write(FIELDS, (row(r) for r in rows))

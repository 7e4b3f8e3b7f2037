"""Every public Feature is built here, from an allow-list of properties.

Personal data (owners, occupiers, contacts) is never on this list, so an API
field added to a query later cannot slip out by accident.
"""

from datetime import date, datetime
from decimal import Decimal

import orjson

from .. import places
from ..vocabulary import ASSET_TYPES, LIVE_STATUSES, PUBLIC_STATUSES
from .params import EPSG4326, EPSG27700

PUBLIC_ASSET_PROPERTIES = (
    "name", "description", "address", "postcode", "uprn", "title_numbers", "asset_type", "current_use",
    "condition", "occupancy", "occupancy_since", "surplus_status", "live_status", "floor_area_m2",
    "site_area_m2", "market_value_gbp", "authority_code", "area_code", "updated_at",
    # Council data (migration 0006): the council's own reference and type label, where the point came
    # from, and the Transparency Code's public fields. Tenure detail and other detail are only present
    # when an officer has published them (the query gives them as published_* only then).
    "reference", "location_source", "tenure", "holding_type", "street_number", "street", "post_town",
    "council_type_label", "source_effective_date",
    "live_statuses",  # every live process (migration 0012); live_status is the strongest of them
)
PUBLISHED_DETAILS = {"tenure_detail": "published_tenure_detail", "other_detail": "published_other_detail"}


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def status_label(row: dict) -> str:
    if row.get("live_status"):
        return LIVE_STATUSES.get(row["live_status"], row["live_status"])
    return PUBLIC_STATUSES.get(row["surplus_status"], row["surplus_status"])


# The allow-listed columns whose values are not JSON as they come (numeric, date, timestamp): only these
# pass through _plain, so a page of features is not a function call per value.
TYPED_ASSET_PROPERTIES = ("occupancy_since", "floor_area_m2", "site_area_m2", "market_value_gbp", "updated_at",
                          "source_effective_date")


def asset_properties(row: dict, authority_names: dict[str, str]) -> dict:
    properties = {key: row.get(key) for key in PUBLIC_ASSET_PROPERTIES}
    for key in TYPED_ASSET_PROPERTIES:
        properties[key] = _plain(properties[key])
    for name, column in PUBLISHED_DETAILS.items():
        if row.get(column) is not None:
            properties[name] = row[column]
    properties["asset_type_label"] = ASSET_TYPES.get(row["asset_type"], row["asset_type"])
    properties["status_label"] = status_label(row)
    properties["authority_name"] = row.get("authority_name") or authority_names.get(row["authority_code"])
    if "distance_m" in row and row["distance_m"] is not None:
        properties["distance_m"] = round(float(row["distance_m"]), 2)
    return properties


def point_geometries(rows: list[dict], crs: str) -> list[dict | None]:
    """Each row's point in the output CRS; None (a null geometry) for an asset with no location."""
    located = [r for r in rows if r.get("lon") is not None]
    if len(located) < len(rows):
        shapes = iter(point_geometries(located, crs))
        return [next(shapes) if r.get("lon") is not None else None for r in rows]
    if crs == EPSG27700 and rows:
        eastings, northings = places.wgs84_to_bng([r["lon"] for r in rows], [r["lat"] for r in rows])
        return [{"type": "Point", "coordinates": [round(float(e), 2), round(float(n), 2)]}
                for e, n in zip(eastings, northings)]
    if crs == EPSG4326:
        return [{"type": "Point", "coordinates": [round(r["lat"], 7), round(r["lon"], 7)]} for r in rows]
    return [{"type": "Point", "coordinates": [round(r["lon"], 7), round(r["lat"], 7)]} for r in rows]


def asset_features(rows: list[dict], authority_names: dict[str, str], *, base_url: str, crs: str) -> list[dict]:
    geometries = point_geometries(rows, crs)
    return [
        {
            "type": "Feature",
            "id": row["id"],
            "geometry": geometry,
            "properties": asset_properties(row, authority_names),
            "links": [{"href": f"{base_url}/api/collections/assets/items/{row['id']}", "rel": "self",
                       "type": "application/geo+json"},
                      {"href": f"{base_url}/assets/{row['id']}", "rel": "alternate", "type": "text/html"}],
        }
        for row, geometry in zip(rows, geometries)
    ]


def dumps(document) -> bytes:
    return orjson.dumps(document, default=_plain)

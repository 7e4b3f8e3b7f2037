"""GeoJSON FeatureCollections for the registers and the obligations, from allow-listed properties.

PostGIS writes each geometry (``ST_AsGeoJSON``); it is embedded as-is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import orjson


def plain(value):
    """A JSON-ready value: money as a string of pounds and pence, dates in ISO 8601."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def feature(feature_id, geometry, row: Mapping, allowed: Sequence[str], **extra) -> dict:
    """One Feature whose properties are exactly ``allowed`` (then ``extra``): nothing else can slip out."""
    properties = {key: plain(row.get(key)) for key in allowed}
    properties.update(extra)
    if isinstance(geometry, str):
        geometry = orjson.Fragment(geometry)
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def feature_collection(features: Iterable[dict], **members) -> dict:
    return {"type": "FeatureCollection", **members, "features": list(features)}


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}


def dumps(document) -> bytes:
    return orjson.dumps(document, default=plain)

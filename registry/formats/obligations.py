"""The live-obligations registers as CSV and GeoJSON, and the map layer, from obligations' allow-lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import obligations
from . import csvfile, geojson


def to_csv(rows: Sequence[Mapping]) -> str:
    return csvfile.write(obligations.PUBLIC_FIELDS, rows)


def to_geojson(rows: Sequence[Mapping]) -> dict:
    """One Feature per live condition, at its asset's point."""
    return geojson.feature_collection(
        geojson.feature(row["condition_id"], geojson.point(row["lon"], row["lat"]), row, obligations.PUBLIC_FIELDS)
        for row in rows)


def map_layer(entries: Sequence[Mapping]) -> dict:
    """Assets with live conditions (obligations.map_entries): the fields static/js/asset-map.js reads."""
    return geojson.feature_collection(
        geojson.feature(entry["asset_id"], geojson.point(entry["lon"], entry["lat"]), entry, obligations.MAP_FIELDS)
        for entry in entries)

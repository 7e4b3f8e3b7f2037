"""Well-known text from the GeoJSON PostGIS wrote (``ST_AsGeoJSON``), with Shapely."""

from __future__ import annotations

import shapely


def from_geojson(geojson: str | None) -> str:
    """WKT of a GeoJSON geometry (text), or "" when there is none."""
    if not geojson:
        return ""
    return shapely.from_geojson(geojson).wkt

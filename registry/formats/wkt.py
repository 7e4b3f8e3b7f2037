"""Well-known text from the GeoJSON PostGIS wrote (``ST_AsGeoJSON``), with Shapely."""

from __future__ import annotations

import shapely


def from_geojson(geojson: str | None, *, decimals: int | None = None) -> str:
    """WKT of a GeoJSON geometry (text), or "" when there is none; `decimals` fixes every coordinate's places."""
    if not geojson:
        return ""
    geometry = shapely.from_geojson(geojson)
    if decimals is None:
        return geometry.wkt
    return shapely.to_wkt(geometry, rounding_precision=decimals, trim=False)

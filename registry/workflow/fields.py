"""Reading the value of a declared `Field` from a form or a JSON body (the engine's field parsing).

`parse_value` turns one raw value into a JSON-ready one or raises `InvalidInput` naming the field;
`parse_fields` reads every field of a transition, splitting public from private values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import shapely

from ..errors import InvalidInput
from .declarations import Field, Transition


def parse_geojson(raw: str, name: str) -> str:
    if isinstance(raw, str) and raw and raw.lstrip()[:1] not in ("{", "["):
        # Corners typed one a line (longitude, latitude or easting, northing): the keyboard way.
        from ..footprints import boundary_from_corners

        raw = json.dumps(shapely.geometry.mapping(boundary_from_corners(raw, field=name)))
    try:
        document = json.loads(raw) if isinstance(raw, str) else raw
        if isinstance(document, dict) and document.get("type") == "Feature":
            document = document.get("geometry")
        if isinstance(document, dict) and document.get("type") == "FeatureCollection":
            geometries = [f.get("geometry") for f in document.get("features", [])]
            document = {"type": "GeometryCollection", "geometries": geometries}
        shape = shapely.geometry.shape(document)
    except Exception:  # noqa: BLE001  (any parse failure is the same mistake to the user)
        raise InvalidInput("The site boundary must be GeoJSON of a polygon, in WGS84 longitude and latitude.",
                           field=name) from None
    polygons = [g for g in getattr(shape, "geoms", [shape]) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise InvalidInput("The site boundary must be a polygon.", field=name)
    flat = []
    for g in polygons:
        flat.extend(getattr(g, "geoms", [g]))
    multi = shapely.MultiPolygon(flat)
    minx, miny, maxx, maxy = multi.bounds
    if not (-9 <= minx and maxx <= 2.5 and 49 <= miny and maxy <= 61.5):
        raise InvalidInput("The site boundary must be in the UK, in longitude and latitude (WGS84).", field=name)
    if not multi.is_valid:
        raise InvalidInput("The site boundary crosses itself: redraw it.", field=name)
    return multi.wkt


def parse_value(f: Field, raw: Any) -> Any:
    """One field's raw form/JSON value → a JSON-ready value; InvalidInput naming the field."""
    if isinstance(raw, str):
        raw = raw.strip()
    empty = raw is None or raw == "" or raw == [] or (f.kind == "boolean" and raw is False)
    if empty:
        if f.required and f.kind != "boolean":
            verb = "Choose" if f.kind in ("choice", "choices") else "Enter"
            raise InvalidInput(f"{verb} {f.label[0].lower() + f.label[1:]}.", field=f.name)
        return False if f.kind == "boolean" else None
    if f.kind in ("text", "textarea"):
        value = str(raw)
        if len(value) > 20000:
            raise InvalidInput(f"{f.label} must be 20,000 characters or fewer.", field=f.name)
        return value
    if f.kind == "date":
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise InvalidInput(f"{f.label} must be a real date: day, month and year, for example 1 6 2026 (or 2026-06-01 through the API).", field=f.name) from None
    if f.kind == "choice":
        if raw not in (f.choices or {}):
            raise InvalidInput(f"Choose {f.label[0].lower() + f.label[1:]} from the list.", field=f.name)
        return raw
    if f.kind == "choices":
        items = [raw] if isinstance(raw, str) else list(raw)
        bad = [i for i in items if i not in (f.choices or {})]
        if bad:
            raise InvalidInput(f"Choose {f.label[0].lower() + f.label[1:]} from the options shown.", field=f.name)
        return sorted(set(items), key=list(f.choices or {}).index)
    if f.kind == "integer":
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise InvalidInput(f"{f.label} must be a whole number.", field=f.name) from None
    if f.kind == "boolean":
        return raw in (True, "1", "true", "yes", "on", "y")
    if f.kind == "geojson":
        return parse_geojson(raw, f.name)
    raise ValueError(f"unknown field kind {f.kind}")


def parse_fields(t: Transition, data: Mapping) -> tuple[dict, dict, str | None]:
    values: dict = {}
    private: dict = {}
    getter = data.getlist if hasattr(data, "getlist") else None
    for f in t.fields:
        raw = getter(f.name) if (getter and f.kind == "choices") else data.get(f.name)
        value = parse_value(f, raw)
        if value is None or (f.kind == "choices" and not value):
            continue
        (private if f.private else values)[f.name] = value
    reasons = (data.get("reasons") or "").strip() or None
    if t.reasons and not reasons:
        raise InvalidInput("Give the reasons for this decision: they are published with it.", field="reasons")
    return values, private, reasons

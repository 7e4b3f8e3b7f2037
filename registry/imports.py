"""Importing assets from a council's file: CSV (lon/lat or easting/northing) and GeoJSON.

`import_file` reads the whole file, checks every row and returns an
`ImportReport` listing each rejected row (its number as a person counts it:
the line number in a CSV, the feature number in GeoJSON), the field and why.
It writes all or nothing: a file with any invalid row writes nothing unless
`skip_bad_rows` is set. Rows are keyed by (authority, reference), so importing
the same file again updates the assets instead of duplicating them; a file
that lists the same reference twice is an error on the second row.

Field rules live in `assets.validate_record`; this module only maps a file's
columns onto its fields, turns coordinates into WGS84 points and footprints
(British National Grid through OSTN15, vectorised over the whole file), checks
the geometry, the owning authority and duplicates, and writes in bulk: COPY
into a temporary staging table, then one INSERT … SELECT … ON CONFLICT.
It flushes, never commits: the CLI commits once.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import orjson
import psycopg
import shapely
import shapely.errors
import shapely.geometry
from sqlalchemy import text

from . import assets, db, places
from .errors import InvalidInput

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 1000

# A file's column names, normalised (lower case, runs of other characters -> "_"),
# to the asset fields of `assets.validate_record`.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref", "asset_ref", "asset_reference", "asset_id", "asset_no",
                  "asset_number", "property_reference", "property_ref", "property_id", "local_reference",
                  "id"),
    "name": ("name", "asset_name", "property_name", "site_name", "building_name"),
    "authority_code": ("authority_code", "authority", "council_code", "gss_code", "gss", "la_code",
                       "lad_code", "lad", "owner_code", "organisation_code", "authority_gss_code"),
    "asset_type": ("asset_type", "type", "property_type", "category", "asset_category"),
    "description": ("description", "notes", "details"),
    "address": ("address", "full_address", "site_address", "property_address", "street_address"),
    "postcode": ("postcode", "post_code", "postal_code", "zip"),
    "uprn": ("uprn", "unique_property_reference_number"),
    "title_numbers": ("title_numbers", "title_number", "title_number_s", "title_nos", "title_no",
                      "land_registry_title", "land_registry_titles", "title", "titles"),
    "current_use": ("current_use", "use", "present_use"),
    "condition": ("condition", "building_condition"),
    "occupancy": ("occupancy", "occupation", "occupancy_status"),
    "occupancy_since": ("occupancy_since", "vacant_since", "occupancy_date", "since"),
    "surplus_status": ("surplus_status", "status", "disposal_status"),
    "floor_area_m2": ("floor_area_m2", "floor_area", "floor_area_m", "floor_area_sqm", "gia", "gia_m2",
                      "gross_internal_area", "gross_internal_area_m2"),
    "site_area_m2": ("site_area_m2", "site_area", "site_area_m", "site_area_sqm", "land_area",
                     "land_area_m2"),
    "market_value_gbp": ("market_value_gbp", "market_value", "estimated_market_value", "value",
                         "estimated_value", "valuation", "market_value_"),
}
LON_ALIASES = ("longitude", "lon", "long", "lng")
LAT_ALIASES = ("latitude", "lat")
EASTING_ALIASES = ("easting", "eastings", "east", "x_bng", "bng_x", "os_easting", "grid_easting")
NORTHING_ALIASES = ("northing", "northings", "north", "y_bng", "bng_y", "os_northing", "grid_northing")
# Columns that may hold either system: decided by --crs, or by the size of the numbers.
AMBIGUOUS_X = ("x", "geox", "geo_x", "x_coordinate", "xcoord")
AMBIGUOUS_Y = ("y", "geoy", "geo_y", "y_coordinate", "ycoord")

BNG_RANGE = (0.0, 0.0, 700_000.0, 1_300_000.0)
UK_BOUNDS = places.GB_BOUNDS  # lon/lat box of GB and NI
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    path: str
    format: str = ""
    encoding: str = ""
    crs: str = ""
    total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds: read, check, write

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})

    @property
    def rows_per_s(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        crs = {"4326": "WGS84 longitude/latitude", "27700": "British National Grid (OSTN15)"}.get(
            self.crs, self.crs or "no coordinates")
        line = f"Read {self.total:,} rows of {self.format or 'unknown format'} in {self.encoding or '?'}; {crs}."
        if self.ignored_columns:
            line += " Ignored columns: " + ", ".join(self.ignored_columns) + "."
        return line


class FileProblem(Exception):
    """The file as a whole cannot be read: reported as a rejection of row `row`."""

    def __init__(self, message: str, *, field: str = "file", row: int = 0):
        super().__init__(message)
        self.message, self.field, self.row = message, field, row


@dataclass
class _Parsed:
    """What a reader hands on: raw fields per row and a source geometry per row."""

    format: str
    numbers: list[int]
    raws: list[dict]
    labels: dict[str, str]  # asset field -> the file's own name for it
    geometries: np.ndarray  # shapely geometries in the source CRS; None where missing or bad
    bng: np.ndarray  # bool per row: geometry is in British National Grid
    crs: str
    coordinate_labels: tuple[str, str] = ("longitude", "latitude")
    problems: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- entry point

def import_file(path: Path | str, *, default_authority: str | None = None, skip_bad_rows: bool = False,
                crs: str = "auto", progress: Progress | None = None) -> ImportReport:
    """Check every row of the file, then write all of it, or nothing, or (if asked) the good rows."""
    started = time.monotonic()
    path = Path(path)
    report = ImportReport(path=str(path))
    if crs not in ("auto", "4326", "27700"):
        raise InvalidInput("crs must be auto, 4326 or 27700.", field="crs")
    try:
        content, report.encoding = decode(path.read_bytes())
        parsed = parse(content, path.suffix.lower(), crs)
    except FileProblem as problem:
        report.rejected.append(Rejection(problem.row, problem.field, problem.message))
        report.seconds = time.monotonic() - started
        return report
    report.format, report.crs, report.total = parsed.format, parsed.crs, len(parsed.numbers)
    report.ignored_columns = parsed.ignored_columns
    report.timings["read"] = time.monotonic() - started

    records, rejected = check_rows(parsed, default_authority, progress)
    report.timings["check"] = time.monotonic() - started - report.timings["read"]
    report.rejected = sorted(parsed.problems + rejected, key=lambda r: r.row)
    if report.total == 0:
        report.rejected.append(Rejection(0, "file", "The file has no rows to import."))
    if report.rejected and (not skip_bad_rows or not records):
        report.seconds = time.monotonic() - started
        return report
    writing = time.monotonic()
    report.inserted, report.updated, report.unchanged = write(records)
    report.written = True
    report.seconds = time.monotonic() - started
    report.timings["write"] = report.seconds - (writing - started)
    return report


# ---------------------------------------------------------------- reading

def decode(data: bytes) -> tuple[str, str]:
    """Text and the name of its encoding: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        content = data.decode("utf-8-sig")
        return content, "utf-8 (with BOM)" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return data.decode("latin-1"), "latin-1"


def parse(content: str, suffix: str, crs: str) -> _Parsed:
    looks_like_json = content.lstrip()[:1] in ("{", "[")
    if suffix in (".geojson", ".json") or (suffix not in (".csv", ".txt", ".tsv") and looks_like_json):
        return read_geojson(content, crs)
    return read_csv(content, crs)


def normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


_ALIAS_TO_FIELD = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}


def map_fields(names: list[str]) -> tuple[dict[str, str], list[str]]:
    """The file's names -> asset fields (first column wins), and the names left over."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    leftover = []
    for name in names:
        target = _ALIAS_TO_FIELD.get(normalise_header(name))
        if target and target not in taken:
            mapping[name] = target
            taken.add(target)
        else:
            leftover.append(name)
    return mapping, leftover


def _find(normalised: dict[str, int], aliases: tuple[str, ...]) -> int | None:
    for alias in aliases:
        if alias in normalised:
            return normalised[alias]
    return None


def _to_floats(values: list[str]) -> tuple[np.ndarray, list[int]]:
    """Numbers, NaN for blanks; the indexes of values that are not numbers."""
    out = np.full(len(values), np.nan)
    bad = []
    for i, value in enumerate(values):
        value = value.strip()
        if not value:
            continue
        try:
            out[i] = float(value.replace(",", ""))
        except ValueError:
            bad.append(i)
            continue
        if not np.isfinite(out[i]):
            out[i] = np.nan
            bad.append(i)
    return out, bad


def read_csv(content: str, crs: str) -> _Parsed:
    sample = content[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("The file is empty.") from None
    except csv.Error as error:
        raise FileProblem(f"The header line cannot be read as CSV: {error}.", row=1) from None
    header = [h.strip() for h in header]
    normalised = {}
    for i, h in enumerate(header):
        normalised.setdefault(normalise_header(h), i)

    lon_i, lat_i = _find(normalised, LON_ALIASES), _find(normalised, LAT_ALIASES)
    east_i, north_i = _find(normalised, EASTING_ALIASES), _find(normalised, NORTHING_ALIASES)
    amb_x, amb_y = _find(normalised, AMBIGUOUS_X), _find(normalised, AMBIGUOUS_Y)
    if (lon_i is None) != (lat_i is None):
        raise FileProblem("The file has a longitude column without a latitude column, or the other way round.",
                          field="longitude" if lon_i is None else "latitude", row=1)
    if (east_i is None) != (north_i is None):
        raise FileProblem("The file has an easting column without a northing column, or the other way round.",
                          field="easting" if east_i is None else "northing", row=1)
    if crs == "27700" and lon_i is not None and east_i is None:
        raise FileProblem(f"--crs 27700 was given but the file has longitude and latitude columns "
                          f"({header[lon_i]}, {header[lat_i]}).", field="crs", row=1)
    if crs == "4326" and east_i is not None and lon_i is None:
        raise FileProblem(f"--crs 4326 was given but the file has easting and northing columns "
                          f"({header[east_i]}, {header[north_i]}).", field="crs", row=1)

    coordinate_columns = {i for i in (lon_i, lat_i, east_i, north_i) if i is not None}
    if lon_i is None and east_i is None and amb_x is not None and amb_y is not None:
        coordinate_columns |= {amb_x, amb_y}
    mapping, leftover = map_fields([h for i, h in enumerate(header) if i not in coordinate_columns])
    columns = [(header.index(name), target) for name, target in mapping.items()]
    ignored = [h for h in leftover if h]
    if "postcode" not in mapping.values() and not coordinate_columns:
        raise FileProblem("The file has no coordinate columns: give longitude and latitude, or easting and "
                          "northing (or a postcode for each row).", field="file", row=1)

    numbers: list[int] = []
    raws: list[dict] = []
    rows: list[list[str]] = []
    last_line = reader.line_num
    problems: list[Rejection] = []
    try:
        for values in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if not values or not any(v.strip() for v in values):
                continue
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                problems.append(Rejection(first_line, "row", f"The row has {len(values)} values but the header "
                                          f"has {len(header)} columns: check for an unquoted comma."))
            numbers.append(first_line)
            rows.append(values)
            raws.append({target: (values[i] if i < len(values) else "") for i, target in columns})
    except csv.Error as error:
        raise FileProblem(f"Line {reader.line_num} cannot be read as CSV: {error}.", row=reader.line_num) from None

    def column(i):
        return [v[i] if i is not None and i < len(v) else "" for v in rows]

    n = len(rows)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    bng = np.zeros(n, dtype=bool)
    labels_xy = ("longitude", "latitude")
    used_crs = "4326"

    def take(xi, yi, is_bng):
        xs, bad_x = _to_floats(column(xi))
        ys, bad_y = _to_floats(column(yi))
        for i in bad_x:
            problems.append(Rejection(numbers[i], header[xi], f"{_capital(header[xi])} must be a number."))
        for i in bad_y:
            problems.append(Rejection(numbers[i], header[yi], f"{_capital(header[yi])} must be a number."))
        fill = np.isnan(x) & np.isfinite(xs) & np.isfinite(ys)
        for i in np.flatnonzero(np.isfinite(xs) != np.isfinite(ys)):
            if i not in bad_x and i not in bad_y:
                missing = header[yi] if np.isfinite(xs[i]) else header[xi]
                problems.append(Rejection(numbers[i], missing, f"Enter the {missing}."))
        x[fill], y[fill], bng[fill] = xs[fill], ys[fill], is_bng

    if lon_i is not None:
        take(lon_i, lat_i, False)
        labels_xy = (header[lon_i], header[lat_i])
    if east_i is not None:
        take(east_i, north_i, True)
        if lon_i is None:
            labels_xy, used_crs = (header[east_i], header[north_i]), "27700"
        elif bng.any():
            used_crs = "4326+27700"
    if lon_i is None and east_i is None and amb_x is not None and amb_y is not None:
        xs, _ = _to_floats(column(amb_x))
        ys, _ = _to_floats(column(amb_y))
        finite = np.isfinite(xs) & np.isfinite(ys)
        is_bng = crs == "27700" or (crs == "auto" and finite.any() and not (
            (np.abs(xs[finite]) <= 180).all() and (np.abs(ys[finite]) <= 90).all()))
        take(amb_x, amb_y, is_bng)
        labels_xy, used_crs = (header[amb_x], header[amb_y]), ("27700" if is_bng else "4326")

    geometries = np.full(n, None, dtype=object)
    have = np.isfinite(x) & np.isfinite(y)
    geometries[have] = shapely.points(x[have], y[have])
    return _Parsed("csv", numbers, raws, {t: name for name, t in mapping.items()}, geometries, bng,
                   used_crs, labels_xy, problems, ignored)


def _crs_of(member) -> str | None:
    if not member:
        return None
    name = str((member.get("properties") or {}).get("name", "")) if isinstance(member, dict) else str(member)
    if re.search(r"27700\b", name):
        return "27700"
    if re.search(r"(4326|4258|CRS84)\b", name, re.IGNORECASE):
        return "4326"
    raise FileProblem(f"The file's coordinate reference system {name!r} is not supported: use WGS84 "
                      "(EPSG:4326) or British National Grid (EPSG:27700).", field="crs")


def read_geojson(content: str, crs: str) -> _Parsed:
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise FileProblem(f"The file is not valid JSON: {error}.") from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document], "crs": document.get("crs")}
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise FileProblem("The file must be a GeoJSON FeatureCollection.")
    declared = _crs_of(document.get("crs"))
    if declared and crs != "auto" and declared != crs:
        raise FileProblem(f"--crs {crs} was given but the file says its coordinates are EPSG:{declared}.",
                          field="crs")
    features = document["features"]
    n = len(features)
    numbers = list(range(1, n + 1))
    raws: list[dict] = []
    geometries = np.full(n, None, dtype=object)
    problems: list[Rejection] = []
    names: dict[str, None] = {}
    mappings: dict[tuple, dict[str, str]] = {}
    labels: dict[str, str] = {}
    mapped: set[str] = set()
    for index, feature in enumerate(features):
        number = index + 1
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Rejection(number, "feature", "Each item in features must be a GeoJSON Feature."))
            raws.append({})
            continue
        properties = feature.get("properties") or {}
        key = tuple(properties)
        if key not in mappings:
            mapping, _ = map_fields(list(key))
            mappings[key] = mapping
            for name, target in mapping.items():
                labels.setdefault(target, name)
                mapped.add(name)
            names.update(dict.fromkeys(key))
        raw = {target: properties[name] for name, target in mappings[key].items()}
        if "reference" not in raw and feature.get("id") not in (None, ""):
            raw["reference"] = str(feature["id"])
        raws.append(raw)
        geometry = feature.get("geometry")
        if not geometry:
            problems.append(Rejection(number, "geometry", "The feature has no geometry: give a Point, "
                                      "Polygon or MultiPolygon."))
            continue
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in GEOMETRY_TYPES:
            problems.append(Rejection(number, "geometry", f"The geometry is a {kind or 'unknown type'}: "
                                      "it must be a Point, Polygon or MultiPolygon."))
            continue
        try:
            geometries[index] = shapely.geometry.shape(geometry)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as error:
            problems.append(Rejection(number, "geometry", f"The {kind} coordinates cannot be read: {error}."))
    ignored = [name for name in names if name not in mapped]

    if crs != "auto":
        used = crs
    elif declared:
        used = declared
    else:
        # RFC 7946 says WGS84, but council exports often hold grid metres without saying so.
        present = [g for g in geometries if g is not None]
        bounds = shapely.bounds(np.array(present, dtype=object)) if present else np.empty((0, 4))
        bounds = bounds[np.isfinite(bounds).all(axis=1)]
        looks_bng = bool(len(bounds)) and bool(
            (np.abs(bounds[:, [0, 2]]) > 180).any() or (np.abs(bounds[:, [1, 3]]) > 90).any())
        used = "27700" if looks_bng else "4326"
    bng = np.full(n, used == "27700")
    xy = ("easting", "northing") if used == "27700" else ("longitude", "latitude")
    return _Parsed("geojson", numbers, raws, labels, geometries, bng, used, xy, problems, ignored)


# ---------------------------------------------------------------- checking

def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


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

    wbounds = np.full((n, 4), np.nan)
    wbounds[present] = shapely.bounds(wgs[present])
    min_lon, min_lat, max_lon, max_lat = UK_BOUNDS
    inside = ((wbounds[:, 0] >= min_lon) & (wbounds[:, 2] <= max_lon)
              & (wbounds[:, 1] >= min_lat) & (wbounds[:, 3] <= max_lat))
    for i in np.flatnonzero(present & ~inside):
        if convert[i] or not np.isfinite(wbounds[i]).all():
            reject(i, geometry_label if parsed.format == "geojson" else x_label,
                   f"{_fmt(bounds[i, 0])}, {_fmt(bounds[i, 1])} is outside the area OSTN15 covers "
                   "(Great Britain and its waters).")
            continue
        lon, lat = bounds[i, 0], bounds[i, 1]
        hint = ""
        if min_lon <= lat <= max_lon and min_lat <= lon <= max_lat:
            hint = " Longitude and latitude look swapped."
        elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
            hint = " These look like grid metres: use easting/northing columns or --crs 27700."
        reject(i, x_label if parsed.format == "csv" else geometry_label,
               f"{_fmt(lon)}, {_fmt(lat)} is outside the UK.{hint}")
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


# ---------------------------------------------------------------- writing

RAW_COLUMNS = (
    ("row_number", "integer"), ("authority_code", "varchar(9)"), ("reference", "varchar(100)"),
    ("name", "varchar(300)"), ("description", "text"), ("address", "text"), ("postcode", "varchar(8)"),
    ("uprn", "bigint"), ("title_numbers", "varchar(20)[]"), ("asset_type", "varchar(40)"),
    ("current_use", "text"), ("condition", "varchar(20)"), ("occupancy", "varchar(20)"),
    ("occupancy_since", "date"), ("surplus_status", "varchar(40)"), ("floor_area_m2", "numeric(12, 2)"),
    ("site_area_m2", "numeric(14, 2)"), ("market_value_gbp", "numeric(14, 2)"), ("lon", "float8"),
    ("lat", "float8"), ("footprint_wkb", "bytea"),
)
# Columns written from the file; point, footprint and area_code come from the geometry.
DATA_COLUMNS = tuple(name for name, _ in RAW_COLUMNS[1:18])
COMPARED_COLUMNS = tuple(c for c in DATA_COLUMNS if c not in ("authority_code", "reference"))
# Above this many rows to write, the per-row map-grid trigger is switched off for the statement and
# the grid rebuilt in one pass afterwards (migration 0001, asset_grid_rebuild).
BULK_ROWS = 5000

STAGE_SQL = f"""
CREATE TEMP TABLE asset_import_stage ON COMMIT DROP AS
SELECT r.*, g.pt, g.fp, a.area_code AS existing_area_code,
       coalesce(a.point = g.pt, false) AS same_point,
       a.id IS NOT NULL AND ({", ".join(f"a.{c}" for c in COMPARED_COLUMNS)}, a.point, a.footprint)
           IS NOT DISTINCT FROM ({", ".join(f"r.{c}" for c in COMPARED_COLUMNS)}, g.pt, g.fp) AS unchanged
  FROM asset_import_raw r
 CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS pt,
                            ST_Multi(ST_GeomFromWKB(r.footprint_wkb, 4326)) AS fp) g
  LEFT JOIN asset a ON a.authority_code = r.authority_code AND a.reference = r.reference
"""

# area_code: the district the point lies in (district_code_at, migration 0001), worked out only
# for points that are new or moved: it is the costly part of a write (a nearest-postcode search).
MERGE_SQL = f"""
WITH written AS (
    INSERT INTO asset AS a ({", ".join(DATA_COLUMNS)}, point, footprint, area_code)
    SELECT {", ".join(DATA_COLUMNS)}, pt, fp,
           CASE WHEN same_point THEN existing_area_code ELSE district_code_at(pt) END
      FROM asset_import_stage WHERE NOT unchanged ORDER BY row_number
    ON CONFLICT (authority_code, reference) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in COMPARED_COLUMNS)},
        point = EXCLUDED.point, footprint = EXCLUDED.footprint, area_code = EXCLUDED.area_code,
        updated_at = now()
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""


def write(records: list[tuple[int, assets.AssetRecord]]) -> tuple[int, int, int]:
    """COPY the records into a staging table, then merge the new and changed ones in one statement.

    Returns (inserted, updated, unchanged). Flushes; the caller commits.
    """
    if not records:
        return 0, 0, 0
    db.session.flush()
    footprints = np.array([record.footprint for _, record in records] + [None], dtype=object)[:-1]
    wkb = np.full(len(records), None, dtype=object)
    has_footprint = np.array([f is not None for f in footprints], dtype=bool)
    if has_footprint.any():
        wkb[has_footprint] = shapely.to_wkb(footprints[has_footprint])
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS asset_import_raw, asset_import_stage")
        cursor.execute("CREATE TEMP TABLE asset_import_raw ("
                       + ", ".join(f"{name} {kind}" for name, kind in RAW_COLUMNS) + ") ON COMMIT DROP")
        with cursor.copy("COPY asset_import_raw FROM STDIN") as copy:
            for (number, r), footprint_wkb in zip(records, wkb, strict=True):
                copy.write_row((
                    number, r.authority_code, r.reference, r.name, r.description, r.address, r.postcode, r.uprn,
                    list(r.title_numbers), r.asset_type, r.current_use, r.condition, r.occupancy,
                    r.occupancy_since, r.surplus_status, r.floor_area_m2, r.site_area_m2, r.market_value_gbp,
                    r.point.x, r.point.y, footprint_wkb,
                ))
        cursor.execute(STAGE_SQL)
        cursor.execute("SELECT count(*) FILTER (WHERE unchanged), count(*) FROM asset_import_stage")
        unchanged, staged = cursor.fetchone()
        bulk = staged - unchanged >= BULK_ROWS and _pause_grid_trigger(cursor)
        cursor.execute(MERGE_SQL)
        inserted, updated = cursor.fetchone()
        if bulk:
            cursor.execute("ALTER TABLE asset ENABLE TRIGGER asset_grid_maintenance")
            cursor.execute("SELECT asset_grid_rebuild()")
        cursor.execute("DROP TABLE asset_import_raw, asset_import_stage")
    return inserted, updated, unchanged


def _pause_grid_trigger(cursor) -> bool:
    """Switch the per-row grid trigger off until the end of this import, if the table lock comes quickly.

    ALTER TABLE holds an exclusive lock on asset until the transaction ends (map readers wait for the
    CLI's commit); if other sessions keep it busy for 5 s the import goes on with the trigger instead.
    """
    cursor.execute("SAVEPOINT asset_import_lock")
    try:
        cursor.execute("SET LOCAL lock_timeout = '5s'")
        cursor.execute("ALTER TABLE asset DISABLE TRIGGER asset_grid_maintenance")
    except (psycopg.errors.LockNotAvailable, psycopg.errors.InsufficientPrivilege):
        cursor.execute("ROLLBACK TO SAVEPOINT asset_import_lock")
        cursor.execute("RELEASE SAVEPOINT asset_import_lock")
        return False
    cursor.execute("RELEASE SAVEPOINT asset_import_lock")
    return True

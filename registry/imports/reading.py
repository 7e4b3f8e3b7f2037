"""Reading a council's file: its encoding, CSV or GeoJSON, its columns mapped onto asset fields.

Each reader returns the raw fields of every row and its geometry in the file's own coordinate
system; nothing is checked here beyond what is needed to read the file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import orjson
import shapely
import shapely.errors
import shapely.geometry

from .report import FileProblem, Rejection

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

GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")


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


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


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
    first_line = content[:4096].split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)  # ties go to the comma
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
        bad_x, bad_y = set(bad_x), set(bad_y)
        for i in sorted(bad_x):
            problems.append(Rejection(numbers[i], header[xi], f"{_capital(header[xi])} must be a number."))
        for i in sorted(bad_y):
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

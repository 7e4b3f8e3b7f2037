"""Reading a council's file into rows of fields, whatever its format, and its coordinates into geometries.

Readers (each returns a `Table`: headers, cells, the spreadsheet row of each record, and for GIS
formats a geometry per record in the file's CRS):
- CSV/TSV/TXT: any delimiter (csv.Sniffer), any encoding (UTF-8/UTF-16 by BOM, else charset-normalizer),
  quoted multi-line cells with bare CRs (the csv module), duplicate header names, trailing empty rows;
- XLSX, XLS, ODS: python-calamine (the first sheet with data);
- GeoJSON (with a legacy `crs` member): orjson + shapely, as before;
- GeoPackage, zipped Shapefile, KML/KMZ, GML and anything else GDAL reads: pyogrio.

`build` then maps the columns onto fields (`mapping`), resolves the owning authority
(`authority_names`) and decides each row's coordinate system: the `--crs` option, else the row's
CRS column, else the authority's nation (Northern Ireland: Irish Grid), else the size of the numbers.
British National Grid stays in metres for OSTN15 (`checking`); every other system is turned into
WGS84 here with PROJ. Nothing is checked beyond what reading needs.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import orjson
import shapely
import shapely.errors
import shapely.geometry

from . import authority_names, mapping
from .report import FileProblem, Rejection

GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
SPREADSHEETS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
GIS = (".gpkg", ".zip", ".shp", ".kml", ".kmz", ".gml", ".fgb", ".gdb", ".tab", ".mif")
TEXT = (".csv", ".tsv", ".txt", ".tab.txt")


@dataclass
class Table:
    """A file's records as cells, before any mapping."""

    format: str
    headers: list[str]
    rows: list[list]
    numbers: list[int]  # the spreadsheet row of each record (header = row 1), or its feature number
    encoding: str = ""
    geometries: list | None = None  # per record, in `source_crs`; None where missing or unreadable
    source_crs: str | None = None  # EPSG code as text, for GIS formats
    decimal_comma: bool = False
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (index, field, message)
    feature_numbers: bool = False  # numbers count features, not spreadsheet rows


@dataclass
class ParsedFile:
    """What reading hands to checking: raw fields per row and a geometry per row."""

    format: str
    numbers: list[int]
    raws: list[dict]
    columns: mapping.ColumnMap
    geometries: np.ndarray  # WGS84 or (where bng) British National Grid; None where missing or bad
    bng: np.ndarray
    crs: str
    coordinate_labels: tuple[str, str] = ("longitude", "latitude")
    problems: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)
    extras: list[dict] = field(default_factory=list)
    authority_given: list[tuple[str, str] | None] = field(default_factory=list)
    encoding: str = ""
    feature_numbers: bool = False
    swappable: np.ndarray | None = None  # rows whose x/y came as a plain pair (may be swapped)
    row_crs: np.ndarray | None = None  # per row, the EPSG code its coordinate numbers were read in ("" if none)
    # Set when these rows are part of a file (an import that skips unchanged rows): each row's number
    # among the file's records, and whether the whole file has a location.
    record_numbers: list[int] | None = None
    point_present: bool | None = None

    @property
    def labels(self) -> dict[str, str]:
        return {name: self.columns.headers[i] for name, i in self.columns.fields.items()}

    @property
    def ignored_columns(self) -> list[str]:
        return self.columns.unmapped

    @property
    def present_fields(self) -> set[str]:
        present = set(self.columns.present_fields)
        if self.point_present if self.point_present is not None else (
                len(self.geometries) and any(g is not None for g in self.geometries) or self.columns.coordinates):
            present.add("point")
        return present

    def label(self, name: str) -> str:
        return self.columns.label(name)

    def record_of(self, index: int) -> int:
        """The row's number among the file's records (1 = the first)."""
        return self.record_numbers[index] if self.record_numbers is not None else index + 1

    def message(self, index: int, field_name: str, text: str) -> Rejection:
        """A row message with its record number, spreadsheet row and reference, in the file's terms."""
        reference = self.raws[index].get("reference") if index < len(self.raws) else None
        return Rejection(self.numbers[index], field_name, text, record=self.record_of(index),
                         reference=str(reference).strip() or None if reference is not None else None,
                         reference_label=self.label("reference"),
                         unit="feature" if self.feature_numbers else "spreadsheet row")


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while a file's cells are made (and restore it after).

    A 100,000-row file is over a million new objects, none in a cycle: the collector would walk the
    growing table again and again for nothing (measured: list(csv.reader) of the benchmark's 100,000
    rows takes 0.27 s with it paused, 0.44-0.50 s without). Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ------------------------------------------------------------------ encodings and text files


def decode(data: bytes) -> tuple[str, str]:
    """Text and the name of its encoding: BOMs first, then UTF-8, then charset-normalizer's best guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        content = data.decode("utf-8-sig")
        return content, "utf-8 (with BOM)" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    try:  # not Western European: charset-normalizer's guess, when it is a multi-byte encoding
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best and best.encoding and not re.match(r"(cp|windows_|iso8859|latin|mac_|koi8|tis|ptcp)",
                                                    best.encoding.replace("-", "_").lower()):
            return data.decode(best.encoding), best.encoding
    except (ImportError, UnicodeDecodeError, LookupError):
        pass
    return data.decode("latin-1"), "latin-1"


def read_text_table(content: str, encoding: str) -> Table:
    sample = content[:65536]
    first_line = sample.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first_line if first_line.strip() else sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader, header = _text_header(content, delimiter)
    header_row = reader.line_num and 1
    width = len(header)
    try:
        records = list(reader)
    except csv.Error:
        records = None  # read again row by row below, to say which row
    kind = "csv" if delimiter != "\t" else "tsv"
    # The common case in two passes: no blank row (a first cell that is not blank says so), none too long.
    if records is not None and not any([not v or not v[0] or v[0].isspace() for v in records]) \
            and not any([len(v) > width for v in records]):
        return Table(kind, [h.strip() for h in header], records,
                     list(range(header_row + 1, header_row + 1 + len(records))), encoding,
                     decimal_comma=delimiter == ";")
    if records is None:
        reader, _ = _text_header(content, delimiter)
        records = reader
    rows, numbers = [], []
    spreadsheet_row = header_row
    problems = []
    try:
        for values in records:
            spreadsheet_row += 1
            if not values or not "".join(values).strip():
                continue
            if len(values) > width and any(v.strip() for v in values[width:]):
                problems.append((len(rows), "row", (f"The row has {len(values)} values but the header has "
                                 f"{width} columns: check for an unquoted {_delimiter_name(delimiter)}.")))
            rows.append(values)
            numbers.append(spreadsheet_row)
    except csv.Error as error:
        raise FileProblem(f"Spreadsheet row {spreadsheet_row + 1} cannot be read as CSV: {error}.",
                          row=spreadsheet_row + 1) from None
    return Table(kind, [h.strip() for h in header], rows, numbers, encoding,
                 decimal_comma=delimiter == ";", problems=problems)


def _text_header(content: str, delimiter: str):
    """A CSV reader over the text, and the header it has read (the first line that is not blank)."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader)
    except StopIteration:
        raise FileProblem("The file is empty.") from None
    except csv.Error as error:
        raise FileProblem(f"The header line cannot be read as CSV: {error}.", row=1) from None
    return reader, header


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(delimiter, repr(delimiter))


# ------------------------------------------------------------------ spreadsheets


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_spreadsheet(path: Path) -> Table:
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet_rows = None
        for index in range(len(workbook.sheet_names)):
            candidate = workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
            if any(any(c not in (None, "") for c in row) for row in candidate):
                sheet_rows = candidate
                break
    except Exception as error:  # noqa: BLE001 - calamine raises many error types; GDAL reads some it cannot
        try:
            table = read_gis(path)
        except FileProblem:
            raise FileProblem(f"The spreadsheet cannot be read: {error}.") from None
        return Table(path.suffix.lower().lstrip("."), table.headers, table.rows,
                     [n + 1 for n in table.numbers], table.encoding)
    if not sheet_rows:
        raise FileProblem("The spreadsheet is empty.")
    start = next(i for i, row in enumerate(sheet_rows) if any(c not in (None, "") for c in row))
    header = [_cell_text(c).strip() for c in sheet_rows[start]]
    while header and not header[-1]:
        header.pop()
    rows, numbers = [], []
    for offset, row in enumerate(sheet_rows[start + 1:], start=start + 2):
        cells = [_cell_text(c) for c in row]
        if not any(c.strip() for c in cells):
            continue
        rows.append(cells)
        numbers.append(offset)
    return Table(path.suffix.lower().lstrip("."), header, rows, numbers, "")


# ------------------------------------------------------------------ GIS formats through GDAL


def read_gis(path: Path) -> Table:
    try:
        from pyogrio.raw import read
    except ImportError:  # pragma: no cover
        raise FileProblem("GIS files need the pyogrio package.") from None
    source = str(path)
    if path.suffix.lower() == ".zip":
        source = f"/vsizip/{path}"
    try:
        meta, _, wkb, field_data = read(source, force_2d=True, datetime_as_string=True)
    except Exception as error:  # noqa: BLE001 - pyogrio's DataSourceError, DataLayerError, GDAL's own errors
        raise FileProblem(f"The file cannot be read as {path.suffix.lstrip('.').upper() or 'GIS'} data: "
                          f"{str(error).splitlines()[0]}.") from None
    headers = [str(name) for name in meta["fields"]]
    n = len(wkb) if wkb is not None else (len(field_data[0]) if field_data else 0)
    rows = [[_cell_text(column[i]) for column in field_data] for i in range(n)]
    geometries, problems = [], []
    for i in range(n):
        geometry = None
        if wkb is not None and wkb[i] is not None:
            try:
                geometry = shapely.from_wkb(wkb[i])
            except shapely.errors.ShapelyError as error:
                problems.append((i, "geometry", f"The geometry cannot be read: {error}."))
        geometries.append(geometry)
    crs = _epsg_of(meta.get("crs"))
    kind = {".gpkg": "geopackage", ".zip": "shapefile", ".shp": "shapefile", ".kml": "kml", ".kmz": "kml"}.get(
        path.suffix.lower(), path.suffix.lower().lstrip("."))
    return Table(kind, headers, rows, list(range(1, n + 1)), meta.get("encoding") or "", geometries,
                 crs or "4326", problems=problems, feature_numbers=True)


def _epsg_of(crs) -> str | None:
    if not crs:
        return None
    match = re.search(r"EPSG:?(\d+)", str(crs), re.IGNORECASE)
    if match:
        return match.group(1)
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        code = CRS.from_user_input(crs).to_epsg()
        return str(code) if code else None
    except CRSError:
        return None


# ------------------------------------------------------------------ GeoJSON


def _crs_of(member) -> str | None:
    if not member:
        return None
    name = str((member.get("properties") or {}).get("name", "")) if isinstance(member, dict) else str(member)
    code = crs_code(name)
    if code is None:
        raise FileProblem(f"The file's coordinate reference system {name!r} is not one we know: use WGS84 "
                          "(EPSG:4326), British National Grid (EPSG:27700) or Irish Grid (EPSG:29903).",
                          field="crs")
    return code


def read_geojson_table(content: str, crs: str) -> Table:
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
    names: dict[str, None] = {}
    for feature in features:
        if isinstance(feature, dict):
            names.update(dict.fromkeys(str(k) for k in (feature.get("properties") or {})))
    # Features of one file may name a field differently ("Asset Name" here, "name" there): one column each.
    by_field: dict[str, list[str]] = {}
    for name in names:
        target = mapping.field_of(name)
        if target:
            by_field.setdefault(target, []).append(name)
    aliases = {group[0]: group[1:] for group in by_field.values() if len(group) > 1}
    for others in aliases.values():
        for other in others:
            names.pop(other, None)
    headers = list(names)
    reference_headers = [h for h in headers if mapping.header_key(h) in mapping.FIELD_ALIASES["reference"]]
    reference_header = reference_headers[0] if reference_headers else None
    add_id = reference_header is None
    if add_id:
        headers.append("id")
    rows, geometries, problems = [], [], []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append((index, "feature", "Each item in features must be a GeoJSON Feature."))
            rows.append([""] * len(headers))
            geometries.append(None)
            continue
        properties = feature.get("properties") or {}
        cells = [_json_cell(_first_present(properties, h, aliases.get(h, ()))) for h in names]
        if reference_header is not None and feature.get("id") not in (None, "") \
                and not cells[headers.index(reference_header)].strip():
            cells[headers.index(reference_header)] = str(feature["id"])  # the feature's id is its reference
        if add_id:
            cells.append("" if feature.get("id") in (None, "") else str(feature["id"]))
        rows.append(cells)
        geometry = feature.get("geometry")
        geometries.append(None)
        if not geometry:
            problems.append((index, "geometry", ("The feature has no geometry: give a Point, Polygon or "
                             "MultiPolygon.")))
            continue
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in GEOMETRY_TYPES:
            problems.append((index, "geometry", (f"The geometry is a {kind or 'unknown type'}: it must be a "
                             "Point, Polygon or MultiPolygon.")))
            continue
        try:
            geometries[-1] = shapely.geometry.shape(geometry)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as error:
            problems.append((index, "geometry", f"The {kind} coordinates cannot be read: {error}."))
    if declared:
        source = declared
    else:
        # RFC 7946 says WGS84, but council exports often hold grid metres without saying so.
        present = [g for g in geometries if g is not None]
        bounds = shapely.bounds(np.array(present, dtype=object)) if present else np.empty((0, 4))
        bounds = bounds[np.isfinite(bounds).all(axis=1)]
        looks_bng = bool(len(bounds)) and bool(
            (np.abs(bounds[:, [0, 2]]) > 180).any() or (np.abs(bounds[:, [1, 3]]) > 90).any())
        source = "27700" if looks_bng else "4326"
    table = Table("geojson", headers, rows, list(range(1, len(features) + 1)), "", geometries, source,
                  problems=problems, feature_numbers=True)
    table.declared_crs = bool(declared)  # type: ignore[attr-defined]
    return table


def _first_present(properties: dict, name: str, others) -> object:
    for key in (name, *others):
        if properties.get(key) not in (None, ""):
            return properties[key]
    return None


def _json_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return _cell_text(value)
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode() if isinstance(value, dict) else ";".join(str(v) for v in value)
    return str(value)


# ------------------------------------------------------------------ coordinate systems

_CRS_WORDS = [
    ("27700", (r"27700|osgb\s*-?\s*36|osgb|british\s+national\s+grid|national\s+grid|\bbng\b|ordnance|"
              r"\bos\s+grid|easting")),
    ("29903", r"29903|irish\s+grid|\btm75\b|\big\b|29900"),
    ("29902", r"29902|\btm65\b"),
    ("4326", r"4326|wgs\s*-?\s*84|crs84|4258|etrs\s*-?\s*89|lat(itude)?\s*/?\s*lon|decimal\s+degrees|degrees|gps"),
    ("3857", r"3857|900913|web\s+mercator|pseudo[-\s]mercator"),
]


def crs_code(value) -> str | None:
    """'OSGB36', 'EPSG:27700', 'British National Grid' -> '27700'; 'WGS84' -> '4326'; None if unknown."""
    text = mapping.clean_text(value).lower()
    if not text:
        return None
    for code, pattern in _CRS_WORDS:
        if re.search(pattern, text):
            return code
    match = re.search(r"\b(\d{4,5})\b", text)
    return match.group(1) if match else None


_TRANSFORMERS: dict[str, object] = {}


def to_wgs84_xy(code: str, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    if code not in _TRANSFORMERS:
        _TRANSFORMERS[code] = Transformer.from_crs(f"EPSG:{code}", "EPSG:4326", always_xy=True)
    return _TRANSFORMERS[code].transform(xs, ys)


# ------------------------------------------------------------------ from a table to fields


def read(path: Path, crs: str, overrides: dict[str, str] | None = None,
         default_authority: str | None = None) -> ParsedFile:
    with paused_gc():  # as imports.import_file does for the whole import
        return build(read_table(path, crs), crs, overrides, default_authority)


def read_table(path: Path, crs: str) -> Table:
    """The file's cells (and a GIS file's geometries), before any mapping: the cheap part of reading.

    Callers reading a whole file pause the collector around it (`paused_gc`): import_file and read.
    """
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS:
        table = read_spreadsheet(path)
    elif suffix in GIS:
        table = read_gis(path)
    else:
        content, encoding = decode(path.read_bytes())
        looks_like_json = content.lstrip()[:1] in ("{", "[")
        if suffix in (".geojson", ".json") or (suffix not in TEXT and looks_like_json):
            table = read_geojson_table(content, crs)
        else:
            table = read_text_table(content, encoding)
        table.encoding = encoding
    return table


def parse(content: str, suffix: str, crs: str) -> ParsedFile:
    """Read text already in memory (CSV or GeoJSON)."""
    looks_like_json = content.lstrip()[:1] in ("{", "[")
    if suffix in (".geojson", ".json") or (suffix not in TEXT and looks_like_json):
        table = read_geojson_table(content, crs)
    else:
        table = read_text_table(content, "")
    return build(table, crs, None, None)


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def _cell(row: list, index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index]


def subset(table: Table, keep: list[int]) -> Table:
    """The table with only the rows at these indices (in order); row problems follow their rows."""
    position = {index: j for j, index in enumerate(keep)}
    return Table(table.format, table.headers, [table.rows[i] for i in keep], [table.numbers[i] for i in keep],
                 table.encoding, None if table.geometries is None else [table.geometries[i] for i in keep],
                 table.source_crs, table.decimal_comma,
                 [(position[i], name, text) for i, name, text in table.problems if i in position],
                 table.feature_numbers)


MERGED_FIELDS = ("tenure", "tenure_detail", "post_town", "asset_type", "holding_type")


def crs_label(systems) -> str:
    """The report's name for the coordinate systems a file's rows were read in."""
    systems = sorted(s for s in systems if s)
    if not systems:
        return "4326"
    return "+".join(s if s in ("4326", "27700") else f"{s}->4326" for s in systems)


def build(table: Table, crs: str, overrides: dict[str, str] | None,
          default_authority: str | None, *, variant_counts: dict[str, Counter] | None = None) -> ParsedFile:
    """Map the table's cells onto fields and read its coordinates.

    `variant_counts` (field -> the whole file's count of each cleaned value) is given when the table
    is some of a file's rows: case variants are merged by the file's spellings, not these rows'.
    """
    columns = mapping.map_columns(table.headers, overrides)
    coords = columns.coordinates
    header = table.headers
    for a, b in (("longitude", "latitude"), ("easting", "northing"), ("x", "y")):
        if (a in coords) != (b in coords):
            missing, have = (a, b) if a not in coords else (b, a)
            raise FileProblem(f"The file has a {header[coords[have]]} column but no {missing} column to go "
                              "with it.", field=missing, row=1)
    if crs == "27700" and "longitude" in coords and "easting" not in coords and "x" not in coords:
        raise FileProblem(f"--crs 27700 was given but the file has longitude and latitude columns "
                          f"({header[coords['longitude']]}, {header[coords['latitude']]}).", field="crs", row=1)
    if crs == "4326" and "easting" in coords and "longitude" not in coords and "x" not in coords:
        raise FileProblem(f"--crs 4326 was given but the file has easting and northing columns "
                          f"({header[coords['easting']]}, {header[coords['northing']]}).", field="crs", row=1)
    has_location = bool(coords.keys() & {"longitude", "easting", "x", "point", "geometry", "location"}) \
        or table.geometries is not None
    if not has_location and "postcode" not in columns.fields:
        raise FileProblem("The file has no coordinate columns: give longitude and latitude, or easting and "
                          "northing (or a postcode for each row).", field="file", row=1)

    n = len(table.rows)
    raws, extras, given = [], [], []
    default = authority_names.resolve(default_authority) or (default_authority or "").strip().upper() or None
    text_fields = [(name, index) for name, index in columns.fields.items()]
    extra_names = _unique_names([header[i] for i in columns.extra])
    for row in table.rows:
        raw = {}
        for name, index in text_fields:
            value = mapping.clean_text(_cell(row, index))
            if value:
                raw[name] = value
        extra = {}
        for name, i in zip(extra_names, columns.extra):
            value = mapping.clean_text(_cell(row, i))
            if value:
                extra[name] = value
        extras.append(extra)
        first_given, code = None, None
        for index in columns.authority_columns:
            value = mapping.clean_text(_cell(row, index))
            if not value:
                continue
            first_given = first_given or (header[index], value)
            code = authority_names.resolve(value)
            if code:
                break
        given.append(first_given)
        raw["authority_code"] = code or (None if first_given else default)
        raws.append(raw)
    for name in MERGED_FIELDS:
        if name in columns.fields:
            values = [r.get(name) for r in raws]
            merged = mapping.merge_case_variants(values, None if variant_counts is None else variant_counts[name])
            for raw, value in zip(raws, merged):
                if value:
                    raw[name] = value

    parsed = ParsedFile(table.format, table.numbers, raws, columns, np.full(n, None, dtype=object),
                     np.zeros(n, dtype=bool), "4326", extras=extras, authority_given=given,
                     encoding=table.encoding, feature_numbers=table.feature_numbers,
                     swappable=np.zeros(n, dtype=bool))
    for index, field_name, message in table.problems:
        parsed.problems.append(parsed.message(index, field_name, message))
    _numbers(parsed, table.decimal_comma)
    _coordinates(parsed, table, crs)
    return parsed


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _numbers(parsed: ParsedFile, decimal_comma: bool) -> None:
    """Areas and values as plain decimals (square metres for areas); a bad number is the row's problem."""
    for name in ("floor_area_m2", "site_area_m2", "market_value_gbp"):
        if name not in parsed.columns.fields:
            continue
        factor = parsed.columns.area_factors.get(name, 1.0)
        for i, raw in enumerate(parsed.raws):
            if name not in raw:
                continue
            try:
                number = mapping.parse_number(raw[name], decimal_comma=decimal_comma)
            except ValueError:
                label = parsed.label(name)
                parsed.problems.append(parsed.message(i, label, f"{_capital(label)} {raw[name]!r} is not a number."))
                del raw[name]
                continue
            if number is None:
                del raw[name]
            else:
                raw[name] = mapping.number_text(number * factor)


def _coordinates(parsed: ParsedFile, table: Table, crs: str) -> None:
    from pyproj.exceptions import CRSError, ProjError

    n = len(parsed.raws)
    coords = parsed.columns.coordinates
    header = table.headers
    rows = table.rows
    xs = np.full(n, np.nan)
    ys = np.full(n, np.nan)
    kind = np.full(n, "", dtype=object)  # the pair each row's numbers came from
    bad = set()

    def numbers(a: str, b: str, label_kind: str):
        for i, row in enumerate(rows):
            if np.isfinite(xs[i]) or i in bad:
                continue
            values = []
            for key in (a, b):
                text = mapping.clean_text(_cell(row, coords[key]))
                try:
                    values.append(mapping.parse_number(text, decimal_comma=table.decimal_comma))
                except ValueError:
                    parsed.problems.append(parsed.message(i, header[coords[key]],
                                                          f"{_capital(header[coords[key]])} {text!r} is not a number."))
                    bad.add(i)
                    values.append(None)
            if i in bad:
                continue
            x, y = values
            if x is None and y is None:
                continue
            if x is None or y is None or (x == 0 and y == 0):
                if x == 0 and y == 0:
                    parsed.warnings.append(parsed.message(
                        i, header[coords[a]], f"{header[coords[a]]}/{header[coords[b]]} are 0, 0: read as no "
                        "coordinates."))
                    continue
                missing = header[coords[b]] if y is None else header[coords[a]]
                parsed.problems.append(parsed.message(i, missing, f"Enter the {missing}."))
                bad.add(i)
                continue
            xs[i], ys[i], kind[i] = x, y, label_kind

    used = []
    if "longitude" in coords:
        numbers("longitude", "latitude", "4326")
        used.append((header[coords["longitude"]], header[coords["latitude"]]))
    if "easting" in coords:
        numbers("easting", "northing", "27700")
        used.append((header[coords["easting"]], header[coords["northing"]]))
    if "x" in coords:
        numbers("x", "y", "xy")
        used.append((header[coords["x"]], header[coords["y"]]))
    parsed.coordinate_labels = used[0] if used else ("longitude", "latitude")

    # Each row's system: --crs, else the row's CRS column, else the authority's nation, else the numbers.
    row_crs = np.full(n, "", dtype=object)
    if "crs" in coords:
        unknown = {}
        for i, row in enumerate(rows):
            value = mapping.clean_text(_cell(row, coords["crs"]))
            if value:
                code = crs_code(value)
                if code:
                    row_crs[i] = code
                else:
                    unknown.setdefault(value, i)
        for value, i in unknown.items():
            parsed.warnings.append(parsed.message(i, header[coords["crs"]], f"{header[coords['crs']]} {value!r} "
                                                  "is not a coordinate system we know: worked out from the numbers."))
    for i in range(n):
        if not kind[i]:
            continue
        if crs != "auto":
            chosen = crs
        elif kind[i] in ("4326", "27700"):
            chosen = kind[i]
        elif row_crs[i]:
            chosen = row_crs[i]
        elif str(parsed.raws[i].get("authority_code") or "").startswith("N09"):
            chosen = "29903"
        else:
            chosen = "4326" if abs(xs[i]) <= 180 and abs(ys[i]) <= 90 else "27700"
        if chosen == "4326" and kind[i] != "4326" and (abs(xs[i]) > 180 or abs(ys[i]) > 90) and row_crs[i] == "4326":
            chosen = "27700"
            parsed.warnings.append(parsed.message(
                i, header[coords["crs"]], f"{header[coords['crs']]} says WGS84 but {_fmt(xs[i])}, {_fmt(ys[i])} are "
                "grid metres: read as British National Grid."))
        kind[i] = chosen
    parsed.swappable = np.array([bool(k) for k in kind], dtype=bool)
    parsed.row_crs = kind

    geometries = np.full(n, None, dtype=object)
    bng = np.zeros(n, dtype=bool)
    have = np.array([bool(k) for k in kind], dtype=bool)
    if have.any():
        idx = np.flatnonzero(have)
        geometries[idx] = shapely.points(xs[idx], ys[idx])
        bng[idx] = np.array([kind[i] == "27700" for i in idx])
        other = [i for i in idx if kind[i] not in ("4326", "27700")]
        for code in {kind[i] for i in other}:
            rows_for = [i for i in other if kind[i] == code]
            try:
                lons, lats = to_wgs84_xy(code, xs[rows_for], ys[rows_for])
            except (CRSError, ProjError):
                for i in rows_for:
                    parsed.problems.append(parsed.message(i, parsed.coordinate_labels[0],
                                                          f"EPSG:{code} is not a coordinate system we can convert."))
                    geometries[i] = None
                continue
            geometries[rows_for] = shapely.points(lons, lats)

    # Well-known text (planning.data `point` / `geometry`) and `(lat, lon)` pairs (Camden's `Location`).
    for key in ("geometry", "point", "location"):
        if key not in coords:
            continue
        for i, row in enumerate(rows):
            if geometries[i] is not None or i in bad:
                continue
            text = mapping.clean_text(_cell(row, coords[key]))
            if not text:
                continue
            geometry = _text_geometry(text, key)
            if geometry is None:
                parsed.problems.append(parsed.message(i, header[coords[key]],
                                                      f"{_capital(header[coords[key]])} {text[:60]!r} is not a point "
                                                      "or shape we can read (give WKT like POINT (-2.07 51.91))."))
                bad.add(i)
                continue
            geometries[i] = geometry
            bng[i] = crs == "27700" or (crs == "auto" and bool(np.any(np.abs(shapely.bounds(geometry)) > 180)))
            if not parsed.coordinate_labels or not used:
                parsed.coordinate_labels = (header[coords[key]], header[coords[key]])

    if table.geometries is not None:  # a GIS file's own geometry wins over any coordinate columns
        source = crs if crs != "auto" else (table.source_crs or "4326")
        for i, geometry in enumerate(table.geometries):
            if geometry is None:
                continue
            bng[i] = False
            parsed.swappable[i] = False
            if source == "27700":
                geometries[i], bng[i] = geometry, True
            elif source == "4326":
                geometries[i] = geometry
            else:
                try:
                    geometries[i] = shapely.transform(geometry, lambda c: np.column_stack(
                        to_wgs84_xy(source, c[:, 0], c[:, 1])))
                except (CRSError, ProjError):
                    parsed.problems.append(parsed.message(i, "geometry",
                                                          f"EPSG:{source} is not a coordinate system we can convert."))
        parsed.coordinate_labels = ("geometry", "geometry") if not used else parsed.coordinate_labels
        parsed.crs = source if source in ("4326", "27700") else f"{source}->4326"
    else:
        parsed.crs = crs_label({k for k in kind if k})
    parsed.geometries = geometries
    parsed.bng = bng


def _text_geometry(text: str, key: str):
    if key == "location":
        numbers = re.findall(r"-?\d+(?:\.\d+)?", text)
        if len(numbers) == 2:
            lat, lon = float(numbers[0]), float(numbers[1])
            return shapely.Point(lon, lat)
        return None
    try:
        geometry = shapely.from_wkt(re.sub(r"^\s*SRID=\d+;", "", text))
    except shapely.errors.ShapelyError:
        return None
    if geometry is None or geometry.geom_type not in GEOMETRY_TYPES:
        return None
    return shapely.force_2d(geometry)


def _fmt(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.1f}"

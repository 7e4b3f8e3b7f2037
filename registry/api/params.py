"""Parsing query parameters. Every bad parameter raises InvalidInput naming it."""

import math
from datetime import UTC, datetime

import numpy as np

from .. import places, search
from ..errors import InvalidInput
from ..vocabulary import ASSET_TYPES, PUBLIC_STATUSES

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG27700 = "http://www.opengis.net/def/crs/EPSG/0/27700"
SUPPORTED_CRS = (CRS84, EPSG4326, EPSG27700)

ITEMS_PARAMETERS = {"f", "bbox", "bbox-crs", "crs", "limit", "offset", "after", "near", "radius", "nearest", "q",
                    "authority", "area", "type", "status", "datetime", "include_approximate"}


def number(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number, not {raw!r}.", field=name) from None
    if not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number.", field=name)
    return value


def integer(raw: str | None, name: str, *, default: int, minimum: int, maximum: int | None = None,
            clamp: bool = False) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {raw!r}.", field=name) from None
    if value < minimum:
        raise InvalidInput(f"{name} must be at least {minimum}.", field=name)
    if maximum is not None and value > maximum:
        if clamp:
            return maximum
        raise InvalidInput(f"{name} must be at most {maximum}.", field=name)
    return value


def lon_lat(raw: str, name: str) -> tuple[float, float]:
    parts = raw.split(",") if raw else []
    if len(parts) != 2:
        raise InvalidInput(f"{name} must be a longitude and a latitude in degrees, separated by a comma, "
                           f"for example {name}=-1.5491,53.8008.", field=name)
    lon, lat = number(parts[0], name), number(parts[1], name)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"{name} is out of range: longitude -180..180, latitude -90..90.", field=name)
    return lon, lat


def crs_uri(raw: str | None, name: str) -> str:
    if not raw:
        return CRS84
    value = raw.strip()
    if value in ("EPSG:27700", "27700"):
        value = EPSG27700
    if value in ("EPSG:4326", "4326"):
        value = EPSG4326
    if value not in SUPPORTED_CRS:
        raise InvalidInput(f"{name} {raw!r} is not supported; use one of {', '.join(SUPPORTED_CRS)}.",
                           field=name)
    return value


def bbox(raw: str, bbox_crs: str) -> tuple[tuple | None, str | None]:
    parts = raw.split(",")
    if len(parts) == 6:  # 3D bbox: ignore heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise InvalidInput("bbox must be four numbers separated by commas: west, south, east and north, "
                           "for example bbox=-1.6,53.7,-1.4,53.9.", field="bbox")
    minx, miny, maxx, maxy = (number(p, "bbox") for p in parts)
    if bbox_crs == EPSG27700:
        if minx > maxx or miny > maxy:
            raise InvalidInput("bbox must give west before east and south before north.", field="bbox")
        return None, bng_rectangle_as_wgs84_wkt(minx, miny, maxx, maxy)
    if bbox_crs == EPSG4326:  # lat,lon axis order
        minx, miny, maxx, maxy = miny, minx, maxy, maxx
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidInput("bbox is out of range for WGS84 degrees.", field="bbox")
    if miny > maxy:
        raise InvalidInput("bbox must give south before north (its second number no more than its fourth).",
                           field="bbox")
    if minx > maxx:  # crosses the antimeridian: irrelevant to the UK, so take the whole width
        minx, maxx = -180.0, 180.0
    return (minx, miny, maxx, maxy), None


def bng_rectangle_as_wgs84_wkt(minx, miny, maxx, maxy, steps: int = 16) -> str:
    """A British National Grid rectangle, densified, as a WGS84 polygon (OSTN15)."""
    xs = np.concatenate([np.linspace(minx, maxx, steps), np.full(steps, maxx),
                         np.linspace(maxx, minx, steps), np.full(steps, minx)])
    ys = np.concatenate([np.full(steps, miny), np.linspace(miny, maxy, steps),
                         np.full(steps, maxy), np.linspace(maxy, miny, steps)])
    lons, lats = places.bng_to_wgs84(xs, ys)
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise InvalidInput("bbox lies outside the area British National Grid covers.", field="bbox")
    ring = ", ".join(f"{lon:.7f} {lat:.7f}" for lon, lat in zip(lons, lats))
    first = f"{lons[0]:.7f} {lats[0]:.7f}"
    return f"POLYGON(({ring}, {first}))"


def _instant(raw: str, *, end: bool) -> datetime | None:
    if raw in ("", ".."):
        return None
    try:
        if len(raw) == 10:  # a date: the whole day
            day = datetime.fromisoformat(raw).replace(tzinfo=UTC)
            return day.replace(hour=23, minute=59, second=59, microsecond=999999) if end else day
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("datetime must be a date (2026-06-01), a date and time (2026-06-01T09:30:00Z), "
                           "or two of them joined by a slash, with .. for an open end "
                           "(2024-01-01/.. is from 1 January 2024 on).", field="datetime") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def datetime_interval(raw: str | None) -> tuple[datetime | None, datetime | None] | None:
    """OGC API datetime: an instant or an interval (open ends as '..') over the last update."""
    if not raw:
        return None
    if "/" in raw:
        start_raw, _, end_raw = raw.partition("/")
        start, end = _instant(start_raw, end=False), _instant(end_raw, end=True)
        if start and end and start > end:
            raise InvalidInput("datetime interval must start before it ends.", field="datetime")
        return start, end
    instant = _instant(raw, end=False)
    return instant, (_instant(raw, end=True) if len(raw) == 10 else instant)


def choices(raw: str | None, name: str, allowed) -> list[str]:
    if not raw:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    for value in values:
        if value not in allowed:
            raise InvalidInput(f"{name} {value!r} is not known; use one of: {', '.join(allowed)}.", field=name)
    return values


def boolean(raw: str | None, name: str, *, default: bool = False) -> bool:
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise InvalidInput(f"{name} must be true or false, not {raw!r}.", field=name)


def gss_code(raw: str | None, name: str) -> str | None:
    if not raw:
        return None
    value = raw.strip().upper()
    if len(value) != 9 or value[0] not in "ENSW" or not value[1:].isdigit():
        raise InvalidInput(f"{name} must be a GSS code like E08000035.", field=name)
    return value


def asset_query(args, *, default_limit: int = 10) -> tuple[search.AssetQuery, dict]:
    """Build an AssetQuery from request args; also return the output options."""
    unknown = set(args) - ITEMS_PARAMETERS
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"Unknown parameter {name!r}. Known: {', '.join(sorted(ITEMS_PARAMETERS))}.",
                           field=name)
    query = search.AssetQuery(
        limit=integer(args.get("limit"), "limit", default=default_limit, minimum=1,
                      maximum=search.MAX_LIMIT, clamp=True),
        offset=integer(args.get("offset"), "offset", default=0, minimum=0, maximum=1_000_000),
        q=(args.get("q") or "").strip() or None,
        authority=gss_code(args.get("authority"), "authority"),
        area=gss_code(args.get("area"), "area"),
        types=choices(args.get("type"), "type", ASSET_TYPES),
        statuses=choices(args.get("status"), "status", PUBLIC_STATUSES),
    )
    if query.q and len(query.q) > 200:
        raise InvalidInput("q must be 200 characters or fewer.", field="q")
    query.updated_between = datetime_interval(args.get("datetime"))
    query.include_approximate = boolean(args.get("include_approximate"), "include_approximate")
    if args.get("after"):
        query.after_id = integer(args.get("after"), "after", default=0, minimum=0, maximum=2**31 - 1)
    bbox_crs = crs_uri(args.get("bbox-crs"), "bbox-crs")
    if args.get("bbox"):
        query.bbox, query.bbox_polygon_wkt = bbox(args["bbox"], bbox_crs)
    if args.get("near"):
        query.near = lon_lat(args["near"], "near")
        if not args.get("radius"):
            raise InvalidInput("near needs a radius in metres, e.g. radius=1000.", field="radius")
        query.radius_m = number(args["radius"], "radius")
        if not 0 < query.radius_m <= search.MAX_RADIUS_M:
            raise InvalidInput(f"radius must be more than 0 and at most {search.MAX_RADIUS_M} metres.",
                               field="radius")
    elif args.get("radius"):
        raise InvalidInput("radius needs near, the point to measure from, for example near=-1.5491,53.8008.",
                               field="near")
    if args.get("nearest"):
        if query.near:
            raise InvalidInput("Use either near (with radius) or nearest, not both.", field="nearest")
        query.nearest = lon_lat(args["nearest"], "nearest")
    options = {"crs": crs_uri(args.get("crs"), "crs")}
    return query, options

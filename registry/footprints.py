"""Turning what officers and council systems send into an asset's point and footprint.

Accepts GeoJSON geometry (Point, Polygon, MultiPolygon) in WGS84 lon/lat or in
British National Grid metres (EPSG:27700, converted with OSTN15 by
places.bng_to_wgs84), and plain "easting, northing" lines typed or pasted into
a form. Invalid shapes, self-intersecting boundaries included, are refused
with shapely's explanation. Pure: no session.
"""

import re

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.validation import explain_validity

from . import places
from .errors import InvalidInput

BNG_CRS_MARKERS = ("27700",)
WGS84 = "wgs84"
BNG = "bng"
MAX_VERTICES = 20_000


def crs_from(value: str | None) -> str:
    """WGS84 unless the Content-Crs header (or a GeoJSON `crs` name) names EPSG:27700."""
    if value and any(marker in value for marker in BNG_CRS_MARKERS):
        return BNG
    if value and not any(m in value for m in ("4326", "CRS84", "crs84")):
        raise InvalidInput(
            f"Coordinate reference system {value!r} is not supported: use WGS84 (CRS84) or "
            "British National Grid (http://www.opengis.net/def/crs/EPSG/0/27700).", field="crs")
    return WGS84


def _bng_to_wgs84(coords: np.ndarray) -> np.ndarray:
    eastings, northings = coords[:, 0], coords[:, 1]
    if not (np.all((eastings >= 0) & (eastings <= 700_000)) and np.all((northings >= 0) & (northings <= 1_300_000))):
        raise InvalidInput("British National Grid coordinates must be metres: easting 0–700000, "
                           "northing 0–1300000.", field="geometry")
    lons, lats = places.bng_to_wgs84(eastings, northings)
    if not (np.all(np.isfinite(lons)) and np.all(np.isfinite(lats))):
        raise InvalidInput("A grid reference is outside the area OSTN15 covers.", field="geometry")
    return np.column_stack([lons, lats])


def _check_wgs84(geom) -> None:
    coords = shapely.get_coordinates(geom)
    if len(coords) and not (np.all(np.abs(coords[:, 0]) <= 180) and np.all(np.abs(coords[:, 1]) <= 90)):
        raise InvalidInput(
            "Coordinates are not longitude and latitude. For British National Grid eastings and northings, "
            "say so (Content-Crs: <http://www.opengis.net/def/crs/EPSG/0/27700>).", field="geometry")


def invalid_shape_words(reason: str, *, crs: str) -> str:
    """GEOS's reason ("Self-intersection[-1.55 53.8]") in plain words, with where it happens. Pure."""
    import re

    match = re.match(r"([A-Za-z -]+?)\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)", reason or "")
    what, where = (match.group(1).strip().lower(), (float(match.group(2)), float(match.group(3)))) if match \
        else ((reason or "").lower(), None)
    if where is None:
        near = ""
    elif crs == BNG:
        near = f" near easting {where[0]:.0f}, northing {where[1]:.0f}"
    else:
        near = f" near latitude {where[1]:.5f}, longitude {where[0]:.5f}"
    if "self-intersection" in what or "self intersection" in what:
        return f"The boundary crosses itself{near}: draw it again so its edges do not cross."
    if "ring self" in what or "too few points" in what:
        return f"The boundary has too few distinct corners{near}: draw it again with at least three."
    if "hole" in what or "nested" in what:
        return f"A hole in the boundary lies outside it or overlaps another{near}: draw it again."
    return f"The boundary is not a shape we can store{near}: draw it again so its edges do not cross."


def _validate_shape(geom, *, crs: str):
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise InvalidInput(f"The footprint has more than {MAX_VERTICES} points: simplify it.", field="geometry")
    if geom.is_empty:
        raise InvalidInput("The geometry is empty.", field="geometry")
    if not geom.is_valid:
        raise InvalidInput(invalid_shape_words(explain_validity(geom), crs=crs), field="geometry")
    if crs == BNG:
        geom = shapely.transform(geom, _bng_to_wgs84)
    else:
        _check_wgs84(geom)
    return geom


def point_and_footprint(geom, *, crs: str = WGS84) -> tuple[Point, MultiPolygon | None]:
    """(point, footprint) in WGS84 from a shapely geometry; the point of a footprint lies inside it."""
    if not isinstance(geom, (Point, Polygon, MultiPolygon)):
        raise InvalidInput(f"Send a Point, Polygon or MultiPolygon, not a {geom.geom_type}.", field="geometry")
    geom = _validate_shape(geom, crs=crs)
    if isinstance(geom, Point):
        return geom, None
    footprint = geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
    return footprint.representative_point(), footprint


def from_geojson(geometry, *, crs: str = WGS84) -> tuple[Point, MultiPolygon | None]:
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise InvalidInput("Send a GeoJSON geometry with a type and coordinates.", field="geometry")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.GEOSException) as error:
        raise InvalidInput(f"The geometry could not be read as GeoJSON: {error}.", field="geometry") from None
    return point_and_footprint(geom, crs=crs)


_NUMBER_PAIR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$")


def from_bng_text(raw: str) -> tuple[Point, MultiPolygon | None]:
    """One "easting, northing" per line: one line is a point, four or more a boundary (closed for you)."""
    pairs = []
    for number, line in enumerate((raw or "").strip().splitlines(), start=1):
        if not line.strip():
            continue
        match = _NUMBER_PAIR.match(line)
        if not match:
            raise InvalidInput(f"Line {number} is not an easting and northing like 530000, 180000.",
                               field="geometry")
        pairs.append((float(match.group(1)), float(match.group(2))))
    if not pairs:
        raise InvalidInput("Enter at least one easting and northing.", field="geometry")
    if len(pairs) == 1:
        return point_and_footprint(Point(pairs[0]), crs=BNG)
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    if len(pairs) < 4:
        raise InvalidInput("A boundary needs at least three different corners.", field="geometry")
    return point_and_footprint(Polygon(pairs), crs=BNG)


def boundary_from_corners(raw: str, *, field: str) -> MultiPolygon:
    """A boundary typed or pasted as one corner a line, for keyboard users (issue 13 item 5).

    Each line is "longitude, latitude" or "easting, northing" (British National Grid metres); a list is
    all one or the other: any value beyond ±180 means metres. Closed for you; three corners at least.
    """
    pairs = []
    for number, line in enumerate((raw or "").strip().splitlines(), start=1):
        if not line.strip():
            continue
        match = _NUMBER_PAIR.match(line)
        if not match:
            raise InvalidInput(f"Line {number} of the site boundary is not a pair of numbers like "
                               "-1.5491, 53.8008 (longitude, latitude) or 430000, 433000 (easting, northing).",
                               field=field)
        pairs.append((float(match.group(1)), float(match.group(2))))
    if pairs and pairs[0] == pairs[-1]:
        pairs.pop()
    if len(set(pairs)) < 3:
        raise InvalidInput("A site boundary needs at least three different corners, one a line.", field=field)
    crs = WGS84 if all(abs(x) <= 180 and abs(y) <= 90 for x, y in pairs) else BNG
    try:
        _, footprint = point_and_footprint(Polygon([*pairs, pairs[0]]), crs=crs)
    except InvalidInput as error:
        raise InvalidInput(error.detail, field=field) from None
    return footprint

"""Vector tiles (Mapbox Vector Tile 2.1): the register and the base map.

``/tiles/assets/{z}/{x}/{y}.mvt``: clusters with their status mix up to zoom 14,
each asset (and from zoom 16 its footprint) above; filters ``type``, ``status``,
``authority`` as on the map. ETag from the register's change counter, so a
decision shows on the next request; ``If-None-Match`` gets a 304.

``/tiles/base/{z}/{x}/{y}.mvt``: land, council boundaries and place labels from
the app's own tables (registry/basemap.py), or the tiles of a configured
PMTiles archive (``BASEMAP_PMTILES``).
"""

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from .. import basemap, search
from ..errors import InvalidInput, NotFound
from ..vocabulary import ASSET_TYPES, PUBLIC_STATUSES
from ..permissions import public
from ..web import caching
from . import params

bp = Blueprint("api_tiles", __name__, url_prefix="/tiles")
MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22
BASE_MAX_ZOOM = 16
BASE_CACHE_SECONDS = 86_400


def _tile_address(z: int, x: int, y: int, max_zoom: int = MAX_ZOOM) -> None:
    if not 0 <= z <= max_zoom:
        raise InvalidInput(f"Zoom must be between 0 and {max_zoom}.", field="z")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise InvalidInput(f"There is no tile {x}/{y} at zoom {z}: x and y run from 0 to {2**z - 1}.",
                           field="x" if not 0 <= x < 2**z else "y")


def _etag(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def _not_modified(etag: str, cache_control: str) -> Response | None:
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"', "Cache-Control": cache_control})
    return None


@bp.get("/assets/<int:z>/<int:x>/<int:y>.mvt")
@public
def assets(z, x, y):
    _tile_address(z, x, y)
    args = request.args
    types = params.choices(args.get("type"), "type", ASSET_TYPES)
    statuses = params.choices(args.get("status"), "status", PUBLIC_STATUSES)
    authority = params.gss_code(args.get("authority"), "authority")
    etag = _etag("assets", caching.register_version().version, z, x, y, request.query_string.decode())
    cache_control = "no-cache"  # revalidate every time: a listing shows at once
    not_modified = _not_modified(etag, cache_control)
    if not_modified is not None:
        return not_modified
    tile = search.asset_tile(z, x, y, types=types, statuses=statuses, authority=authority)
    return Response(tile, mimetype=MVT, headers={"ETag": f'"{etag}"', "Cache-Control": cache_control})


@bp.get("/base/<int:z>/<int:x>/<int:y>.mvt")
@public
def base(z, x, y):
    _tile_address(z, x, y, BASE_MAX_ZOOM)
    settings = current_app.config["SETTINGS"]
    pmtiles_path = getattr(settings, "basemap_pmtiles", "")
    cache_control = f"public, max-age={BASE_CACHE_SECONDS}"
    if pmtiles_path:
        tile, version = _pmtiles_tile(Path(pmtiles_path), z, x, y)
        headers = {"Cache-Control": cache_control, "ETag": f'"{_etag("pmtiles", version, z, x, y)}"'}
        if tile is None:
            return Response(status=204, headers=headers)
        if tile[:2] == b"\x1f\x8b":
            headers["Content-Encoding"] = "gzip"
        return Response(tile, mimetype=MVT, headers=headers)
    etag = _etag("base", basemap.version(), z, x, y)
    not_modified = _not_modified(etag, cache_control)
    if not_modified is not None:
        return not_modified
    return Response(basemap.base_tile(z, x, y), mimetype=MVT,
                    headers={"ETag": f'"{etag}"', "Cache-Control": cache_control})


def _pmtiles_tile(path: Path, z: int, x: int, y: int) -> tuple[bytes | None, float]:
    from pmtiles.reader import MmapSource, Reader

    if not path.exists():
        raise NotFound(f"The configured base map {path.name} is missing.")
    with path.open("rb") as handle:
        return Reader(MmapSource(handle)).get(z, x, y), path.stat().st_mtime

"""The map's data: clusters at low zoom, assets (and footprints) at high zoom.

Only the viewport is ever sent, so the map page's weight does not grow with
the number of assets. Like every public answer, responses carry an ETag from
the register's change counter (registry/web/caching.py), so a delisting shows
at once instead of lingering in a cache.
"""

import orjson
from flask import Blueprint, Response, request

from .. import search
from ..errors import InvalidInput
from ..vocabulary import ASSET_TYPES, PUBLIC_STATUSES
from ..permissions import public
from . import geojson, params

bp = Blueprint("api_maps", __name__, url_prefix="/api/map")
FOOTPRINT_MIN_ZOOM = search.FOOTPRINT_MIN_ZOOM


@bp.get("/clusters")
@public
def clusters():
    args = request.args
    if not args.get("bbox"):
        raise InvalidInput("bbox is required: minlon,minlat,maxlon,maxlat.", field="bbox")
    bbox, _ = params.bbox(args["bbox"], params.CRS84)
    zoom = params.integer(args.get("zoom"), "zoom", default=10, minimum=0, maximum=22)
    types = params.choices(args.get("type"), "type", ASSET_TYPES)
    statuses = params.choices(args.get("status"), "status", PUBLIC_STATUSES)
    authority = params.gss_code(args.get("authority"), "authority")

    cells, box = search.snapped_view(bbox, zoom)
    features = []
    rows = None
    if zoom > search.CLUSTER_MAX_ZOOM:
        box = bbox
        rows = search.assets_in_view(bbox, with_footprints=zoom >= FOOTPRINT_MIN_ZOOM, types=types,
                                     statuses=statuses, authority=authority)
    if rows is not None:
        for row in rows:
            properties = {"id": row["id"], "name": row["name"], "status": row["live_status"] or row["surplus_status"],
                          "statuses": list(row["live_statuses"] or []) + (
                              [] if row["surplus_status"] in (row["live_statuses"] or []) else [row["surplus_status"]]),
                          "status_label": geojson.status_label(row),
                          "asset_type_label": ASSET_TYPES.get(row["asset_type"], row["asset_type"]),
                          "url": f"/assets/{row['id']}",
                          # surveyed, postcode or postcode_district: the map draws approximate ones apart
                          "location_source": row.get("location_source", "surveyed"),
                          "approximate": row.get("location_source", "surveyed") != "surveyed"}
            if row["footprint_geojson"]:
                properties["footprint"] = orjson.Fragment(row["footprint_geojson"])
            features.append({"type": "Feature", "id": row["id"], "properties": properties,
                             "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]}})
    else:
        if zoom > search.CLUSTER_MAX_ZOOM:
            cells, box = search.snapped_view(bbox, search.CLUSTER_MAX_ZOOM)
            zoom = search.CLUSTER_MAX_ZOOM
        for cluster in search.clusters(cells, zoom, types=types, statuses=statuses, authority=authority):
            features.append({"type": "Feature",
                             "properties": {"cluster": True, "count": cluster["count"],
                                            "statuses": cluster["statuses"]},
                             "geometry": {"type": "Point",
                                          "coordinates": [round(cluster["lon"], 6), round(cluster["lat"], 6)]}})
    document = {
        "type": "FeatureCollection",
        "features": features,
        "bbox": list(box),
        "zoom": zoom,
        "total": sum(f["properties"].get("count", 1) for f in features),
    }
    return Response(orjson.dumps(document), mimetype="application/geo+json")

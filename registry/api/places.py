"""Places: a postcode, town, ward, parish or council name to a point; a point to its areas and assets.

An unknown postcode answers 404 problem+json with `postcode` and `suggestions`
(real postcodes of the same sector or district); an unknown name 404.
"""

import orjson
from flask import Blueprint, Response, request

from .. import places
from ..errors import InvalidInput
from ..permissions import public
from . import params

bp = Blueprint("api_places", __name__, url_prefix="/api")


@bp.get("/places")
@public
def find_place():
    query = request.args.get("q", "")
    if not query.strip():
        raise InvalidInput("q is required: a postcode, postcode district, place, ward, parish or council name.",
                           field="q")
    return Response(orjson.dumps(places.find_place(query)), mimetype="application/json")


@bp.get("/locate")
@public
def locate():
    if request.args.get("lon") is None:
        raise InvalidInput("lon is required.", field="lon")
    if request.args.get("lat") is None:
        raise InvalidInput("lat is required.", field="lat")
    lon = params.number(request.args["lon"], "lon")
    lat = params.number(request.args["lat"], "lat")
    if not -180 <= lon <= 180:
        raise InvalidInput("lon must be between -180 and 180.", field="lon")
    if not -90 <= lat <= 90:
        raise InvalidInput("lat must be between -90 and 90.", field="lat")
    return Response(orjson.dumps(places.locate(lon, lat)), mimetype="application/json")

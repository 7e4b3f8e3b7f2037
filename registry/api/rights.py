"""Rights on a place: GET /api/rights?asset=ID | ?lon=&lat= | ?postcode=, with date=YYYY-MM-DD (default today).

Answers ``{"date", "place": {...}, "open": [Right], "closed": [Right]}`` (see registry/rights.py);
bad input is problem+json naming the parameter; an unknown asset or a point outside every council 404.
"""

from datetime import date

import orjson
from flask import Blueprint, Response, request

from .. import places, rights
from ..errors import InvalidInput, NotFound
from ..permissions import public
from ..uktime import today_uk
from . import params
from .deadlines import parse_date_param

bp = Blueprint("api_rights", __name__, url_prefix="/api")


def place_from_args(args) -> tuple[dict, date]:
    """The place and day asked about, from request-like args (shared by the page and the API)."""
    raw_date = (args.get("date") or "").strip()
    on = parse_date_param(raw_date) if raw_date else today_uk()
    asset = (args.get("asset") or "").strip()
    postcode = (args.get("postcode") or "").strip()
    if asset:
        if not asset.isdigit() or int(asset) > 2**31 - 1:
            raise InvalidInput(f"asset must be an asset's number, like 123, not {asset!r}.", field="asset")
        return {"asset_id": int(asset)}, on
    if postcode:
        if places.normalise_postcode(postcode) is None:
            raise InvalidInput(f"{postcode!r} is not a postcode: write it like LS1 1UR.", field="postcode")
        try:
            found = places.find_place(postcode)
        except places.UnknownPostcode as error:
            error.field = "postcode"
            raise
        return {"lon": found["lon"], "lat": found["lat"], "postcode": found["name"]}, on
    if args.get("lon") is None and args.get("lat") is None:
        raise InvalidInput("Give an asset (asset=ID), a point (lon= and lat=) or a postcode (postcode=).",
                           field="asset")
    for name in ("lon", "lat"):
        if not (args.get(name) or "").strip():
            raise InvalidInput(f"{name} is required with {'lat' if name == 'lon' else 'lon'}.", field=name)
    lon, lat = params.number(args["lon"], "lon"), params.number(args["lat"], "lat")
    places.check_lon_lat(lon, lat, field="lon")
    return {"lon": lon, "lat": lat}, on


def answer_for(args) -> tuple[rights.Answer, dict]:
    place, on = place_from_args(args)
    answer = rights.rights_at(asset_id=place.get("asset_id"), lon=place.get("lon"), lat=place.get("lat"),
                              on_date=on)
    if answer is None:
        if "asset_id" in place:
            raise NotFound(f"There is no asset {place['asset_id']}.")
        raise NotFound("That place is not in any council's area that this register knows.")
    return answer, place


@bp.get("/rights")
@public
def rights_here():
    answer, place = answer_for(request.args)
    facts = answer.facts
    body = {
        "date": answer.on_date.isoformat(),
        "place": {"asset": facts.asset_id, "asset_name": facts.asset_name, "authority": facts.authority_code,
                  "authority_name": facts.authority_name, "nation": facts.nation,
                  "postcode": place.get("postcode"), "lon": place.get("lon"), "lat": place.get("lat")},
        "open": [r.as_json() for r in answer.open],
        "closed": [r.as_json() for r in answer.closed],
    }
    return Response(orjson.dumps(body), mimetype="application/json")

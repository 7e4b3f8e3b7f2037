"""The full map page: a skeleton that asks for what is in view."""

from flask import Blueprint, current_app, render_template, request, url_for

from .. import places
from ..errors import InvalidInput, NotFound
from ..vocabulary import ASSET_TYPES, PUBLIC_STATUSES
from ..permissions import public
from .templating import csp_nonce

bp = Blueprint("web_maps", __name__)


@bp.get("/map")
@public
def show():
    settings = current_app.config["SETTINGS"]
    filters = {key: request.args[key] for key in ("type", "status") if request.args.get(key)}
    if request.args.get("q"):
        filters["q"] = request.args["q"]
    filters = {k: v for k, v in filters.items()
               if (k == "type" and v in ASSET_TYPES) or (k == "status" and v in PUBLIC_STATUSES) or k == "q"}
    obligations = request.args.get("layer") == "obligations"
    place_query = (request.args.get("q") or "").strip()[:200]
    place, place_error, suggested_place, view = None, None, None, {}
    if place_query:
        try:
            place = places.find_place(place_query)
        except places.UnknownPostcode as exc:
            place_error = exc.detail  # a postcode we do not know is said so, never a silent word search
        except (NotFound, InvalidInput):
            place = None
        if place is not None and not places.taken_as_place(place_query, place):
            # The home search's rule: "Town Hall" is words, not Hugh Town; the place is only offered.
            suggested_place, place = place, None
        if place is not None:
            view = {"center": (place["lat"], place["lon"]), "zoom": 11 if place["kind"] == "district" else 15}
    from ..maps import ASSET_TILES_URL, embed, full_map  # folium loads on first use: the CLI starts fast

    the_map = full_map(
        **view,
        data_url="/api/transfers/map" if obligations else "/api/map/clusters",
        query={} if obligations else {k: v for k, v in filters.items() if k != "q"}, tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution, list_link_id="asset-map-list-link",
        tiles_url="" if obligations else ASSET_TILES_URL,
    )
    return render_template("map.html", map=embed(the_map, nonce=csp_nonce()), filters=filters,
                           obligations=obligations, place=place, place_query=place_query,
                           place_error=place_error, suggested_place=suggested_place,
                           words=place_query if place is None and not place_error else "",
                           list_url=url_for("web_home.results", **filters), asset_types=ASSET_TYPES,
                           statuses=PUBLIC_STATUSES, tile_attribution=settings.tile_attribution)

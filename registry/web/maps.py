"""The full map page: a skeleton that asks for what is in view."""

from flask import Blueprint, current_app, render_template, request, url_for

from ..maps import embed, full_map
from ..vocabulary import ASSET_TYPES, SURPLUS_STATUSES
from . import public
from .templating import csp_nonce

bp = Blueprint("web_maps", __name__)


@bp.get("/map")
@public
def show():
    settings = current_app.config["SETTINGS"]
    filters = {key: request.args[key] for key in ("type", "status") if request.args.get(key)}
    filters = {k: v for k, v in filters.items()
               if (k == "type" and v in ASSET_TYPES) or (k == "status" and v in SURPLUS_STATUSES)}
    obligations = request.args.get("layer") == "obligations"
    the_map = full_map(
        data_url="/api/transfers/map" if obligations else "/api/map/clusters",
        query={} if obligations else filters, tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution, list_link_id="asset-map-list-link",
    )
    return render_template("map.html", map=embed(the_map, nonce=csp_nonce()), filters=filters,
                           obligations=obligations,
                           list_url=url_for("web_home.results", **filters), asset_types=ASSET_TYPES,
                           statuses=SURPLUS_STATUSES, tile_attribution=settings.tile_attribution)

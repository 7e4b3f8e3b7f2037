"""The asset page and the authority pages."""

import orjson
from flask import Blueprint, current_app, render_template

from .. import accounts, authorities, permissions, search, transfers
from ..api import geojson
from ..errors import NotFound
from ..permissions import public
from .templating import csp_nonce

bp = Blueprint("web_assets", __name__)


@bp.get("/assets/<int:asset_id>")
@public
def show(asset_id):
    row = search.get_public(asset_id)
    if row is None:
        raise NotFound(f"There is no asset {asset_id}.")
    codes = {row["authority_code"], row["area_code"] or row["authority_code"]}
    properties = geojson.asset_properties(row, search.authority_names(codes))
    names = search.authority_display_names(codes)  # the page says "Leeds City Council", the data "Leeds"
    geometry = (orjson.loads(row["footprint_geojson"]) if row["footprint_geojson"]
                else {"type": "Point", "coordinates": [row["lon"], row["lat"]]})
    from ..maps import embed, footprint_map  # folium loads on first use: the CLI starts fast

    settings = current_app.config["SETTINGS"]
    if row["lon"] is None and not row["footprint_geojson"]:  # location_source 'none': no map
        return render_template("assets/show.html", asset=row, properties=properties, authority_names=names,
                               map=None, asset_transfers=transfers.for_asset(asset_id),
                               show_conditions=permissions.can(accounts.current_actor(), "condition.view", row))
    small_map = footprint_map(
        {"type": "Feature", "geometry": geometry,
         "properties": {"name": row["name"], "status": row["live_status"] or row["surplus_status"],
                        "status_label": properties["status_label"],
                        "asset_type_label": properties["asset_type_label"], "url": f"/assets/{asset_id}"}},
        tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
        label=f"Map of {row['name']}",
    )
    return render_template("assets/show.html", asset=row, properties=properties, authority_names=names,
                           map=embed(small_map, nonce=csp_nonce()),
                           asset_transfers=transfers.for_asset(asset_id),
                           show_conditions=permissions.can(accounts.current_actor(), "condition.view", row))


@bp.get("/authorities")
@public
def authority_index():
    return render_template("authorities/index.html", authorities=authorities.all_with_asset_counts())


@bp.get("/authorities/<code>")
@public
def authority_show(code):
    summary = authorities.summary(code.upper())
    recent = search.find_assets(search.AssetQuery(authority=code.upper(), limit=20))
    return render_template("authorities/show.html", summary=summary, assets=recent.rows,
                           number_matched=recent.number_matched)

"""The transfers API: live obligations and the map layer (public), and officers' writes.

GET  /api/transfers/obligations[?authority=&organisation=&f=geojson|json|csv]   public
GET  /api/transfers/map[?authority=]      assets with live conditions, GeoJSON   public
POST /api/transfers                       record a historic transfer (JSON)      officer of the asset's authority
POST /api/transfers/conditions            add a condition to a transfer or an asset (a grant)  officer
POST /api/transfers/conditions/<id>/trigger   log a trigger, answer the calculation   officer
PUT  /api/transfers/index-values          the authority's CPI/RPI figures        officer
Writes take a bearer token (no CSRF) or a signed-in session with X-CSRFToken.
"""

from datetime import date

from flask import Blueprint, Response, jsonify, request

from .. import assets, conditions, indices, obligations, permissions, transfers
from ..accounts import current_actor
from ..errors import InvalidInput
from ..formats import obligations as obligations_format
from ..permissions import public, route_requires
from ..uktime import today_uk
from .geojson import dumps

bp = Blueprint("api_transfers", __name__, url_prefix="/api/transfers")


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("Send a JSON object (Content-Type: application/json).", field="body")
    return body


@bp.get("/obligations")
@public
def obligations_data():
    filters = obligations.parse_filters(request.args.get("authority"), request.args.get("organisation"))
    rows = obligations.live(today_uk(), **filters)
    f = request.args.get("f", "geojson")
    if f == "csv":
        return Response(obligations_format.to_csv(rows), mimetype="text/csv")
    if f == "json":
        features = obligations_format.to_geojson(rows)["features"]
        return Response(dumps({"obligations": [feature["properties"] for feature in features]}),
                        mimetype="application/json")
    if f != "geojson":
        raise InvalidInput("f must be geojson, json or csv.", field="f")
    return Response(dumps(obligations_format.to_geojson(rows)), mimetype="application/geo+json")


@bp.get("/map")
@public
def map_layer():
    filters = obligations.parse_filters(request.args.get("authority"), None)
    return Response(dumps(obligations_format.map_layer(obligations.map_entries(today_uk(), **filters))), mimetype="application/geo+json")


def _transfer_json(transfer: transfers.Transfer) -> dict:
    return {
        "id": transfer.id, "asset_id": transfer.asset_id, "organisation_id": transfer.organisation_id,
        "case_id": transfer.case_id, "tenure": transfer.tenure, "completion_date": transfer.completion_date,
        "market_value": f"{transfer.market_value_gbp:.2f}", "consideration": f"{transfer.consideration_gbp:.2f}",
        "discount": f"{transfer.discount_gbp:.2f}", "within_general_consent": transfer.within_general_consent,
        "title_numbers": transfer.title_numbers,
        "conditions": [{"id": c.id, "method": c.method, "status": c.status, "end_date": c.end_date}
                       for c in transfer.conditions],
        "monitoring_dates": [{"kind": m.kind, "due_date": m.due_date} for m in transfer.monitoring_dates],
    }


@bp.post("")
@route_requires("transfer.create")
def create():
    body = _json_body()
    asset_id, organisation_id = body.pop("asset_id", None), body.pop("organisation_id", None)
    if not isinstance(asset_id, int):
        raise InvalidInput("asset_id must be the asset's number.", field="asset_id")
    if not isinstance(organisation_id, int):
        raise InvalidInput("organisation_id must be the organisation's number.", field="organisation_id")
    actor = current_actor()
    permissions.require(actor, "transfer.create", assets.get(asset_id, include_withheld=True))
    transfer = transfers.create(body, actor, today_uk(), asset_id=asset_id, organisation_id=organisation_id)
    return Response(dumps(_transfer_json(transfer)), status=201, mimetype="application/json",
                    headers={"Location": f"/transfers/{transfer.id}"})


@bp.post("/conditions")
@route_requires("condition.manage")
def add_condition():
    """A condition on a transfer (`transfer_id`: its discount, value and date are the defaults)
    or on an asset alone (`asset_id`: e.g. a capital grant's clawback)."""
    body = _json_body()
    transfer_id, asset_id = body.pop("transfer_id", None), body.pop("asset_id", None)
    actor = current_actor()
    if transfer_id is not None:
        if not isinstance(transfer_id, int):
            raise InvalidInput("transfer_id must be the transfer's number.", field="transfer_id")
        transfer = transfers.get(transfer_id)
        permissions.require(actor, "condition.manage", transfer)
        condition = conditions.add_condition(body, actor, today_uk(), transfer=transfer)
    else:
        if not isinstance(asset_id, int):
            raise InvalidInput("Give the transfer_id or the asset_id the condition protects.", field="asset_id")
        permissions.require(actor, "condition.manage", assets.get(asset_id, include_withheld=True))
        condition = conditions.add_condition(body, actor, today_uk(), asset_id=asset_id)
    return jsonify({"id": condition.id, "asset_id": condition.asset_id, "transfer_id": condition.transfer_id,
                    "method": condition.method, "status": condition.status,
                    "start_date": condition.start_date.isoformat(),
                    "end_date": condition.end_date.isoformat()}), 201


@bp.post("/conditions/<int:condition_id>/trigger")
@route_requires("condition.manage")
def log_trigger(condition_id: int):
    body = _json_body()
    actor = current_actor()
    permissions.require(actor, "condition.manage", conditions.get_condition(condition_id))
    change = conditions.log_trigger(condition_id, body, actor, today_uk())
    return jsonify({"condition_id": condition_id, "status": "triggered", **change.calculation}), 201


@bp.put("/index-values")
@route_requires("index.update")
def put_index_values():
    """Body: {"index": "cpi", "values": {"2024-04": "133.2", ...}} for the officer's own authority.

    An admin (no authority) updates the national series, which every authority's own figures override.
    """
    body = _json_body()
    actor = current_actor()
    code = actor.authority_code
    permissions.require(actor, "index.update", code)
    values = body.get("values")
    if not isinstance(values, dict) or not values:
        raise InvalidInput('values must map months to levels, e.g. {"2024-04": "133.2"}.', field="values")
    for month, level in values.items():
        try:
            first = date.fromisoformat(f"{month}-01")
        except (TypeError, ValueError):
            raise InvalidInput(f"{month!r} is not a month like 2024-04.", field="values") from None
        try:
            indices.set_index_value(code, body.get("index"), first, level, actor)
        except ArithmeticError:
            raise InvalidInput(f"The level for {month} is not a number.", field="values") from None
    return jsonify({"authority_code": code, "index": body.get("index"), "saved": len(values)})

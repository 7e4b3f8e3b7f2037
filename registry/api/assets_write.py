"""Writing assets through the API, in the manner of OGC API – Features Part 4.

POST /api/collections/assets/items                 create (201 + Location)
PUT/PATCH/DELETE /api/collections/assets/items/<id> replace, merge-patch, remove

Bodies are GeoJSON Features (application/geo+json). Coordinates are WGS84
lon/lat unless `Content-Crs: <http://www.opengis.net/def/crs/EPSG/0/27700>`
says British National Grid. Only `Authorization: Bearer <token>` authenticates
here (never a session cookie): without a valid token the answer is 401; a token
of another authority gets 403; either way nothing is written.

Every write honours an ``Idempotency-Key`` header (registry/api/idempotent.py, for every write under /api/): a retry with the same
key and body returns the first answer and never makes a second record.
"""

from flask import Blueprint, Response, request, url_for

from .. import accounts, assets, audit, footprints, permissions, security
from ..errors import InvalidInput, NotFound, Unauthorised
from ..uktime import today_uk
from ..workflow import prohibitions

bp = Blueprint("api_assets_write", __name__, url_prefix="/api")

ITEMS = "/collections/assets/items"


@bp.after_request
def challenge(response):
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def _actor():
    actor = accounts.bearer_actor() if accounts.bearer_secret() else accounts.ANONYMOUS
    if actor.id is None:
        raise Unauthorised("Send a valid API token: Authorization: Bearer <token>.")
    return actor


def _feature() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidInput("Send one GeoJSON Feature with geometry and properties.", field="body")
    if not isinstance(body.get("properties") or {}, dict):
        raise InvalidInput("The Feature's properties must be an object.", field="properties")
    return body


def _crs(body: dict) -> str:
    named = (body.get("crs") or {}).get("properties", {}).get("name") if isinstance(body.get("crs"), dict) else None
    return footprints.crs_from(request.headers.get("Content-Crs") or named)


def _shapes(body: dict, *, required: bool):
    geometry = body.get("geometry")
    if geometry is None:
        if required:
            raise InvalidInput("The Feature needs a geometry: a Point, Polygon or MultiPolygon.", field="geometry")
        return None
    return footprints.from_geojson(geometry, crs=_crs(body))


def _load_for(actor, action: str, asset_id: int):
    asset = assets.get(asset_id, include_withheld=True)
    if asset.withheld and not permissions.can(actor, "asset.view_private", asset):
        raise NotFound(f"There is no asset {asset_id}.")
    permissions.require(actor, action, asset)
    return asset


def _same_authority(properties: dict, authority_code: str) -> dict:
    given = (properties.get("authority_code") or authority_code).strip().upper()
    if given != authority_code:
        from ..errors import Forbidden

        raise Forbidden("A token can only write its own authority's assets.", field="authority_code")
    return {**properties, "authority_code": authority_code}


def _created(asset_id: int, status: int) -> Response:
    location = url_for("api_ogc.asset_item", asset_id=asset_id, _external=True) if "api_ogc.asset_item" in \
        _endpoints() else f"/api{ITEMS}/{asset_id}"
    response = Response(f'{{"id": {asset_id}}}', status=status, mimetype="application/json")
    response.headers["Location"] = location
    return response


def _endpoints():
    from flask import current_app

    return current_app.view_functions


@bp.post(ITEMS)
@security.csrf_exempt
@permissions.route_requires("asset.create")
def create():
    actor = _actor()
    body = _feature()
    properties = _same_authority(body.get("properties") or {}, actor.authority_code)
    permissions.require(actor, "asset.create", properties["authority_code"])
    point, footprint = _shapes(body, required=True)
    record = assets.validate_record(properties, point=point, footprint=footprint)
    asset_id = assets.create(record)
    audit.record(actor, "asset.create", "asset", asset_id, {"reference": record.reference})
    return _created(asset_id, 201)


def _acting_on(action: str, asset_id: int):
    """(the token's user, the asset) once the user may take `action` on it; else 401, 403 or 404."""
    actor = _actor()
    return actor, _load_for(actor, action, asset_id)


def _save(actor, asset, properties: dict, shapes, audit_action: str, detail: dict) -> Response:
    """PUT and PATCH alike, once the properties are checked to be the actor's authority's: validate the
    whole record, refuse a barred status change, write, audit."""
    point, footprint = shapes
    record = assets.validate_record(properties, point=point, footprint=footprint)
    prohibitions.check_status_change(asset.id, asset.surplus_status, record.surplus_status, today_uk())
    assets.update(asset.id, record)
    audit.record(actor, audit_action, "asset", asset.id, detail)
    return Response(status=204)


@bp.put(f"{ITEMS}/<int:asset_id>")
@security.csrf_exempt
@permissions.route_requires("asset.edit")
def replace(asset_id):
    actor, asset = _acting_on("asset.edit", asset_id)
    body = _feature()
    properties = _same_authority(body.get("properties") or {}, asset.authority_code)
    return _save(actor, asset, properties, _shapes(body, required=True), "asset.replace",
                 {"fields": sorted(properties)})


@bp.patch(f"{ITEMS}/<int:asset_id>")
@security.csrf_exempt
@permissions.route_requires("asset.edit")
def patch(asset_id):
    actor, asset = _acting_on("asset.edit", asset_id)
    body = _feature()
    changes = body.get("properties") or {}
    properties = _same_authority({**assets.editable_values(asset), **changes}, asset.authority_code)
    shapes = _shapes(body, required=False)
    return _save(actor, asset, properties,
                 shapes if shapes is not None else assets.current_shapes(asset_id), "asset.patch",
                 {"fields": sorted(changes), "geometry": shapes is not None})


@bp.delete(f"{ITEMS}/<int:asset_id>")
@security.csrf_exempt
@permissions.route_requires("asset.delete")
def remove(asset_id):
    actor, asset = _acting_on("asset.delete", asset_id)
    reference = asset.reference
    assets.delete(asset_id)
    audit.record(actor, "asset.delete", "asset", asset_id, {"reference": reference})
    return Response(status=204)

"""The rights page (/rights?asset=ID | ?lon=&lat= | ?postcode=, with date=): the same answer as /api/rights."""

from flask import Blueprint, render_template, request

from .. import rights
from ..api.rights import answer_for
from ..errors import NotFound, RegistryError
from ..permissions import public
from ..uktime import today_uk
from ..workflow import rules

bp = Blueprint("web_rights", __name__)


@bp.app_context_processor
def _rights_helpers():
    def asset_rights(asset):
        """Today's rights on an asset, for the asset page's Community rights panel."""
        asset_id = asset["id"] if isinstance(asset, dict) or hasattr(asset, "keys") else asset.id
        return rights.rights_at(asset_id=asset_id, on_date=today_uk())

    return {"asset_rights": asset_rights, "format_uk_date": rules.format_date}


@bp.get("/rights")
@public
def show():
    answer, place, error = None, {}, None
    asked = any((request.args.get(k) or "").strip() for k in ("asset", "lon", "lat", "postcode", "date"))
    if asked:
        try:
            answer, place = answer_for(request.args)
        except NotFound as exc:
            error = exc
        except RegistryError as exc:
            error = exc
    status = error.status if error else 200
    return render_template("rights/show.html", answer=answer, place=place, error=error,
                           values=request.args), status

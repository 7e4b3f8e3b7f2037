"""The rights page (/rights?asset=ID | ?lon=&lat= | ?postcode=, with date=): the same answer as /api/rights."""

from flask import Blueprint, render_template, request

from .. import rights
from ..api.rights import answer_for
from ..errors import InvalidInput, RegistryError
from ..permissions import public
from ..uktime import today_uk
from ..workflow import rules
from .forms import DATE_IN_WORDS, date_from_boxes, in_page_words

bp = Blueprint("web_rights", __name__)

# The API's messages (api/rights.py) name its parameters (asset=, lon=) and formats (YYYY-MM-DD). On the page
# the asset and the point come from links, the postcode and the day from the form.
PAGE_WORDS = {"date": DATE_IN_WORDS,
              "asset": "Open the asset's page and follow its link to the community rights.",
              "lon": "The map point is not valid: go back to the map and try again.",
              "lat": "The map point is not valid: go back to the map and try again."}


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
    asked = any((request.args.get(k) or "").strip()
                for k in ("asset", "lon", "lat", "postcode", "date", "date-day", "date-month", "date-year"))
    if asked:
        try:
            args = dict(request.args)
            try:  # the GOV.UK date boxes; a link's date=YYYY-MM-DD still works
                args["date"] = date_from_boxes(request.args, "date") or (request.args.get("date") or "").strip()
            except ValueError:
                raise InvalidInput(DATE_IN_WORDS, field="date") from None
            answer, place = answer_for(args)
        except RegistryError as exc:
            error = in_page_words(exc, PAGE_WORDS)
    status = error.status if error else 200
    return render_template("rights/show.html", answer=answer, place=place, error=error,
                           values=request.args, date_parts=_parts_of(request.args.get("date", ""))), status


def _parts_of(iso: str) -> dict:
    """A link's YYYY-MM-DD (/rights?asset=1&date=2026-06-01) for the day, month and year boxes."""
    from datetime import date

    try:
        day = date.fromisoformat(iso.strip())
    except ValueError:
        return {}
    return {"day": day.day, "month": day.month, "year": day.year}

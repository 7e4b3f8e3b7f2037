"""Home and search: one box for a postcode, a place or words."""

from flask import Blueprint, current_app, render_template, request, send_from_directory

from .. import places, search
from ..api import params
from ..errors import InvalidInput, NotFound
from ..vocabulary import ASSET_TYPES, PUBLIC_STATUSES
from ..permissions import public

bp = Blueprint("web_home", __name__)
PAGE_SIZE = 20
RADII_M = (500, 1000, 2000, 5000, 10000, 25000)
DEFAULT_RADIUS_M = 2000
AREA_KINDS = ("district", "ward", "parish")  # places searched by their boundary, not a radius


@bp.get("/")
@public
def home():
    return render_template("home.html", asset_types=ASSET_TYPES)


def _search_form(args) -> dict:
    """The search form's values, checked; errors are shown beside their field."""
    form = {"q": (args.get("q") or "").strip(), "type": args.get("type") or "", "status": args.get("status") or "",
            "radius": args.get("radius") or str(DEFAULT_RADIUS_M), "page": args.get("page") or "1",
            "bbox": args.get("bbox") or ""}
    errors = {}
    if form["type"] and form["type"] not in ASSET_TYPES:
        errors["type"] = "Choose a type from the list."
    if form["status"] and form["status"] not in PUBLIC_STATUSES:
        errors["status"] = "Choose a status from the list."
    if not form["radius"].isdigit() or int(form["radius"]) not in RADII_M:
        errors["radius"] = "Choose a distance from the list."
    if not form["page"].isdigit() or not 1 <= int(form["page"]) <= 500:
        errors["page"] = "Page must be a number from 1 to 500."
    if form["bbox"]:
        try:
            form["bbox_values"] = params.bbox(form["bbox"], params.CRS84)[0]
        except InvalidInput:
            errors["bbox"] = "The map area is not valid: go back to the map and try again."
    if len(form["q"]) > 200:
        errors["q"] = "Search for 200 characters or fewer."
    return {"values": form, "errors": errors}


@bp.get("/search")
@public
def results():
    form = _search_form(request.args)
    values, errors = form["values"], form["errors"]
    place, result, query, unknown_postcode, suggested_place = None, None, None, None, None
    if not errors:
        page = int(values["page"])
        query = search.AssetQuery(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                  types=[values["type"]] if values["type"] else [],
                                  statuses=[values["status"]] if values["status"] else [],
                                  bbox=values.get("bbox_values"))
        if values["q"]:
            try:
                place = places.find_place(values["q"])
            except places.UnknownPostcode as error:
                # Said to be unknown, with real postcodes near it: never a silent word search.
                unknown_postcode = {"postcode": error.extra["postcode"], "message": error.detail,
                                    "suggestions": error.extra["suggestions"]}
            except (NotFound, InvalidInput):
                place = None
            if place is not None and not places.taken_as_place(values["q"], place):
                # "Town Hall" is like "Hugh Town": words, with the place only offered.
                suggested_place, place = place, None
            if unknown_postcode:
                query = None
            elif place is not None and place["kind"] in AREA_KINDS:
                query.area = place["code"]
            elif place is not None:
                query.near = (place["lon"], place["lat"])
                query.radius_m = float(values["radius"])
            else:
                query.q = values["q"]
        if query is not None:
            result = search.find_assets(query)
    return render_template(
        "search.html", values=values, errors=errors, place=place, result=result, query=query,
        asset_types=ASSET_TYPES, statuses=PUBLIC_STATUSES, radii=RADII_M,
        page_size=PAGE_SIZE, unknown_postcode=unknown_postcode, area_kinds=AREA_KINDS,
        suggested_place=suggested_place, count_cap=search.COUNT_CAP,
        paging=_paging(query, result) if result is not None else None,
    ), 400 if errors else 200


def _paging(query, result) -> dict:
    """Page N of M (when the count is known), the page numbers to offer, and whether there is a next page."""
    page = query.offset // query.limit + 1
    pages = -(-result.number_matched // query.limit) if result.number_matched is not None else None
    if pages is not None:
        has_next = page < pages
    else:
        has_next = result.more if result.more is not None else search.has_more(query, result.rows)
    numbers: list[int | None] = []
    if pages:
        for n in sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}):
            if numbers and n - (numbers[-1] or 0) > 1:
                numbers.append(None)  # an ellipsis
            numbers.append(n)
    return {"page": page, "pages": pages, "has_next": has_next, "numbers": numbers}


@bp.get("/favicon.ico")
@public
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
@public
def privacy():
    return render_template("pages/privacy.html")

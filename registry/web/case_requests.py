"""Lodging a first step from a form: a nomination (and its draft), a right to challenge, a
community asset transfer request, a Scottish asset transfer request, and the Scottish rights to buy.

Every form goes through one view helper, `lodge_form`: the same checks, the same errors shown
together, the same ``engine.open_case`` call; each view says only its process, fields and words.
"""

from dataclasses import dataclass

import orjson
from flask import current_app, redirect, render_template, request, url_for

from .. import accounts, permissions, security
from .. import assets as asset_register
from .. import authorities as authority_register
from ..errors import Forbidden, InvalidInput, NotFound, RegistryError
from ..workflow import abandoned_land, acv, cases, engine, scottish_atr, sustainable_development
from ..workflow import community_right_to_buy as crtb
from ..workflow import right_to_challenge as rtc
from .case_forms import authority_name, bp, crtb_offer, form_data, form_version, my_organisations
from .forms import field_errors, raise_all
from .organisations import offer_join
from .templating import csp_nonce

DRAFT_FIELDS = acv.PROCESS.get("save_draft").fields


# ------------------------------------------------------------------ nominating


@bp.route("/assets/<int:asset_id>/nominate", methods=["GET", "POST"])
@offer_join("acv")
@permissions.route_requires("acv.nominate")
@security.limit_public_submission
def nominate(asset_id):
    asset = asset_register.get(asset_id)
    user = accounts.current_actor()
    organisations = my_organisations(user)
    error, values = None, {}
    if request.method == "POST":
        values = form_data(DRAFT_FIELDS, request.form)
        try:
            organisation_id = _check_all(DRAFT_FIELDS, values, organisations,
                                         needed=acv.SUBMIT_NEEDS if request.form.get("submit_now") else ())
            case = engine.open_case("acv", "start_draft", user, values, engine.today_uk(),
                                    authority_code=asset.area_code or asset.authority_code, asset_id=asset.id,
                                    organisation_id=organisation_id, title=asset.name)
            if request.form.get("submit_now"):
                engine.transition(case.id, "submit", user, {}, engine.today_uk())
                return redirect(url_for("web_cases.show", case_id=case.id, sent=1))
            return redirect(url_for("web_cases.edit", case_id=case.id, saved=1))
        except RegistryError as exc:
            error = exc
    return render_template("cases/nominate.html", asset=asset, case=None, organisations=organisations,
                           fields=DRAFT_FIELDS, needed=NEEDED_TO_SEND, values=values, error=error, site_map=_site_map(asset),
                           area_name=authority_name(asset.area_code or asset.authority_code)), \
        (error.status if error else 200)


def _site_map(asset):
    """A map of the asset on which the group can draw or adjust the site boundary (fills site_geojson)."""
    if asset is None:
        return None
    shapes = asset_register.geometry_of(asset.id)
    feature = {"type": "Feature", "geometry": orjson.loads(shapes["footprint"] or shapes["point"]),
               "properties": {"name": asset.name, "status": asset.live_status or asset.surplus_status}}
    settings = current_app.config["SETTINGS"]
    from .. import maps  # folium loads on first use: the CLI starts fast
    from .footprint_map import drawing_map

    the_map = drawing_map(feature=feature, center=None, tile_url=settings.tile_url,
                          tile_attribution=settings.tile_attribution, textarea_id="site_geojson", offer_footprint=True,
                          label=f"Map of {asset.name}: draw the site boundary you are nominating")
    return maps.embed(the_map, nonce=csp_nonce())


NEEDED_TO_SEND = tuple(name for name, _ in acv.SUBMIT_NEEDS)


def _check_all(fields, values, organisations, needed=(), choose_group=True) -> int | None:
    """Every problem of the form at once (the group, each field), else the chosen group's id."""
    problems, organisation_id = [], None
    if choose_group:
        try:
            organisation_id = _chosen_organisation(request.form.get("organisation_id"), organisations)
        except InvalidInput as exc:
            problems.append(exc)
    problems += field_errors(fields, values, needed)
    raise_all(problems)
    return organisation_id


def _chosen_organisation(raw, organisations) -> int:
    if not organisations:
        raise Forbidden("Only a member of a community group can nominate land.")
    if len(organisations) == 1 and not raw:
        return organisations[0].id
    try:
        chosen = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput("Choose the group that is making the nomination.", field="organisation_id") from None
    if chosen not in {o.id for o in organisations}:
        raise InvalidInput("Choose one of your groups.", field="organisation_id")
    return chosen


def lodge_form(process: str, fields, user, template: str, case_details, action: str = "submit_eoi",
                only: set[int] | None = None, **page):
    """A group lodges a first step of `process` from a form; shows its errors or goes to the new case.

    `case_details(values)` gives open_case's keyword arguments (authority, asset, title); `only`, the
    ids of the user's groups that may use it (the others are not offered).
    """
    organisations = [o for o in my_organisations(user) if only is None or o.id in only]
    error, values = None, {}
    if request.method == "POST":
        values = form_data(fields, request.form)
        try:
            organisation_id = _check_all(fields, values, organisations)
            case = engine.open_case(process, action, user, values, engine.today_uk(),
                                    organisation_id=organisation_id, **case_details(values))
            return redirect(url_for("web_cases.show", case_id=case.id, sent=1))
        except RegistryError as exc:
            error = exc
    return render_template(template, organisations=organisations, fields=fields, values=values, error=error,
                           **page), (error.status if error else 200)


EOI_FIELDS = rtc.PROCESS.get("submit_eoi").fields


@bp.route("/authorities/<code>/challenge", methods=["GET", "POST"])
@offer_join("rtc")
@permissions.route_requires("rtc.submit")
@security.limit_public_submission
def challenge(code):
    authority = authority_register.get(code)
    return lodge_form(
        "right_to_challenge", EOI_FIELDS, accounts.current_actor(), "cases/challenge.html",
        lambda values: {"authority_code": authority.code,
                        "title": f"{values.get('service_name') or 'Service'}: {authority.everyday_name}"[:300]},
        authority=authority)


def _on_asset(asset):
    """open_case details for a request about one asset."""
    return lambda values: {"authority_code": asset.authority_code, "asset_id": asset.id, "title": asset.name}


CRTB_FIELDS = crtb.PROCESS.get("record_application").fields


@bp.route("/assets/<int:asset_id>/community-right-to-buy", methods=["GET", "POST"])
@permissions.route_requires("crtb.record")
@security.limit_public_submission
def community_right_to_buy(asset_id):
    """Scotland: register a community interest in land (Land Reform (Scotland) Act 2003, Part 2)."""
    asset = asset_register.get(asset_id)
    if authority_register.get(asset.authority_code).nation != "scotland":
        raise NotFound("The community right to buy applies only to land in Scotland.")
    user = accounts.current_actor()
    offer = crtb_offer(user)
    if request.method == "POST" and not offer["eligible"]:
        raise Forbidden("None of your groups can register a community interest: "
                        + " ".join(f"{o['name']}: {o['why_not']}." for o in offer["refused"]))
    return lodge_form(
        "community_right_to_buy", CRTB_FIELDS, user, "cases/apply.html", _on_asset(asset),
        action="record_application", heading=f"Register a community interest in {asset.name}",
        caption="Community right to buy (Land Reform (Scotland) Act 2003, Part 2)", asset=asset,
        intro=crtb.WHO_MAY_REGISTER + " Once the interest is registered, the owner cannot sell the land without "
              "first offering it to your body. Send your application to the Scottish Ministers, who enter it in "
              "the Register of Community Interests in Land kept by Registers of Scotland; record it here with "
              "the reference they give you.",
        only={o["id"] for o in offer["eligible"]}, refused=offer["refused"])


def _scottish_asset(asset_id: int):
    asset = asset_register.get(asset_id)
    if authority_register.get(asset.authority_code).nation != "scotland":
        raise NotFound("The Scottish rights to buy apply only to land in Scotland.")
    return asset


P3A_FIELDS = abandoned_land.PROCESS.get("record_application").fields


P5_FIELDS = sustainable_development.PROCESS.get("record_owner_request").fields


@bp.route("/assets/<int:asset_id>/abandoned-land-right-to-buy", methods=["GET", "POST"])
@permissions.route_requires("crtb.record")
@security.limit_public_submission
def abandoned_land_right_to_buy(asset_id):
    """Scotland: record a Part 3A application (abandoned, neglected or detrimental land)."""
    asset = _scottish_asset(asset_id)
    offer = crtb_offer(accounts.current_actor())
    return lodge_form(
        abandoned_land.PROCESS_CODE, P3A_FIELDS, accounts.current_actor(), "cases/apply.html", _on_asset(asset),
        action="record_application", heading=f"Record a Part 3A application for {asset.name}",
        caption="Right to buy abandoned, neglected or detrimental land (Land Reform (Scotland) Act 2003, Part 3A)",
        asset=asset, only={o["id"] for o in offer["eligible"]}, refused=offer["refused"],
        intro="A community body that has tried to buy land that is abandoned, neglected or harming the "
              "community's environmental wellbeing, and failed, may apply to the Scottish Ministers to buy it "
              "without a willing seller. Homes, Crown land and certain mineral rights are excluded. Ministers "
              "send the application to the owner and the creditors, who have 60 days to respond.")


@bp.route("/assets/<int:asset_id>/sustainable-development-right-to-buy", methods=["GET", "POST"])
@permissions.route_requires("crtb.record")
@security.limit_public_submission
def sustainable_development_right_to_buy(asset_id):
    """Scotland: start a Part 5 case with the written request to the owner (LR(S)A 2016)."""
    asset = _scottish_asset(asset_id)
    offer = crtb_offer(accounts.current_actor())
    return lodge_form(
        sustainable_development.PROCESS_CODE, P5_FIELDS, accounts.current_actor(), "cases/apply.html",
        _on_asset(asset), action="record_owner_request",
        heading=f"Start a right to buy for sustainable development: {asset.name}",
        caption="Right to buy to further sustainable development (Land Reform (Scotland) Act 2016, Part 5)",
        asset=asset, only={o["id"] for o in offer["eligible"]}, refused=offer["refused"],
        intro="First record the written request you sent the owner to buy the land: you can apply to the Scottish "
              "Ministers no sooner than 6 months after it, and within 6 months of your community ballot. Your "
              "body needs at least 10 members, three-quarters of them from the community.")


@dataclass(frozen=True)
class AssetRequest:
    """A request a group makes about one asset from its page: a community asset transfer (England and
    Wales) or a Scottish asset transfer request. One view serves each, from this declaration."""

    endpoint: str
    path: str
    right: str  # offer_join's name for the right
    permission: str
    process: str
    action: str
    heading: str  # with {name}, the asset's name
    caption: str
    intro: str  # with {authority}, the owning authority's everyday name


ASSET_REQUESTS = (
    AssetRequest("scottish_transfer_request", "/assets/<int:asset_id>/asset-transfer-request", "atr",
                 "atr.request", scottish_atr.PROCESS_CODE, "submit_request",
                 "Make an asset transfer request for {name}",
                 "Asset transfer request (Community Empowerment (Scotland) Act 2015, Part 5)",
                 "{authority} must agree to the request unless there are reasonable grounds for refusing it, "
                 "and must decide within 6 months of the date it validates the request."),
    AssetRequest("transfer_request", "/assets/<int:asset_id>/transfer-request", "cat", "cat.apply",
                 "cat", "submit_eoi", "Ask to take on {name}", "Community asset transfer",
                 "{authority} owns this asset. Tell them what you would do with it; they will assess it under "
                 "their community asset transfer policy."),
)


def _asset_request_view(spec: AssetRequest):
    fields = engine.get_process(spec.process).get(spec.action).fields

    def view(asset_id):
        asset = asset_register.get(asset_id)
        return lodge_form(
            spec.process, fields, accounts.current_actor(), "cases/apply.html", _on_asset(asset),
            action=spec.action, heading=spec.heading.format(name=asset.name), caption=spec.caption, asset=asset,
            intro=spec.intro.format(authority=authority_name(asset.authority_code)))

    view.__name__ = view.__qualname__ = spec.endpoint
    view.__doc__ = f"{spec.caption}: the group's request about one asset."
    return view


for _spec in ASSET_REQUESTS:
    bp.route(_spec.path, methods=["GET", "POST"], endpoint=_spec.endpoint)(
        offer_join(_spec.right)(permissions.route_requires(_spec.permission)(security.limit_public_submission(
            _asset_request_view(_spec)))))


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@permissions.route_requires("acv.nominate")
def edit(case_id):
    case = cases.get(case_id)
    user = accounts.current_actor()
    permissions.require(user, "acv.nominate", case)
    if case.state != "draft":
        return redirect(url_for("web_cases.show", case_id=case.id))
    error = None
    values = {**case.data, **case.private_data}
    # The boundary is kept in the case's own site column, not its data: put it back in the box (and so
    # on the map) so that it never disappears from view after saving.
    values.setdefault("site_geojson", cases.site_geojson(case.id) or "")
    if request.method == "POST":
        values = form_data(DRAFT_FIELDS, request.form)
        try:
            saved_values = {**case.data, **case.private_data}
            _check_all(DRAFT_FIELDS, {**saved_values, **{k: v for k, v in values.items() if v}}, [],
                       choose_group=False, needed=acv.SUBMIT_NEEDS if request.form.get("submit_now") else ())
            engine.transition(case.id, "save_draft", user, values, engine.today_uk(),
                              expected_version=form_version(request.form))
            if request.form.get("submit_now"):
                engine.transition(case.id, "submit", user, {}, engine.today_uk())
                return redirect(url_for("web_cases.show", case_id=case.id, sent=1))
            return redirect(url_for("web_cases.edit", case_id=case.id, saved=1))
        except RegistryError as exc:
            error = exc
    asset = asset_register.get(case.asset_id) if case.asset_id else None
    return render_template("cases/nominate.html", asset=asset, case=case, organisations=[], fields=DRAFT_FIELDS,
                           needed=NEEDED_TO_SEND,
                           values=values, error=error, saved=request.args.get("saved"), site_map=_site_map(asset),
                           area_name=authority_name(case.authority_code)), (error.status if error else 200)

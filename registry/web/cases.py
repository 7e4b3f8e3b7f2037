"""Case screens: nominate from an asset, return to a draft, the caseload, the case page and its steps.

Thin views: every change goes through ``registry.workflow.engine`` (the same
calls the tests walk); every read through ``registry.workflow.cases``.
"""

import hashlib
from collections.abc import Mapping

import orjson
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from .. import accounts, permissions, security
from .. import assets as asset_register
from .. import authorities as authority_register
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, RegistryError
from ..workflow import acv, cases, cat, engine, preview, public, publication, ros_status, scottish_atr
from ..workflow import abandoned_land, sustainable_development
from ..workflow import community_right_to_buy as crtb
from ..workflow import right_to_challenge as rtc
from .forms import field_errors, raise_all
from .organisations import offer_join
from .templating import csp_nonce

bp = Blueprint("web_cases", __name__)

DRAFT_FIELDS = acv.PROCESS.get("save_draft").fields


def form_data(fields, form) -> dict:
    """Form values keyed by field name; GOV.UK date inputs (name-day/-month/-year) become YYYY-MM-DD."""
    data = {key: value for key, value in form.items() if not key.endswith(("-day", "-month", "-year"))}
    for f in fields:
        if f.kind == "choices" and hasattr(form, "getlist"):
            data[f.name] = form.getlist(f.name)
        if f.kind != "date" or f"{f.name}-day" not in form:
            continue
        day, month, year = (form.get(f"{f.name}-{p}", "").strip() for p in ("day", "month", "year"))
        if not (day or month or year):
            data[f.name] = ""
        elif day.isdigit() and month.isdigit() and year.isdigit():
            data[f.name] = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
        else:
            data[f.name] = f"{day}/{month}/{year}"  # the engine names the field in its error
    return data


def _authority_name(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return authority_register.get(code).everyday_name
    except NotFound:
        return code


def _can_see_private(user, case) -> bool:
    return permissions.can(user, "case.view_private", case)


def _visible_case(case_id: int):
    case = cases.get(case_id)
    user = accounts.current_actor()
    if not engine.is_public(case) and not _can_see_private(user, case):
        raise NotFound(f"There is no case {case_id}.")
    return case, user


# ------------------------------------------------------------------ emails after the commit


@bp.after_app_request
def _remember_status(response):
    # Runs before db.commit_once (after_request functions run in reverse order of registration).
    from flask import g

    g.workflow_response_ok = response.status_code < 400
    return response


@bp.teardown_app_request
def _send_notices(exc=None):
    from flask import g

    from ..workflow import notify

    if exc is None and g.get("workflow_response_ok") and g.get("workflow_notices"):
        try:
            notify.send_queued()
        except Exception:  # an email problem must never break the answer already sent
            import logging

            logging.getLogger(__name__).exception("Could not send case notices")
    g.pop("workflow_notices", None)


# ------------------------------------------------------------------ the asset page panel


@bp.app_context_processor
def asset_case_panel():
    """``asset_cases(asset)`` for templates/cases/_asset_actions.html (included on the asset page)."""

    def asset_cases(asset):
        user = accounts.current_actor()
        asset_id = asset["id"] if isinstance(asset, Mapping) else asset.id
        live_status = asset["live_status"] if isinstance(asset, Mapping) else asset.live_status
        public = [c for c in cases.cases_on_asset(asset_id) if engine.is_public(c)]
        return {
            "cases": [{"id": c.id, "reference": c.reference, "title": c.title,
                       "process_label": engine.get_process(c.process).label,
                       "state_label": engine.get_process(c.process).state_label(c.state)} for c in public],
            "can_nominate": "community_group_rep" in permissions.user_roles(user),
            "nation": authority_register.get(asset["authority_code"] if isinstance(asset, Mapping)
                                             else asset.authority_code).nation,
            "open_to_nomination": live_status not in ("nominated", "listed", "in_moratorium"),
            "crtb": _crtb_offer(user),
            "live_status_label": engine.LIVE_STATUS_LABELS.get(live_status),
        }

    return {"asset_cases": asset_cases}


def _crtb_offer(user) -> dict:
    """Who among the user's groups may register a community interest (Scotland), and why the others cannot."""
    if "community_group_rep" not in permissions.user_roles(user):
        return {"rep": False, "eligible": [], "refused": []}
    eligible, refused = [], []
    for organisation in _my_organisations(user):
        problems = crtb.community_body_eligibility(acv.organisation_facts(organisation.id))
        (refused if problems else eligible).append({"id": organisation.id, "name": organisation.name,
                                                    "why_not": "; ".join(problems)})
    return {"rep": True, "eligible": eligible, "refused": refused}


# ------------------------------------------------------------------ nominating


@bp.route("/assets/<int:asset_id>/nominate", methods=["GET", "POST"])
@offer_join("acv")
@permissions.route_requires("acv.nominate")
@security.limit_public_submission
def nominate(asset_id):
    asset = asset_register.get(asset_id)
    user = accounts.current_actor()
    organisations = _my_organisations(user)
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
                           area_name=_authority_name(asset.area_code or asset.authority_code)), \
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


def _my_organisations(user):
    return cases.organisations_by_id(getattr(user, "organisation_ids", ()) or ())


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


def _lodge_form(process: str, fields, user, template: str, case_details, action: str = "submit_eoi",
                only: set[int] | None = None, **page):
    """A group lodges a first step of `process` from a form; shows its errors or goes to the new case.

    `case_details(values)` gives open_case's keyword arguments (authority, asset, title); `only`, the
    ids of the user's groups that may use it (the others are not offered).
    """
    organisations = [o for o in _my_organisations(user) if only is None or o.id in only]
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
    return _lodge_form(
        "right_to_challenge", EOI_FIELDS, accounts.current_actor(), "cases/challenge.html",
        lambda values: {"authority_code": authority.code,
                        "title": f"{values.get('service_name') or 'Service'}: {authority.everyday_name}"[:300]},
        authority=authority)


def _on_asset(asset):
    """open_case details for a request about one asset."""
    return lambda values: {"authority_code": asset.authority_code, "asset_id": asset.id, "title": asset.name}


ATR_FIELDS = scottish_atr.PROCESS.get("submit_request").fields


@bp.route("/assets/<int:asset_id>/asset-transfer-request", methods=["GET", "POST"])
@offer_join("atr")
@permissions.route_requires("atr.request")
@security.limit_public_submission
def scottish_transfer_request(asset_id):
    """Scotland: an asset transfer request under Part 5 of the Community Empowerment (Scotland) Act 2015."""
    asset = asset_register.get(asset_id)
    return _lodge_form(
        "scottish_atr", ATR_FIELDS, accounts.current_actor(), "cases/apply.html",
        _on_asset(asset),
        action="submit_request", heading=f"Make an asset transfer request for {asset.name}",
        caption="Asset transfer request (Community Empowerment (Scotland) Act 2015, Part 5)", asset=asset,
        intro=f"{_authority_name(asset.authority_code)} must agree to the request unless there are reasonable "
              "grounds for refusing it, and must decide within 6 months of the date it validates the request.")


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
    offer = _crtb_offer(user)
    if request.method == "POST" and not offer["eligible"]:
        raise Forbidden("None of your groups can register a community interest: "
                        + " ".join(f"{o['name']}: {o['why_not']}." for o in offer["refused"]))
    return _lodge_form(
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
    offer = _crtb_offer(accounts.current_actor())
    return _lodge_form(
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
    offer = _crtb_offer(accounts.current_actor())
    return _lodge_form(
        sustainable_development.PROCESS_CODE, P5_FIELDS, accounts.current_actor(), "cases/apply.html",
        _on_asset(asset), action="record_owner_request",
        heading=f"Start a right to buy for sustainable development: {asset.name}",
        caption="Right to buy to further sustainable development (Land Reform (Scotland) Act 2016, Part 5)",
        asset=asset, only={o["id"] for o in offer["eligible"]}, refused=offer["refused"],
        intro="First record the written request you sent the owner to buy the land: you can apply to the Scottish "
              "Ministers no sooner than 6 months after it, and within 6 months of your community ballot. Your "
              "body needs at least 10 members, three-quarters of them from the community.")


CAT_FIELDS = cat.PROCESS.get("submit_eoi").fields


@bp.route("/assets/<int:asset_id>/transfer-request", methods=["GET", "POST"])
@offer_join("cat")
@permissions.route_requires("cat.apply")
@security.limit_public_submission
def transfer_request(asset_id):
    asset = asset_register.get(asset_id)
    return _lodge_form(
        "cat", CAT_FIELDS, accounts.current_actor(), "cases/apply.html",
        _on_asset(asset),
        heading=f"Ask to take on {asset.name}", caption="Community asset transfer", asset=asset,
        intro=f"{_authority_name(asset.authority_code)} owns this asset. Tell them what you would do with it; "
              "they will assess it under their community asset transfer policy.")


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
                              expected_version=_version(request.form))
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
                           area_name=_authority_name(case.authority_code)), (error.status if error else 200)


def _version(form) -> int | None:
    raw = form.get("version")
    return int(raw) if raw and raw.isdigit() else None


# ------------------------------------------------------------------ caseload


@bp.get("/cases")
@permissions.signed_in
def index():
    user = accounts.current_actor()
    today = engine.today_uk()
    terminal = {s for p in engine.all_processes() for s in p.terminal}
    caseload = []
    if user.authority_code and permissions.user_roles(user) & permissions.OFFICER_ROLES:
        caseload = cases.caseload(user.authority_code, today, terminal_states=terminal)
        for row in caseload:
            process = engine.get_process(row["process"])
            row["process_label"] = process.label
            row["state_label"] = process.state_label(row["state"])
    mine = []
    for case in cases.drafts_of(getattr(user, "organisation_ids", ())):
        process = engine.get_process(case.process)
        mine.append({"id": case.id, "reference": case.reference, "title": case.title, "state": case.state,
                     "state_label": process.state_label(case.state), "process_label": process.label})
    return render_template("cases/index.html", caseload=caseload, mine=mine, today=today,
                           authority_name=_authority_name(user.authority_code))


# ------------------------------------------------------------------ the case page


ROLE_NAMES = {"citizen": "a citizen", "community_group_rep": "the group", "council_officer": "a council officer",
              "council_decision_maker": "a council decision-maker", "reviewer": "a reviewing officer",
              "admin": "an administrator"}


def _who_may(action: str) -> str:
    roles = [ROLE_NAMES[r] for r in permissions.ROLES if r in permissions.rule(action).roles and r in ROLE_NAMES
             and r != "admin"]
    return " or ".join(roles) or "an administrator"


def _render_case(case, user, error=None, status=200, posted_action=None, posted_values=None, preview=None):
    """The case page; after a refused step, that step's form is open again with what was typed."""
    today = engine.today_uk()
    process = engine.get_process(case.process)
    projection = public.public_case(case, today)
    private = _can_see_private(user, case)
    steps, late_steps = [], set()
    if not isinstance(user, accounts.AnonymousActor):
        for t in process.available(case.state):
            target = t.target(case, {"organisation_id": next(iter(getattr(user, "organisation_ids", ()) or ()),
                                                                  None)}) if t.target else case
            if permissions.can(user, t.permission, target):
                steps.append(t)
        # Steps that happened before the automatic step now on the case, entered late (they supersede it).
        for t in engine.late_entry_steps(case):
            target = t.target(case, {"organisation_id": next(iter(getattr(user, "organisation_ids", ()) or ()),
                                                                  None)}) if t.target else case
            if permissions.can(user, t.permission, target):
                steps.append(t)
                late_steps.add(t.action)
    children = []
    if (case.process == "acv" and case.state in ("listed", "under_review", "under_appeal")
            and permissions.can(user, "moratorium.record", case)):
        children = [(t, "moratorium") for t in engine.get_process("moratorium").available(engine.NEW)]
    if (case.process == "acv" and case.state in ("listed", "under_review", "under_appeal", "removed")
            and permissions.can(user, "compensation.record", case)):
        children += [(t, "compensation") for t in engine.get_process("compensation").available(engine.NEW)]
    # What happens next and who does it, so nobody is left wondering whose turn it is.
    next_steps = [] if isinstance(user, accounts.AnonymousActor) else [
        {"label": t.label, "by": _who_may(t.permission), "yours": t in steps}
        for t in process.available(case.state) if not t.system]
    extendable = []
    if permissions.can(user, "case.extend_deadline", case):
        from ..workflow import rules

        codes = {r.code for r in rules.RULES.get(case.regime_version, ()) if r.extendable}
        extendable = [d for d in projection["deadlines"] if d["status"] == "open" and d["rule"] in codes]
    correctable = []
    if case.id is not None and permissions.can(user, "case.correct", case):
        correctable = [{"id": e.id, "label": (process.get(e.action).label if process.get(e.action) else e.action),
                        "effective_date": e.effective_date.isoformat()} for e in engine.live_events(case)[1:]]
    asset = None
    if case.asset_id:
        try:
            asset = asset_register.get(case.asset_id)
        except NotFound:
            asset = None
    ros = ros_status.public_view(case)
    if ros is not None:
        expected = crtb.expected_ros_status(case.state) if case.process == crtb.PROCESS_CODE else None
        ros["expected"] = expected
        ros["differs"] = bool(ros.get("recorded") and expected and expected != ros["status"])
        ros["can_record"] = permissions.can(user, "ros.record_status", case)
        ros["registers"] = {r: ros_status.REGISTERS[r] for r in ros_status.PROCESS_REGISTERS[case.process]}
        ros["statuses"] = ros_status.STATUSES
        ros["default_reference"] = case.data.get("ros_reference", "")
    return render_template(
        "cases/show.html", ros=ros, ros_date_field=ROS_DATE_FIELD, case=case, c=projection, process=process, private=private, steps=steps,
        children=children, extendable=extendable, asset=asset, error=error, late_steps=late_steps,
        effective_field=engine.EFFECTIVE_DATE, late_field=engine.LATE_REASON, correctable=correctable,
        authority_name=_authority_name(case.authority_code),
        organisations=_my_organisations(user) if not isinstance(user, accounts.AnonymousActor) else [],
        child_cases=[public.public_case(k, today) for k in cases.children_of(case.id) if engine.is_public(k)],
        parent=cases.get(case.parent_case_id) if case.parent_case_id else None,
        sent=request.args.get("sent"), done=process.get(request.args.get("done") or "") if not error else None,
        posted_action=posted_action, next_steps=next_steps, posted_values=posted_values or {},
        checks=case.data.get("checks") if private else None,
        private_data=case.private_data if private else {},
        preview=preview, offer_override=_offer_override(user, error, posted_values or {}),
        site_map=_case_site_map(case),
    ), status


def _case_site_map(case):
    """The site boundary the group gave (drawn, typed or the asset's footprint), on a small map."""
    site = cases.site_geojson(case.id)
    if not site:
        return None
    settings = current_app.config["SETTINGS"]
    from .. import maps  # folium loads on first use: the CLI starts fast

    feature = {"type": "Feature", "geometry": orjson.loads(site), "properties": {"name": "Nominated site"}}
    the_map = maps.footprint_map(feature, tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
                                 popup=False, label="Map of the nominated site boundary", max_zoom=18)
    return maps.embed(the_map, nonce=csp_nonce())


@bp.get("/cases/<int:case_id>")
@permissions.public
def show(case_id):
    case, user = _visible_case(case_id)
    return _render_case(case, user)


# ------------------------------------------------------------------ published text is shown before it is saved


def _publication_preview(case, declared, data, user) -> dict | None:
    """What the step would publish, after every check the step itself makes; None when it publishes no text.

    The step is tried in a savepoint that is always rolled back (its queued emails dropped), so the
    person sees the refusal or the text exactly as it will be published, and nothing is saved yet.
    """
    values, _, reasons = engine.parse_fields(declared, data)
    texts = publication.published_texts(declared, values, reasons)
    if not texts:
        return None
    preview.try_transition(case.id, declared.action, user, data, engine.today_uk(),
                          expected_version=_version(request.form))
    digest = hashlib.sha256(orjson.dumps(texts)).hexdigest()
    return {"texts": [{"label": label, "text": text} for _, label, text in texts], "digest": digest}


def _offer_override(user, error, posted) -> bool:
    """Offer an officer the deliberate "publish it anyway" when published text holds contact details."""
    officer = bool(permissions.user_roles(user) & permissions.OFFICER_ROLES)
    flagged = isinstance(error, InvalidInput) and ("contains an email" in error.detail or "contains a phone"
                                                   in error.detail or error.field == publication.OVERRIDE_REASON)
    return officer and (flagged or bool(posted.get(publication.OVERRIDE)))


@bp.post("/cases/<int:case_id>/steps/<action>")
@permissions.signed_in
def step(case_id, action):
    case, user = _visible_case(case_id)
    process = engine.get_process(case.process)
    declared = process.get(action)
    data = form_data((*(declared.fields if declared else ()), engine.EFFECTIVE_DATE), request.form)
    if action == "withdraw" and declared and request.form.get("confirm_withdraw") != "yes":
        # Never one click: say what withdrawing means and ask again, carrying what was typed.
        return render_template("cases/confirm_withdraw.html", case=case, process=process, step=declared,
                               carried=[(k, v) for k, v in request.form.items(multi=True)
                                        if k not in ("csrf_token", "confirm_withdraw")])
    try:
        shown = _publication_preview(case, declared, data, user) if declared else None
        if shown and request.form.get("confirm_publication") != shown["digest"]:
            return _render_case(cases.get(case_id), user, posted_action=action, preview=shown,
                                posted_values={**data, "reasons": request.form.get("reasons", "")})
        engine.transition(case.id, action, user, data, engine.today_uk(), expected_version=_version(request.form))
    except (Conflict, InvalidInput, Forbidden) as exc:
        case = cases.get(case_id)
        return _render_case(case, user, error=exc, status=exc.status, posted_action=action,
                            posted_values={**data, "reasons": request.form.get("reasons", "")})
    return redirect(url_for("web_cases.show", case_id=case.id, done=action) + "#timeline")


@bp.post("/cases/<int:case_id>/start/<process_code>/<action>")
@permissions.signed_in
def start_child(case_id, process_code, action):
    parent, user = _visible_case(case_id)
    if process_code not in ("moratorium", "compensation"):
        abort(404)
    declared = engine.get_process(process_code).get(action)
    data = form_data((*(declared.fields if declared else ()), engine.EFFECTIVE_DATE), request.form)
    try:
        child = engine.open_case(process_code, action, user, data, engine.today_uk(),
                                 authority_code=parent.authority_code, asset_id=parent.asset_id,
                                 parent_case_id=parent.id, title=parent.title, regime=parent.regime_version)
    except (Conflict, InvalidInput, Forbidden) as exc:
        return _render_case(cases.get(case_id), user, error=exc, status=exc.status, posted_action=action,
                            posted_values={**data, "reasons": request.form.get("reasons", "")})
    return redirect(url_for("web_cases.show", case_id=child.id))


@bp.post("/cases/<int:case_id>/corrections")
@permissions.route_requires("case.correct")
def correct(case_id):
    case, user = _visible_case(case_id)
    try:
        raw = request.form.get("event_id", "")
        if not raw.isdigit():
            raise InvalidInput("Choose the step to correct back to.", field="event_id")
        engine.correct_record(case.id, int(raw), user, request.form.get("reason"), engine.today_uk())
    except (InvalidInput, Forbidden, Conflict) as exc:
        return _render_case(cases.get(case_id), user, error=exc, status=exc.status)
    return redirect(url_for("web_cases.show", case_id=case.id) + "#timeline")


@bp.post("/cases/<int:case_id>/deadlines/<rule_code>/extend")
@permissions.route_requires("case.extend_deadline")
def extend(case_id, rule_code):
    case, user = _visible_case(case_id)
    data = form_data((engine.Field("until", "Extended until", "date"),), request.form)
    try:
        until = engine.parse_value(engine.Field("until", "The new last day", "date"), data.get("until"))
        agreed = engine.parse_value(engine.Field("agreed_on", "The date it was agreed", "date", required=False),
                                    request.form.get("agreed_on"))
        from datetime import date

        engine.extend_deadline(case.id, rule_code, date.fromisoformat(until), request.form.get("extension_reason"),
                               user, engine.today_uk(), agreed_on=date.fromisoformat(agreed) if agreed else None)
    except (InvalidInput, Forbidden) as exc:
        return _render_case(cases.get(case_id), user, error=exc, status=exc.status)
    return redirect(url_for("web_cases.show", case_id=case.id) + "#deadlines")


ROS_DATE_FIELD = engine.Field("status_date", "Date RoS gave this status", "date", hint="For example, 4 3 2026")


@bp.post("/cases/<int:case_id>/ros-status")
@permissions.route_requires("ros.record_status")
def record_ros_status(case_id):
    """An officer records what Registers of Scotland shows for the case's entry (its own record)."""
    case, user = _visible_case(case_id)
    data = form_data((ROS_DATE_FIELD,), request.form)
    try:
        ros_status.record(case.id, user, data, engine.today_uk())
    except (InvalidInput, Forbidden) as exc:
        return _render_case(cases.get(case_id), user, error=exc, status=exc.status, posted_action="ros_status",
                            posted_values=data)
    return redirect(url_for("web_cases.show", case_id=case.id) + "#ros-status")

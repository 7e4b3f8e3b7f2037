"""Case screens: the caseload, the case page and its steps.

Thin views: every change goes through ``registry.workflow.engine`` (the same
calls the tests walk); every read through ``registry.workflow.cases``.

The forms that lodge a first step are registry/web/case_requests.py's; the asset page's case panel
and the emails after the commit, registry/web/case_hooks.py's; all hang on one blueprint (case_forms.bp).
"""

import hashlib

import orjson
from flask import abort, current_app, redirect, render_template, request, url_for

from .. import accounts, permissions
from .. import assets as asset_register
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..workflow import cases, engine, preview, public, publication, ros_status
from ..workflow import community_right_to_buy as crtb
from . import case_hooks, case_requests  # noqa: F401  (their views and hooks are on this blueprint)
from .case_forms import authority_name, bp, form_data, form_version, my_organisations
from .forms import page_date_words
from .templating import csp_nonce


def _can_see_private(user, case) -> bool:
    return permissions.can(user, "case.view_private", case)


def _visible_case(case_id: int):
    case = cases.get(case_id)
    user = accounts.current_actor()
    if not engine.is_public(case) and not _can_see_private(user, case):
        raise NotFound(f"There is no case {case_id}.")
    return case, user


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
                           authority_name=authority_name(user.authority_code))


ROLE_NAMES = {"citizen": "a citizen", "community_group_rep": "the group", "council_officer": "a council officer",
              "council_decision_maker": "a council decision-maker", "reviewer": "a reviewing officer",
              "admin": "an administrator"}


def _who_may(action: str) -> str:
    roles = [ROLE_NAMES[r] for r in permissions.ROLES if r in permissions.rule(action).roles and r in ROLE_NAMES
             and r != "admin"]
    return " or ".join(roles) or "an administrator"


def _render_case(case, user, error=None, status=200, posted_action=None, posted_values=None, preview=None):
    """The case page; after a refused step, that step's form is open again with what was typed."""
    error = page_date_words(error) if error is not None else None
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
        authority_name=authority_name(case.authority_code),
        organisations=my_organisations(user) if not isinstance(user, accounts.AnonymousActor) else [],
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
                          expected_version=form_version(request.form))
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
        engine.transition(case.id, action, user, data, engine.today_uk(), expected_version=form_version(request.form))
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

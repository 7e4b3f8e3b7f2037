"""The permission matrix, second part: every role against every write route of cases, transfers and reports.

Each route has its own world (a case in the state the step needs, a transfer with its condition and
monitoring date, an upload waiting for its mapping) and is called by each of the 8 roles: the public, a
citizen, the group's representative, an officer, a decision-maker and a reviewer of the case's council,
an officer (and decision-maker) of ANOTHER council, and an administrator. The API routes are called with
every kind of token. Expected statuses come from the permission table (registry/permissions.py and the
``declare(...)`` next to each process), read as follows, not from running the code:

- a role not in the action's roles: 401 for the public (sign in first), else 403;
- a role in it but out of scope (another council's officer; a group the person does not act for): 403;
- on the rights offered to groups (``offer_join``: ACV, Right to Challenge, CAT, Scottish asset transfer),
  a signed-in person with none of the right's roles is sent to "who can use this right" (302) instead;
- allowed: the route's own success (a redirect to what was made, or 200/201 for the API).

Every refusal must leave the database as it was (a digest of every table these routes write).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import text

from registry import accounts, db, transfers
from registry import support_statements as support
from registry.imports import uploads
from registry.workflow import engine

from .conftest import post_step
from .test_workflow_crtb import HIGHLAND, make_community_body
from .test_workflow_screens import sign_in
from .workflow_world import LEEDS, NOMINATION, World, build, list_asset, nominate

ROLES = ("public", "citizen", "community_group_rep", "council_officer", "other_officer",
         "council_decision_maker", "reviewer", "admin")
SIGNED_IN = frozenset(ROLES[1:])
OFFICERS = frozenset({"council_officer", "council_decision_maker"})
IMPORT_FILE = b"AssetCode,PropertyName,GeoX,GeoY\r\nM-1,Matrix Hall,-1.55,53.8\r\n"

# The tables these routes write: a refusal must leave every one of them as it was.
WRITTEN_TABLES = ('"case"', "case_event", "deadline", "ros_status_record", "transfer", "clawback_condition",
                  "condition_status_change", "monitoring_date", "index_value", "atr_report_text", "import_upload",
                  "import_mapping", "import_run", "organisation", "membership", "join_request", "audit_entry",
                  "support_statement", "supporter")
# Not idempotency_key: a claim remembers an answer (a redirect to "who can use this right" included), not data.


def snapshot() -> tuple:
    db.session.expire_all()
    digests = [db.session.execute(text(
        f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")).one()
        for table in WRITTEN_TABLES]
    digests.append(db.session.execute(text(
        "SELECT md5(string_agg(concat_ws(',', id, live_status, surplus_status, updated_at), '|' ORDER BY id)) "
        "FROM asset")).scalar())
    return tuple(digests)


def today():
    return engine.today_uk()


def boxes(name: str, day) -> dict:
    """A GOV.UK date input: three boxes."""
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


# ---------------------------------------------------------------- set-ups: each makes what its route needs


def scottish_world() -> World:
    w = build(HIGHLAND)
    make_community_body(w.cig)  # a BenCom with the s.34 facts: may use the Scottish rights to buy
    return w


def submitted_nomination(w: World) -> dict:
    return {"case_id": nominate(w, today()).id}


def support_opened(w: World) -> dict:
    ids = submitted_nomination(w)
    support.open_statement(w.rep, ids["case_id"], "distance", "500")
    return ids


def nomination_being_validated(w: World) -> dict:
    case = nominate(w, today())
    engine.transition(case.id, "begin_validation", w.officer, {}, today())
    event_id = db.session.execute(text(
        "SELECT id FROM case_event WHERE case_id = :id AND action = 'begin_validation'"), {"id": case.id}).scalar()
    return {"case_id": case.id, "event_id": event_id}


def nomination_to_decide(w: World) -> dict:
    case = nominate(w, today())
    engine.transition(case.id, "begin_validation", w.officer, {}, today())
    engine.transition(case.id, "accept_nomination", w.officer, {"owner_notified_on": today().isoformat()}, today())
    return {"case_id": case.id}


def listed(w: World) -> dict:
    return {"case_id": list_asset(w, today()).id}


def draft(w: World) -> dict:
    case = engine.open_case("acv", "start_draft", w.rep, dict(NOMINATION), today(),
                            authority_code=w.asset.area_code, asset_id=w.asset.id, organisation_id=w.group.id)
    return {"case_id": case.id}


def community_interest(w: World) -> dict:
    case = engine.open_case("community_right_to_buy", "record_application", w.cig_rep,
                            {"ros_register": "RCIL", "ros_reference": "CB00777",
                             "application_date": today().isoformat(), "land_description": "The old school"},
                            today(), authority_code=HIGHLAND, asset_id=w.asset.id, organisation_id=w.cig.id)
    return {"case_id": case.id}


def the_asset(w: World) -> dict:
    return {"asset_id": w.asset.id, "authority": w.asset.authority_code, "organisation_id": w.cig.id}


STEPPED_CONDITION = {"beneficiary": "Leeds City Council", "instrument": "lr_restriction", "method": "stepped_taper",
                     "taper": [100, 80, 60, 40, 20], "period_years": 5, "triggers": ["disposal", "change_of_use"]}
TRANSFER = {"tenure": "freehold", "completion_date": "2020-04-01", "market_value": "250000",
            "consideration": "150000", "title_numbers": "WYK123456", "conditions": [STEPPED_CONDITION]}


def asset_to_transfer(w: World) -> dict:
    w.asset.surplus_status = "available_for_transfer"
    return the_asset(w)


def a_transfer(w: World) -> dict:
    ids = asset_to_transfer(w)
    transfer = transfers.create(dict(TRANSFER), w.officer, today(), asset_id=w.asset.id, organisation_id=w.cig.id)
    return {**ids, "transfer_id": transfer.id, "condition_id": transfer.conditions[0].id,
            "monitoring_id": transfer.monitoring_dates[0].id}


def an_upload(w: World) -> dict:
    upload = uploads.store(IMPORT_FILE, "matrix.csv", actor=w.officer, authority_code=w.asset.authority_code,
                           via="web")
    return {"upload_id": upload.id}


def scottish_authority(w: World) -> dict:
    return {"authority": HIGHLAND}


# ---------------------------------------------------------------- the web routes


@dataclass(frozen=True)
class Route:
    path: str
    setup: Callable[[World], dict]
    form: Callable[[dict], dict]
    allowed: frozenset[str]  # the roles (in scope) that may
    why: str  # the permission it rests on, in words
    ok: int = 302
    scotland: bool = False
    offered_join: frozenset[str] = frozenset()  # signed-in roles sent to "who can use this right"
    confirm_publication: bool = False  # the step shows its published text first (post_step confirms it)
    special: Mapping[str, int] = field(default_factory=dict)


def _lodging(right_roles: frozenset[str]) -> frozenset[str]:
    """offer_join: signed-in people holding none of the right's roles are shown who may use it."""
    return SIGNED_IN - right_roles - {"other_officer"} if right_roles & OFFICERS else SIGNED_IN - right_roles


EOI = {"service_name": "Matrix library service", "relevant_body_type": "community_body",
       "outcomes": "Longer opening hours run by volunteers.", "financial_resources": "Reserves of 12,000 pounds.",
       "capability_evidence": "Ten years running the reading room."}
ATR_REQUEST = {"transfer_type": "lease", "land_description": "The old pavilion and green.",
               "reasons_for_request": "To reopen it as a community hub.", "expected_benefits": "A warm space.",
               "proposed_price": "£1 a year", "funding": "Scottish Land Fund award.",
               "community_support": "A public meeting of 120 people.", "contact_address": "12 Private Street"}
CRTB_APPLICATION = {"ros_register": "RCIL", "ros_reference": "CB00778", "land_description": "The old school"}

WEB_ROUTES: dict[str, Route] = {
    # A statement of community support (issue 15 item 5) is the nominating group's own evidence: only its
    # representative opens or closes it (support.open, scope organisation).
    "web_support.open_statement": Route(
        "/cases/{case_id}/support/open", submitted_nomination, lambda ids: {"area_kind": "distance",
                                                                            "distance_m": "500"},
        frozenset({"community_group_rep"}), "support.open (the nominating group's representative)"),
    "web_support.close": Route(
        "/cases/{case_id}/support/close", support_opened, lambda ids: {},
        frozenset({"community_group_rep"}), "support.open (the nominating group's representative)"),
    # acv.validate: officers of the case's council (SI 2012/2421 reg 5-7 checks are the council's).
    "web_cases.step": Route(
        "/cases/{case_id}/steps/begin_validation", submitted_nomination, lambda ids: {}, OFFICERS,
        "acv.validate (officers, own council)"),
    # acv.decide: the decision-maker alone (Localism Act 2011 s.88/s.90: the council's decision).
    "web_cases.step#list": Route(
        "/cases/{case_id}/steps/list", nomination_to_decide,
        lambda ids: {"reasons": "Its main use furthers the social wellbeing of the community (s.88)."},
        frozenset({"council_decision_maker"}), "acv.decide (decision-maker, own council)",
        confirm_publication=True),
    "web_cases.start_child": Route(
        "/cases/{case_id}/start/moratorium/receive_notice", listed,
        lambda ids: {"disposal_type": "freehold_sale", **boxes("notice_received_on", today())}, OFFICERS,
        "moratorium.record (officers, own council: the owner's s.95 notice)"),
    "web_cases.correct": Route(
        "/cases/{case_id}/corrections", nomination_being_validated,
        lambda ids: {"event_id": str(ids["event_id"]), "reason": "Recorded on the wrong case"}, OFFICERS,
        "case.correct (officers, own council)"),
    "web_cases.extend": Route(
        # The owner's 8 weeks to ask for a review, "or such longer period as the authority allows" (Sch 2).
        "/cases/{case_id}/deadlines/acv_review_request_due/extend", listed,
        lambda ids: {**boxes("until", today() + timedelta(days=120)), "agreed_on": today().isoformat(),
                     "extension_reason": "Allowed at the owner's request"},
        OFFICERS | {"reviewer"}, "case.extend_deadline (officers and reviewers, own council)"),
    "web_cases.edit": Route(
        "/cases/{case_id}/edit", draft, lambda ids: {"land_description": "The green, the pavilion and the lane."},
        frozenset({"community_group_rep"}), "acv.nominate (the group's own draft)"),
    "web_cases.record_ros_status": Route(
        "/cases/{case_id}/ros-status", community_interest,
        lambda ids: {"register": "RCIL", "status": "registered", "ros_reference": "CB00777",
                     **boxes("status_date", today())}, OFFICERS,
        "ros.record_status (officers, own council)", scotland=True),
    "web_cases.challenge": Route(
        "/authorities/{authority}/challenge", the_asset, lambda ids: dict(EOI),
        frozenset({"community_group_rep"}), "rtc.submit (a group's representative; Localism Act 2011 s.81)",
        offered_join=_lodging(frozenset({"community_group_rep"}))),
    "web_cases.transfer_request": Route(
        "/assets/{asset_id}/transfer-request", the_asset,
        lambda ids: {"proposal": "A cafe and library", "community_benefit": "A warm space", "tenure_sought": "lease",
                     "funding": "A lottery grant"},
        frozenset({"community_group_rep"}), "cat.apply (a group's representative)",
        offered_join=_lodging(frozenset({"community_group_rep"}))),
    # atr.request is open to officers too (to record a body's written request on its case), but this form
    # lodges a request FOR one of the person's own bodies: an officer has none, so it is refused (403).
    "web_cases.scottish_transfer_request": Route(
        "/assets/{asset_id}/asset-transfer-request", the_asset, lambda ids: dict(ATR_REQUEST),
        frozenset({"community_group_rep"}), "atr.request (a community transfer body; CE(S)A 2015 s.79)",
        scotland=True, offered_join=_lodging(frozenset({"community_group_rep"}) | OFFICERS)),
    # crtb.record is open to officers (to record steps), but registering an interest needs an eligible
    # community body (LR(S)A 2003 s.34) of one's own.
    "web_cases.community_right_to_buy": Route(
        "/assets/{asset_id}/community-right-to-buy", the_asset,
        lambda ids: {**CRTB_APPLICATION, **boxes("application_date", today())},
        frozenset({"community_group_rep"}), "crtb.record with an eligible body (s.34)", scotland=True),
    "web_cases.abandoned_land_right_to_buy": Route(
        "/assets/{asset_id}/abandoned-land-right-to-buy", the_asset,
        lambda ids: {"ros_reference": "RoACBL-9", "land_description": "The derelict mill", "ground": "neglected",
                     "tried_to_buy": "yes", **boxes("application_date", today())},
        frozenset({"community_group_rep"}), "crtb.record with an eligible body (s.97D)", scotland=True),
    "web_cases.sustainable_development_right_to_buy": Route(
        "/assets/{asset_id}/sustainable-development-right-to-buy", the_asset,
        lambda ids: {"land_description": "The north shore", **boxes("request_sent_on", today())},
        frozenset({"community_group_rep"}), "crtb.record with an eligible body (LR(S)A 2016 s.54)",
        scotland=True),
    # The s.95 annual report's account (f) of what the council did to promote requests: its officer writes it.
    "web_dashboards.report_text": Route(
        "/authorities/{authority}/asset-transfer-report/2026/promotion", scottish_authority,
        lambda ids: {"promotion_text": "Two open days and a guide for community bodies."},
        frozenset({"council_officer"}), "atr_report.edit_text (officer, own council)", scotland=True),
    "web_imports.change_mapping": Route(
        "/imports/{upload_id}/mapping", an_upload,
        lambda ids: {"save_mapping": "y", "column": ["AssetCode", "PropertyName", "GeoX", "GeoY"],
                     "field-0": "", "field-1": "description", "field-2": "", "field-3": ""},
        OFFICERS | {"admin"}, "import.run (officers of the upload's council; an administrator)"),
    "web_transfers.new": Route(
        "/transfers/new?asset={asset_id}", asset_to_transfer,
        lambda ids: {"organisation_id": str(ids["organisation_id"]), "tenure": "freehold",
                     "completion_date": ["1", "4", "2020"], "market_value": "250000", "consideration": "150000",
                     "instrument": "lr_restriction", "method": "", "index": ""},
        OFFICERS, "transfer.create (officers, own council)"),
    "web_transfers.new_condition": Route(
        "/transfers/{transfer_id}/conditions/new", a_transfer,
        lambda ids: {"method": "overage", "beneficiary": "Leeds City Council", "instrument": "overage_deed",
                     "period_years": "15", "share": "50", "triggers": ["planning_permission"], "index": ""},
        OFFICERS, "condition.manage (officers, own council)"),
    "web_transfers.change_status": Route(
        "/transfers/conditions/{condition_id}/status", a_transfer,
        lambda ids: {"status": "waived", "reason": "Waived by the Executive Board"},
        OFFICERS, "condition.manage (officers, own council)"),
    "web_transfers.log_trigger": Route(
        "/transfers/conditions/{condition_id}/trigger", a_transfer,
        lambda ids: {"trigger": "disposal", "trigger_date": ["15", "6", "2022"], "note": "Sold on"},
        OFFICERS, "condition.manage (officers, own council)"),
    "web_transfers.record_received": Route(
        "/transfers/monitoring/{monitoring_id}/received", a_transfer,
        lambda ids: {"received_on": ["1", "5", "2021"]}, OFFICERS, "monitoring.manage (officers, own council)"),
}


def expected(route: Route, role: str) -> int:
    if role in route.special:
        return route.special[role]
    if role in route.offered_join:
        return 302
    if role in route.allowed:
        return route.ok
    return 401 if role == "public" else 403


def people(w: World, admin) -> dict:
    return {"public": None, "citizen": w.citizen, "community_group_rep": w.rep,
            "council_officer": w.officer, "other_officer": w.other_officer,
            "council_decision_maker": w.decision_maker, "reviewer": w.reviewer, "admin": admin}


def make_world(route_scotland: bool, make_user) -> tuple[World, dict]:
    w = scottish_world() if route_scotland else build(LEEDS)
    users = people(w, make_user("admin"))
    if route_scotland:
        users["community_group_rep"] = w.cig_rep  # the eligible community body's representative
    return w, users


WEB_MATRIX = [(name, role, expected(route, role)) for name, route in WEB_ROUTES.items() for role in ROLES]


def what_it_said(response) -> str:
    """The page's error summary (what the person would read), else the start of the answer."""
    import re

    body = response.get_data(as_text=True)
    found = re.search(r'govuk-error-summary__list(.*?)</ul>', body, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)) if found else body[:1500]


def _csrf(client) -> str:
    from .conftest import csrf_token

    return csrf_token(client)


@pytest.mark.parametrize(("name", "role", "status"), WEB_MATRIX, ids=[f"{n}-{r}-{s}" for n, r, s in WEB_MATRIX])
def test_workflow_web_write_matrix(client, make_user, name, role, status):
    route = WEB_ROUTES[name]
    w, users = make_world(route.scotland, make_user)
    ids = route.setup(w)
    db.session.commit()  # into the test's outer transaction: a refused request rolls back to here
    if users[role] is not None:
        sign_in(client, users[role])
    path = route.path.format(**ids)
    form = {**route.form(ids), "csrf_token": _csrf(client)}
    before = snapshot()
    response = post_step(client, path, data=form) if route.confirm_publication else client.post(path, data=form)
    assert response.status_code == status, what_it_said(response)
    changed = snapshot() != before
    if role in route.offered_join:
        assert "/who-can-use" in response.headers["Location"]
        assert not changed
    else:
        assert changed == (status < 400), "a refusal changed the data" if changed else "nothing was written"


@pytest.mark.parametrize("name", list(WEB_ROUTES))
def test_workflow_form_posts_without_csrf_are_refused_and_change_nothing(client, make_user, name):
    route = WEB_ROUTES[name]
    w, users = make_world(route.scotland, make_user)
    ids = route.setup(w)
    db.session.commit()
    sign_in(client, users[min(route.allowed)])
    before = snapshot()
    response = client.post(route.path.format(**ids), data=route.form(ids))
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert snapshot() == before


# ---------------------------------------------------------------- the write API, with every kind of token


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    setup: Callable[[World], dict]
    body: Callable[[dict], dict]
    ok: int
    why: str
    scotland: bool = False
    theirs: int = 403  # another council's officer's own token


API_ROUTES: dict[str, Call] = {
    "api_cases.take_step": Call(
        "POST", "/api/cases/{case_id}/transitions", submitted_nomination,
        lambda ids: {"action": "begin_validation", "data": {}}, 200, "acv.validate (officers, own council)"),
    "api_cases.correct": Call(
        "POST", "/api/cases/{case_id}/corrections", nomination_being_validated,
        lambda ids: {"event_id": ids["event_id"], "reason": "Recorded on the wrong case"}, 200,
        "case.correct (officers, own council)"),
    "api_cases.record_ros_status": Call(
        "POST", "/api/cases/{case_id}/ros-status", community_interest,
        lambda ids: {"register": "RCIL", "status": "registered", "ros_reference": "CB00777",
                     "status_date": today().isoformat()}, 200, "ros.record_status (officers, own council)",
        scotland=True),
    "api_transfers.create": Call(
        "POST", "/api/transfers", asset_to_transfer,
        lambda ids: {"asset_id": ids["asset_id"], "organisation_id": ids["organisation_id"], **TRANSFER}, 201,
        "transfer.create (officers, own council)"),
    "api_transfers.add_condition": Call(
        "POST", "/api/transfers/conditions", a_transfer,
        lambda ids: {"transfer_id": ids["transfer_id"], "method": "overage", "beneficiary": "Leeds City Council",
                     "instrument": "overage_deed", "period_years": 15, "share": "50",
                     "triggers": ["planning_permission"]}, 201, "condition.manage (officers, own council)"),
    "api_transfers.log_trigger": Call(
        "POST", "/api/transfers/conditions/{condition_id}/trigger", a_transfer,
        lambda ids: {"trigger": "disposal", "trigger_date": "2022-06-15"}, 201,
        "condition.manage (officers, own council)"),
    # Always the token holder's OWN council's table: another council's officer writes theirs, not ours.
    "api_transfers.put_index_values": Call(
        "PUT", "/api/transfers/index-values", the_asset,
        lambda ids: {"index": "cpi", "values": {"2024-04": "133.2"}}, 200,
        "index.update (officers, own council)", theirs=200),
}
TOKEN_KINDS = ("none", "garbage", "revoked", "ours", "theirs")


def api_expected(call: Call, kind: str) -> int:
    return {"none": 401, "garbage": 401, "revoked": 401, "ours": call.ok, "theirs": call.theirs}[kind]


API_MATRIX = [(name, kind, api_expected(call, kind)) for name, call in API_ROUTES.items() for kind in TOKEN_KINDS]


def tokens_of(w: World) -> dict:
    _, ours = accounts.create_api_token(w.officer, "ours")
    _, theirs = accounts.create_api_token(w.other_officer, "theirs")
    revoked_token, revoked = accounts.create_api_token(w.officer, "revoked")
    accounts.revoke_api_token(revoked_token)
    return {"none": None, "garbage": "car_not-a-real-token", "revoked": revoked, "ours": ours, "theirs": theirs}


@pytest.mark.parametrize(("name", "kind", "status"), API_MATRIX, ids=[f"{n}-{k}-{s}" for n, k, s in API_MATRIX])
def test_workflow_api_write_matrix(client, make_user, name, kind, status):
    call = API_ROUTES[name]
    w, _users = make_world(call.scotland, make_user)
    ids = call.setup(w)
    tokens = tokens_of(w)
    db.session.commit()
    headers = {"Authorization": f"Bearer {tokens[kind]}"} if tokens[kind] else {}
    before = snapshot()
    response = client.open(call.path.format(**ids), method=call.method, json=call.body(ids), headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    assert (snapshot() != before) == (status < 400)
    if status >= 400:
        assert response.mimetype == "application/problem+json"
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_another_councils_index_values_go_to_its_own_table(client, make_user):
    """The one API write another council's officer may make here writes THEIR council's figures, never ours."""
    w, _users = make_world(False, make_user)
    tokens = tokens_of(w)
    db.session.commit()
    response = client.put("/api/transfers/index-values", json={"index": "cpi", "values": {"2024-04": "133.2"}},
                          headers={"Authorization": f"Bearer {tokens['theirs']}"})
    assert response.status_code == 200
    written = db.session.execute(text(
        "SELECT authority_code FROM index_value WHERE index = 'cpi' AND month = '2024-04-01' "
        "AND level = 133.2")).scalars().all()
    assert written == [w.other_officer.authority_code] and LEEDS not in written


def test_a_signed_in_session_still_needs_its_csrf_token_on_the_api(client, make_user):
    """Only a request that acts for nobody skips the CSRF check (and is answered 401); a session is checked."""
    w, _users = make_world(False, make_user)
    ids = submitted_nomination(w)
    db.session.commit()
    sign_in(client, w.officer)
    before = snapshot()
    response = client.post(f"/api/cases/{ids['case_id']}/transitions", json={"action": "begin_validation"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert snapshot() == before

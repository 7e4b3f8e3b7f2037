"""The personal-data walk (issue 12 item 2): no public page, export, feed or API answer shows a person's details.

Seeds distinctive names, emails, phone numbers and addresses into every contact field of users and
organisations and into every private free-text field of cases of every process, in several states,
through ``engine.transition`` (the one write path): the nomination's known owners, the deadline
extension's "who agreed it, and why", the reasons of steps that do not publish them, the Scottish
right-to-buy land description, a transfer's condition and its status change. Then it walks every
public GET route in ``app.url_map``, filling each parameter with every id the seeds produced, in
every representation, and fails on a leak, on a public route it could not fill, or on an empty
register.
"""

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from registry import db, permissions, registers, transfers
from registry.workflow import cases, engine
from registry.workflow import public as projection
from registry.workflow.publication import FREE_TEXT_KINDS

from .test_workflow_registers import PRIVATE_BITS
from .workflow_world import build

NAME = "Zebedee Quillfeather"
EMAIL = "zebedee.quillfeather@private.example"
PHONE = "07700 900461"
ADDRESS = "12 Hushwhisper Lane, Quietby"
PERSONAL_TEXT = f"{NAME} ({EMAIL}, {PHONE}) of {ADDRESS}"
USER_EMAIL = "ottoline.personal@private.example"
USER_NAME = "Ottoline Privateperson"
OFFICER_EMAIL = "officer.privacy@council.example"
OFFICER_NAME = "Officer Hiddenname"
EXTENSION_REASON = f"Agreed by phone with {NAME} on {PHONE}"
SUBSCRIBER_EMAIL, SUBSCRIBER_POSTCODE = "sidonie.subscriber@private.example", "LS99 7QZ"
# Residents who back a case (issue 15 item 5): their names and emails are never published.
SUPPORTERS = (("Philippa Backerworth", "philippa.backer@private.example"),
              ("Quentin Signalong", "quentin.signs@private.example"))
# One who signed, confirmed and withdrew: their name, email and postcode must be nowhere, the audit log included.
WITHDRAWN = ("Rosalind Takeback", "rosalind.takeback@private.example", "LS7 3QB")
SEEDED = {SUBSCRIBER_EMAIL, SUBSCRIBER_POSTCODE,
          NAME, EMAIL, PHONE, ADDRESS, USER_EMAIL, USER_NAME, OFFICER_EMAIL, OFFICER_NAME, *PRIVATE_BITS,
          *(bit for supporter in SUPPORTERS for bit in supporter), *WITHDRAWN}

EDINBURGH, HIGHLAND = "S12000036", "S12000017"
# Routes that cannot be walked without a secret: a one-time token sent by email.
ALLOWED_UNFILLED = {"/confirm/<token>": "needs a one-time token from an email",
                    "/reset-password/<token>": "needs a one-time token from an email",
                    "/support/confirm/<token>": "needs a one-time token from an email",
                    "/support/withdraw/<token>": "needs a signed token from an email"}


def published(name: str) -> str:
    return f"Published {name.replace('_', ' ')}"


def step_data(transition, given: dict) -> dict:
    """Every free-text field of the step filled: public ones with public words, private ones with personal data.

    Reasons go in too: published words where the step publishes its reasons, personal data where it does not.
    """
    data = {}
    for f in transition.fields:
        if f.kind in FREE_TEXT_KINDS:
            data[f.name] = published(f.name) if getattr(f, "public", False) else PERSONAL_TEXT
    data["reasons"] = published("reasons") if transition.reasons else PERSONAL_TEXT
    return {**data, **given}


def step(case, action, actor, today, **given):
    transition = engine.get_process(case.process).get(action)
    engine.transition(case.id, action, actor, step_data(transition, given), today)
    return case


def start(process, action, actor, today, **kwargs):
    given = kwargs.pop("data", {})
    transition = engine.get_process(process).get(action)
    return engine.open_case(process, action, actor, step_data(transition, given), today, **kwargs)


def personalise(world):
    """Contact details on every organisation and person of the world."""
    for organisation in (world.group, world.cig):
        organisation.contact_name, organisation.contact_email = NAME, EMAIL
        organisation.contact_phone, organisation.contact_address = PHONE, ADDRESS
        organisation.community_definition = organisation.community_definition or "People who live nearby"
    world.rep.display_name, world.officer.display_name = USER_NAME, OFFICER_NAME
    db.session.flush()


def seed_acv(cases_made: list, support_tokens: list) -> None:
    # listed, a disposal notice (interim then full moratorium), a deadline extension, a compensation claim
    w = build()
    personalise(w)
    d = date(2026, 3, 2)
    listed = start("acv", "start_draft", w.rep, d, data={"owners_known": PERSONAL_TEXT},
                   authority_code=w.asset.area_code, asset_id=w.asset.id, organisation_id=w.group.id)
    step(listed, "submit", w.rep, d)
    step(listed, "begin_validation", w.officer, d)
    step(listed, "accept_nomination", w.officer, d, owner_notified_on=d.isoformat())
    step(listed, "list", w.decision_maker, d)
    engine.extend_deadline(listed.id, "acv_review_request_due", date(2026, 6, 30), EXTENSION_REASON, w.officer, d)
    support_tokens += seed_support(listed, w.rep)
    moratorium = start("moratorium", "receive_notice", w.officer, date(2026, 6, 1),
                       data={"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"},
                       authority_code=listed.authority_code, asset_id=listed.asset_id, parent_case_id=listed.id)
    step(moratorium, "request_to_bid", w.cig_rep, date(2026, 7, 1), organisation_id=w.cig.id)
    claim = start("compensation", "receive_claim", w.officer, date(2026, 9, 1),
                  data={"claim_received_on": "2026-09-01", "loss_ended_on": "2026-08-20",
                        "amount_claimed_gbp": "12000", "late_claim_note": PERSONAL_TEXT},
                  authority_code=listed.authority_code, asset_id=listed.asset_id, parent_case_id=listed.id)
    cases_made += [listed, moratorium, claim]

    # under review (the owner's grounds are private), then upheld
    w2 = build()
    personalise(w2)
    reviewed = start("acv", "start_draft", w2.rep, d, authority_code=w2.asset.area_code, asset_id=w2.asset.id,
                     organisation_id=w2.group.id)
    for action, actor, extra in (("submit", w2.rep, {}), ("begin_validation", w2.officer, {}),
                                 ("accept_nomination", w2.officer, {"owner_notified_on": d.isoformat()}),
                                 ("list", w2.decision_maker, {})):
        step(reviewed, action, actor, d, **extra)
    step(reviewed, "request_review", w2.officer, date(2026, 4, 1), request_received_on="2026-04-01")
    cases_made.append(reviewed)

    # not listed (the unsuccessful list) and a nomination still at the council
    w3 = build()
    personalise(w3)
    declined = start("acv", "start_draft", w3.rep, d, authority_code=w3.asset.area_code, asset_id=w3.asset.id,
                     organisation_id=w3.group.id)
    for action, actor, extra in (("submit", w3.rep, {}), ("begin_validation", w3.officer, {}),
                                 ("accept_nomination", w3.officer, {"owner_notified_on": d.isoformat()}),
                                 ("decline", w3.decision_maker, {"decline_reason": "not_community_value"})):
        step(declined, action, actor, d, **extra)
    w4 = build()
    personalise(w4)
    waiting = start("acv", "start_draft", w4.rep, d, authority_code=w4.asset.area_code, asset_id=w4.asset.id,
                    organisation_id=w4.group.id)
    step(waiting, "submit", w4.rep, d)
    cases_made += [declined, waiting]

    # Right to Challenge: one accepted, one rejected
    rtc_data = {"relevant_body_type": "charitable_body"}
    accepted = start("right_to_challenge", "submit_eoi", w.cig_rep, date(2026, 6, 1), data=rtc_data,
                     authority_code=w.asset.authority_code, organisation_id=w.cig.id, title="Library hours")
    step(accepted, "notify_timetable", w.officer, date(2026, 6, 20), decision_by="2026-08-31")
    step(accepted, "accept", w.decision_maker, date(2026, 8, 1), procurement_min_months="3",
         procurement_max_months="18")
    rejected = start("right_to_challenge", "submit_eoi", w.cig_rep, date(2026, 6, 1), data=rtc_data,
                     authority_code=w.asset.authority_code, organisation_id=w.cig.id, title="Parks")
    step(rejected, "notify_timetable", w.officer, date(2026, 6, 20), decision_by="2026-08-31")
    step(rejected, "reject", w.decision_maker, date(2026, 8, 1), grounds=["G1"])
    cases_made += [accepted, rejected]

    # Community asset transfer: completed (a transfer with its conditions), and one still being assessed
    w5 = build()
    personalise(w5)
    today = date(2026, 6, 1)
    cat = start("cat", "submit_eoi", w5.rep, today, data={"tenure_sought": "lease"},
                authority_code=w5.asset.authority_code, asset_id=w5.asset.id, organisation_id=w5.group.id)
    step(cat, "invite_business_case", w5.officer, today, business_case_due="2026-08-01")
    step(cat, "submit_business_case", w5.rep, today)
    step(cat, "record_assessment", w5.officer, today, assessment_score="72", assessment_max_score="100")
    step(cat, "approve_in_principle", w5.decision_maker, today)
    step(cat, "agree_heads_of_terms", w5.officer, today, tenure="lease", lease_term_years="25",
         annual_rent_gbp="1", market_value_gbp="250000", consideration_gbp="0", consent_reference="")
    step(cat, "formal_decision", w5.decision_maker, today)
    step(cat, "complete", w5.officer, today, completion_date="2026-06-01", title_numbers="WYK123456")
    seed_transfer(cat, w5.officer)
    w6 = build()
    personalise(w6)
    assessing = start("cat", "submit_eoi", w6.rep, today, data={"tenure_sought": "freehold"},
                      authority_code=w6.asset.authority_code, asset_id=w6.asset.id, organisation_id=w6.group.id)
    cases_made += [cat, assessing]


def seed_acv_list(cases_made: list, folder: Path) -> None:
    """A council's ACV list, imported as the page and `flask acv import` do (registry/acv_lists.py): a person as
    the nominator and as the group that triggered the full moratorium, no coordinates (placed at the postcode
    in its address). Neither name may appear anywhere public."""
    from registry import acv_lists

    path = folder / "leeds_acv_list.csv"
    path.write_text(
        "Reference,Name of Asset,Address of Asset,Nominated By,Date nomination requested,Date of decision,"
        "Date owner announced intention to dispose,Community Group Which Triggered Full Moratorium\n"
        f"PRIV/ACV/1,The Hushwhisper Arms,\"1 Park Row, Leeds LS1 5AB, LS1 1UR\",{NAME},05/01/2026,"
        f"02/03/2026,01/10/2026,{NAME}\n", encoding="utf-8")
    report = acv_lists.import_list(path, authority_code="E08000035", today=date(2026, 11, 1))
    assert report.problems == [] and report.private_nominators == 1, report.lines()
    cases_made.extend(db.session.get(cases.Case, case_id) for case_id in sorted(report.case_ids))


def seed_support(case, rep) -> list[str]:
    """A statement of support: one confirmed supporter, one still waiting, one withdrawn (issue 15 item 5).

    Returns the live supporters' confirmation and withdrawal tokens, so the walk opens those pages too
    (a GET of either changes nothing and shows no personal data).
    """
    from registry import support_statements as support

    support.open_statement(rep, case.id, "distance", "2000")
    (confirmed_name, confirmed_email), (waiting_name, waiting_email) = SUPPORTERS
    supporter = support.add_supporter(case.id, confirmed_name, confirmed_email, "LS1 1UR")
    support.confirm(support.confirmation_token(supporter), "LS1 1UR")
    waiting = support.add_supporter(case.id, waiting_name, waiting_email, "LS6 2AA")
    withdrawn_name, withdrawn_email, withdrawn_postcode = WITHDRAWN
    leaving = support.add_supporter(case.id, withdrawn_name, withdrawn_email, withdrawn_postcode)
    support.confirm(support.confirmation_token(leaving), withdrawn_postcode)
    support.withdraw(support.withdrawal_token(leaving))
    return [support.withdrawal_token(supporter), support.confirmation_token(waiting),
            support.withdrawal_token(waiting)]


def seed_transfer(cat_case, officer) -> None:
    transfer = transfers.get(db.session.execute(text("SELECT id FROM transfer WHERE case_id = :id"),
                                                {"id": cat_case.id}).scalar())
    condition = transfers.add_condition(
        {"beneficiary": "Leeds City Council", "instrument": "lr_restriction", "registered_ref": "WYK123456 entry 2",
         "method": "straight_line", "principal": "100000", "start_date": "2026-06-01", "period_years": 10,
         "triggers": ["disposal"], "release_conditions": PERSONAL_TEXT},
        officer, date(2026, 6, 1), transfer=transfer)
    assert condition.status == "active"
    waived = transfers.add_condition(
        {"beneficiary": "Leeds City Council", "instrument": "grant_agreement", "method": "full", "principal": "5000",
         "start_date": "2026-06-01", "period_years": 5, "triggers": ["disposal"]},
        officer, date(2026, 6, 1), transfer=transfer)
    transfers.change_status(waived.id, "waived", officer, date(2026, 7, 1), PERSONAL_TEXT)


def seed_alerts() -> list[str]:
    """A confirmed subscription by distance from a (private) postcode and one by ward; their tokens."""
    import shapely

    from registry import alerts

    near = alerts.subscribe(SUBSCRIBER_EMAIL, events=list(alerts.EVENT_KINDS), frequency="weekly", area={
        "kind": "distance", "centre": shapely.Point(-1.55, 53.8), "radius_m": 5000, "postcode": SUBSCRIBER_POSTCODE,
        "label": f"Within 5,000 m of {SUBSCRIBER_POSTCODE}"})
    ward = alerts.subscribe(SUBSCRIBER_EMAIL, events=["disposal_notice"], frequency="daily",
                            area={"kind": "council", "code": "E08000035", "label": f"Leeds ({SUBSCRIBER_EMAIL})"})
    tokens = [alerts.confirmation_token(near), alerts.unsubscribe_token(ward)]
    for subscription in (near, ward):
        alerts.confirm(alerts.confirmation_token(subscription))
    return [near.feed_token, ward.feed_token, *tokens]


def seed_scotland(cases_made: list) -> None:
    w = build(EDINBURGH)
    personalise(w)
    w.cig.legal_form, w.cig.member_count, w.cig.local_member_count = "SCIO", 25, 20
    w.cig.asset_lock = w.cig.non_distribution_of_surplus = True
    db.session.flush()
    v = date(2026, 6, 1)
    atr = start("scottish_atr", "submit_request", w.cig_rep, v,
                data={"transfer_type": "ownership", "received_on": v.isoformat()},
                authority_code=EDINBURGH, asset_id=w.asset.id, organisation_id=w.cig.id)
    step(atr, "validate", w.officer, v, validation_date=v.isoformat())
    step(atr, "notify_and_publish", w.officer, v, notices_sent_on=v.isoformat(), published_on=v.isoformat())
    step(atr, "begin_assessment", w.officer, date(2026, 7, 1))
    step(atr, "agree_extension", w.officer, date(2026, 8, 1), new_decision_due="2027-02-01",
         agreed_on="2026-08-01")
    cases_made.append(atr)

    h = build(HIGHLAND)
    personalise(h)
    h.cig.legal_form = "community_benefit_society"
    # A community body under s.34 LR(S)A 2003: a defined community, 10+ members, most of them in it, no dividend.
    h.cig.community_definition = "The postcode units of Achiltibuie"
    h.cig.member_count, h.cig.local_member_count, h.cig.non_distribution_of_surplus = 12, 9, True
    db.session.flush()
    crtb = start("community_right_to_buy", "record_application", h.cig_rep, date(2026, 1, 5),
                 data={"ros_register": "RCIL", "application_date": "2026-01-05"},
                 authority_code=HIGHLAND, asset_id=h.asset.id, organisation_id=h.cig.id)
    step(crtb, "record_registration", h.officer, date(2026, 3, 2), registration_date="2026-03-02")
    cases_made.append(crtb)

    # Parts 3A and 5 (LR(S)A 2003 / 2016), each on land of its own.
    for process, action, data, on in (
            ("abandoned_land_right_to_buy", "record_application",
             {"application_date": "2026-11-02", "ground": "abandoned", "tried_to_buy": "yes"}, date(2026, 11, 2)),
            ("sustainable_development_right_to_buy", "record_owner_request",
             {"request_sent_on": "2026-08-31"}, date(2026, 8, 31))):
        land = build(HIGHLAND)
        personalise(land)
        land.cig.legal_form = "community_benefit_society"
        land.cig.community_definition = "The postcode units of Achiltibuie"
        land.cig.member_count, land.cig.local_member_count, land.cig.non_distribution_of_surplus = 12, 9, True
        db.session.flush()
        cases_made.append(start(process, action, land.cig_rep, on, data=data, authority_code=HIGHLAND,
                                asset_id=land.asset.id, organisation_id=land.cig.id))


@pytest.fixture()
def seeded(db_session, make_user, two_authorities, tmp_path):
    ours, _ = two_authorities
    organisation_id = db.session.execute(text(
        "INSERT INTO organisation (name, legal_form, area_code, contact_name, contact_email, contact_phone, "
        "contact_address) VALUES ('Quietby Community Trust', 'charity', :area, :name, :email, :phone, :address) "
        "RETURNING id"), {"area": ours, "name": NAME, "email": EMAIL, "phone": PHONE, "address": ADDRESS}).scalar()
    make_user(email=USER_EMAIL, name=USER_NAME, organisation_ids=[organisation_id])
    make_user("council_officer", authority_code=ours, email=OFFICER_EMAIL, name=OFFICER_NAME)
    made: list = []
    support_tokens: list = []
    seed_acv(made, support_tokens)
    seed_acv_list(made, tmp_path)
    seed_scotland(made)
    alert_tokens = seed_alerts()  # alerts (issue 15): a subscriber's email and area are personal data
    db.session.commit()
    strings = set(SEEDED)
    demo_contacts = db.session.execute(text(
        "SELECT contact_name, contact_email, contact_phone, contact_address FROM organisation")).all()
    strings |= {value for row in demo_contacts for value in row if value and len(value) >= 6}

    def ids(sql):
        return db.session.execute(text(sql)).scalars().all()

    return {
        "strings": strings,
        "cases": made,
        "processes": {c.process for c in made},
        "values": {
            "asset_id": sorted({c.asset_id for c in made if c.asset_id}),
            "code": sorted({c.authority_code for c in made}),
            "collection_id": ["assets", "authorities"],
            "organisation_id": [organisation_id],
            "case_id": [c.id for c in made],
            "transfer_id": ids("SELECT id FROM transfer ORDER BY id DESC LIMIT 3"),
            "name": list(registers.REGISTERS),
            "chart": ["assets-by-status", "cases-by-process", "time-to-decision", "transfers", "clawback"],
            "year": [2026],
            "token": alert_tokens + support_tokens,  # the s.95 reporting year 1 April 2026 - 31 March 2027
            # map tiles, if the app serves them: the z/x/y tile over central Leeds, where the seeds are
            "z": [6, 10, 14, 16], "x": [31, 507, 8121, 32485], "y": [20, 330, 5276, 21104], "zoom": [14],
        },
    }


def public_endpoints(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        marker = permissions.view_permission(app.view_functions[rule.endpoint])
        if marker not in (None, permissions.PUBLIC):
            continue  # needs a signed-in user with a role: not public
        rules.append(rule)
    return rules


def fill(rule, values) -> list[str]:
    """Paths for a rule with its parameters filled by every seeded id; [] when one cannot be filled."""
    paths = [rule.rule]
    for argument in rule.arguments:
        if not values.get(argument):
            return []
        paths = [re.sub(r"<(?:[^:<>]+:)?" + argument + r">", str(v), p) for p in paths for v in values[argument]]
    return paths


def personal_pattern(personal: str) -> re.Pattern:
    """The string as a whole word ("5 High Street" is not in "175 High Street"), JSON-escaped or not."""
    return re.compile(r"(?<![\w])" + re.escape(personal).replace("'", "(?:'|&#39;|\\u0027)") + r"(?![\w])",
                      re.IGNORECASE)


FORMATS = ["", "?f=html", "?f=json", "?f=csv", "?f=geojson"]
# Routes without parameters are lists and searches: ask them for everything near the seeds too.
QUERIES = FORMATS + ["?q=Quietby", "?q=LS1%201UR", "?bbox=-8,50,2,59&limit=500",
                     "?bbox=-1.6,53.7,-1.4,53.9&zoom=16", "?lon=-1.55&lat=53.8"]


def test_every_process_was_seeded(seeded):
    assert seeded["processes"] == set(engine.PROCESS_MODULES)
    states = {(c.process, c.state) for c in seeded["cases"]}
    assert {("acv", "listed"), ("acv", "under_review"), ("acv", "not_listed"), ("acv", "submitted"),
            ("cat", "completed"), ("right_to_challenge", "rejected"), ("moratorium", "full_moratorium")} <= states


def test_no_personal_data_on_any_public_route(app, client, seeded):
    walked, skipped, leaks = [], [], []
    for rule in public_endpoints(app):
        paths = fill(rule, seeded["values"])
        if not paths:
            skipped.append(rule.rule)
            continue
        for path in paths:
            for query in (FORMATS if rule.arguments else QUERIES):
                response = client.get(path + query)
                walked.append((path + query, response.status_code))
                body = response.get_data().decode("utf-8", "replace")  # tiles are binary (MVT)
                leaks += [(path + query, personal) for personal in seeded["strings"]
                          if personal_pattern(personal).search(body)]
    found = sorted({f"{re.sub(r'[0-9]+', 'N', path.split('?')[0])}: {personal}" for path, personal in leaks})
    assert not found, "personal data on public routes:\n" + "\n".join(found)
    assert [r for r in skipped if r not in ALLOWED_UNFILLED] == []
    walked_ok = {path for path, status in walked if status == 200}
    for case in seeded["cases"]:
        assert f"/cases/{case.id}" in walked_ok and f"/api/cases/{case.id}" in walked_ok
    assert any(p.startswith("/transfers/") and p[11:].isdigit() for p in walked_ok)
    assert {f"/alerts/feeds/{t}.{kind}" for t in seeded["values"]["token"][:2] for kind in ("atom", "ics")} <= walked_ok
    assert f"/cases/{seeded['cases'][0].id}/support" in walked_ok  # the public count of a statement of support
    # The supporters' own pages from their emailed links (the GETs change nothing).
    assert any(p.startswith("/support/withdraw/") for p in walked_ok)
    assert any(p.startswith("/support/confirm/") for p in walked_ok)


def test_registers_and_feeds_are_not_empty_and_show_the_published_words(client, seeded):
    for name in registers.REGISTERS:
        api = client.get(f"/api/registers/{name}").get_json()
        ours = [i for i in api["items"] if i["case_id"] in {c.id for c in seeded["cases"]}]
        assert ours, f"the {name} register holds none of the seeded cases"
        rows = list(csv.DictReader(io.StringIO(client.get(f"/registers/{name}.csv").get_data(as_text=True))))
        assert any(r["reference"] in {c.reference for c in seeded["cases"]} for r in rows)
    acv_rows = list(csv.DictReader(io.StringIO(client.get("/registers/assets-of-community-value.csv")
                                               .get_data(as_text=True))))
    assert any(r["description"] == published("land_description") for r in acv_rows)
    planning = client.get("/registers/assets-of-community-value/planning-data.csv").get_data(as_text=True)
    assert published("reasons") in planning
    obligations = list(csv.DictReader(io.StringIO(client.get("/transfers/obligations?f=csv")
                                                  .get_data(as_text=True))))
    assert obligations
    deciding = {c.authority_code for c in seeded["cases"]
                if any(e.action in registers.DECISION_ACTIONS for e in cases.events_of(c.id))}
    assert deciding
    # Some feed steps carry no reasons (a registration of an interest in Scotland, a notice received).
    with_reasons = {c.authority_code for c in seeded["cases"]
                    if any(e.action in registers.DECISION_ACTIONS
                           and projection.public_reasons(c.process, e.action, e.reasons) for e in cases.events_of(c.id))}
    assert with_reasons
    for code in deciding:
        feed = client.get(f"/authorities/{code}/decisions.atom").get_data(as_text=True)
        assert feed.count("<entry>") > 0, code
        if code in with_reasons:
            assert published("reasons") in feed, code


def test_the_extension_reason_is_recorded_but_not_published(client, seeded):
    listed = seeded["cases"][0]
    # Recorded on the deadline it extends (the engine keeps who agreed it, and why, off the public event).
    assert db.session.execute(text("SELECT count(*) FROM deadline WHERE case_id = :id AND extension_reason = :r"),
                              {"id": listed.id, "r": EXTENSION_REASON}).scalar() == 1
    page = client.get(f"/cases/{listed.id}").get_data(as_text=True)
    assert "Quillfeather" not in page and "Extend deadline" in page
    timeline = projection.public_case(listed, date(2026, 12, 1))["timeline"]
    assert [e["reasons"] for e in timeline if e["action"] == "extend_deadline"] == [None]


def test_a_withdrawn_supporter_is_nowhere_not_even_in_the_audit_log(app, client, seeded, make_user):
    """Withdrawing deleted the row: the name, email and postcode are in no table and on no admin page."""
    from .conftest import sign_in

    found = db.session.execute(text(
        "SELECT (SELECT count(*) FROM supporter WHERE name = :n OR email_normalised = :e OR postcode = :p), "
        "(SELECT count(*) FROM audit_entry WHERE detail::text ILIKE ANY (ARRAY[:ln, :le, :lp]))"),
        {"n": WITHDRAWN[0], "e": WITHDRAWN[1], "p": WITHDRAWN[2], "ln": f"%{WITHDRAWN[0]}%",
         "le": f"%{WITHDRAWN[1]}%", "lp": f"%{WITHDRAWN[2]}%"}).one()
    assert tuple(found) == (0, 0)
    # The live supporters are still there (the walk above really looked at a statement with supporters).
    assert db.session.execute(text("SELECT count(*) FROM supporter WHERE name = ANY(:n)"),
                              {"n": [n for n, _ in SUPPORTERS]}).scalar() == 2
    sign_in(client, make_user("admin"))
    for path in ("/admin/audit", "/admin/audit?family=support"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert "support.withdraw" in body, path  # the withdrawal is logged, without who
        assert [bit for bit in WITHDRAWN if personal_pattern(bit).search(body)] == [], path


def test_pages_with_personal_data_are_not_public(client, seeded):
    for path in ("/account", "/admin/users", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 401  # nobody is signed in
        body = response.get_data(as_text=True)
        assert all(personal not in body for personal in seeded["strings"])


def test_the_newer_public_surfaces_show_the_seeds_and_nothing_personal(client, seeded):
    """The walk reaches these; here they must also carry the seeded cases, so their check is not vacuous:
    the time-to-decision rows by kind of limit, and the s.94 register's classification column."""
    def leaks(body: str) -> list[str]:
        return [personal for personal in seeded["strings"] if personal_pattern(personal).search(body)]

    english = {c.authority_code for c in seeded["cases"] if c.process == "acv"}
    for code in english:
        body = client.get(f"/authorities/{code}/dashboard/time-to-decision.csv").get_data(as_text=True)
        # seeded: ACV decisions (8 weeks in statute), a completed CAT (no limit), RtC rejections (promised date)
        assert {row["limit"] for row in csv.DictReader(io.StringIO(body))} == {"statutory", "none", "promised"}
        assert leaks(body) == []
    atr = next(c for c in seeded["cases"] if c.process == "scottish_atr")
    body = client.get(f"/authorities/{atr.authority_code}/land-register.csv").get_data(as_text=True)
    rows = {row["asset_id"]: row for row in csv.DictReader(io.StringIO(body))}
    assert "sh_classification" in rows[str(atr.asset_id)]
    assert leaks(body) == []
    page = client.get(f"/authorities/{atr.authority_code}/land-register").get_data(as_text=True)
    assert leaks(page) == []

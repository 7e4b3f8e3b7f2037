"""Rights on a place, pure (registry.rights.rights_from_facts): dated scenarios, dates worked out by hand.

Hand workings (domain §0.1; the words of each rule):
- Owner's notice received 1 June 2026. Interim moratorium, "the six weeks beginning with" 1 June: day 1 is
  1 June, day 42 is 12 July 2026. Full moratorium, "six months beginning with": 30 November 2026. Protected
  period, "18 months beginning with": 30 November 2027.
- Listed 2 March 2026: "five years beginning with the date of that entry": last day 1 March 2031.
- Nomination received 1 June 2026, decision "within 8 weeks of receiving": 1 June + 56 days = 27 July 2026.
- Expression of interest received 1 June 2026, "within 30 days of receiving": 1 July 2026; one sent in a
  window closing 30 June 2026 counts from the close: 30 July 2026; one received 1 July 2026: 31 July 2026.
- Asset transfer request validated 1 June 2026, "6 months after": 1 December 2026.
- Community interest registered 2 March 2026, "5 years beginning with": 1 March 2031.
"""

from datetime import date

import pytest

from registry.rights import Facts, Interest, Listing, Nomination, Notice, Request, Window, rights_from_facts

LISTING = Listing("ACV-1", date(2026, 3, 2), date(2031, 3, 1))
NOTICE = Notice("MOR-1", date(2026, 6, 1), date(2026, 7, 12), date(2026, 11, 30), date(2027, 11, 30), case_id=7)
ASKED = Notice("MOR-1", date(2026, 6, 1), date(2026, 7, 12), date(2026, 11, 30), date(2027, 11, 30),
               requested_on=date(2026, 7, 10), case_id=7)


def england(**extra):
    return Facts("england", "E08000035", "Leeds City Council", asset_id=42, asset_name="The Green", **extra)


def scotland(**extra):
    return Facts("scotland", "S12000017", "Highland Council", asset_id=43, asset_name="Village hall", **extra)


def by_code(facts, on):
    return {r.code: r for r in rights_from_facts(facts, on)}


# (scenario, facts, day, right, open?, until, words that must be in why/next steps)
CASES = [
    ("unlisted: nominate", england(), date(2026, 6, 1), "acv_nomination", True, None, "by 27 July 2026"),
    ("unlisted: no moratorium", england(), date(2026, 6, 1), "acv_request_to_bid", False, None,
     "not on the list"),
    ("unlisted: challenge", england(), date(2026, 6, 1), "right_to_challenge", True, None, "by 1 July 2026"),
    ("challenge window open", england(windows=(Window("RTC-1", date(2026, 5, 1), date(2026, 6, 30)),)),
     date(2026, 6, 1), "right_to_challenge", True, date(2026, 6, 30), "by 30 July 2026"),
    ("challenge window closed", england(windows=(Window("RTC-1", date(2026, 5, 1), date(2026, 6, 30)),)),
     date(2026, 7, 1), "right_to_challenge", True, None, "by 31 July 2026"),
    ("unlisted: transfer", england(), date(2026, 6, 1), "community_asset_transfer", True, None, "No statutory clock"),
    ("before listing", england(listings=(LISTING,)), date(2026, 3, 1), "acv_nomination", True, None,
     "by 26 April 2026"),
    ("listed", england(listings=(LISTING,)), date(2026, 3, 2), "acv_nomination", False, date(2031, 3, 1),
     "listed until 1 March 2031"),
    ("listed, last day", england(listings=(LISTING,)), date(2031, 3, 1), "acv_nomination", False,
     date(2031, 3, 1), "listed until 1 March 2031"),
    ("listing over", england(listings=(LISTING,)), date(2031, 3, 2), "acv_nomination", True, None,
     "by 27 April 2031"),
    ("listed, before notice", england(listings=(LISTING,), notices=(NOTICE,)), date(2026, 5, 31),
     "acv_request_to_bid", False, None, "No owner's notice"),
    ("interim, first day", england(listings=(LISTING,), notices=(NOTICE,)), date(2026, 6, 1),
     "acv_request_to_bid", True, date(2026, 7, 12), "last day is 12 July 2026"),
    ("interim, last day", england(listings=(LISTING,), notices=(NOTICE,)), date(2026, 7, 12),
     "acv_request_to_bid", True, date(2026, 7, 12), "full moratorium runs until 30 November 2026"),
    ("after interim, no request", england(listings=(LISTING,), notices=(NOTICE,)), date(2026, 7, 13),
     "acv_request_to_bid", False, date(2027, 11, 30), "protected period until 30 November 2027"),
    ("inside full", england(listings=(LISTING,), notices=(ASKED,)), date(2026, 7, 13),
     "acv_request_to_bid", False, date(2027, 11, 30), "full moratorium until 30 November 2026"),
    ("full, last day", england(listings=(LISTING,), notices=(ASKED,)), date(2026, 11, 30),
     "acv_request_to_bid", False, date(2027, 11, 30), "full moratorium until 30 November 2026"),
    ("after full", england(listings=(LISTING,), notices=(ASKED,)), date(2026, 12, 1),
     "acv_request_to_bid", False, date(2027, 11, 30), "protected period until 30 November 2027"),
    ("protected, last day", england(listings=(LISTING,), notices=(ASKED,)), date(2027, 11, 30),
     "acv_request_to_bid", False, date(2027, 11, 30), "protected period until 30 November 2027"),
    ("after protected", england(listings=(LISTING,), notices=(ASKED,)), date(2027, 12, 1),
     "acv_request_to_bid", False, None, "No owner's notice"),
    ("withdrawn notice", england(listings=(LISTING,), notices=(
        Notice("MOR-1", date(2026, 6, 1), date(2026, 7, 12), date(2026, 11, 30), date(2027, 11, 30),
               ended_on=date(2026, 6, 20)),)), date(2026, 6, 20), "acv_request_to_bid", False, None,
     "No owner's notice"),
    ("nomination pending", england(nominations=(Nomination("ACV-2", date(2026, 6, 1), date(2026, 7, 27)),)),
     date(2026, 6, 2), "acv_nomination", False, date(2026, 7, 27), "must decide by 27 July 2026"),
    ("nomination declined", england(nominations=(Nomination("ACV-2", date(2026, 6, 1), date(2026, 7, 27),
                                                            date(2026, 7, 1)),)),
     date(2026, 7, 1), "acv_nomination", True, None, "by 26 August 2026"),
    ("Scotland: no ACV", scotland(), date(2026, 6, 1), "acv_nomination", False, None,
     "Scotland has no ACV regime"),
    ("Scotland: no challenge", scotland(), date(2026, 6, 1), "right_to_challenge", False, None, "England only"),
    ("Scotland: request", scotland(), date(2026, 6, 1), "scottish_asset_transfer_request", True, None,
     "by 1 December 2026"),
    ("Scotland: live request", scotland(requests=(Request("ATR-1", date(2026, 5, 1), None),)), date(2026, 6, 1),
     "scottish_asset_transfer_request", True, None, "ATR-1"),
    ("Scotland: no interest", scotland(), date(2026, 6, 1), "register_interest_to_buy", True, None,
     "5 years beginning with"),
    ("Scotland: interest", scotland(interests=(Interest("CRB-1", date(2026, 3, 2), date(2031, 3, 1)),)),
     date(2026, 6, 1), "register_interest_to_buy", False, date(2031, 3, 1), "until 1 March 2031"),
    ("Scotland: interest ended", scotland(interests=(Interest("CRB-1", date(2026, 3, 2), date(2031, 3, 1)),)),
     date(2031, 3, 2), "register_interest_to_buy", True, None, "5 years"),
    ("Scotland: activated", scotland(interests=(Interest("CRB-1", date(2026, 3, 2), date(2031, 3, 1),
                                                         activated_on=date(2027, 1, 4)),)),
     date(2027, 1, 4), "register_interest_to_buy", False, None, "4 January 2027 has activated"),
    ("Wales: no ACV", Facts("wales", "W06000015", "Cardiff Council", asset_id=44), date(2026, 6, 1),
     "acv_nomination", False, None, "Wales has no ACV regime"),
    ("Wales: transfer", Facts("wales", "W06000015", "Cardiff Council", asset_id=44), date(2026, 6, 1),
     "community_asset_transfer", True, None, "/assets/44/transfer-request"),
    ("Wales: no Scottish request", Facts("wales", "W06000015", "Cardiff Council", asset_id=44), date(2026, 6, 1),
     "scottish_asset_transfer_request", False, None, "this land is in Wales"),
    ("a point, no asset", Facts("england", "E08000035", "Leeds City Council"), date(2026, 6, 1),
     "community_asset_transfer", False, None, "No council asset"),
]


@pytest.mark.parametrize(("scenario", "facts", "day", "code", "is_open", "until", "words"), CASES,
                         ids=[c[0] for c in CASES])
def test_rights_table(scenario, facts, day, code, is_open, until, words):
    right = by_code(facts, day)[code]
    assert right.open is is_open
    assert right.until == until
    text = " ".join((right.why, *right.next_steps, right.link or ""))
    assert words in text


def test_open_rights_say_who_needs_and_link():
    rights = by_code(england(), date(2026, 6, 1))
    nominate = rights["acv_nomination"]
    assert nominate.link == "/assets/42/nominate"
    assert "at least 21 members who are local electors" in nominate.who  # reg 5(1)(c)
    assert "Why it is of community value" in nominate.needs
    assert rights["right_to_challenge"].link == "/authorities/E08000035/challenge"
    bid = by_code(england(listings=(LISTING,), notices=(NOTICE,)), date(2026, 6, 1))["acv_request_to_bid"]
    assert bid.link == "/cases/7" and "Unincorporated groups and neighbourhood forums" in bid.who


def test_every_right_is_answered_open_or_closed_with_a_reason():
    for facts in (england(), scotland(), Facts("wales", "W06000015", "Cardiff Council")):
        rights = rights_from_facts(facts, date(2026, 6, 1))
        assert [r.code for r in rights] == ["acv_nomination", "acv_request_to_bid", "right_to_challenge",
                                            "community_asset_transfer", "scottish_asset_transfer_request",
                                            "register_interest_to_buy"]
        for right in rights:
            assert (right.open and right.who and right.next_steps) or (not right.open and right.why)

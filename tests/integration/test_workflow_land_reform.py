"""Parts 3A (LR(S)A 2003) and 5 (LR(S)A 2016) of the Scottish rights to buy, walked through engine.transition.

Expected dates worked by hand from the guidance's words (domain §6.2, §6.3): "60 days" counted after the day
of the notice; "at least 6 months before" and "no earlier than 6 months before" as the corresponding date.
"""

from datetime import date

import pytest

from registry import db
from registry.errors import TransitionRefused
from registry.workflow import cases, engine

from .test_workflow_crtb import HIGHLAND, make_community_body
from .workflow_world import build, counts


@pytest.fixture()
def world(db_session):
    w = build(HIGHLAND)
    make_community_body(w.cig)
    db.session.flush()
    return w


def due(case, rule):
    return next(d.due_date for d in cases.all_deadlines(case.id) if d.rule_code == rule)


def status(case, rule):
    return next(d.status for d in cases.all_deadlines(case.id) if d.rule_code == rule)


P3A = {"ros_reference": "RoACBL-0042", "application_date": "2026-11-02", "land_description": "The derelict mill",
       "ground": "abandoned", "tried_to_buy": "yes"}


def test_part3a_application_to_completion_with_its_60_day_clocks(world):
    case = engine.open_case("abandoned_land_right_to_buy", "record_application", world.cig_rep, P3A,
                            date(2026, 11, 2), authority_code=HIGHLAND, asset_id=world.asset.id,
                            organisation_id=world.cig.id)
    assert case.state == "applied" and case.reference.startswith("P3A-2026-")
    assert world.asset.live_status == "under_consideration"
    engine.transition(case.id, "record_notice_to_owner", world.officer, {"notified_on": "2026-12-31"},
                      date(2026, 12, 31))
    # 60 days after Thu 31 Dec 2026: 31 January is day 31, 28 February day 59, Mon 1 March 2027 day 60.
    assert due(case, "p3a_creditor_report_due") == date(2027, 3, 1)
    assert due(case, "p3a_views_due") == date(2027, 3, 1)
    engine.transition(case.id, "record_views_sent", world.officer, {"views_sent_on": "2027-03-02"},
                      date(2027, 3, 2))
    assert status(case, "p3a_views_due") == "met"
    assert due(case, "p3a_body_reply_due") == date(2027, 5, 1)  # 2 Mar + 60 days: 31 Mar d29, 30 Apr d59
    engine.transition(case.id, "record_reply", world.cig_rep, {"replied_on": "2027-04-20"}, date(2027, 4, 20))
    engine.transition(case.id, "record_consent", world.officer,
                      {"consent_date": "2027-07-01", "reasons": "The land is abandoned; the plan is sound."},
                      date(2027, 7, 1))
    engine.transition(case.id, "record_completion", world.officer,
                      {"completion_date": "2027-10-01", "valuation_price_gbp": "40000"}, date(2027, 10, 1))
    assert case.state == "completed" and world.asset.live_status == "transferred"


@pytest.mark.parametrize(("change", "says"), [
    ({"tried_to_buy": ""}, "tried to buy the land and failed"),
    ({"excluded_land": "yes"}, "Homes, Crown or UK-government land"),
], ids=["did_not_try_to_buy_first", "excluded_land"])
def test_part3a_refused_without_a_failed_attempt_to_buy_or_on_excluded_land(world, change, says):
    from .workflow_world import case_count

    before = case_count()
    with pytest.raises(TransitionRefused, match=says):
        engine.open_case("abandoned_land_right_to_buy", "record_application", world.cig_rep, {**P3A, **change},
                         date(2026, 11, 2), authority_code=HIGHLAND, asset_id=world.asset.id,
                         organisation_id=world.cig.id)
    assert case_count() == before


def part5_balloted(world, request_on="2026-08-31", ballot_on="2027-01-15"):
    case = engine.open_case("sustainable_development_right_to_buy", "record_owner_request", world.cig_rep,
                            {"request_sent_on": request_on, "land_description": "The estate's north shore"},
                            date.fromisoformat(request_on), authority_code=HIGHLAND, asset_id=world.asset.id,
                            organisation_id=world.cig.id)
    engine.transition(case.id, "record_ballot", world.cig_rep,
                      {"ballot_date": ballot_on, "votes_for": "120", "votes_against": "40", "eligible_voters": "250"},
                      date.fromisoformat(ballot_on))
    return case


def test_part5_request_ballot_application_views_reply(world):
    case = part5_balloted(world)
    assert due(case, "p5_application_earliest") == date(2027, 2, 28)  # 31 Aug + 6 months: no 31 Feb
    assert due(case, "p5_application_latest") == date(2027, 7, 15)  # 15 Jan + 6 months
    engine.transition(case.id, "record_application", world.cig_rep,
                      {"application_date": "2027-03-01", "ros_reference": "RoACBL-0100"}, date(2027, 3, 1))
    assert case.state == "applied" and world.asset.live_status == "under_consideration"
    engine.transition(case.id, "record_views_invited", world.officer, {"invited_on": "2027-03-10"},
                      date(2027, 3, 10))
    assert due(case, "p5_views_due") == date(2027, 5, 9)  # 10 Mar + 60: 31 Mar d21, 30 Apr d51, 9 May d60
    engine.transition(case.id, "record_views_sent", world.officer, {"views_sent_on": "2027-05-12"},
                      date(2027, 5, 12))
    assert due(case, "p5_body_reply_due") == date(2027, 7, 11)  # 12 May + 60: 31 May d19, 30 Jun d49, 11 Jul d60
    assert status(case, "p5_views_due") == "met"


@pytest.mark.parametrize(("applied", "says"), [
    ("2027-02-27", "on or after 2027-02-28"),  # the request was less than 6 months before
    ("2027-07-16", "the last day was 2027-07-15"),  # the ballot was more than 6 months before
], ids=["too_soon_after_the_request", "too_long_after_the_ballot"])
def test_part5_application_outside_its_windows_is_refused_and_nothing_written(world, applied, says):
    case = part5_balloted(world)
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match=says):
        engine.transition(case.id, "record_application", world.cig_rep,
                          {"application_date": applied, "ros_reference": "RoACBL-0100"}, date(2027, 7, 20))
    assert counts(case.id) == before and case.state == "balloted"


def test_part5_needs_three_quarters_of_members_from_the_community(world):
    world.cig.local_member_count = 8  # of 12: two-thirds, enough for Part 2 but not Part 5
    db.session.flush()
    with pytest.raises(TransitionRefused, match="three-quarters"):
        part5_balloted(world)


def test_part5_period_override_is_used(world, monkeypatch):
    from registry.workflow import rules

    from dataclasses import replace

    # As if Settings.period_overrides had held it at start-up (rules.configure); monkeypatch restores it.
    monkeypatch.setattr(rules, "_configured", replace(rules.configuration(), overrides=rules.parse_period_overrides(
        {"LRSA2016:p5_views_due": "90 days"})))
    case = part5_balloted(world)
    engine.transition(case.id, "record_application", world.cig_rep,
                      {"application_date": "2027-03-01", "ros_reference": "RoACBL-0100"}, date(2027, 3, 1))
    engine.transition(case.id, "record_views_invited", world.officer, {"invited_on": "2027-03-10"},
                      date(2027, 3, 10))
    assert due(case, "p5_views_due") == date(2027, 6, 8)  # 10 Mar + 90 days: 9 May d60, 8 Jun d90


def test_part5_earliest_application_date_is_never_overdue(world):
    case = part5_balloted(world)
    row = next(d for d in cases.all_deadlines(case.id) if d.rule_code == "p5_application_earliest")
    latest = next(d for d in cases.all_deadlines(case.id) if d.rule_code == "p5_application_latest")
    assert row.is_overdue(date(2027, 3, 1)) is False  # past 28 Feb 2027: the application may now be made
    assert latest.is_overdue(date(2027, 7, 16)) is True  # past 15 Jul 2027: the ballot is too old

"""Disposal of listed land: interim and full moratorium, protected period, exempt disposals (s.95-98)."""

from datetime import date

import pytest

from registry.errors import Forbidden, TransitionRefused
from registry.workflow import cases, engine

from .workflow_world import build, counts, list_asset

LISTED_ON = date(2026, 3, 2)
NOTICE = date(2026, 6, 1)  # interim ends 12 July, full 30 November 2026, protected 30 November 2027


@pytest.fixture()
def world(db_session):
    return build()


@pytest.fixture()
def listed(world):
    return list_asset(world, LISTED_ON)


def notice(world, listed, received=NOTICE, today=NOTICE):
    return engine.open_case("moratorium", "receive_notice", world.officer,
                            {"notice_received_on": received.isoformat(), "disposal_type": "freehold_sale"}, today,
                            authority_code=listed.authority_code, asset_id=listed.asset_id,
                            parent_case_id=listed.id, title=listed.title)


def due(case, rule):
    return next(d for d in cases.all_deadlines(case.id) if d.rule_code == rule)


def test_notice_starts_the_three_periods(world, listed):
    case = notice(world, listed)
    assert case.state == "interim_moratorium" and world.asset.live_status == "in_moratorium"
    assert due(case, "acv_interim_moratorium_end").due_date == date(2026, 7, 12)
    assert due(case, "acv_full_moratorium_end").due_date == date(2026, 11, 30)
    assert due(case, "acv_protected_period_end").due_date == date(2027, 11, 30)


def test_cig_request_in_time_starts_full_moratorium_then_sale_to_anyone(world, listed):
    case = notice(world, listed)
    engine.transition(case.id, "request_to_bid", world.cig_rep, {"organisation_id": world.cig.id},
                      date(2026, 7, 12))  # the last day of the interim period
    assert case.state == "full_moratorium" and case.data["interested_group"] == "Green Community Trust"
    with pytest.raises(TransitionRefused, match="only to a community interest group"):
        engine.transition(case.id, "record_disposal", world.officer,
                          {"disposal_date": "2026-09-01", "buyer_type": "other"}, date(2026, 9, 1))
    with pytest.raises(TransitionRefused):
        engine.transition(case.id, "end_full", engine.SYSTEM, {}, date(2026, 11, 30))
    engine.run_clocks(date(2026, 12, 1))
    assert cases.get(case.id).state == "free_to_dispose"
    assert world.asset.live_status == "listed"
    engine.transition(case.id, "record_disposal", world.officer,
                      {"disposal_date": "2027-01-15", "buyer_type": "other"}, date(2027, 1, 15))
    assert case.state == "disposed"


def test_no_request_then_interim_ends_then_protected_period_expires(world, listed):
    case = notice(world, listed)
    engine.transition(case.id, "end_interim", world.officer, {}, date(2026, 7, 13))
    assert case.state == "free_to_dispose"
    assert due(case, "acv_full_moratorium_end").status == "not_applicable"
    engine.run_clocks(date(2027, 12, 1))
    assert cases.get(case.id).state == "protected_period_expired"


def test_request_after_interim_period_refused(world, listed):
    case = notice(world, listed)
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="interim moratorium has ended"):
        engine.transition(case.id, "request_to_bid", world.cig_rep, {"organisation_id": world.cig.id},
                          date(2026, 7, 13))
    assert counts(case.id) == before and case.state == "interim_moratorium"


def test_request_from_a_group_that_is_not_a_cig_refused(world, listed):
    case = notice(world, listed)
    with pytest.raises(TransitionRefused, match="not a community interest group"):
        engine.transition(case.id, "request_to_bid", world.rep, {"organisation_id": world.group.id}, NOTICE)


def test_rep_cannot_ask_for_another_group(world, listed):
    case = notice(world, listed)
    with pytest.raises(Forbidden):
        engine.transition(case.id, "request_to_bid", world.rep, {"organisation_id": world.cig.id}, NOTICE)


def test_officer_records_a_written_request(world, listed):
    case = notice(world, listed)
    engine.transition(case.id, "request_to_bid", world.officer,
                      {"organisation_id": world.cig.id, "request_received_on": "2026-07-01"}, date(2026, 7, 2))
    assert case.state == "full_moratorium"


def test_sale_to_cig_allowed_during_moratorium(world, listed):
    case = notice(world, listed)
    engine.transition(case.id, "record_disposal", world.officer,
                      {"disposal_date": "2026-06-20", "buyer_type": "community_interest_group"}, date(2026, 6, 20))
    assert case.state == "disposed_to_community" and world.asset.live_status == "transferred"


def test_second_notice_inside_protected_period_refused(world, listed):
    first = notice(world, listed)
    engine.transition(first.id, "end_interim", world.officer, {}, date(2026, 7, 13))
    with pytest.raises(TransitionRefused, match="protected period"):
        notice(world, listed, received=date(2027, 1, 1), today=date(2027, 1, 1))


def test_exempt_disposal_recorded(world, listed):
    case = engine.open_case("moratorium", "record_exempt_disposal", world.officer,
                            {"exemption_code": "gift", "reasons": "Gift to the parish trustees."}, NOTICE,
                            authority_code=listed.authority_code, asset_id=listed.asset_id, parent_case_id=listed.id)
    assert case.state == "exempt_disposal_recorded" and world.asset.live_status == "listed"


def test_notice_needs_a_listed_asset(world):
    from .workflow_world import nominate

    nominated = nominate(world, NOTICE)
    with pytest.raises(TransitionRefused, match="only against land on the list"):
        notice(world, nominated)


def test_group_cannot_record_a_notice(world, listed):
    with pytest.raises(Forbidden):
        engine.open_case("moratorium", "receive_notice", world.cig_rep,
                         {"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"}, NOTICE,
                         authority_code=listed.authority_code, asset_id=listed.asset_id, parent_case_id=listed.id)

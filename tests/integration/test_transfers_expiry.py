"""Clawback conditions at the end of their period: expiry, late-logged triggers, 29 February, indexation.

Expected amounts are worked by hand (see each comment); the period arithmetic by the corresponding-date
rule (domain §0.1).
"""

from datetime import date
from decimal import Decimal

import pytest

from registry import audit, transfers
from registry.errors import InvalidInput
from tests.integration.conftest import csrf_token, sign_in
from tests.integration.test_transfers import (  # noqa: F401 (fixtures)
    OFFICER,
    STEPPED_CONDITION,
    asset,
    organisation,
    transfer,
    transfer_data,
)


def test_five_years_from_29_february_end_on_28_february(db_session, asset, organisation):  # noqa: F811
    # A period of 5 years beginning with 29 Feb 2024: no 29 Feb 2029, so it ends on 28 Feb 2029.
    created = transfers.create(transfer_data(completion_date="2024-02-29"), OFFICER, date(2024, 3, 1),
                               asset_id=asset.id, organisation_id=organisation.id)
    assert created.conditions[0].end_date == date(2029, 2, 28)


def test_a_stepped_taper_from_29_february_puts_28_february_in_year_1(db_session, asset, organisation):  # noqa: F811
    created = transfers.create(transfer_data(completion_date="2024-02-29"), OFFICER, date(2025, 3, 1),
                               asset_id=asset.id, organisation_id=organisation.id)
    change = transfers.log_trigger(created.conditions[0].id, {"trigger": "disposal", "trigger_date": "2025-02-28"},
                                   OFFICER, date(2025, 3, 1))
    assert change.amount_due_gbp == Decimal("100000.00")  # discount 250000 - 150000, year 1: 100%


def test_a_trigger_on_the_last_day_logged_after_the_nightly_expiry_is_recorded_and_computed(app, transfer):  # noqa: F811
    condition = transfer.conditions[0]
    assert condition.end_date == date(2025, 3, 31)  # 5 years beginning with 1 April 2020
    result = app.test_cli_runner().invoke(args=["transfers", "expire", "--today", "2025-04-01"])
    assert result.exit_code == 0, result.output
    assert condition.status == "expired"
    # The disposal completed on the last day, 31 March 2025; the officer keys it in on 2 April.
    change = transfers.log_trigger(condition.id, {"trigger": "disposal", "trigger_date": "2025-03-31",
                                                  "note": "Sale completed"}, OFFICER, date(2025, 4, 2))
    # 31 Mar 2025 is in year 5 (the 5th anniversary is 1 Apr 2025): 20% of the £100,000 discount.
    assert change.amount_due_gbp == Decimal("20000.00")
    assert (change.from_status, change.to_status, change.on_date) == ("expired", "triggered", date(2025, 3, 31))
    assert "recorded after the condition was marked expired" in change.reason
    assert [c.to_status for c in condition.history] == ["active", "expired", "triggered"]
    entry = audit.entries_for("clawback_condition", condition.id)[-1]
    assert entry.action == "condition.trigger" and entry.detail["after_expiry"] is True


def test_a_trigger_after_the_period_is_refused_on_an_expired_condition(transfer):  # noqa: F811
    condition = transfer.conditions[0]
    transfers.expire_conditions(date(2025, 4, 1))
    with pytest.raises(InvalidInput) as error:
        transfers.log_trigger(condition.id, {"trigger": "disposal", "trigger_date": "2025-04-01"}, OFFICER,
                              date(2025, 4, 2))
    assert error.value.field == "trigger_date" and "31 March 2025" in error.value.detail
    assert [c.to_status for c in condition.history] == ["active", "expired"]
    assert condition.status == "expired"


def test_the_api_records_a_last_day_trigger_after_expiry(client, make_user, transfer):  # noqa: F811
    condition = transfer.conditions[0]
    transfers.expire_conditions(date(2025, 4, 1))
    sign_in(client, make_user("council_officer", authority_code=transfer.authority_code))
    response = client.post(f"/api/transfers/conditions/{condition.id}/trigger",
                           json={"trigger": "disposal", "trigger_date": "2025-03-31"},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount_due"] == "20000.00"


def test_a_taper_with_cpi_uses_the_latest_published_month(db_session, transfer):  # noqa: F811
    transfers.set_index_value(None, "cpi", date(2020, 4, 1), "100", OFFICER)
    transfers.set_index_value(None, "cpi", date(2022, 5, 1), "104", OFFICER)  # June 2022 not yet published
    condition = transfers.add_condition({**STEPPED_CONDITION, "index": "cpi"}, OFFICER, date(2022, 6, 20),
                                        transfer=transfer)
    assert condition.indexation == "cpi"
    change = transfers.log_trigger(condition.id, {"trigger": "disposal", "trigger_date": "2022-06-15"},
                                   OFFICER, date(2022, 6, 20))
    # 100000 × 104 ÷ 100 = 104000, then year 3 of the taper (60%): 62400.
    assert change.amount_due_gbp == Decimal("62400.00")
    texts = [step["text"] for step in change.calculation["steps"]]
    assert any("June 2022 (trigger) is not yet published" in text and "May 2022" in text for text in texts)

"""A `trust` that is none of the listed forms is refused as a nominating body (SI 2012/2421 reg 5),
through the workflow engine; the same trust registered as a charity is accepted."""

from datetime import date

import pytest

from registry.errors import TransitionRefused
from registry.workflow import engine

from .workflow_world import build, counts, nominate

TODAY = date(2026, 6, 1)


@pytest.fixture()
def world(db_session):
    return build()


def test_a_plain_trust_is_refused_as_a_nominating_body(world):
    world.group.legal_form, world.group.charity_number = "trust", None
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    assert case.data["checks"]["passed"] is False
    before = counts(case.id)
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    assert "a trust can nominate only if it is also one of the bodies reg 5 lists" in caught.value.detail
    assert counts(case.id) == before and case.state == "validation"


def test_a_charitable_trust_registered_as_a_charity_may_nominate(world):
    world.group.legal_form, world.group.charity_number = "trust", "1190001"
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    assert case.data["checks"]["eligibility"] == []
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    assert case.state == "owner_notified"

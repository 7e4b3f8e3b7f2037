"""Two decisions posted at once on one case: one succeeds, the other is clearly refused.

This test needs real, committed rows and two database connections (one per
thread), so it cannot run inside the rolled-back test transaction; it cleans
up after itself.
"""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from registry import db
from registry.accounts import User
from registry.errors import TransitionRefused
from registry.workflow import engine

from .workflow_world import build, nominate

TODAY = date(2026, 6, 1)


@pytest.fixture()
def committed_case(app):
    with app.app_context():
        world = build()
        case = nominate(world, TODAY)
        engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
        engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
        second = build()  # another decision-maker of the same council
        db.session.commit()
        ids = {"case": case.id, "asset": world.asset.id, "deciders": [world.decision_maker.id,
                                                                     second.decision_maker.id],
               "users": [u.id for w in (world, second) for u in (w.rep, w.cig_rep, w.officer, w.decision_maker,
                                                                 w.reviewer, w.other_officer, w.citizen)],
               "orgs": [o.id for w in (world, second) for o in (w.group, w.cig)]}
        db.session.remove()
    yield ids
    from tests.conftest import owner_engine  # case events are append-only: only the owner can lift the trigger

    with owner_engine().begin() as session:
        session.execute(text("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only"))
        session.execute(text("DELETE FROM case_event WHERE case_id = :id"), {"id": ids["case"]})
        session.execute(text("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only"))
        session.execute(text("DELETE FROM deadline WHERE case_id = :id"), {"id": ids["case"]})
        session.execute(text('DELETE FROM "case" WHERE id = :id'), {"id": ids["case"]})
        session.execute(text("UPDATE asset SET live_status = NULL WHERE id = :id"), {"id": ids["asset"]})
        for user_id in ids["users"]:
            try:
                with session.begin_nested():
                    session.execute(text("DELETE FROM user_account WHERE id = :id"), {"id": user_id})
            except IntegrityError:  # the audit log refers to them (every workflow step is audited): disable
                session.execute(text("UPDATE user_account SET active = false WHERE id = :id"), {"id": user_id})
        try:
            with session.begin_nested():
                session.execute(text("DELETE FROM organisation WHERE id = ANY(:ids)"), {"ids": ids["orgs"]})
        except IntegrityError:  # members kept for the audit log keep their organisation
            pass


def test_two_decisions_at_once_one_wins_one_refused(app, committed_case):
    barrier = threading.Barrier(2)
    results = []

    def decide(user_id, action, data):
        with app.app_context():
            try:
                actor = db.session.get(User, user_id)
                barrier.wait()
                started = time.monotonic()
                engine.transition(committed_case["case"], action, actor, data, TODAY)
                time.sleep(0.5)  # hold the row lock, as a slow request would
                db.session.commit()
                results.append(("ok", action, time.monotonic() - started))
            except TransitionRefused as error:
                db.session.rollback()
                results.append(("refused", error, time.monotonic() - started))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=(committed_case["deciders"][0], "list", {"reasons": "Of value."})),
        threading.Thread(target=decide, args=(committed_case["deciders"][1], "decline",
                                              {"decline_reason": "not_community_value", "reasons": "Not."})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["ok", "refused"], results
    winner = next(r for r in results if r[0] == "ok")
    refused = next(r for r in results if r[0] == "refused")
    assert refused[2] >= 0.4, "the second decision should have waited for the first one's row lock"
    error = refused[1]
    assert error.extra["from_state"] == ("listed" if winner[1] == "list" else "not_listed")
    assert "You cannot" in error.detail
    with app.app_context():
        events = db.session.execute(
            text("SELECT action FROM case_event WHERE case_id = :id ORDER BY id"), {"id": committed_case["case"]}
        ).scalars().all()
        db.session.remove()
    assert events[-1] == winner[1] and events.count("list") + events.count("decline") == 1

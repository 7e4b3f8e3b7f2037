"""Which server answers a request (registry/replicas.py): the routing rules as tables.

LSN values were worked by hand (two hex halves, high * 2**32 + low) and checked with PostgreSQL's own
``'X/Y'::pg_lsn - '0/0'``.
"""

import math

import pytest

from registry.replicas import (
    PRIMARY,
    ReadRequest,
    ReplicaState,
    choose_read,
    format_lsn,
    lag_seconds,
    parse_lsn,
    unusable_because,
)

LSN_TABLE = [
    ("0/0", 0),
    ("0/7C82E000", 2_088_951_808),
    ("16/B374D848", 97_500_059_720),  # 22 * 4294967296 + 3010779208
    ("FFFFFFFF/FFFFFFFF", 18_446_744_073_709_551_615),
]


@pytest.mark.parametrize(("text", "position"), LSN_TABLE, ids=[t for t, _ in LSN_TABLE])
def test_lsn_text_and_position(text, position):
    assert parse_lsn(text) == position
    assert format_lsn(position) == text


def test_no_lsn_is_none():
    assert parse_lsn(None) is None
    assert parse_lsn("") is None


PRIMARY_AT = 1_000_000
CAUGHT_UP = ReplicaState(reachable=True, standby=True, replay_lsn=PRIMARY_AT, replay_age_s=600.0,
                         primary_lsn=PRIMARY_AT)
BEHIND_2S = ReplicaState(reachable=True, standby=True, replay_lsn=PRIMARY_AT - 5000, replay_age_s=2.0,
                         primary_lsn=PRIMARY_AT)
BEHIND_30S = ReplicaState(reachable=True, standby=True, replay_lsn=PRIMARY_AT - 90_000, replay_age_s=30.0,
                          primary_lsn=PRIMARY_AT)
NEVER_REPLAYED = ReplicaState(reachable=True, standby=True, replay_lsn=PRIMARY_AT - 1, replay_age_s=None,
                              primary_lsn=PRIMARY_AT)
DOWN = ReplicaState(reachable=False, error="OperationalError")
PROMOTED = ReplicaState(reachable=True, standby=False, replay_lsn=PRIMARY_AT, primary_lsn=PRIMARY_AT)
NO_REPLAY_POSITION = ReplicaState(reachable=True, standby=True, replay_lsn=None, primary_lsn=PRIMARY_AT)

LAG_TABLE = [
    # An idle primary: the last replayed transaction is ten minutes old but nothing is unreplayed.
    ("caught_up_after_idle_spell_is_no_lag", CAUGHT_UP, 0.0),
    ("behind_lag_is_age_of_last_replayed", BEHIND_2S, 2.0),
    ("behind_30s", BEHIND_30S, 30.0),
    ("behind_nothing_replayed_yet_is_unknown", NEVER_REPLAYED, math.inf),
    ("down_is_unknown", DOWN, math.inf),
    ("no_replay_position_is_unknown", NO_REPLAY_POSITION, math.inf),
]


@pytest.mark.parametrize(("state", "lag"), [row[1:] for row in LAG_TABLE], ids=[row[0] for row in LAG_TABLE])
def test_lag_seconds(state, lag):
    assert lag_seconds(state) == lag


GUARD_TABLE = [
    ("caught_up_usable", CAUGHT_UP, 5.0, True, ""),
    ("2s_behind_within_5s", BEHIND_2S, 5.0, True, ""),
    ("2s_behind_over_1s_bound", BEHIND_2S, 1.0, True, "replay lag 2.0 s > 1 s"),
    ("30s_behind_over_5s", BEHIND_30S, 5.0, True, "replay lag 30.0 s > 5 s"),
    ("unknown_lag_skipped", NEVER_REPLAYED, 5.0, True, "lag unknown"),
    ("down_skipped", DOWN, 5.0, True, "unreachable (OperationalError)"),
    ("promoted_skipped", PROMOTED, 5.0, True, "not in recovery (promoted, or not a standby)"),
    ("primary_stand_in_allowed_in_tests", PROMOTED, 5.0, False, ""),
]


@pytest.mark.parametrize(("state", "bound", "must_be_standby", "reason"), [row[1:] for row in GUARD_TABLE],
                         ids=[row[0] for row in GUARD_TABLE])
def test_lag_guard(state, bound, must_be_standby, reason):
    assert unusable_because(state, bound, must_be_standby) == reason


PUBLIC_GET = ReadRequest("GET", public_read=True, has_authorization=False)
TWO_HEALTHY = [("replica1", CAUGHT_UP), ("replica2", BEHIND_2S)]

ROUTING_TABLE = [
    # (id, request, replicas, turn, expected target, expected reason)
    ("post_is_a_write", ReadRequest("POST", True, False), TWO_HEALTHY, 0, PRIMARY, "a write"),
    ("put_is_a_write", ReadRequest("PUT", True, False), TWO_HEALTHY, 0, PRIMARY, "a write"),
    ("delete_is_a_write", ReadRequest("DELETE", True, False), TWO_HEALTHY, 0, PRIMARY, "a write"),
    ("private_page_on_primary", ReadRequest("GET", False, False), TWO_HEALTHY, 0, PRIMARY, "not a public read"),
    ("token_request_on_primary", ReadRequest("GET", True, True), TWO_HEALTHY, 0, PRIMARY, "a token's request"),
    ("no_replicas_configured", PUBLIC_GET, [], 0, PRIMARY, "no replicas"),
    ("public_get_turn_0", PUBLIC_GET, TWO_HEALTHY, 0, "replica1", "public read"),
    ("public_get_turn_1_round_robin", PUBLIC_GET, TWO_HEALTHY, 1, "replica2", "public read"),
    ("head_like_get", ReadRequest("HEAD", True, False), TWO_HEALTHY, 0, "replica1", "public read"),
    ("down_one_skipped", PUBLIC_GET, [("replica1", DOWN), ("replica2", CAUGHT_UP)], 0, "replica2", "public read"),
    ("lagging_one_skipped", PUBLIC_GET, [("replica1", BEHIND_30S), ("replica2", BEHIND_2S)], 0, "replica2",
     "public read"),
    ("all_down_falls_back", PUBLIC_GET, [("replica1", DOWN), ("replica2", DOWN)], 0, PRIMARY,
     "no replica usable"),
    ("all_lagging_falls_back", PUBLIC_GET, [("replica1", BEHIND_30S)], 0, PRIMARY, "no replica usable"),
    ("promoted_falls_back", PUBLIC_GET, [("replica1", PROMOTED)], 0, PRIMARY, "no replica usable"),
    # Read-your-own-writes: the person's last write is at PRIMARY_AT - 100.
    ("own_write_replayed_on_caught_up", ReadRequest("GET", True, False, PRIMARY_AT - 100), TWO_HEALTHY, 1,
     "replica1", "public read"),
    ("own_write_exactly_replayed", ReadRequest("GET", True, False, PRIMARY_AT), [("replica1", CAUGHT_UP)], 0,
     "replica1", "public read"),
    ("own_write_not_on_lagging_one", ReadRequest("GET", True, False, PRIMARY_AT - 100),
     [("replica1", BEHIND_2S)], 0, PRIMARY, "own write not yet replayed"),
    ("own_write_one_byte_ahead", ReadRequest("GET", True, False, PRIMARY_AT + 1), [("replica1", CAUGHT_UP)], 0,
     PRIMARY, "own write not yet replayed"),
    ("old_write_long_replayed", ReadRequest("GET", True, False, 10), [("replica1", BEHIND_2S)], 0, "replica1",
     "public read"),
]


@pytest.mark.parametrize(("request_", "states", "turn", "target", "reason"), [row[1:] for row in ROUTING_TABLE],
                         ids=[row[0] for row in ROUTING_TABLE])
def test_choose_read(request_, states, turn, target, reason):
    choice = choose_read(request_, states, turn, max_lag_s=5.0)
    assert (choice.target, choice.reason) == (target, reason)

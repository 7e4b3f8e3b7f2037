"""The permission table's rules, as a table: role, scope and target."""

from dataclasses import dataclass, field

import pytest

from registry import permissions
from registry.errors import Forbidden, Unauthorised


@dataclass
class Person:
    roles: frozenset
    id: int | None = 1
    authority_code: str | None = None
    organisation_ids: frozenset = field(default_factory=frozenset)


@dataclass
class Thing:
    authority_code: str | None = None
    organisation_id: int | None = None
    user_id: int | None = None


PUBLIC = Person(frozenset({"public"}), id=None)
CITIZEN = Person(frozenset({"citizen"}))
OFFICER_A = Person(frozenset({"citizen", "council_officer"}), authority_code="E08000035")
REP_7 = Person(frozenset({"citizen", "community_group_rep"}), organisation_ids=frozenset({7}))
ADMIN = Person(frozenset({"citizen", "admin"}))

CASES = [
    ("officer_edits_own_authority", OFFICER_A, "asset.edit", Thing("E08000035"), True),
    ("officer_refused_other_authority", OFFICER_A, "asset.edit", Thing("E09000001"), False),
    ("officer_by_authority_code_string", OFFICER_A, "asset.create", "E08000035", True),
    ("citizen_cannot_edit", CITIZEN, "asset.edit", Thing("E08000035"), False),
    ("public_cannot_edit", PUBLIC, "asset.edit", Thing("E08000035"), False),
    ("rep_acts_for_own_group", REP_7, "organisation.act_for", Thing(organisation_id=7), True),
    ("rep_refused_other_group", REP_7, "organisation.act_for", Thing(organisation_id=8), False),
    ("rep_refused_without_target_org", REP_7, "organisation.act_for", Thing(), False),
    ("admin_assigns_officers", ADMIN, "admin.assign_officer", None, True),
    ("officer_cannot_assign", OFFICER_A, "admin.assign_officer", None, False),
    ("revoke_own_token", OFFICER_A, "api_token.revoke", Thing(user_id=1), True),
    ("revoke_anothers_token", OFFICER_A, "api_token.revoke", Thing(user_id=2), False),
]


@pytest.mark.parametrize(("user", "action", "target", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_can(user, action, target, allowed):
    assert permissions.can(user, action, target) is allowed


def test_require_raises_unauthorised_for_the_public_and_forbidden_otherwise():
    with pytest.raises(Unauthorised):
        permissions.require(PUBLIC, "asset.edit", Thing("E08000035"))
    with pytest.raises(Forbidden):
        permissions.require(OFFICER_A, "asset.edit", Thing("E09000001"))
    permissions.require(OFFICER_A, "asset.edit", Thing("E08000035"))


def test_reviewer_must_not_be_the_decision_maker():
    with pytest.raises(Forbidden):
        permissions.require_different_person(OFFICER_A, decided_by_user_id=1)
    permissions.require_different_person(OFFICER_A, decided_by_user_id=2)


def test_declare_is_idempotent_but_refuses_a_different_rule():
    permissions.declare("test.thing", roles={"citizen"})
    permissions.declare("test.thing", roles={"citizen"})
    with pytest.raises(ValueError):
        permissions.declare("test.thing", roles={"admin"})
    with pytest.raises(ValueError):
        permissions.declare("test.other", roles={"wizard"})


def test_per_role_scopes():
    permissions.declare("test.case_view", roles={"council_officer", "community_group_rep"},
                        scope={"council_officer": "authority", "community_group_rep": "organisation"})
    case = Thing(authority_code="E08000035", organisation_id=7)
    assert permissions.can(OFFICER_A, "test.case_view", case)
    assert permissions.can(REP_7, "test.case_view", case)
    assert not permissions.can(REP_7, "test.case_view", Thing(authority_code="E08000035", organisation_id=9))


def test_undeclared_action_is_an_error():
    with pytest.raises(LookupError):
        permissions.can(CITIZEN, "no.such.action")

"""THE role x action table: declared in one place, checked in one place.

Roles are those of domain.md §0.2: public (not signed in), citizen,
community_group_rep, council_officer, council_decision_maker, reviewer, admin.

An action is declared once with the roles that may take it and a scope:

- ``"any"``: the role is enough;
- ``"authority"``: the user's ``authority_code`` must be the target's (an
  officer acts only for their own authority's assets and cases);
- ``"organisation"``: the target's organisation must be one of the user's
  ``organisation_ids`` (a representative acts only for their own groups);
- ``"self"``: the target belongs to the user (``target.user_id == user.id``).

A scope may also be a mapping ``{role: scope}`` when roles differ, e.g.
``{"council_officer": "authority", "community_group_rep": "organisation"}``.
``admin`` is never scoped. Process modules declare their own actions with
``declare(...)`` at import time, so at run time the whole table is here and
``table()`` lists it.

``can(user, action, target)`` answers; ``require(...)`` raises Unauthorised
(public user, action not open to the public) or Forbidden. With ``target=None``
only the role is checked (use that for menus, never for a write).

Views declare who may call them with ``@route_requires(action)``,
``@signed_in`` or ``@public``; each sets ``view.permission`` so a test can
walk ``app.url_map`` and find unmarked routes.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import wraps

from .errors import Forbidden, Unauthorised

ROLES = (
    "public",
    "citizen",
    "community_group_rep",
    "council_officer",
    "council_decision_maker",
    "reviewer",
    "admin",
)
SCOPES = ("any", "authority", "organisation", "self")
OFFICER_ROLES = frozenset({"council_officer", "council_decision_maker", "reviewer"})
#: The council's own staff who act on its cases and records (a reviewer only reviews).
COUNCIL_OFFICERS = frozenset({"council_officer", "council_decision_maker"})


@dataclass(frozen=True)
class Rule:
    action: str
    roles: frozenset[str]
    scope: Mapping[str, str]  # role -> scope
    description: str = ""

    def scope_for(self, role: str) -> str:
        return "any" if role == "admin" else self.scope.get(role, "any")


_TABLE: dict[str, Rule] = {}


def declare(action: str, *, roles: Iterable[str], scope: str | Mapping[str, str] = "any",
            description: str = "") -> Rule:
    """Add one action to the table. Declaring the same rule twice is harmless; a different one is an error."""
    roles = frozenset(roles)
    unknown = roles - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown role(s) {sorted(unknown)} for {action}")
    if isinstance(scope, str):
        scope_map = {role: scope for role in roles}
    else:
        scope_map = {role: scope.get(role, "any") for role in roles}
    for value in scope_map.values():
        if value not in SCOPES:
            raise ValueError(f"Unknown scope {value!r} for {action}")
    rule = Rule(action, roles, scope_map, description)
    existing = _TABLE.get(action)
    if existing is not None and (existing.roles, dict(existing.scope)) != (rule.roles, dict(rule.scope)):
        raise ValueError(f"Action {action} is already declared differently")
    _TABLE[action] = rule
    return rule


def table() -> list[Rule]:
    return sorted(_TABLE.values(), key=lambda r: r.action)


def rule(action: str) -> Rule:
    try:
        return _TABLE[action]
    except KeyError:
        raise LookupError(f"Undeclared action {action!r}: declare it in permissions.declare()") from None


# ------------------------------------------------------------------ targets


def _get(target, name):
    if isinstance(target, Mapping):
        return target.get(name)
    return getattr(target, name, None)


def target_authority(target) -> str | None:
    if target is None:
        return None
    if isinstance(target, str):
        return target
    return _get(target, "authority_code")


def target_organisation(target) -> int | None:
    if target is None:
        return None
    if isinstance(target, int):
        return target
    org_id = _get(target, "organisation_id")
    if org_id is None and type(target).__name__ == "Organisation":
        org_id = target.id
    return org_id


def target_user(target) -> int | None:
    return _get(target, "user_id")


def user_roles(user) -> frozenset[str]:
    if user is None:
        return frozenset({"public"})
    return frozenset(getattr(user, "roles", None) or {"public"})


def _in_scope(user, scope: str, target) -> bool:
    if target is None or scope == "any":
        return True
    if scope == "authority":
        code = target_authority(target)
        return code is not None and getattr(user, "authority_code", None) == code
    if scope == "organisation":
        org_id = target_organisation(target)
        return org_id is not None and org_id in (getattr(user, "organisation_ids", None) or ())
    if scope == "self":
        owner = target_user(target)
        return owner is not None and owner == getattr(user, "id", None)
    return False


def can(user, action: str, target=None) -> bool:
    """May this user take this action (on this target)?"""
    declared = rule(action)
    for role in user_roles(user) & declared.roles:
        if _in_scope(user, declared.scope_for(role), target):
            return True
    return False


def is_anonymous(user) -> bool:
    return user is None or getattr(user, "id", None) is None


def require(user, action: str, target=None) -> None:
    """Raise Unauthorised (not signed in) or Forbidden unless `can(user, action, target)`."""
    if can(user, action, target):
        return
    if is_anonymous(user):
        raise Unauthorised("Sign in to do that.")
    raise Forbidden("You are not allowed to do that.")


def require_different_person(user, decided_by_user_id: int | None) -> None:
    """A review is never carried out by the person who took the decision under review."""
    if user is not None and decided_by_user_id is not None and getattr(user, "id", None) == decided_by_user_id:
        raise Forbidden("You took the original decision, so another officer must review it.")


# ------------------------------------------------------------------ route markers

PUBLIC = "public"
SIGNED_IN = "signed_in"


_actor_source = None


def use_actor_source(source) -> None:
    """Install the function that gives the actor of the current request (accounts.current_actor).

    The table never imports the accounts: the decorators below take the actor from this source, and
    ``can`` / ``require`` take it as an argument.
    """
    global _actor_source
    _actor_source = source


def _actor_of_request():
    if _actor_source is None:
        raise RuntimeError("permissions.use_actor_source(...) was not called (accounts.init_app does it).")
    return _actor_source()


def public(view):
    """Mark a view as open to everyone (no personal data in its answer)."""
    view.permission = PUBLIC
    return view


def signed_in(view):
    """Any signed-in user; the view checks targets itself with require()."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if is_anonymous(_actor_of_request()):
            raise Unauthorised("Sign in to do that.")
        return view(*args, **kwargs)

    wrapper.permission = SIGNED_IN
    return wrapper


def route_requires(action: str):
    """Mark a view with its action and check the role (not the target) before it runs.

    The view still calls ``require(user, action, target)`` once it has loaded
    the target, for the authority / organisation scope.
    """
    rule(action)  # fail at import time on an undeclared action

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            require(_actor_of_request(), action)
            return view(*args, **kwargs)

        wrapper.permission = action
        return wrapper

    return decorator


def view_permission(view) -> str | None:
    return getattr(view, "permission", None)


# ------------------------------------------------------------------ the core actions
# Process modules (workflow/*, claims, transfers) declare theirs next to their code.

declare("account.manage", roles=ROLES[1:], description="See and change one's own account")
declare("api_token.create", roles={"council_officer", "council_decision_maker"}, scope="authority",
        description="Create an API token for one's own authority")
declare("api_token.revoke", roles={"citizen", "council_officer", "council_decision_maker", "admin"},
        scope="self", description="Revoke one's own API token")
declare("asset.create", roles={"council_officer", "council_decision_maker"}, scope="authority",
        description="Add an asset to one's own authority's register")
declare("asset.edit", roles={"council_officer", "council_decision_maker"}, scope="authority",
        description="Change an asset of one's own authority, its footprint included")
declare("asset.change_status", roles={"council_officer", "council_decision_maker"}, scope="authority",
        description="Change the surplus status of one's own authority's asset")
declare("asset.delete", roles={"council_officer", "council_decision_maker"}, scope="authority",
        description="Remove an asset from one's own authority's register")
declare("asset.view_private", roles={"council_officer", "council_decision_maker", "reviewer"},
        scope="authority", description="See withheld assets and private fields of one's own authority")
declare("organisation.act_for", roles={"community_group_rep"}, scope="organisation",
        description="Act on behalf of an organisation one belongs to")
declare("admin.users", roles={"admin"}, description="List users and their roles")
declare("admin.assign_officer", roles={"admin"}, description="Make a user an officer of an authority")
declare("admin.assign_membership", roles={"admin"}, description="Add a user to an organisation")
declare("audit.view", roles={"admin"}, description="Read the audit log")
declare("import.run", roles={"council_officer", "council_decision_maker", "admin"}, scope="authority",
        description="Import a file of assets into one's own authority's register (page and API), see its imports")

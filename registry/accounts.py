"""People: users, their roles, the organisations they belong to (API tokens: api_tokens.py).

Every signed-in user is a ``citizen``; a user with a membership is a
``community_group_rep``; other roles (council_officer,
council_decision_maker, reviewer, admin) are stored and assigned by an admin.
An officer belongs to one authority (``authority_code``).

The attributes the permission table reads are ``id``, ``roles`` (a frozenset
of role strings), ``authority_code`` and ``organisation_ids``. The anonymous
actor (``ANONYMOUS``) has the same attributes, with ``id = None`` and
``roles = {"public"}``.

Passwords are hashed with argon2id. Email confirmation and password reset use
signed, timed tokens (itsdangerous); a reset token carries a fingerprint of
the current password hash, so it works once. API tokens are random secrets
stored only as a sha256 hash.
"""

import hashlib
import hmac
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g
from flask_login import LoginManager, UserMixin, current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ARRAY, Boolean, DateTime, ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db, permissions
from .actors import ANONYMOUS, AnonymousActor  # noqa: F401  (accounts.ANONYMOUS for callers)
from .api_tokens import (  # noqa: F401  (the token functions, as accounts.X for callers)
    TOKEN_PREFIX, ApiToken, bearer_actor, bearer_secret, create_api_token, get_token, revoke_api_token, tokens_of,
    user_for_bearer,
)
from .errors import Conflict, InvalidInput, NotFound
from .permissions import ROLES

STORED_ROLES = ("council_officer", "council_decision_maker", "reviewer", "admin")
CONFIRM_MAX_AGE_S = 3 * 24 * 3600
RESET_MAX_AGE_S = 3600
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()  # argon2id, memory-hard


class User(db.Base, UserMixin):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Personal data: never in a public projection.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    stored_roles: Mapped[list[str]] = mapped_column("roles", ARRAY(String(40)), server_default="{}")
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authority.code"))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of every session's id: signing out or a new password moves it on, which ends every session
    # that carries the old one (migration 0024: a signed cookie cannot be deleted on the server).
    session_epoch: Mapped[int] = mapped_column(Integer, server_default="0")

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:  # Flask-Login: what the session keeps
        return session_id(self.id, self.session_epoch or 0)

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(m.organisation_id for m in self.memberships)

    @property
    def roles(self) -> frozenset[str]:
        roles = {"citizen", *(self.stored_roles or ())}
        if self.memberships:
            roles.add("community_group_rep")
        if self.authority_code is None:
            # An officer without an authority can act for nobody.
            roles -= {"council_officer", "council_decision_maker", "reviewer"}
        return frozenset(roles)

    @property
    def is_active(self) -> bool:  # Flask-Login: unconfirmed or disabled users cannot sign in
        return bool(self.active) and self.email_confirmed_at is not None

    def __repr__(self):
        return f"<User {self.id}>"


class Membership(db.Base):
    """A person acting for an organisation (a community group)."""

    __tablename__ = "membership"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    user: Mapped[User] = relationship(back_populates="memberships")


# ------------------------------------------------------------------ passwords


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Password must be {MIN_PASSWORD_LENGTH} characters or more.", field=field)


# ------------------------------------------------------------------ users


def normalise_email(email: str) -> str:
    email = (email or "").strip()
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise InvalidInput("Enter an email address in the correct format, like name@example.com.", field="email")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def find_by_email(email: str) -> User | None:
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def create_user(email: str, password: str, display_name: str, *, roles=(), authority_code=None,
                confirmed: bool = False) -> User:
    email = normalise_email(email)
    display_name = (display_name or "").strip()
    if not display_name:
        raise InvalidInput("Enter your name.", field="display_name")
    check_password_rules(password)
    if find_by_email(email) is not None:
        raise Conflict("An account with that email address already exists.", field="email")
    unknown = set(roles) - set(STORED_ROLES)
    if unknown:
        raise InvalidInput(f"Unknown role(s): {', '.join(sorted(unknown))}.", field="roles")
    user = User(
        email=email,
        display_name=display_name[:200],
        password_hash=hash_password(password),
        stored_roles=sorted(roles),
        authority_code=authority_code,
        email_confirmed_at=datetime.now(UTC) if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the email and password match and the account may sign in."""
    user = find_by_email(email)
    if user is None:
        _hasher.hash(password or "")  # same work either way, so timing does not reveal accounts
        return None
    if not verify_password(user, password or "") or not user.is_active:
        return None
    user.last_signed_in_at = datetime.now(UTC)
    return user


def unconfirmed_with_password(email: str, password: str) -> User | None:
    """The account, if the password is right but the email address is not confirmed yet."""
    user = find_by_email(email)
    if user is None or user.email_confirmed_at is not None or not user.active:
        return None
    return user if verify_password(user, password or "") else None


def set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    db.session.flush()
    end_sessions(user)  # a new password ends every session the old one opened


def assign_officer(user: User, authority_code: str | None, roles=None) -> None:
    """Set the user's authority (None clears it) and stored roles (admin only).

    `roles=None` makes them a council_officer and keeps admin if they had it;
    a list sets exactly those roles.
    """
    if roles is None:
        roles = {"council_officer"} | ({"admin"} & set(user.stored_roles or ()))
    unknown = set(roles) - set(STORED_ROLES)
    if unknown:
        raise InvalidInput(f"Unknown role(s): {', '.join(sorted(unknown))}.", field="roles")
    if authority_code is not None:
        from . import authorities

        authorities.get(authority_code)
    user.authority_code = authority_code
    user.stored_roles = sorted(set(roles))
    db.session.flush()


def add_membership(user: User, organisation_id: int) -> Membership:
    from .organisations import Organisation

    if db.session.get(Organisation, organisation_id) is None:
        raise NotFound(f"There is no organisation {organisation_id}.")
    existing = db.session.get(Membership, (user.id, organisation_id))
    if existing is not None:
        return existing
    membership = Membership(user_id=user.id, organisation_id=organisation_id)
    user.memberships.append(membership)
    db.session.flush()
    return membership


def remove_membership(user: User, organisation_id: int) -> None:
    for membership in list(user.memberships):
        if membership.organisation_id == organisation_id:
            user.memberships.remove(membership)
    db.session.flush()


def organisations_of(user) -> list:
    from .organisations import Organisation

    ids = sorted(getattr(user, "organisation_ids", ()) or ())
    if not ids:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.display_name, User.id)))


# ------------------------------------------------------------------ emailed tokens


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def email_digest(email: str) -> str:
    """A short keyed hash of an address (16 hex digits): lets a link die when the address changes,
    without the address itself being readable in the link (links end up in logs and browser history)."""
    key = hashlib.sha256(("confirm-email:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return hashlib.blake2b(email.strip().lower().encode(), key=key, digest_size=8).hexdigest()


def confirmation_token(user: User) -> str:
    """The sign-up link's token: the user id and a keyed hash of the address, never the address."""
    return _serializer("confirm-email").dumps({"u": user.id, "h": email_digest(user.email)})


def _token_matches(user: User, data: dict) -> bool:
    if "h" in data:
        return hmac.compare_digest(str(data["h"]), email_digest(user.email))
    return user.email == data.get("e")  # a link sent before tokens stopped carrying the address


def confirm_email(token: str) -> User:
    try:
        data = _serializer("confirm-email").loads(token, max_age=CONFIRM_MAX_AGE_S)
    except (BadSignature, SignatureExpired):
        raise InvalidInput("That confirmation link is not valid or has expired.", field="token") from None
    user = db.session.get(User, data.get("u"))
    if user is None or not _token_matches(user, data):
        raise InvalidInput("That confirmation link is not valid or has expired.", field="token")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = datetime.now(UTC)
        db.session.flush()
    return user


def reset_token(user: User) -> str:
    return _serializer("reset-password").dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset(token: str) -> User:
    try:
        data = _serializer("reset-password").loads(token, max_age=RESET_MAX_AGE_S)
    except (BadSignature, SignatureExpired):
        raise InvalidInput("That reset link is not valid or has expired.", field="token") from None
    user = db.session.get(User, data.get("u"))
    if user is None or data.get("f") != _fingerprint(user):
        raise InvalidInput("That reset link is not valid or has expired.", field="token")
    return user


# ------------------------------------------------------------------ the current actor


def current_actor():
    """Who is acting: the bearer token's user, else the signed-in user, else ANONYMOUS.

    Everything that checks a permission takes its user from here.
    """
    if bearer_secret() is not None:
        return bearer_actor()
    user = current_user
    if user is not None and getattr(user, "is_authenticated", False):
        return user._get_current_object() if hasattr(user, "_get_current_object") else user
    return ANONYMOUS


login_manager = LoginManager()
login_manager.login_view = "web_accounts.sign_in"
login_manager.login_message = "Sign in to see that page."
login_manager.session_protection = "basic"
login_manager.anonymous_user = AnonymousActor


def session_id(user_id: int, epoch: int) -> str:
    return f"{user_id}.{epoch}"


def parse_session_id(value: str) -> tuple[int, int] | None:
    """(account id, epoch) from a session's id, or None. A bare id is from before epochs: epoch 0."""
    head, _, epoch = str(value).partition(".")
    try:
        return int(head), int(epoch) if epoch else 0
    except ValueError:
        return None


@login_manager.user_loader
def _load_user(user_id: str):
    parsed = parse_session_id(user_id)
    if parsed is None:
        return None
    user = db.session.get(User, parsed[0])
    if user is None or not user.is_active or (user.session_epoch or 0) != parsed[1]:
        return None  # unknown, deactivated, or a session ended by signing out (or a new password)
    return user


def end_sessions(user: User) -> None:
    """Sign the account out everywhere: every session that carries the current epoch stops working."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_epoch=User.session_epoch + 1))
    db.session.refresh(user, ["session_epoch"])


def _can_now(action: str, target=None) -> bool:
    """In templates: {% if can("asset.edit", asset) %} for the current actor."""
    return permissions.can(current_actor(), action, target)


def init_app(app):
    from govuk_frontend_wtf.main import wtforms_errors

    login_manager.init_app(app)
    permissions.use_actor_source(current_actor)

    @app.before_request
    def forget_previous_actor():
        # Requests inside one app context (the test client within a test's context)
        # share `g`: each request finds its own user afresh.
        g.pop("_login_user", None)
        g.pop("bearer_actor", None)
    app.add_template_global(wtforms_errors)
    app.add_template_global(current_actor)
    app.add_template_global(_can_now, "can")
    assert set(STORED_ROLES) <= set(ROLES)

"""API tokens: how a council's systems act through the API for one officer (``Authorization: Bearer``).

A token belongs to one officer and one authority; its secret is shown once and only its SHA-256
is stored. It stops working when revoked, when the officer is deactivated, or when the officer
moves to another authority. `bearer_actor` is the request's user by token (accounts.current_actor
asks it first). Domain code flushes; the request commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from flask import g, request
from sqlalchemy import DateTime, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db
from .actors import ANONYMOUS
from .errors import InvalidInput, NotFound

TOKEN_PREFIX = "car_"


class ApiToken(db.Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    authority_code: Mapped[str] = mapped_column(ForeignKey("authority.code"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))  # the first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # "User" is resolved by name: accounts.py imports this module, not the other way round.
    user: Mapped["User"] = relationship()  # noqa: F821


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user's authority. The secret is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Enter a name for the token, like 'Estates system'.", field="name")
    if user.authority_code is None:
        raise InvalidInput("Only an officer of an authority can create API tokens.", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, authority_code=user.authority_code, name=name[:100],
                     token_hash=_hash_secret(secret), hint=secret[:10])
    db.session.add(token)
    db.session.flush()
    return token, secret


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"There is no token {token_id}.")
    return token


def revoke_api_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        db.session.flush()


def user_for_bearer(secret: str):
    """The user a live token acts for, if the token is still valid for their authority."""
    if not secret:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if not user.is_active or user.authority_code != token.authority_code:
        return None
    token.last_used_at = datetime.now(UTC)
    return user


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def bearer_actor():
    """The user of a valid `Authorization: Bearer` token on this request, else ANONYMOUS."""
    if "bearer_actor" not in g:
        user = user_for_bearer(bearer_secret() or "")
        g.bearer_actor = user if user is not None else ANONYMOUS
    return g.bearer_actor

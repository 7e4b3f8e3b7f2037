"""Idempotent writes: the first answer to a request, kept with the write it made.

A client that retries a write (a timeout, a dropped connection, a double click) sends the
same key again: ``Idempotency-Key`` on the API, the form's CSRF token on pages. ``claim``
inserts the key in the request's own transaction, so it commits (with its stored answer,
``save``) exactly when the write does, or not at all. A second request with the key:

- waits, if the first is still running (PostgreSQL holds the unique key until it ends);
- gets the first answer back (``Stored``), if the first committed;
- goes ahead as if new, if the first failed (its claim was rolled back with it);
- is refused (``KeyReused``), if the key comes with a different request.

Keys are kept for ``KEEP_HOURS`` and then swept.
"""

import random
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import bindparam

from . import db

KEEP_HOURS = 24


@dataclass(frozen=True)
class Stored:
    status: int | None  # None: a claim whose answer was not kept (shown as "already sent")
    headers: dict
    body: bytes | None


class KeyReused(Exception):
    """The same key with a different request."""


def claim(scope: str, key: str, fingerprint: str) -> Stored | None:
    """None if this request is the first with the key (go ahead); else the first request's answer."""
    if random.random() < 0.005:
        sweep()
    first = db.session.execute(text(
        "INSERT INTO idempotency_key (scope, key, fingerprint) VALUES (:scope, :key, :fingerprint) "
        "ON CONFLICT (scope, key) DO NOTHING RETURNING true"),
        {"scope": scope, "key": key, "fingerprint": fingerprint}).scalar()
    if first:
        return None
    row = db.session.execute(text(
        "SELECT fingerprint, status, headers, body FROM idempotency_key WHERE scope = :scope AND key = :key"),
        {"scope": scope, "key": key}).one()
    if row.fingerprint != fingerprint:
        raise KeyReused(key)
    return Stored(row.status, dict(row.headers or {}), bytes(row.body) if row.body is not None else None)


def save(scope: str, key: str, status: int, headers: dict, body: bytes | None) -> None:
    """Keep the answer with the claim (same transaction as the write)."""
    db.session.execute(text(
        "UPDATE idempotency_key SET status = :status, headers = :headers, body = :body "
        "WHERE scope = :scope AND key = :key").bindparams(bindparam("headers", type_=JSONB)),
        {"scope": scope, "key": key, "status": status, "headers": headers, "body": body})


def release(scope: str, key: str) -> None:
    """Drop a claim of this request (it made nothing), so the same request may be sent again."""
    db.session.execute(text("DELETE FROM idempotency_key WHERE scope = :scope AND key = :key"),
                       {"scope": scope, "key": key})


def sweep() -> int:
    return db.session.execute(text(
        "DELETE FROM idempotency_key WHERE created_at < now() - make_interval(hours => :hours)"),
        {"hours": KEEP_HOURS}).rowcount

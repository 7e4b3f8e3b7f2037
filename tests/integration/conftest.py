"""Fixtures for people: users of each role, signing in, CSRF tokens, a real SMTP server.

    user = make_user("council_officer", authority_code="E08000035")
    sign_in(client, user)                # a session as that user (no form)
    client.post(url, data={..., "csrf_token": csrf_token(client)})
    smtp.messages                        # emails the app sent, as email.message.Message
"""

import re
import socket
import time
from email import message_from_bytes
from itertools import count

import pytest

from registry import accounts, db

PASSWORD = "correct horse battery"
_serial = count(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port; keeps every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def wait_for(self, n: int = 1, timeout_s: float = 5.0):
        deadline = time.monotonic() + timeout_s
        while len(self.messages) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def last_body(self) -> str:
        message = self.messages[-1]
        payload = message.get_payload(decode=True) if not message.is_multipart() else \
            message.get_payload(0).get_payload(decode=True)
        return payload.decode()

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.last_body())


@pytest.fixture()
def smtp(app, monkeypatch):
    sink = SmtpSink()
    sink.controller.start()
    settings = app.config["SETTINGS"]
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", sink.port)
    try:
        yield sink
    finally:
        sink.controller.stop()


def _authority_codes() -> list[str]:
    from sqlalchemy import text

    return [row[0] for row in db.session.execute(
        text("SELECT authority_code FROM asset GROUP BY authority_code ORDER BY count(*) DESC, 1 LIMIT 2"))]


@pytest.fixture()
def two_authorities(db_session) -> tuple[str, str]:
    """Two authorities that own demo assets: (ours, theirs)."""
    codes = _authority_codes()
    assert len(codes) == 2, "the demo data should hold assets of at least two authorities"
    return codes[0], codes[1]


_password_hashes: dict[str, str] = {}


@pytest.fixture()
def make_user(db_session, monkeypatch):
    real_hash = accounts.hash_password

    def cached_hash(password: str) -> str:  # argon2 is slow on purpose; tests hash each password once
        if password not in _password_hashes:
            _password_hashes[password] = real_hash(password)
        return _password_hashes[password]

    monkeypatch.setattr(accounts, "hash_password", cached_hash)

    def make(*roles, authority_code=None, organisation_ids=(), email=None, name=None, password=PASSWORD):
        n = next(_serial)
        stored = [r for r in roles if r in accounts.STORED_ROLES]
        user = accounts.create_user(email or f"person{n}.{time.time_ns()}@example.org", password,
                                    name or f"Test Person {n}", roles=stored, authority_code=authority_code,
                                    confirmed=True)
        for organisation_id in organisation_ids:
            accounts.add_membership(user, organisation_id)
        # Into the test's outer transaction (still rolled back at the end), so a
        # request that fails and rolls back its own work keeps the user.
        db.session.commit()
        return user

    return make


def sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # with its session epoch (migration 0024)
        session["_fresh"] = True


def sign_out(client) -> None:
    with client.session_transaction() as session:
        session.clear()


def add_package_postcodes(rows) -> None:
    """Postcodes of the ONS package (`places.iter_postcode_rows` rows) into this test's transaction, for areas
    the test database does not hold."""
    from sqlalchemy import text

    db.session.execute(text(
        "INSERT INTO postcode (compact, postcode, district_code, point) "
        "SELECT c, p, d, ST_SetSRID(ST_MakePoint(x, y), 4326) FROM unnest(CAST(:c AS text[]), CAST(:p AS text[]), "
        "CAST(:d AS text[]), CAST(:x AS float8[]), CAST(:y AS float8[])) AS t(c, p, d, x, y) "
        "ON CONFLICT (compact) DO NOTHING"),
        {"c": [r[1] for r in rows], "p": [r[0] for r in rows], "d": [r[2] for r in rows],
         "x": [r[3] for r in rows], "y": [r[4] for r in rows]})


def csrf_token(client) -> str:
    """A CSRF token valid for this client's session (read from a page with a form)."""
    html = client.get("/reset-password").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_step(client, url, data=None):
    """POST a case step; when the page shows the text it will publish, confirm it as a person would.

    Published text is shown before it is saved (issue 12): the first POST answers the preview.
    """
    response = client.post(url, data=data)
    match = re.search(r'name="confirm_publication" value="([^"]+)"', response.get_data(as_text=True))
    if response.status_code == 200 and match:
        if hasattr(data, "add"):
            data = data.copy()
            data.add("confirm_publication", match.group(1))
        else:
            data = {**(data or {}), "confirm_publication": match.group(1)}
        response = client.post(url, data=data)
    return response

"""Secrets and hosts: start-up refusal without a secret, email links from PUBLIC_BASE_URL, same-site `next`,
failed sign-ins audited, and a 503 (never a stack trace) when the database is away."""

import os
import re
import socket
import subprocess
import sys

import orjson
import pytest
from sqlalchemy import text

from registry import audit, db, security
from registry.web.accounts import is_same_site_path
from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.conftest import test_settings as make_settings
from tests.integration.conftest import PASSWORD, csrf_token

# ---------------------------------------------------------------- start-up refusal


def _start(env_overrides: dict) -> subprocess.CompletedProcess:
    """Import app.py (what gunicorn does) in a fresh process with exactly these settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "PUBLIC_BASE_URL", "FLASK_DEBUG", "FLASK_APP")}
    env.update({"DATABASE_URL": TEST_DATABASE_URL, "TILE_URL": ""}, **env_overrides)
    return subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_the_app_refuses_to_start_without_a_secret_key():
    result = _start({"PUBLIC_BASE_URL": "https://registry.example.gov.uk"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == \
        "SECRET_KEY is not set: refusing to start (bin/serve keeps one in .secret_key)."
    assert "Traceback" not in result.stderr


def test_the_app_refuses_to_start_without_a_public_base_url():
    result = _start({"SECRET_KEY": "k" * 64})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("PUBLIC_BASE_URL is not set: refusing to start")


def test_the_app_starts_with_both_and_in_debug_without_them():
    assert _start({"SECRET_KEY": "k" * 64, "PUBLIC_BASE_URL": "https://registry.example.gov.uk"}).returncode == 0
    assert _start({"FLASK_DEBUG": "1"}).returncode == 0


# ---------------------------------------------------------------- host-header poisoning


def test_a_reset_request_with_a_forged_host_links_to_the_public_base_url(app, client, smtp, make_user,
                                                                        monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "public_base_url", "https://registry.example.gov.uk")
    user = make_user()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    form = client.get("/reset-password", headers=forged).get_data(as_text=True)  # the session cookie is per host
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post("/reset-password", data={"email": user.email, "csrf_token": token}, headers=forged)
    assert response.status_code == 200
    smtp.wait_for(1)
    links = smtp.links()
    assert len(links) == 1
    assert links[0].startswith("https://registry.example.gov.uk/reset-password/")
    assert "evil.example" not in smtp.last_body()


# ---------------------------------------------------------------- open redirects

OFF_SITE = [
    "//evil.example", "//evil.example/path", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
    "/%2Fevil.example", "/%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "%5C%5Cevil.example",
    "/%5cevil.example", "/%252Fevil.example", "/%255Cevil.example", "%252F%252Fevil.example",
    "https://evil.example", "http:evil.example", "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example",
    "%09/evil.example", "/%09/evil.example", " //evil.example", "evil.example", "", "///evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_refuses_anything_that_can_leave_the_site(target):
    assert is_same_site_path(target) is False


@pytest.mark.parametrize("target", ["/account", "/cases/3?tab=history", "/search?q=a%20b", "/assets/12#map"])
def test_next_accepts_paths_on_this_site(target):
    assert is_same_site_path(target) is True


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "\\\\evil.example", "/%2Fevil.example",
                                    "%5C%5Cevil.example", "/%5Cevil.example", "/%252F/evil.example"])
def test_signing_in_with_an_off_site_next_lands_on_the_account_page(client, make_user, target):
    user = make_user()
    response = client.post("/sign-in", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_signing_in_with_a_same_site_next_goes_there(client, make_user):
    user = make_user()
    response = client.post("/sign-in", query_string={"next": "/cases?state=open"},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases?state=open"


# ---------------------------------------------------------------- failed sign-ins


def test_a_failed_sign_in_is_audited_without_the_password(client, make_user):
    user = make_user()
    wrong = "not-the-password-4711"
    response = client.post("/sign-in", data={"email": user.email, "password": wrong,
                                             "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    entries = [e for e in audit.entries_for("user", user.id) if e.action == "account.sign_in_failed"]
    assert len(entries) == 1
    assert entries[0].actor_user_id is None and entries[0].via == "web"
    assert entries[0].detail == {"known_account": True}
    row = db.session.execute(text("SELECT row_to_json(a)::text FROM audit_entry a WHERE id = :id"),
                             {"id": entries[0].id}).scalar()
    assert wrong not in row and user.email not in row


def test_a_failed_sign_in_for_an_unknown_address_is_audited_too(client):
    before = db.session.execute(text(
        "SELECT count(*) FROM audit_entry WHERE action = 'account.sign_in_failed' AND target_id IS NULL")).scalar()
    client.post("/sign-in", data={"email": "nobody.at.all@example.org", "password": "whatever-1234",
                                  "csrf_token": csrf_token(client)})
    after = db.session.execute(text(
        "SELECT count(*) FROM audit_entry WHERE action = 'account.sign_in_failed' AND target_id IS NULL")).scalar()
    assert after == before + 1


# ---------------------------------------------------------------- database away: 503


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture()
def app_without_database(app):
    from registry import create_app

    saved = db._engine
    # The limiter is one object per process: the broken app's init_app points its storage at the closed
    # port too. Put the test app's storage back afterwards, or every later limit fails open (and is logged).
    saved_limits = security.limiter._storage, security.limiter._limiter
    url = f"postgresql+psycopg://registry:registry@127.0.0.1:{_closed_port()}/registry"
    broken = create_app(make_settings(database_url=url))
    try:
        yield broken
    finally:
        security.limiter._storage, security.limiter._limiter = saved_limits
        db._engine.dispose()
        db._engine = saved
        db.SessionFactory.configure(bind=saved)
        db.session.remove()


def test_the_api_answers_503_problem_json_when_the_database_is_away(app_without_database):
    response = app_without_database.test_client().get("/api/collections/assets/items?limit=1")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    body = orjson.loads(response.data)
    assert body["status"] == 503 and body["title"] == "Service unavailable"
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_page_answers_503_when_the_database_is_away(app_without_database):
    response = app_without_database.test_client().get("/authorities")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in html and "Traceback" not in html


def test_without_a_public_base_url_a_forged_host_still_never_reaches_an_email(app, client, smtp, make_user,
                                                                             monkeypatch):
    """Testing/debug only (production refuses to start without it): the development address, not the Host."""
    monkeypatch.setattr(app.config["SETTINGS"], "public_base_url", "")
    user = make_user()
    forged = {"Host": "evil.example"}
    form = client.get("/reset-password", headers=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    client.post("/reset-password", data={"email": user.email, "csrf_token": token}, headers=forged)
    smtp.wait_for(1)
    assert smtp.links()[0].startswith("http://127.0.0.1:5000/reset-password/")


def test_a_nul_byte_is_refused_in_a_form_body_and_in_a_query_string(client):
    # reject_nul_bytes reads the form only when the request has a body (issue 14): a posted form still
    # has its fields checked, naming the field, before any view or CSRF check runs.
    posted = client.post("/sign-in", data={"email": "a\x00b@example.com", "password": "x"})
    assert posted.status_code == 400
    assert "email contains a character that is not allowed." in posted.get_data(as_text=True)
    asked = client.get("/api/collections/assets/items?q=a%00b")
    assert asked.status_code == 400
    assert asked.mimetype == "application/problem+json"
    assert "q contains a character that is not allowed." in asked.get_data(as_text=True)

"""Sign-up with a confirmation email, sign-in, sign-out, password reset, API tokens."""

import re

from sqlalchemy import text

from registry import accounts, audit, db
from tests.integration.conftest import PASSWORD, csrf_token, sign_in


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_sign_up_sends_a_confirmation_email_and_the_link_confirms(client, smtp):
    token = csrf_token(client)
    response = client.post("/sign-up", data={
        "display_name": "Ada Example", "email": "ada.signup@example.org", "password": PASSWORD,
        "password_again": PASSWORD, "csrf_token": token})
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    user = accounts.find_by_email("ada.signup@example.org")
    assert user is not None and user.email_confirmed_at is None
    assert user.password_hash.startswith("$argon2id$")

    smtp.wait_for(1)
    assert smtp.messages[-1]["To"] == "ada.signup@example.org"
    # Not confirmed yet: cannot sign in.
    refused = client.post("/sign-in", data={"email": "ada.signup@example.org", "password": PASSWORD,
                                           "csrf_token": token})
    # Not signed in: a fresh confirmation link is sent instead of a dead end.
    assert refused.status_code == 200 and "Check your email" in refused.get_data(as_text=True)
    assert client.get("/account").status_code == 401
    confirm = client.get(_path(smtp.links()[0]))
    assert confirm.status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None

    signed_in = client.post("/sign-in", data={"email": "Ada.Signup@EXAMPLE.org".replace("Ada.Signup", "ada.signup"),
                                             "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert signed_in.status_code == 302
    assert client.get("/account").status_code == 200
    actions = [e.action for e in audit.entries_for("user", user.id)]
    assert actions == ["account.sign_up", "account.confirm_email", "account.sign_in"]


def test_sign_up_with_a_taken_email_does_not_reveal_it(client, smtp, make_user):
    existing = make_user(email="taken@example.org")
    response = client.post("/sign-up", data={
        "display_name": "Someone", "email": "taken@example.org", "password": PASSWORD,
        "password_again": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    smtp.wait_for(1)
    assert "already" in smtp.messages[-1]["Subject"]
    assert db.session.execute(text("SELECT count(*) FROM user_account WHERE lower(email) = 'taken@example.org'")
                              ).scalar() == 1
    assert existing.id


def test_sign_up_errors_show_in_the_error_summary(client):
    response = client.post("/sign-up", data={"display_name": "", "email": "x@example.org", "password": "short",
                                             "password_again": "other", "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert "Enter your name." in html and "Password must be 10 characters or more." in html


def test_sign_up_shows_every_error_at_once_the_email_format_too(client):
    """GOV.UK: every error at once; the email format error used to wait until the other fields were right."""
    response = client.post("/sign-up", data={"display_name": "", "email": "bad", "password": "short",
                                             "password_again": "other", "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = html.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    for message in ("Enter your name.", "Enter an email address in the correct format, like name@example.com.",
                    "Password must be 10 characters or more.", "Passwords must match."):
        assert message in summary
    assert accounts.find_by_email("bad") is None


def _payload(token: str) -> str:
    """The readable part of an itsdangerous token: base64 JSON before the first dot."""
    import base64

    head = token.split(".", 1)[0]
    return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()


def test_the_sign_up_link_does_not_carry_the_email_address(client, smtp):
    client.post("/sign-up", data={"display_name": "Olga Private", "email": "olga.private.zz@example.org",
                                  "password": PASSWORD, "password_again": PASSWORD, "csrf_token": csrf_token(client)})
    smtp.wait_for(1)
    link = smtp.links()[0]
    token = link.rsplit("/confirm/", 1)[1]
    user = accounts.find_by_email("olga.private.zz@example.org")
    payload = _payload(token)
    assert "olga" not in link.lower() and "example.org" not in link
    assert "olga" not in payload.lower() and "@" not in payload
    assert f'"u":{user.id}' in payload
    assert client.get(_path(link)).status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_a_sign_up_link_dies_when_the_address_changes_and_old_links_still_load(app, client, make_user):
    from itsdangerous import URLSafeTimedSerializer

    user = make_user(email="first.address@example.org")
    user.email_confirmed_at = None
    db.session.commit()
    token = accounts.confirmation_token(user)
    user.email = "second.address@example.org"
    db.session.commit()
    dead = client.get(f"/confirm/{token}")
    assert dead.status_code == 400 and "not valid or has expired" in dead.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_confirmed_at is None
    # A link sent before this change (it carried the address itself) still confirms, for its 3 days.
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="confirm-email").dumps(
        {"u": user.id, "e": "second.address@example.org"})
    assert client.get(f"/confirm/{old}").status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_wrong_password_is_refused(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": "wrong password!",
                                             "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert client.get("/account").status_code == 401  # still signed out


def test_password_reset_by_emailed_link_works_once(client, smtp, make_user):
    user = make_user()
    response = client.post("/reset-password", data={"email": user.email, "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    smtp.wait_for(1)
    link = _path(smtp.links()[0])
    new_password = "a brand new password"
    changed = client.post(link, data={"password": new_password, "password_again": new_password,
                                      "csrf_token": csrf_token(client)})
    assert changed.status_code == 302
    assert accounts.authenticate(user.email, new_password) is not None
    # The link cannot be used twice.
    again = client.post(link, data={"password": "yet another password", "password_again": "yet another password",
                                    "csrf_token": csrf_token(client)})
    assert again.status_code == 400
    assert accounts.authenticate(user.email, new_password) is not None


def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, smtp):
    response = client.post("/reset-password", data={"email": "nobody@example.org", "csrf_token": csrf_token(client)})
    assert response.status_code == 200 and "If there is an account" in response.get_data(as_text=True)
    assert smtp.messages == []


def test_sign_out_needs_a_post_with_csrf(client, make_user):
    user = make_user()
    sign_in(client, user)
    assert client.post("/sign-out").status_code == 400  # no CSRF token
    assert client.get("/account").status_code == 200
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client)}).status_code == 302
    assert client.get("/account").status_code == 401  # signed out


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_session_cookie_from_before_signing_out_no_longer_signs_anyone_in(app, client, make_user):
    # A map tile sent before signing out answers after it with the old cookie refreshed (tests/browser
    # test_acv_flow's flake): on a shared computer the next person would be the one who just left.
    user = make_user()
    sign_in(client, user)
    assert client.get("/account").status_code == 200
    stale = _session_cookie(client)
    other_device = app.test_client()
    other_device.set_cookie("session", stale)
    assert other_device.get("/account").status_code == 200  # the same account on a second device
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client)}).status_code == 302
    late = app.test_client()
    late.set_cookie("session", stale)  # the cookie a late answer would put back
    assert late.get("/account").status_code == 401
    assert other_device.get("/account").status_code == 401  # signed out everywhere, as the page says
    sign_in(client, user)  # signing in again works, with a session of the new epoch
    assert client.get("/account").status_code == 200


def test_a_new_password_ends_the_sessions_the_old_one_opened(app, client, make_user):
    user = make_user()
    sign_in(client, user)
    stale = _session_cookie(client)
    accounts.set_password(user, "a-brand-new-password-42")
    db.session.flush()
    replay = app.test_client()
    replay.set_cookie("session", stale)
    assert replay.get("/account").status_code == 401


def test_session_ids_carry_the_epoch_and_old_ones_read_as_epoch_zero():
    assert accounts.session_id(17, 3) == "17.3"
    assert accounts.parse_session_id("17.3") == (17, 3)
    assert accounts.parse_session_id("17") == (17, 0)  # a session from before migration 0024
    assert accounts.parse_session_id("x.1") is None
    assert accounts.parse_session_id("17.y") is None


def test_session_cookie_is_http_only_and_lax(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD,
                                             "csrf_token": csrf_token(client)})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session: it expires


def test_officer_creates_and_revokes_an_api_token(client, make_user, two_authorities):
    ours, _ = two_authorities
    officer = make_user("council_officer", authority_code=ours)
    sign_in(client, officer)
    response = client.post("/account/tokens", data={"name": "Estates system", "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    secret = re.search(r'id="new-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    token = accounts.tokens_of(officer)[0]
    assert token.authority_code == ours
    assert token.token_hash != secret and secret not in token.token_hash
    assert accounts.user_for_bearer(secret).id == officer.id

    revoke = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client)})
    assert revoke.status_code == 302
    assert accounts.user_for_bearer(secret) is None


def test_a_citizen_cannot_create_tokens_nor_revoke_anothers(client, make_user, two_authorities):
    officer = make_user("council_officer", authority_code=two_authorities[0])
    token, secret = accounts.create_api_token(officer, "System")
    db.session.commit()
    citizen = make_user()
    sign_in(client, citizen)
    assert client.post("/account/tokens", data={"name": "x", "csrf_token": csrf_token(client)}).status_code == 403
    assert client.post(f"/account/tokens/{token.id}/revoke",
                       data={"csrf_token": csrf_token(client)}).status_code == 403
    assert accounts.user_for_bearer(secret) is not None


def test_audit_log_refuses_update_and_delete(db_session, make_user):
    import pytest
    from sqlalchemy.exc import DBAPIError

    user = make_user()
    entry = audit.record(user, "test.write", "user", user.id, {"n": 1})
    for statement in ("UPDATE audit_entry SET action = 'x' WHERE id = :id", "DELETE FROM audit_entry WHERE id = :id"):
        # The app role has no UPDATE or DELETE on the log at all (the trigger stops even the owner:
        # tests/integration/test_db_roles.py).
        with pytest.raises(DBAPIError, match="permission denied for table audit_entry"), db.session.begin_nested():
            db.session.execute(text(statement), {"id": entry.id})
    assert db.session.execute(text("SELECT action FROM audit_entry WHERE id = :id"),
                              {"id": entry.id}).scalar() == "test.write"


def test_security_headers_and_csp_nonce(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    assert f'nonce="{nonce}"' in html
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in csp


def test_csp_allows_the_configured_tile_host():
    from registry.security import content_security_policy, tile_source

    assert tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://*.tile.openstreetmap.org"
    assert "https://tiles.example.gov.uk" in content_security_policy(
        "n", "https://tiles.example.gov.uk/{z}/{x}/{y}.png")


def test_rate_limit_on_sign_in_when_enabled(make_user, db_session):
    from registry import create_app
    from tests.conftest import test_settings

    limited = create_app(test_settings(rate_limits_enabled=True))
    client = limited.test_client()
    token = csrf_token(client)
    statuses = [client.post("/sign-in", data={"email": "a@example.org", "password": "x", "csrf_token": token}
                            ).status_code for _ in range(12)]
    assert 429 in statuses
    assert client.get("/sign-in").status_code == 200  # showing the form is never limited


def test_signing_in_before_confirming_sends_a_fresh_link(client, db_session, smtp):
    from registry import accounts

    accounts.create_user("late.confirmer@example.org", "a long enough password 1", "Late Confirmer")
    db_session.commit()
    response = client.post("/sign-in", data={"email": "late.confirmer@example.org",
                                             "password": "a long enough password 1",
                                             "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    smtp.wait_for(1)
    assert any("Confirm your email address" in m["Subject"] for m in smtp.messages)
    wrong = client.post("/sign-in", data={"email": "late.confirmer@example.org", "password": "wrong password 123",
                                          "csrf_token": csrf_token(client)})
    assert wrong.status_code == 400


def test_demo_accounts_include_council_staff_and_group_representatives(app, db_session):
    result = app.test_cli_runner().invoke(args=["users", "demo", "--password", "demo password 12345"])
    assert result.exit_code == 0, result.output
    officer = accounts.find_by_email("council.officer.e08000035@demo.example")
    assert officer is not None and officer.authority_code == "E08000035" and "council_officer" in officer.roles
    rep = accounts.find_by_email("group.rep.1@demo.example")
    assert rep is not None and rep.organisation_ids and "community_group_rep" in rep.roles
    again = app.test_cli_runner().invoke(args=["users", "demo", "--password", "demo password 12345"])
    assert again.exit_code == 0 and again.output.startswith("0 demo users created")


# ------------------------------------------------------------------ no dead end for a newcomer: next= kept through sign-up


def test_a_sign_in_required_page_offers_to_create_an_account_that_brings_you_back(client):
    response = client.get("/account?tab=tokens")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    offer = re.search(r'id="no-account-yet">No account yet\? <a class="govuk-link" href="([^"]+)">Create an account</a>',
                      html)
    assert offer and offer.group(1) == "/sign-up?next=/account?tab%3Dtokens"
    assert 'href="/sign-in?next=/account?tab%3Dtokens">Sign in</a>' in html


def test_sign_up_keeps_next_through_the_email_link_to_sign_in_and_back(client, smtp):
    page = client.get("/sign-up", query_string={"next": "/organisations/new"}).get_data(as_text=True)
    assert 'href="/sign-in?next=/organisations/new">Sign in</a>' in page
    response = client.post("/sign-up?next=/organisations/new", data={
        "display_name": "Nia Newcomer", "email": "nia.next@example.org", "password": PASSWORD,
        "password_again": PASSWORD, "csrf_token": csrf_token(client)})
    assert "Check your email" in response.get_data(as_text=True)
    smtp.wait_for(1)
    link = _path(smtp.links()[0])
    assert link.endswith("?next=/organisations/new")
    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.location == "/sign-in?next=/organisations/new"
    signed_in = client.post(confirmed.location, data={"email": "nia.next@example.org", "password": PASSWORD,
                                                      "csrf_token": csrf_token(client)})
    assert signed_in.status_code == 302 and signed_in.location == "/organisations/new"


def test_the_sign_in_page_passes_next_to_create_an_account(client):
    html = client.get("/sign-in", query_string={"next": "/cases/7"}).get_data(as_text=True)
    assert 'href="/sign-up?next=/cases/7">Create an account</a>' in html


def test_a_next_to_another_host_is_dropped_on_the_way_through_sign_up(client, smtp):
    page = client.get("/sign-up", query_string={"next": "//evil.example/x"}).get_data(as_text=True)
    assert "evil.example" not in page
    client.post("/sign-up?next=/%5Cevil.example", data={
        "display_name": "Eve Elsewhere", "email": "eve.next@example.org", "password": PASSWORD,
        "password_again": PASSWORD, "csrf_token": csrf_token(client)})
    smtp.wait_for(1)
    link = _path(smtp.links()[0])
    assert "next" not in link and "evil" not in smtp.last_body()
    # A hand-made confirmation link with a bad next goes to the plain sign-in page.
    confirmed = client.get(link + "?next=https://evil.example/")
    assert confirmed.status_code == 302 and confirmed.location == "/sign-in"


def test_a_refused_post_offers_sign_in_back_to_the_page_it_came_from(client):
    # A signed-out person asks to join a group from the right's page: the POST's own address cannot be
    # opened again after signing in, so next is the page the form was on.
    response = client.post("/organisations/1/join", data={"csrf_token": csrf_token(client)},
                           headers={"Referer": "http://localhost/rights/acv/who-can-use"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'href="/sign-up?next=/rights/acv/who-can-use">Create an account</a>' in html
    assert 'href="/sign-in?next=/rights/acv/who-can-use">Sign in</a>' in html


def test_a_refused_post_from_another_site_offers_plain_sign_in(client):
    response = client.post("/organisations/1/join", data={"csrf_token": csrf_token(client)},
                           headers={"Referer": "https://evil.example/rights/acv/who-can-use"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'href="/sign-up">Create an account</a>' in html and "evil" not in html

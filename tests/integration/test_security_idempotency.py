"""Idempotent writes: an API write retried with the same Idempotency-Key makes one record and gets the
first answer back; the same key with another body is a 422 problem; a form sent twice makes one record."""

import threading

import orjson
import pytest
from sqlalchemy import text

from registry import accounts, db
from tests.integration.conftest import csrf_token, sign_in

ITEMS = "/api/collections/assets/items"


@pytest.fixture()
def officer(make_user, two_authorities):
    return make_user("council_officer", authority_code=two_authorities[0])


@pytest.fixture()
def bearer(officer):
    _, secret = accounts.create_api_token(officer, "idempotency")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def hall(reference: str, name: str = "Retry Hall") -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5491, 53.8008]},
            "properties": {"reference": reference, "name": name, "asset_type": "community_centre"}}


def count_reference(reference: str) -> int:
    return db.session.execute(text("SELECT count(*) FROM asset WHERE reference = :r"), {"r": reference}).scalar()


def test_an_api_create_retried_with_the_same_key_makes_one_record(client, bearer):
    headers = {**bearer, "Idempotency-Key": "create-7f3a"}
    first = client.post(ITEMS, json=hall("IDEM-1"), headers=headers)
    assert first.status_code == 201, first.get_data(as_text=True)
    retry = client.post(ITEMS, json=hall("IDEM-1"), headers=headers)
    assert retry.status_code == 201
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.get_data() == first.get_data()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count_reference("IDEM-1") == 1


def test_without_a_key_a_second_create_is_a_second_request(client, bearer):
    """The control: the same body twice without a key reaches the view twice (here: a duplicate reference)."""
    assert client.post(ITEMS, json=hall("IDEM-2"), headers=bearer).status_code == 201
    second = client.post(ITEMS, json=hall("IDEM-2"), headers=bearer)
    assert second.status_code != 201 and "Idempotent-Replayed" not in second.headers
    assert count_reference("IDEM-2") == 1


def test_the_same_key_with_a_different_body_is_a_422_problem(client, bearer):
    headers = {**bearer, "Idempotency-Key": "create-reused"}
    assert client.post(ITEMS, json=hall("IDEM-3"), headers=headers).status_code == 201
    other = client.post(ITEMS, json=hall("IDEM-3B", "Other Hall"), headers=headers)
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert orjson.loads(other.data)["invalid_param"] == "Idempotency-Key"
    assert count_reference("IDEM-3B") == 0


def test_a_patch_retried_returns_the_first_answer_and_changes_once(client, bearer):
    created = client.post(ITEMS, json=hall("IDEM-4"), headers=bearer)
    asset_id = int(created.headers["Location"].rsplit("/", 1)[1])
    headers = {**bearer, "Idempotency-Key": "patch-1"}
    body = {"type": "Feature", "properties": {"name": "Renamed Once"}}
    assert client.patch(f"{ITEMS}/{asset_id}", json=body, headers=headers).status_code == 204
    assert client.patch(f"{ITEMS}/{asset_id}", json=body, headers=headers).status_code == 204
    patches = db.session.execute(text(
        "SELECT count(*) FROM audit_entry WHERE action = 'asset.patch' AND target_id = :id"),
        {"id": str(asset_id)}).scalar()
    assert patches == 1


def test_a_refused_write_is_not_remembered(client, bearer):
    """A 4xx keeps nothing: fixing the body and retrying with the same key does the write."""
    headers = {**bearer, "Idempotency-Key": "fix-and-retry"}
    bad = hall("IDEM-5")
    bad["geometry"] = None
    assert client.post(ITEMS, json=bad, headers=headers).status_code == 400
    assert client.post(ITEMS, json=hall("IDEM-5"), headers=headers).status_code == 201
    assert count_reference("IDEM-5") == 1


def test_a_key_is_the_users_own(client, bearer, make_user, two_authorities):
    """Another officer's request with the same key is theirs: not a replay of ours."""
    other = make_user("council_officer", authority_code=two_authorities[0])
    _, secret = accounts.create_api_token(other, "other")
    db.session.commit()
    assert client.post(ITEMS, json=hall("IDEM-6"), headers={**bearer, "Idempotency-Key": "shared"}).status_code == 201
    theirs = client.post(ITEMS, json=hall("IDEM-6B"), headers={"Authorization": f"Bearer {secret}",
                                                                "Idempotency-Key": "shared"})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers


def test_a_bad_key_is_refused_naming_the_header(client, bearer):
    response = client.post(ITEMS, json=hall("IDEM-7"), headers={**bearer, "Idempotency-Key": "x" * 300})
    assert response.status_code == 400
    assert orjson.loads(response.data)["invalid_param"] == "Idempotency-Key"
    assert count_reference("IDEM-7") == 0


def test_two_concurrent_retries_make_one_record(app, live_server):
    """Two clients send the same keyed write at the same moment to a real server: one record, same answer.

    The live server cannot see a test transaction, so this test commits its officer and cleans up after.
    """
    import http.client
    import time

    with app.app_context():
        authority = db.session.execute(text(
            "SELECT authority_code FROM asset GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
        officer = accounts.create_user(f"idem.{time.time_ns()}@example.org", "correct horse battery",
                                       "Idem Officer", roles=["council_officer"], authority_code=authority,
                                       confirmed=True)
        token, secret = accounts.create_api_token(officer, "concurrent")
        db.session.commit()
        officer_id, token_id = officer.id, token.id
        db.session.remove()
    reference = f"IDEM-C-{officer_id}"
    port = int(live_server.url.rsplit(":", 1)[1])
    body = orjson.dumps(hall(reference))
    barrier, answers = threading.Barrier(2), []

    def send():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        connection.request("POST", ITEMS, body=body, headers={"Authorization": f"Bearer {secret}",
                                                              "Idempotency-Key": f"concurrent-{officer_id}",
                                                              "Content-Type": "application/geo+json"})
        response = connection.getresponse()
        answers.append((response.status, response.getheader("Location")))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        try:
            found = db.session.execute(text("SELECT count(*) FROM asset WHERE reference = :r"),
                                       {"r": reference}).scalar()
        finally:
            db.session.execute(text("DELETE FROM asset WHERE reference = :r"), {"r": reference})
            db.session.execute(text("UPDATE api_token SET revoked_at = now() WHERE id = :id"), {"id": token_id})
            db.session.execute(text("UPDATE user_account SET active = false WHERE id = :id"), {"id": officer_id})
            db.session.commit()
            db.session.remove()
    assert found == 1
    assert [a[0] for a in answers] == [201, 201] and answers[0][1] == answers[1][1]


# ---------------------------------------------------------------- forms


def test_a_form_sent_twice_makes_one_record(client, officer):
    sign_in(client, officer)
    form = {"reference": "IDEM-FORM-1", "name": "Double Click Hall", "asset_type": "community_centre",
            "condition": "fair", "occupancy": "vacant", "surplus_status": "surplus", "geometry_format": "bng",
            "geometry": "430000, 433000\n430100, 433000\n430100, 433100\n430000, 433100",
            "confirm_location": "y",  # a Leeds site for this officer's council: its location confirmed
            "csrf_token": csrf_token(client)}
    first = client.post("/assets/new", data=form)
    second = client.post("/assets/new", data=form)  # the same rendered form, sent again
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count_reference("IDEM-FORM-1") == 1


def test_an_api_token_form_sent_twice_makes_one_token(client, make_user, two_authorities):
    officer = make_user("council_officer", authority_code=two_authorities[0])
    sign_in(client, officer)
    form = {"name": "Double click token", "csrf_token": csrf_token(client)}
    first = client.post("/account/tokens", data=form)
    second = client.post("/account/tokens", data=form)
    assert first.status_code == 200
    assert second.status_code == 409 and "already sent this form" in second.get_data(as_text=True)
    tokens = db.session.execute(text("SELECT count(*) FROM api_token WHERE user_id = :u AND name = :n"),
                                {"u": officer.id, "n": "Double click token"}).scalar()
    assert tokens == 1
    # The secret shown on the first answer is not kept anywhere for the replay.
    secret_kept = db.session.execute(text("SELECT count(*) FROM idempotency_key WHERE body IS NOT NULL "
                                          "AND position(CAST(:hint AS bytea) IN body) > 0"),
                                     {"hint": accounts.TOKEN_PREFIX}).scalar()
    assert secret_kept == 0

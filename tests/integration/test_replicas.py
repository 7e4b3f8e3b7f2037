"""Read replicas through the app (registry/replicas.py): which server served what, and the fall-backs.

CI has no standby, so the "replica" is a second engine on the same test database under its own
application_name (``replica_must_be_standby=False``). The server's own pg_stat_activity says which
connections exist; statement counters on each engine say which one a request used. The replica does not
see the test's uncommitted rows, which is exactly the gap read-your-own-writes must cover.
"""

import logging
import uuid

import pytest
from sqlalchemy import event, text

from registry import create_app, db, replicas
from registry.replicas import WRITTEN_LSN_KEY, ReplicaState, parse_lsn
from tests.conftest import TEST_DATABASE_URL, owner_engine
from tests.conftest import test_settings as settings_for_tests
from tests.integration.conftest import csrf_token, sign_in

ITEMS = "/api/collections/assets/items?limit=3"


def _replica_app(url: str, **overrides):
    """A second app with one replica; the test's session stays bound to its rolled-back transaction."""
    settings = settings_for_tests(database_replica_urls=(url,), replica_must_be_standby=False,
                                  replica_check_seconds=3600, **overrides)
    bound = dict(db.SessionFactory.kw)
    application = create_app(settings)  # db.init_app binds the session factory to the engine again
    db.SessionFactory.configure(**bound)
    return application


@pytest.fixture()
def application_name():
    return f"registry_replica_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture()
def replica_app(app, db_session, application_name):
    application = _replica_app(f"{TEST_DATABASE_URL}?application_name={application_name}")
    yield application
    application.extensions["replicas"].dispose()


class StatementCounter:
    """Statements each engine sent to the server, by name ('primary', 'replica1')."""

    def __init__(self, targets):
        self.counts = {target.name: 0 for target in targets}
        self._hooks = []
        for target in targets:
            def count(conn, cursor, statement, parameters, context, executemany, name=target.name):
                self.counts[name] += 1
            event.listen(target.engine, "before_cursor_execute", count)
            self._hooks.append((target.engine, count))

    def reset(self):
        for name in self.counts:
            self.counts[name] = 0

    def remove(self):
        for engine, hook in self._hooks:
            event.remove(engine, "before_cursor_execute", hook)


@pytest.fixture()
def counter(replica_app):
    replica_set = replica_app.extensions["replicas"]
    replica_set.refresh()  # probe now, so the counts below are the requests' own statements
    counting = StatementCounter([replica_set.primary, *replica_set.replicas])
    yield counting
    counting.remove()


def connections_named(application_name: str) -> int:
    with owner_engine().connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                                  {"name": application_name}).scalar()


def test_a_public_read_is_served_by_the_replica(replica_app, counter, application_name):
    replica_app.extensions["replicas"].dispose()  # no pooled connection yet: the server will show the request's
    assert connections_named(application_name) == 0
    response = replica_app.test_client().get(ITEMS, headers={"Accept": "application/geo+json"})
    assert response.status_code == 200
    assert len(response.get_json()["features"]) == 3  # the committed demo assets, read on the replica
    assert counter.counts["replica1"] >= 1 and counter.counts["primary"] == 0
    assert connections_named(application_name) >= 1  # the server saw the replica's own connection


def test_private_pages_and_token_requests_stay_on_the_primary(replica_app, counter, make_user, two_authorities):
    client = replica_app.test_client()
    sign_in(client, make_user("council_officer", authority_code=two_authorities[0]))
    counter.reset()
    assert client.get("/assets/new").status_code == 200  # a form page (takes POST): not a public read
    assert counter.counts["primary"] >= 1 and counter.counts["replica1"] == 0
    counter.reset()
    replica_app.test_client().get(ITEMS, headers={"Authorization": "Bearer not-a-real-token"})
    assert counter.counts["primary"] >= 1 and counter.counts["replica1"] == 0


def test_a_read_that_writes_nothing_leaves_no_mark(replica_app, counter):
    client = replica_app.test_client()
    client.get("/sign-in")
    with client.session_transaction() as session:
        assert WRITTEN_LSN_KEY not in session


def test_a_person_reads_their_own_write_from_the_primary_until_the_replica_has_replayed_it(
        replica_app, counter, make_user, two_authorities):
    replica_set = replica_app.extensions["replicas"]
    officer = make_user("council_officer", authority_code=two_authorities[0])
    client = replica_app.test_client()
    sign_in(client, officer)
    response = client.post("/assets/new", data={
        "reference": "REPLICA-1", "name": "Replica Test Hall", "asset_type": "community_centre",
        "condition": "fair", "occupancy": "vacant", "surplus_status": "surplus", "geometry_format": "bng",
        "geometry": "430000, 433000\n430100, 433000\n430100, 433100\n430000, 433100",
        "confirm_location": "y", "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    asset_url = "/assets/" + response.headers["Location"].split("/assets/")[1].split("/")[0]
    with client.session_transaction() as session:
        written = parse_lsn(session[WRITTEN_LSN_KEY])
    assert written is not None and written > 0
    with owner_engine().connect() as outside:  # still only in the test's transaction, never committed
        assert outside.execute(text("SELECT count(*) FROM asset WHERE name = 'Replica Test Hall'")).scalar() == 0

    # The replica is healthy (0.5 s behind, inside the 5 s bound) but has not replayed the write yet.
    replica_set.probe_replica = lambda target, primary_lsn: ReplicaState(
        reachable=True, standby=True, replay_lsn=written - 1, replay_age_s=0.5, primary_lsn=written + 100)
    replica_set.refresh()
    counter.reset()
    own = client.get(asset_url)
    assert own.status_code == 200 and "Replica Test Hall" in own.get_data(as_text=True)
    assert counter.counts["primary"] >= 1 and counter.counts["replica1"] == 0

    # Anyone else is served by the replica, which does not have the new asset yet.
    counter.reset()
    assert replica_app.test_client().get(asset_url).status_code == 404
    assert counter.counts["replica1"] >= 1 and counter.counts["primary"] == 0

    # Once the replica has replayed the write, the officer's public reads go to it again. (Here every
    # request shares the test's one transaction, which has a transaction id since the write, so each of
    # the officer's requests on the primary moved the mark on: the replica must reach the latest one.)
    with client.session_transaction() as session:
        latest = parse_lsn(session[WRITTEN_LSN_KEY])
    assert latest >= written
    replica_set.probe_replica = lambda target, primary_lsn: ReplicaState(
        reachable=True, standby=True, replay_lsn=latest, replay_age_s=0.5, primary_lsn=latest + 100)
    replica_set.refresh()
    counter.reset()
    assert client.get(ITEMS).status_code == 200
    assert counter.counts["replica1"] >= 1 and counter.counts["primary"] == 0


def test_a_lagging_replica_is_skipped(replica_app, counter, caplog):
    replica_set = replica_app.extensions["replicas"]
    replica_set.probe_replica = lambda target, primary_lsn: ReplicaState(
        reachable=True, standby=True, replay_lsn=1, replay_age_s=42.0, primary_lsn=2)
    with caplog.at_level(logging.WARNING, logger="registry.replicas"):
        replica_set.refresh()
    assert "replica1 skipped" in caplog.text and "replay lag 42.0 s > 5 s" in caplog.text
    caplog.clear()
    replica_set.probe_replica = lambda target, primary_lsn: ReplicaState(
        reachable=True, standby=True, replay_lsn=1, replay_age_s=43.0, primary_lsn=2)
    with caplog.at_level(logging.WARNING, logger="registry.replicas"):
        replica_set.refresh()
    assert caplog.text == ""  # still skipped for the same cause: logged once, not at every probe
    counter.reset()
    assert replica_app.test_client().get(ITEMS).status_code == 200
    assert counter.counts["primary"] >= 1 and counter.counts["replica1"] == 0


def test_an_unreachable_replica_falls_back_to_the_primary_and_is_logged(app, db_session, caplog):
    with caplog.at_level(logging.WARNING, logger="registry.replicas"):
        application = _replica_app("postgresql://registry:registry@127.0.0.1:1/nowhere")
        try:
            replica_set = application.extensions["replicas"]
            counting = StatementCounter([replica_set.primary, *replica_set.replicas])
            response = application.test_client().get(ITEMS)
            counting.remove()
        finally:
            application.extensions["replicas"].dispose()
    assert response.status_code == 200 and len(response.get_json()["features"]) == 3
    assert counting.counts["primary"] >= 1 and counting.counts["replica1"] == 0
    assert "read replica replica1 skipped, reads go to the primary: unreachable" in caplog.text


def test_a_replica_that_dies_after_its_probe_is_found_on_connect(app, db_session, caplog):
    application = _replica_app("postgresql://registry:registry@127.0.0.1:1/nowhere")
    replica_set = application.extensions["replicas"]
    # The last probe said healthy: the replica went away since.
    replica_set.probe_replica = lambda target, primary_lsn: ReplicaState(
        reachable=True, standby=True, replay_lsn=10, replay_age_s=0.1, primary_lsn=10)
    replica_set.refresh()
    try:
        with caplog.at_level(logging.WARNING, logger="registry.replicas"):
            response = application.test_client().get(ITEMS)
        assert response.status_code == 200 and len(response.get_json()["features"]) == 3
        assert "replica1 failed on connect" in caplog.text
        assert replica_set.states()[0][1].reachable is False  # skipped until its next probe
    finally:
        replica_set.dispose()


def test_without_replicas_every_read_is_the_primary(client):
    assert client.get(ITEMS).status_code == 200
    with client.application.test_request_context(ITEMS):
        assert replicas.read_target().name == "primary"
        assert replicas.read_target().engine is db.engine()

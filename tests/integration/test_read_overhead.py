"""A public read's fixed cost (issue 14): an anonymous GET does the answer's work and nothing else.

These run on the app's real short path for public reads (registry/db.py: pooled psycopg
connections in autocommit), so they use the session-wide `app` with its session bound to the
engine, not the `db_session` fixture (which binds every statement to a test transaction). They
only read the base data the test run loads.

The statements a read sends are the change counter (the validator, registry/web/caching.py) and
the answer's own; counted from both sides: the short path's read listener and every SQLAlchemy
engine in the process (the ORM's, the rate limiter's own), so a user lookup, a rate-limit upsert,
a BEGIN/COMMIT or a second counter read would each show.
"""

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from registry import db

# One of each kind of public read, with the statements each sends (worked from the views:
# the counter for the ETag, then the search; the text search adds its count).
READS = [
    ("/api/conformance", ["map_version"]),
    ("/api/collections/assets/items?near=-1.5491,53.8008&radius=2000", ["map_version", "search"]),
    ("/api/collections/assets/items?nearest=-1.5491,53.8008&limit=10", ["map_version", "search"]),
    ("/api/collections/assets/items?bbox=-1.60,53.78,-1.50,53.82&limit=100", ["map_version", "search"]),
    ("/api/collections/assets/items?q=library", ["map_version", "search", "count"]),
    ("/tiles/assets/14/8121/5274.mvt", ["map_version", "tile"]),
    # The search page: the place look-up (places.search_places) is a short-path read too, so the page
    # opens no transaction (it was an ORM statement, which made BEGIN and COMMIT round trips).
    ("/search?q=library", ["map_version", "places", "search", "count"]),
    # The map's search box: a postcode and a postcode district, each one short-path read.
    ("/api/places?q=eh1%201yz", ["map_version", "postcode"]),
    ("/api/places?q=LS10", ["map_version", "postcode district"]),
]


@pytest.fixture()
def limited(app, monkeypatch):
    """Rate limits on, as in production (the tests' settings turn them off)."""
    monkeypatch.setattr(app.config["SETTINGS"], "rate_limits_enabled", True)
    return app


@pytest.fixture()
def statements():
    """Every statement sent, from the short path ('read') and from any SQLAlchemy engine ('engine')."""
    sent: list[tuple[str, str]] = []

    def on_engine(conn, cursor, statement, parameters, context, executemany):
        sent.append(("engine", statement))

    def on_read(statement, parameters):
        sent.append(("read", statement))

    event.listen(Engine, "before_cursor_execute", on_engine)
    db.on_read(on_read)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", on_engine)
        db.off_read(on_read)


@pytest.mark.parametrize("url, expected", READS)
def test_an_anonymous_read_sends_only_the_counter_and_its_answer(limited, statements, url, expected):
    client = limited.test_client()
    client.get(url, headers={"Accept": "application/json"})  # warm: pools open, prepared
    statements.clear()
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert [source for source, _ in statements] == ["read"] * len(expected)
    assert "map_version" in statements[0][1]
    assert sum("map_version" in sql for _, sql in statements) == 1


@pytest.mark.parametrize("url", [url for url, _ in READS])
def test_an_anonymous_read_makes_no_orm_session(limited, url):
    # Committing an unused session still built a Session and a SessionTransaction every request.
    begun = []

    def on_create(session, transaction):
        begun.append(transaction)

    event.listen(db.SessionFactory, "after_transaction_create", on_create)
    try:
        with limited.app_context():
            response = limited.test_client().get(url, headers={"Accept": "application/json"})
            made = db.session.registry.has()
    finally:
        event.remove(db.SessionFactory, "after_transaction_create", on_create)
    assert response.status_code == 200
    assert begun == []
    assert made is False


@pytest.mark.parametrize("url", [url for url, _ in READS])
def test_an_anonymous_read_sets_no_cookie_and_is_public(limited, url):
    response = limited.test_client().get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert response.headers["ETag"].startswith('W/"')

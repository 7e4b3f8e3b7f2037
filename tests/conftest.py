"""Shared fixtures: a real PostgreSQL + PostGIS test database, migrated once.

Integration tests run inside a transaction that is rolled back at the end
(SQLAlchemy's "joining a Session into an external transaction"). Browser tests
hit a live server that cannot see that transaction: they commit and clean up
after themselves.

Two roles, as in production: migrations, the base-data load and clean-ups
that need trigger control run as the owner (TEST_DATABASE_OWNER_URL, by
default the same URL with the registry_owner role); the app under test runs
as the app role (TEST_DATABASE_URL), with only its grants.

The test database holds, once per machine, the postcodes of the demo areas
and the demo assets (fixtures/demo.py): the same world the demo app shows.
"""

import os
import threading
from pathlib import Path

import pytest
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from werkzeug.serving import make_server

from registry import create_app, db
from registry.config import Settings, normalise_database_url

# Property tests state what holds, not how fast: no per-example deadline (a loaded CI machine is slow).
hypothesis_settings.register_profile("registry", deadline=None)
hypothesis_settings.load_profile("registry")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_DATABASE_URL = normalise_database_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql://registry:registry@127.0.0.1:5432/registry_test")
)
DEMO_ASSETS_PER_COUNCIL = 150
DEMO_WARDS = Path(ROOT) / "fixtures" / "samples" / "boundaries" / "leeds_wards_wd19.geojson"


def _owner_url_for(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(username="registry_owner", password="registry_owner").render_as_string(
        hide_password=False)


TEST_DATABASE_OWNER_URL = normalise_database_url(
    os.environ.get("TEST_DATABASE_OWNER_URL") or _owner_url_for(TEST_DATABASE_URL)
)


def test_settings(**overrides) -> Settings:
    settings = Settings(
        database_url=TEST_DATABASE_URL,
        secret_key="test-secret-key",
        tile_url="",
        testing=True,
        rate_limits_enabled=False,
        smtp_port=int(os.environ.get("TEST_SMTP_PORT", "8025")),
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


def migrate(database_url: str, app_role: str | None = None) -> None:
    """Migrate as `database_url`'s role (the owner), then grant `app_role` its rights (migrations/env.py)."""
    config = AlembicConfig(os.path.join(ROOT, "alembic.ini"))
    config.set_main_option("script_location", os.path.join(ROOT, "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["app_role"] = app_role or ""
    alembic_command.upgrade(config, "head")


_owner_engine = None


def owner_engine():
    """An engine as the owner role: for clean-ups the app role may not do (append-only rows, TRUNCATE)."""
    global _owner_engine
    if _owner_engine is None:
        from sqlalchemy import create_engine

        _owner_engine = create_engine(TEST_DATABASE_OWNER_URL, pool_size=2)
    return _owner_engine


def ensure_base_data() -> None:
    """Postcodes of the demo areas, districts and demo assets, committed once."""
    from fixtures import demo
    from registry import places

    if not db.session.execute(text("SELECT EXISTS (SELECT 1 FROM postcode)")).scalar():
        places.load_postcodes(demo.DEMO_POSTCODE_AREAS)
        places.load_authorities()
        db.session.commit()
    if not db.session.execute(text("SELECT EXISTS (SELECT 1 FROM place)")).scalar():
        # Place names (GeoNames), councils, and the demo's official ward extract (Leeds).
        places.import_boundary_file(DEMO_WARDS, "ward")
        places.load_gazetteer()
        db.session.commit()
    if not db.session.execute(text("SELECT EXISTS (SELECT 1 FROM asset)")).scalar():
        demo.load(per_council=DEMO_ASSETS_PER_COUNCIL)
        db.session.commit()
    from registry import basemap

    if not basemap.land_loaded():  # the base map's land (/tiles/base)
        basemap.load_land()
        db.session.commit()


@pytest.fixture(scope="session")
def app():
    from registry import grants

    migrate(TEST_DATABASE_OWNER_URL, grants.role_of(TEST_DATABASE_URL))
    loader = create_app(test_settings(database_url=TEST_DATABASE_OWNER_URL))  # the bulk load: owner role
    with loader.app_context():
        ensure_base_data()
        db.session.remove()
    db.engine().dispose()
    application = create_app(test_settings())
    return application


@pytest.fixture()
def db_session(app):
    """A session whose every write is rolled back when the test ends.

    The test and the app share this session. Commit a test's set-up before
    making requests: it only releases a savepoint (the outer transaction is
    still rolled back), and a request that fails rolls back to it.
    """
    connection = db.engine().connect()
    outer = connection.begin()
    # The register's change counter moves at COMMIT (a deferred trigger, migration 0015); this
    # transaction never commits, so let it move at the end of each statement instead.
    connection.execute(text("SET CONSTRAINTS register_change_commit IMMEDIATE"))
    db.SessionFactory.configure(bind=connection, join_transaction_mode="create_savepoint")
    db.session.remove()
    try:
        with app.app_context():
            yield db.session
    finally:
        db.session.remove()
        outer.rollback()
        connection.close()
        db.SessionFactory.configure(bind=db.engine())


@pytest.fixture()
def client(app, db_session):
    return app.test_client()


# ---------------------------------------------------------------- browser


class LiveServer:
    def __init__(self, application):
        self.server = make_server("127.0.0.1", 0, application, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, live_server):
    """A fresh page that records console errors and every host it asked for."""
    context = browser.new_context(base_url=live_server.url)
    new_page = context.new_page()
    new_page.console_errors = []
    new_page.requested_urls = []
    new_page.on("console", lambda m: m.type == "error" and new_page.console_errors.append(m.text))
    new_page.on("pageerror", lambda e: new_page.console_errors.append(str(e)))
    new_page.on("request", lambda r: new_page.requested_urls.append(r.url))
    yield new_page
    context.close()

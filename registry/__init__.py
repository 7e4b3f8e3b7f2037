"""The app factory: settings, database, extensions, blueprints, error handlers, CLI."""

import importlib
import logging
from datetime import timedelta

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import db
from .config import Settings
from .errors import register_error_handlers

# Each module named here exposes a Blueprint called `bp`.
BLUEPRINT_MODULES = [
    "registry.web.home",
    "registry.web.assets",
    "registry.web.maps",
    "registry.web.deadlines",
    "registry.web.clawback",
    "registry.web.accounts",
    "registry.web.admin",
    "registry.web.cases",
    "registry.web.registers",
    "registry.web.transfers",
    "registry.web.alerts",
    "registry.api.ogc",
    "registry.api.places",
    "registry.api.maps",
    "registry.api.tiles",
    "registry.api.deadlines",
    "registry.api.clawback",
    "registry.api.cases",
    "registry.api.registers",
    "registry.api.transfers",
    "registry.api.assets_write",
    "registry.web.asset_edit",
    "registry.web.organisations",
    "registry.web.imports",
    "registry.api.imports",
    "registry.web.dashboards",
    "registry.api.dashboards",
    "registry.web.rights",
    "registry.api.rights",
    "registry.web.support",
]


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route: ids beyond PostgreSQL's integer range are simply not found (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=2**31 - 1 if max is None else max,
                         signed=signed)


def _serving() -> bool:
    """True unless a `flask` CLI command other than `run` is loading the app (gunicorn, flask run, tests)."""
    import click

    context = click.get_current_context(silent=True)
    if context is None:
        return True
    return context.command is not None and context.command.name == "run"


def _cli_only() -> bool:
    """True while the `flask` CLI loads the app to find a command (its own commands finish the setup).

    `flask run`, `flask routes` and `flask shell` need the routes at once; gunicorn and tests have no
    click context and always get the whole app.
    """
    import click

    context = click.get_current_context(silent=True)
    if context is None:
        return False
    return context.command is None or context.command.name not in ("run", "routes", "shell")


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    from_environment = settings is None
    settings = settings or Settings.from_environment()
    for key, value in overrides.items():
        setattr(settings, key, value)
    if from_environment and _serving():
        # The server's own start (gunicorn, flask run): code that passes its Settings (tests, benchmarks) decides.
        settings.check_for_production()  # SystemExit with one line if SECRET_KEY/PUBLIC_BASE_URL are missing
    elif not settings.secret_key:
        import secrets

        settings.secret_key = secrets.token_hex(32)  # a CLI command (migrations, loads): no sessions to keep

    app = Flask(__name__, template_folder="../templates", static_folder="static")
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        TESTING=settings.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_lifetime_minutes),
        JSON_SORT_KEYS=False,
    )
    logging.basicConfig(level=logging.INFO)

    db.init_app(app, settings.database_url)
    from . import replicas

    # Right after the database: the choice of server comes before any before_request that queries.
    replicas.init_app(app, settings, public_read=_cacheable_endpoint)
    from .workflow import rules

    rules.configure(settings.period_overrides, closure_days=settings.local_closure_days,
                    closure_rules=settings.closure_day_rules)
    from . import scottish_reports

    scottish_reports.classification_table(settings.sh_classification_overrides)  # a typo stops start-up

    from . import static_files

    static_files.init_app(app)  # WhiteNoise: fingerprinted, compressed, a year's cache
    register_error_handlers(app)

    from .web import templating

    templating.init_app(app)

    if _cli_only():
        # Only the command list is needed yet (`flask --help` answers in well under 1.5 s): the web
        # layer, which imports shapely, numpy, folium and the workflow, is set up when a command runs.
        app.extensions["registry.finish_setup"] = lambda: _web_layer(app)
    else:
        _web_layer(app)

    from . import cli

    cli.init_app(app)
    return app


def _cacheable_endpoint(app: Flask, endpoint: str | None) -> bool:
    # Imported when first asked (a request), not at start-up: `flask --help` stays fast.
    from .web import caching

    return caching.cacheable_endpoint(app, endpoint)


def _web_layer(app: Flask) -> None:
    """Sessions, caching, security, the blueprints and every process's permissions."""
    from . import accounts, security
    from .web import caching

    accounts.init_app(app)
    caching.init_app(app)  # between the two: it needs the actor, and has the last word on headers
    security.init_app(app)

    from .api import idempotent

    idempotent.init_app(app)  # after the CSRF check and the limits; its answer is kept before the commit

    for module_name in BLUEPRINT_MODULES:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp)

    # Each process declares its permissions when its module loads: load them all
    # now, so no worker meets a view that names an action it has not seen yet.
    from .workflow import engine

    engine.all_processes()

"""Command-line tasks. Each command commits once at the end, or not at all."""

import sys
import time
from pathlib import Path

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from . import db

ROOT = Path(__file__).resolve().parent.parent

db_cli = AppGroup("db", help="Database migrations.")
places_cli = AppGroup("places", help="The postcode gazetteer and districts.")
demo_cli = AppGroup("demo", help="Demo data.")
assets_cli = AppGroup("assets", help="The asset register.")
cases_cli = AppGroup("cases", help="The statutory clocks: automatic steps and reminders (run daily).")


def alembic_config() -> AlembicConfig:
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = current_app.config["SETTINGS"].database_url
    return config


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Apply migrations up to REVISION (default: head)."""
    alembic_command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision):
    alembic_command.downgrade(alembic_config(), revision)


@db_cli.command("check")
def db_check():
    """Fail if the models declare anything the migrations do not create."""
    alembic_command.check(alembic_config())


@db_cli.command("current")
def db_current():
    alembic_command.current(alembic_config())


def commit_or_rollback(work):
    try:
        result = work()
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise


@places_cli.command("load")
@click.option("--areas", help="Only these postcode areas, comma-separated (e.g. LS,EH,CF).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the gazetteer is already loaded.")
def places_load(areas, if_empty):
    """Load the ONS postcode directory and derive approximate district boundaries."""
    from . import places

    if if_empty and db.session.execute(text("SELECT EXISTS (SELECT 1 FROM postcode)")).scalar():
        click.echo("Postcodes already loaded.")
        return
    area_set = {a.strip().upper() for a in areas.split(",")} if areas else None
    started = time.monotonic()

    def work():
        count = places.load_postcodes(area_set, progress=lambda n: click.echo(f"  {n:,} postcodes…"))
        click.echo(f"Loaded {count:,} postcodes in {time.monotonic() - started:.0f}s; deriving districts…")
        districts = places.load_authorities()
        click.echo(f"{districts} districts with approximate boundaries.")

    commit_or_rollback(work)


@places_cli.command("import-boundaries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def places_import_boundaries(path):
    """Replace approximate district boundaries with official ONS ones (GeoJSON, WGS84)."""
    import json

    from . import places

    with open(path, encoding="utf-8-sig") as handle:
        collection = json.load(handle)
    count = commit_or_rollback(lambda: places.import_official_boundaries(collection))
    click.echo(f"{count} district boundaries imported from {path}.")


@demo_cli.command("load")
@click.option("--per-council", default=400, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing if there are assets already.")
def demo_load(per_council, seed, if_empty):
    """Believable demo assets at real postcodes in several councils."""
    from fixtures import demo

    if if_empty and db.session.execute(text("SELECT EXISTS (SELECT 1 FROM asset)")).scalar():
        click.echo("Demo data already loaded.")
        return
    count = commit_or_rollback(lambda: demo.load(per_council=per_council, seed=seed))
    click.echo(f"Loaded {count:,} demo assets.")


@assets_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--authority", help="Owning authority (GSS code or name), for rows whose file does not say.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows even if some are invalid.")
@click.option("--crs", type=click.Choice(["auto", "4326", "27700", "29903"]), default="auto", show_default=True)
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False),
              help="A column -> field map (CSV of two columns, JSON or YAML) that overrides the standard names.")
def assets_import(path, authority, skip_bad_rows, crs, mapping_path):
    """Import assets: CSV/TSV, XLSX/ODS, GeoJSON, GeoPackage, zipped Shapefile or KML."""
    from . import imports
    from .errors import InvalidInput

    try:
        report = imports.import_file(
            Path(path), default_authority=authority, skip_bad_rows=skip_bad_rows, crs=crs, mapping=mapping_path,
            progress=lambda done, total: click.echo(f"  {done:,} of {total:,} rows checked…", err=True),
        )
    except InvalidInput as error:
        raise click.UsageError(error.detail) from None
    click.echo(report.describe(), err=True)
    for rejected in report.rejected:
        click.echo(f"rejected: {rejected.text}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning.text}", err=True)
    if report.written:
        db.session.commit()
        click.echo(report.outcome())
    else:
        db.session.rollback()
        click.echo(report.outcome(), err=True)
        sys.exit(1)


def _as_of(value: str | None):
    from datetime import date

    from .uktime import today_uk

    return date.fromisoformat(value) if value else today_uk()


def _mail_context():
    """A request context for links in emails (PUBLIC_BASE_URL), as a CLI job has no request."""
    return current_app.test_request_context(base_url=current_app.config["SETTINGS"].public_base_url or None)


@cases_cli.command("run-clocks")
@click.option("--today", help="Run as if on this UK date (YYYY-MM-DD); default: today in the UK.")
def cases_run_clocks(today):
    """Take every automatic step whose time has come, then email the parties.

    A step that ends a right runs only once the period's last day has ended in the UK: a run on
    day D ends a period whose last day is D-1 or earlier. Commits once, then sends the emails.
    """
    from .workflow import engine, notify

    notify.collect()
    try:
        done = commit_or_rollback(lambda: engine.run_clocks(_as_of(today)))
    except Exception:
        notify.discard_queued()
        raise
    with _mail_context():
        sent = notify.send_queued()
    for reference, action in done:
        click.echo(f"{reference}: {action}")
    click.echo(f"{len(done)} step(s) taken; {sent} email(s) sent.")


@cases_cli.command("send-reminders")
@click.option("--today", help="Run as if on this UK date (YYYY-MM-DD); default: today in the UK.")
@click.option("--days-ahead", default=7, show_default=True, help="Remind when the last day is this close.")
def cases_send_reminders(today, days_ahead):
    """Email each group, once, about each of its deadlines whose last day is within the window (daily)."""
    from .workflow import notify

    with _mail_context():
        sent = commit_or_rollback(lambda: notify.send_reminders(_as_of(today), days_ahead))
    click.echo(f"{sent} reminder(s) sent.")


def init_app(app):
    for group in (db_cli, places_cli, demo_cli, assets_cli, cases_cli):
        app.cli.add_command(group)
    from .transfers_cli import transfers_cli

    app.cli.add_command(transfers_cli)
    from .acv_cli import acv_cli

    app.cli.add_command(acv_cli)

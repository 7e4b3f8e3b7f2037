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
@click.option("--authority", help="Owning authority GSS code, for files that do not say.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows even if some are invalid.")
@click.option("--crs", type=click.Choice(["auto", "4326", "27700"]), default="auto", show_default=True)
def assets_import(path, authority, skip_bad_rows, crs):
    """Import assets from CSV (lon/lat or easting/northing) or GeoJSON."""
    from . import imports

    report = imports.import_file(
        Path(path), default_authority=authority, skip_bad_rows=skip_bad_rows, crs=crs,
        progress=lambda done, total: click.echo(f"  {done:,} of {total:,} rows checked…", err=True),
    )
    click.echo(report.describe(), err=True)
    for rejected in report.rejected:
        click.echo(f"row {rejected.row}: {rejected.field}: {rejected.message}", err=True)
    if report.written:
        db.session.commit()
        click.echo(report.summary())
    else:
        db.session.rollback()
        click.echo(report.summary(), err=True)
        sys.exit(1)


def init_app(app):
    for group in (db_cli, places_cli, demo_cli, assets_cli):
        app.cli.add_command(group)
    from .transfers_cli import transfers_cli

    app.cli.add_command(transfers_cli)
    from .basemap_cli import basemap_cli

    app.cli.add_command(basemap_cli)

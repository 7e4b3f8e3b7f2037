"""Command-line tasks. Each command commits once at the end, or not at all."""

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from . import db

ROOT = Path(__file__).resolve().parent.parent

db_cli = AppGroup("db", help="Database migrations.")
places_cli = AppGroup("places", help="The postcode gazetteer and districts.")
demo_cli = AppGroup("demo", help="Demo data.")
assets_cli = AppGroup("assets", help="The asset register.")


def alembic_config():
    from alembic.config import Config as AlembicConfig  # imported when used: `flask --help` stays fast

    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = current_app.config["SETTINGS"].database_url
    return config


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Apply migrations up to REVISION (default: head)."""
    from alembic import command as alembic_command

    alembic_command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision):
    from alembic import command as alembic_command

    alembic_command.downgrade(alembic_config(), revision)


@db_cli.command("check")
def db_check():
    """Fail if the models declare anything the migrations do not create."""
    from alembic import command as alembic_command

    alembic_command.check(alembic_config())


@db_cli.command("current")
def db_current():
    from alembic import command as alembic_command

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
@click.option("--dry-run", is_flag=True, help="Show what the import would do and write nothing.")
@click.option("--retire-missing", is_flag=True,
              help="Mark the authority's assets that are not in this file as withdrawn (never deleted).")
def assets_import(path, authority, skip_bad_rows, crs, dry_run, retire_missing):
    """Import assets from CSV (lon/lat or easting/northing) or GeoJSON."""
    from . import imports
    from .imports import runs

    report = imports.import_file(
        Path(path), default_authority=authority, skip_bad_rows=skip_bad_rows, crs=crs, dry_run=dry_run,
        retire_missing=retire_missing,
        progress=lambda done, total: click.echo(f"  {done:,} of {total:,} rows checked…", err=True),
    )
    click.echo(report.describe(), err=True)
    for rejected in report.rejected:
        click.echo(f"row {rejected.row}: {rejected.field}: {rejected.message}", err=True)
    if report.summary is not None:
        for line in runs.summary_lines(report.summary):
            click.echo(line)
    if report.written:
        run = runs.record_run(report, path=Path(path), actor=None, via="cli", authority_codes=[authority]
                              if authority else None, dry_run=False, retire_missing=retire_missing)
        db.session.commit()
        click.echo(report.closing_line())
        click.echo(f"Import run {run.id}: `flask assets import-report {run.id} --csv` downloads its report.")
        return
    db.session.rollback()
    if dry_run and report.summary is not None:
        click.echo("Dry run: nothing written.")
        return
    # A refused import is recorded too, in a transaction of its own.
    runs.record_run(report, path=Path(path), actor=None, via="cli",
                    authority_codes=[authority] if authority else None, dry_run=False,
                    retire_missing=retire_missing)
    db.session.commit()
    click.echo(report.closing_line(), err=True)
    sys.exit(1)


@assets_cli.command("import-report")
@click.argument("run_id", type=int)
@click.option("--csv", "as_csv", is_flag=True, help="The row report as CSV (to standard output).")
def assets_import_report(run_id, as_csv):
    """Show an import run: its file, counts and row report."""
    from .imports import runs

    run = db.session.get(runs.ImportRun, run_id)
    if run is None:
        click.echo(f"There is no import run {run_id}.", err=True)
        sys.exit(1)
    if as_csv:
        click.echo(runs.report_csv(run), nl=False)
        return
    click.echo(f"Import run {run.id}: {run.file_name} (sha256 {run.sha256}) by {run.actor} via {run.via} "
               f"at {run.started_at:%Y-%m-%d %H:%M:%S %Z}; {'written' if run.written else 'nothing written'}.")
    click.echo(", ".join(f"{count:,} {name}" for name, count in run.counts.items()))


def init_app(app):
    for group in (db_cli, places_cli, demo_cli, assets_cli):
        app.cli.add_command(group)
    from .transfers_cli import transfers_cli

    app.cli.add_command(transfers_cli)

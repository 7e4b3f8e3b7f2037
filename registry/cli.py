"""Command-line tasks. Each command commits once at the end, or not at all."""

import sys
import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import text

from . import db, grants
from .cli_support import CommandGroup, as_owner, audit_load, commit_or_rollback

ROOT = Path(__file__).resolve().parent.parent

db_cli = CommandGroup("db", help="Database migrations.")
places_cli = CommandGroup("places", help="The postcode gazetteer and districts.")
demo_cli = CommandGroup("demo", help="Demo data.")
assets_cli = CommandGroup("assets", help="The asset register.")
cases_cli = CommandGroup("cases", help="The statutory clocks: automatic steps and reminders (run daily).")



def _echo_report(report) -> None:
    """An import's summary, then each rejected row and each warning, to stderr (stdout stays for data)."""
    click.echo(report.describe(), err=True)
    for rejected in report.rejected:
        click.echo(f"rejected: {rejected.text}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning.text}", err=True)

def alembic_config():
    from alembic.config import Config as AlembicConfig  # imported when used: `flask --help` stays fast

    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    settings = current_app.config["SETTINGS"]
    # Migrations run as the owner role; env.py then grants the app role (DATABASE_URL's user) its rights.
    config.attributes["database_url"] = settings.database_owner_url or settings.database_url
    config.attributes["app_role"] = grants.role_of(settings.database_url)
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


@places_cli.command("load")
@click.option("--areas", help="Only these postcode areas, comma-separated (e.g. LS,EH,CF).")
@click.option("--if-empty", is_flag=True, help="Load only what is not loaded yet (postcodes, place names).")
def places_load(areas, if_empty):
    """Load the ONS postcode directory, approximate district boundaries and the place-name gazetteer."""
    from . import places

    postcodes_loaded = db.session.execute(text("SELECT EXISTS (SELECT 1 FROM postcode)")).scalar()
    places_loaded = db.session.execute(text("SELECT EXISTS (SELECT 1 FROM place)")).scalar()
    if if_empty and postcodes_loaded and places_loaded:
        click.echo("Postcodes and place names already loaded.")
        return
    area_set = {a.strip().upper() for a in areas.split(",")} if areas else None
    started = time.monotonic()
    as_owner()

    def work():
        if not (if_empty and postcodes_loaded):
            count = places.load_postcodes(area_set, progress=lambda n: click.echo(f"  {n:,} postcodes…"))
            click.echo(f"Loaded {count:,} postcodes in {time.monotonic() - started:.0f}s; deriving districts…")
            districts = places.load_authorities()
            click.echo(f"{districts} districts with approximate boundaries.")
            audit_load("places.load", "postcode", {"postcodes": count, "districts": districts,
                                                    "areas": sorted(area_set) if area_set else "all"})
        names = places.load_gazetteer()
        click.echo(f"{names:,} towns, villages and other places (GeoNames), with councils, wards and parishes.")

    commit_or_rollback(work)


@places_cli.command("import-boundaries")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(["ward", "parish", "district"]),
              help="What the areas are, when the file's property names do not say (e.g. area_code).")
@click.option("--if-empty", is_flag=True, help="Do nothing if boundaries of this kind are already loaded.")
def places_import_boundaries(path, kind, if_empty):
    """Import official ward, parish or district boundaries (GeoJSON, GeoPackage, Shapefile, KML…; WGS84 or BNG)."""
    from . import places
    from .errors import RegistryError

    file = Path(path)
    if not file.is_file():
        click.echo(f"{path}: there is no such file.", err=True)
        sys.exit(1)
    if if_empty and kind and places.has_boundaries(kind):
        click.echo(f"{kind.capitalize()} boundaries already loaded.")
        return
    as_owner()
    try:
        report = commit_or_rollback(lambda: places.import_boundary_file(file, kind))
    except RegistryError as error:
        click.echo(f"{file.name}: {error.detail}", err=True)
        sys.exit(1)
    plural = {"ward": "wards", "parish": "parishes", "district": "districts"}[report["kind"]]
    click.echo(f"{report['imported']} {plural} imported from {file.name}"
               + (f"; {len(report['skipped'])} features skipped ({report['skipped'][0]}…)."
                  if report["skipped"] else "."))


@demo_cli.command("load")
@click.option("--per-council", default=400, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing if there are assets already.")
@click.option("--cases", is_flag=True,
              help="Also demo cases in every process, made through the workflow (once: never duplicated).")
def demo_load(per_council, seed, if_empty, cases):
    """Believable demo assets at real postcodes in several councils (and, with --cases, demo cases)."""
    from fixtures import demo

    if if_empty and db.session.execute(text("SELECT EXISTS (SELECT 1 FROM asset)")).scalar():
        click.echo("Demo data already loaded.")
        if cases:
            _demo_cases()
        return
    as_owner()

    def work():
        count = demo.load(per_council=per_council, seed=seed)
        audit_load("demo.load", "asset", {"assets": count, "per_council": per_council, "seed": seed})
        return count

    count = commit_or_rollback(work)
    click.echo(f"Loaded {count:,} demo assets.")
    if cases:
        _demo_cases()


def _demo_cases() -> None:
    from fixtures import demo_cases

    from .uktime import today_uk

    def work():
        made = demo_cases.load(today_uk())
        if made:
            audit_load("demo.cases", "case", {"cases": made})
        return made

    made = commit_or_rollback(work)
    click.echo(f"Loaded {made} demo cases." if made else
               "No demo cases added: they are loaded already (or the demo councils have too few assets).")


@assets_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--authority", help="Owning authority (GSS code or name), for rows whose file does not say.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows even if some are invalid.")
@click.option("--crs", type=click.Choice(["auto", "4326", "27700", "29903"]), default="auto", show_default=True)
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False),
              help="A column -> field map (CSV of two columns, JSON or YAML) that overrides the standard names.")
@click.option("--dry-run", is_flag=True, help="Show what the import would do and write nothing.")
@click.option("--retire-missing", is_flag=True,
              help="Mark the authority's assets that are not in this file as withdrawn (never deleted).")
def assets_import(path, authority, skip_bad_rows, crs, mapping_path, dry_run, retire_missing):
    """Import assets: CSV/TSV, XLSX/ODS, GeoJSON, GeoPackage, zipped Shapefile or KML."""
    from . import imports
    from .errors import InvalidInput
    from .imports import runs

    try:
        report = imports.import_file(
            Path(path), default_authority=authority, skip_bad_rows=skip_bad_rows, crs=crs, mapping=mapping_path,
            dry_run=dry_run, retire_missing=retire_missing,
            progress=lambda done, total: click.echo(f"  {done:,} of {total:,} rows checked…", err=True),
        )
    except InvalidInput as error:
        raise click.UsageError(error.detail) from None
    _echo_report(report)
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


@assets_cli.command("bulk-load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--authority", help="Owning authority (GSS code or name), for rows whose file does not say.")
@click.option("--skip-bad-rows", is_flag=True, help="Load the good rows even if some are invalid.")
def assets_bulk_load(path, authority, skip_bad_rows):
    """Initial load of an EMPTY register from a UTF-8 CSV at COPY speed, as the owner role (indexes rebuilt after)."""
    from .errors import InvalidInput
    from .imports import bulk, runs

    as_owner()
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        report = bulk.load_csv(cursor, Path(path).read_bytes(), path=str(path), default_authority=authority,
                               skip_bad_rows=skip_bad_rows)
    except InvalidInput as error:
        db.session.rollback()
        raise click.UsageError(error.detail) from None
    _echo_report(report)
    click.echo(" · ".join(f"{name} {seconds:.1f}s" for name, seconds in report.timings.items()), err=True)
    if not report.written:
        db.session.rollback()
        click.echo(report.closing_line(), err=True)
        sys.exit(1)
    run = runs.record_run(report, path=Path(path), actor=None, via="cli",
                          authority_codes=[authority] if authority else None)
    audit_load("assets.bulk_load", "asset", {"rows": report.inserted, "file": Path(path).name})
    db.session.commit()
    click.echo(f"{report.closing_line()} {report.rows_per_s:,.0f} rows/s.")
    click.echo(f"Import run {run.id}: `flask assets import-report {run.id} --csv` downloads its report.")


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
        from .formats.import_report import report_csv

        click.echo(report_csv(run.report), nl=False)
        return
    click.echo(f"Import run {run.id}: {run.file_name} (sha256 {run.sha256}) by {run.actor} via {run.via} "
               f"at {run.started_at:%Y-%m-%d %H:%M:%S %Z}; {'written' if run.written else 'nothing written'}.")
    click.echo(", ".join(f"{count:,} {name}" for name, count in run.counts.items()))


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
    """Every command group, registered here from each module's commands (the modules never import cli)."""
    from .accounts_cli import users_cli
    from .alerts_cli import alerts_cli
    from .basemap_cli import basemap_cli
    from .support_cli import support_cli
    from .transfers_cli import transfers_cli

    from .acv_cli import acv_cli
    from .imports_cli import imports_cli

    for group in (db_cli, places_cli, demo_cli, assets_cli, cases_cli, users_cli, transfers_cli, basemap_cli,
                  acv_cli, imports_cli, alerts_cli, support_cli):
        app.cli.add_command(group)

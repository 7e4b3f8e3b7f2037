"""`flask acv import FILE --authority GSS [--dry-run]`: a council's list of assets of community value.

The work is `registry.acv_lists.import_list`; this command commits once at the end, or not at all.
"""

from datetime import date
from pathlib import Path

import click

from .cli_support import CommandGroup
from .uktime import today_uk

acv_cli = CommandGroup("acv", help="Assets of community value: import a council's published list.")


@acv_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--authority", "authority", required=True,
              help="The council whose list it is: its GSS code (E09000007), name or planning.data CURIE.")
@click.option("--dry-run", is_flag=True, help="Check and report everything, write nothing.")
@click.option("--today", help="Run as if on this date (YYYY-MM-DD); default: today in the UK.")
def import_command(file, authority, dry_run, today):
    """Import FILE, a council's list of assets of community value (listed and unsuccessful) in its own columns."""
    from . import acv_lists, db
    from .imports.authority_names import resolve

    code = resolve(authority)
    if code is None:
        raise click.BadParameter(f"{authority!r} names no council we know: give its GSS code, like E09000007.",
                                 param_hint="--authority")
    on = date.fromisoformat(today) if today else today_uk()
    try:
        report = acv_lists.import_list(file, authority_code=code, today=on, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:  # written or refused, the run is recorded (who, when, the file and its hash, the row report)
            acv_lists.record_run(report, path=Path(file), actor=None, via="cli")
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)

"""`flask imports work`: the background worker for long imports from the page and the API.

It takes queued uploads one at a time with ``SELECT … FOR UPDATE SKIP LOCKED`` (so several workers
never take the same one), runs each through the same import as `flask assets import`, and commits
once per upload. ``--once`` runs every upload queued now and stops (tests, cron); without it the
loop waits ``--interval`` seconds whenever the queue is empty. bin/serve starts it beside gunicorn.
"""

import time

import click

from .cli_support import CommandGroup

imports_cli = CommandGroup("imports", help="Imports queued from the import page and the API.")


@imports_cli.command("work")
@click.option("--once", is_flag=True, help="Run what is queued now, then stop.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds to wait when idle.")
def work(once, interval):
    """Run queued imports (SELECT … FOR UPDATE SKIP LOCKED), one at a time."""
    from .imports import uploads

    done = 0
    while True:
        upload_id = uploads.work_one()
        if upload_id is not None:
            done += 1
            click.echo(f"Import {upload_id} finished.")
            continue
        if once:
            click.echo(f"{done} queued import(s) run.")
            return
        time.sleep(interval)

"""`flask support purge`: delete signatures of support never confirmed ([U] retention, default 30 days).

Run with the alert job (``bin/serve``'s loop; cron in production): one transaction, one audit line.
"""

from datetime import UTC, datetime

import click
from flask import current_app

from .cli_support import CommandGroup, commit_or_rollback

support_cli = CommandGroup("support", help="Statements of community support: retention of unconfirmed signatures.")


@support_cli.command("purge")
@click.option("--now", help="Run as if at this UTC time (ISO 8601); default: now.")
def purge(now):
    """Delete every signature not confirmed within SUPPORT_UNCONFIRMED_RETENTION_DAYS of its last signing."""
    from . import support_statements as support  # imported when used: `flask --help` stays fast

    at = datetime.fromisoformat(now).replace(tzinfo=UTC) if now else datetime.now(UTC)
    days = current_app.config["SETTINGS"].support_unconfirmed_retention_days
    try:
        deleted = commit_or_rollback(lambda: support.purge_unconfirmed(at, days))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{deleted} unconfirmed signature(s) of support older than {days} days deleted.")

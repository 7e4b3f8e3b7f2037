"""`flask transfers expire` and `flask transfers remind`: the daily monitoring jobs.

Each command commits once at the end, or not at all (registry/cli_support.py `commit_or_rollback`).
"""

from datetime import date

import click

from .cli_support import CommandGroup, commit_or_rollback
from .uktime import today_uk

transfers_cli = CommandGroup("transfers", help="Completed transfers: condition expiry and monitoring reminders.")


def _today(value: str | None) -> date:
    return date.fromisoformat(value) if value else today_uk()


@transfers_cli.command("expire")
@click.option("--today", help="Run as if on this date (YYYY-MM-DD); default: today in the UK.")
def expire(today):
    """Mark active conditions whose period has ended as expired."""
    from . import conditions  # imported when used: `flask --help` stays fast

    expired = commit_or_rollback(lambda: conditions.expire_conditions(_today(today)))
    click.echo(f"{len(expired)} condition(s) expired.")


@transfers_cli.command("remind")
@click.option("--today", help="Run as if on this date (YYYY-MM-DD); default: today in the UK.")
@click.option("--days-ahead", default=14, show_default=True, help="Remind this many days before the date.")
def remind(today, days_ahead):
    """Email community bodies whose annual report or review is due soon."""
    from . import monitoring

    sent = commit_or_rollback(lambda: monitoring.send_reminders(_today(today), days_ahead))
    click.echo(f"{sent} reminder(s) sent.")

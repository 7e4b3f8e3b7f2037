"""`flask transfers expire` and `flask transfers remind`: the daily monitoring jobs.

Each command commits once at the end, or not at all (registry/cli.py `commit_or_rollback`).
"""

from datetime import date

import click
from flask.cli import AppGroup

from . import transfers

transfers_cli = AppGroup("transfers", help="Completed transfers: condition expiry and monitoring reminders.")


def _today(value: str | None) -> date:
    # UK time: a condition's last day ends at midnight in London, not in UTC.
    from .workflow.engine import today_uk

    return date.fromisoformat(value) if value else today_uk()


@transfers_cli.command("expire")
@click.option("--today", help="Run as if on this date (YYYY-MM-DD); default: today (UK time).")
def expire(today):
    """Mark active conditions whose period has ended as expired."""
    from .cli import commit_or_rollback

    expired = commit_or_rollback(lambda: transfers.expire_conditions(_today(today)))
    click.echo(f"{len(expired)} condition(s) expired.")


@transfers_cli.command("remind")
@click.option("--today", help="Run as if on this date (YYYY-MM-DD); default: today (UK time).")
@click.option("--days-ahead", default=14, show_default=True, help="Remind this many days before the date.")
def remind(today, days_ahead):
    """Email community bodies whose annual report or review is due soon."""
    from .cli import commit_or_rollback

    sent = commit_or_rollback(lambda: transfers.send_reminders(_today(today), days_ahead))
    click.echo(f"{sent} reminder(s) sent.")

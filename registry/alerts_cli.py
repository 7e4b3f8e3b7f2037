"""`flask alerts send`: the alert job (cron, at least hourly).

Each subscription is one transaction: lock it (skipping one an overlapping run holds), claim the
alerts due (``alert_sent``'s unique key), send the email, then commit. A refused send rolls the
claim back, so the next run tries again; a claimed alert is never sent by another run.
"""

from datetime import UTC, datetime

import click
from flask import current_app, url_for

from . import db, mail
from .cli_support import CommandGroup

alerts_cli = CommandGroup("alerts", help="Email alerts to subscribers: disposal notices at once, digests otherwise.")


def _send_one(subscription, due: list) -> bool:
    from . import alerts
    from .formats import alerts as alert_formats

    unsubscribe = mail.external_url(url_for("web_alerts.unsubscribe", token=alerts.unsubscribe_token(subscription)))
    feed = mail.external_url(url_for("web_alerts.atom", token=subscription.feed_token)).removesuffix(".atom")
    subject, body = alert_formats.email_text(subscription, due, base=mail.external_url(""),
                                             unsubscribe_url=unsubscribe, feed_url=feed)
    return mail.send(subscription.email, subject, body, headers={
        "List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


@alerts_cli.command("send")
@click.option("--now", help="Run as if at this UTC time (ISO 8601); default: now.")
def send(now):
    """Send every alert that is due, each once: disposal notices on every run, digests when due."""
    from . import alerts  # imported when used: `flask --help` stays fast

    at = datetime.fromisoformat(now).replace(tzinfo=UTC) if now else datetime.now(UTC)
    emails = alerts_sent = failed = 0
    settings = current_app.config["SETTINGS"]
    with current_app.test_request_context(base_url=settings.public_base_url or None):
        for subscription_id in alerts.live_subscription_ids():
            try:
                subscription, due = alerts.due_alerts(subscription_id, at)
                if due and not _send_one(subscription, due):
                    db.session.rollback()  # the claim goes too: the next run tries again
                    failed += 1
                    continue
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            if due:
                emails += 1
                alerts_sent += len(due)
    click.echo(f"{emails} email(s) sent with {alerts_sent} alert(s); {failed} could not be sent.")

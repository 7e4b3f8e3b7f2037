"""Email through the SMTP server named in the settings (SMTP_HOST, SMTP_PORT, MAIL_FROM).

SMTP_HOST=log writes each message to the log instead (bin/serve's default).
Links in emails come from PUBLIC_BASE_URL (``external_url``), never from a request.

Tests run a real local SMTP server (aiosmtpd) and read what was sent.
A failure to send is logged and reported to the caller, never shown raw.
"""

import email.policy
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def send(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bool:
    """Send one plain-text email (with any extra headers, e.g. List-Unsubscribe). False (logged) if refused."""
    settings = current_app.config["SETTINGS"]
    # A List-Unsubscribe URL is one long token: folding it at 78 characters would turn it into
    # RFC 2047 encoded words, which RFC 2369 readers do not decode. SMTP allows 998.
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998)) if headers else EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if settings.smtp_host == "log":
        # Demo and development: no mail server, so the message (and its links) goes to the log.
        log.warning("Email (SMTP_HOST=log) to %s: %s\n%s", to, subject, body)
        return True
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send %r through %s:%s", subject, settings.smtp_host, settings.smtp_port)
        return False
    return True


DEBUG_BASE_URL = "http://127.0.0.1:5000"


def external_url(path: str) -> str:
    """An absolute link for an email, always from PUBLIC_BASE_URL, never from the request's Host header.

    The Host header is whatever the client sent: a forged one would put an attacker's site in a
    password-reset link (host-header poisoning). PUBLIC_BASE_URL is required outside debug and
    testing (the app refuses to start without it); CLI jobs that send mail read it too. In debug
    without it, links point at the development server.
    """
    settings = current_app.config["SETTINGS"]
    base = settings.public_base_url
    if not base:
        if not (settings.debug or settings.testing):
            raise RuntimeError("PUBLIC_BASE_URL is not set: cannot write a link in an email.")
        base = DEBUG_BASE_URL
    return base.rstrip("/") + path

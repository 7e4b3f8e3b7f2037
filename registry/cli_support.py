"""What every CLI command module shares: one commit at the end, bulk loads as the owner role.

The command modules (cli.py, accounts_cli.py, transfers_cli.py, basemap_cli.py) import this; cli.py
registers their groups, so no command module imports another.
"""

from flask import current_app

from . import db


def as_owner() -> None:
    """Bulk loads (TRUNCATE, COPY) run as the owner role (DATABASE_OWNER_URL), which the app never uses."""
    url = current_app.config["SETTINGS"].database_owner_url
    if url:
        db.session.remove()
        db.SessionFactory.configure(bind=db.make_engine(url))


def audit_load(action: str, target_type: str, detail: dict) -> None:
    """An owner-role load leaves an audit row (who ran it is the operating system's business: via=cli)."""
    from . import audit

    audit.record(None, action, target_type, None, detail, via="cli")


def commit_or_rollback(work):
    """Run WORK and commit once, or roll back everything it wrote."""
    try:
        result = work()
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise

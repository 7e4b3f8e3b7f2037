"""What every CLI command module shares: one commit at the end, bulk loads as the owner role.

The command modules (cli.py, accounts_cli.py, transfers_cli.py, basemap_cli.py) import this; cli.py
registers their groups, so no command module imports another.
"""

import functools

from flask import current_app
from flask.cli import AppGroup

from . import db


class CommandGroup(AppGroup):
    """A command group whose commands finish the app's setup (the web layer) when they run.

    Listing and help (`flask --help`, `flask assets import --help`) never run a command's callback,
    so they stay fast; the callback first sets up what `create_app` left for later.
    """

    def command(self, *args, **kwargs):
        if args and callable(args[0]):
            return self.command(*args[1:], **kwargs)(args[0])
        register = super().command(*args, **kwargs)

        def decorator(callback):
            @functools.wraps(callback)
            def run(*call_args, **call_kwargs):
                finish_setup()
                return callback(*call_args, **call_kwargs)

            return register(run)

        return decorator


def finish_setup() -> None:
    """Run the setup `create_app` deferred while the CLI only listed commands (once; a no-op otherwise)."""
    finish = current_app.extensions.pop("registry.finish_setup", None)
    if finish is not None:
        finish()


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

"""Jinja set-up: our templates first, then the GOV.UK Frontend macro packages."""

import secrets
from datetime import date, datetime

from flask import g
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from ..vocabulary import field_label


def same_site_path(url: str | None) -> str | None:
    """The path (and query) of a URL on this site, such as a page's referrer, for a ``next`` link; None for
    another host or anything the sign-in's own check (safe_paths.is_same_site_path) refuses."""
    from urllib.parse import urlsplit

    from flask import request

    from .safe_paths import is_same_site_path

    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != request.host):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if is_same_site_path(path) else None


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app):
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.root_path + "/../templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                          "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.jinja_env.filters["date_words"] = date_words
    app.jinja_env.filters["authority_name"] = authority_name
    app.jinja_env.filters["regime_words"] = regime_words
    app.jinja_env.filters["same_site_path"] = same_site_path
    app.jinja_env.filters["field_label"] = field_label

    @app.context_processor
    def inject_globals():
        settings = app.config["SETTINGS"]
        return {
            "csp_nonce": csp_nonce,
            "tile_url": settings.tile_url,
            "tile_attribution": settings.tile_attribution,
        }


def date_words(value) -> str:
    """A date as people write it, "25 January 2027" (a datetime in UK time; an ISO string is read first).

    Used everywhere a page or an email shows a date to a person: ``{{ value | date_words }}``.
    """
    from ..uktime import LONDON
    from ..workflow.rules import format_date

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = (value.astimezone(LONDON) if value.tzinfo else value).date()
    return format_date(value)


def authority_name(code: str | None) -> str:
    """A council by its everyday name ("Bristol City Council", not "Bristol, City of")."""
    from .. import authorities
    from ..errors import NotFound

    if not code:
        return ""
    try:
        return authorities.get(code).everyday_name
    except NotFound:
        return code


def regime_words(code: str | None) -> str:
    """A case's rules in words: "Localism Act 2011 rules", never the code "LA2011"."""
    from ..workflow.rules import REGIMES

    regime = REGIMES.get(code or "")
    if regime is None:
        return code or ""
    import re

    label = re.sub(r"\s*\(with [^)]*\)$", "", regime.label)
    return re.sub(r", Part \d+$", "", label) + " rules"

"""Jinja set-up: our templates first, then the GOV.UK Frontend macro packages."""

import secrets

from flask import g
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader


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

    @app.context_processor
    def inject_globals():
        settings = app.config["SETTINGS"]
        return {
            "csp_nonce": csp_nonce,
            "tile_url": settings.tile_url,
            "tile_attribution": settings.tile_attribution,
        }

"""The dashboards as JSON: GET /api/dashboard and /api/authorities/<code>/dashboard."""

import orjson
from flask import Blueprint, Response, request

from .. import authorities as authority_register
from .. import dashboards
from ..formats import dashboards as dashboard_formats
from ..permissions import public
from ..workflow import engine

bp = Blueprint("api_dashboards", __name__, url_prefix="/api")


def _answer(authority: str | None) -> Response:
    charts = dashboards.dashboard(engine.today_uk(), authority)
    document = dashboard_formats.document(charts, authority, request.host_url.rstrip("/"))
    return Response(orjson.dumps(document), mimetype="application/json")


@bp.get("/dashboard")
@public
def whole():
    return _answer(None)


@bp.get("/authorities/<code>/dashboard")
@public
def council(code):
    return _answer(authority_register.get(code.upper()).code)

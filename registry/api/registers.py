"""Public registers as JSON: GET /api/registers and /api/registers/<name>[?authority=GSS]."""

import orjson
from flask import Blueprint, Response, request

from .. import authorities as authority_register
from .. import registers
from ..errors import NotFound
from ..permissions import public
from ..workflow import engine

bp = Blueprint("api_registers", __name__, url_prefix="/api")


@bp.get("/registers")
@public
def index():
    base = request.host_url.rstrip("/")
    return Response(orjson.dumps({"registers": [
        {"name": name, "title": title, "json": f"{base}/api/registers/{name}",
         "csv": f"{base}/registers/{name}.csv", "geojson": f"{base}/registers/{name}.geojson"}
        for name, title in registers.REGISTERS.items()
    ]}), mimetype="application/json")


@bp.get("/registers/<name>")
@public
def show(name):
    if name not in registers.REGISTERS:
        raise NotFound(f"There is no register {name!r}. Registers: {', '.join(registers.REGISTERS)}.")
    code = (request.args.get("authority") or "").strip().upper() or None
    if code:
        authority_register.get(code)
    rows = registers.rows_for(name, engine.today_uk(), code)
    columns = registers.COLUMNS[name]
    items = [{**{c: r.get(c) for c in columns}, "status": r.get("status")} for r in rows]
    return Response(orjson.dumps({"register": name, "title": registers.REGISTERS[name], "authority": code,
                                  "count": len(items), "items": items}), mimetype="application/json")

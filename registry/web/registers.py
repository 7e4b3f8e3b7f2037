"""Public registers as pages and downloads: /registers, /registers/<name>[.csv|.geojson]."""

from flask import Blueprint, Response, render_template, request

from .. import authorities as authority_register
from .. import registers
from ..formats import atom, planning_data
from ..errors import NotFound
from ..formats import registers as register_formats
from ..permissions import public
from ..workflow import engine

bp = Blueprint("web_registers", __name__)


def _authority_param() -> str | None:
    code = (request.args.get("authority") or "").strip().upper() or None
    if code is not None:
        authority_register.get(code)  # 404 naming the code
    return code


def _register(name: str, suffix: str = "") -> str:
    """The register called ``name``, or a 404 that names it and links every register there is (as the
    same download: .csv, .geojson)."""
    if name not in registers.REGISTERS:
        kind = {".csv": " as CSV", ".geojson": " as GeoJSON"}.get(suffix, "")
        raise NotFound(f"There is no register called “{name}”{kind}.", choices=[
            {"title": title + kind, "href": f"/registers/{code}{suffix}"} for code, title in registers.REGISTERS.items()])
    return name


@bp.get("/registers")
@public
def index():
    return render_template("registers/index.html", registers=registers.REGISTERS)


@bp.get("/registers/<name>")
@public
def show(name):
    name = _register(name)
    authority = _authority_param()
    rows = registers.rows_for(name, engine.today_uk(), authority)
    return render_template("registers/show.html", name=name, title=registers.REGISTERS[name], rows=rows,
                           authority=authority, authorities=authority_register.all_with_asset_counts())


@bp.get("/registers/<name>.csv")
@public
def csv_download(name):
    name = _register(name, ".csv")
    rows = registers.rows_for(name, engine.today_uk(), _authority_param())
    return Response(register_formats.to_csv(name, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.get("/registers/<name>.geojson")
@public
def geojson_download(name):
    name = _register(name, ".geojson")
    rows = registers.rows_for(name, engine.today_uk(), _authority_param())
    return Response(register_formats.to_geojson(name, rows, request.host_url.rstrip("/")), mimetype="application/geo+json")


@bp.get("/registers/assets-of-community-value/planning-data.csv")
@public
def planning_data_csv():
    rows = registers.acv_list(_authority_param())
    return Response(planning_data.to_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="asset-of-community-value.csv"'})


@bp.get("/authorities/<code>/decisions.atom")
@public
def decisions_feed(code):
    authority = authority_register.get(code.upper())
    entries = registers.decisions(authority.code)
    return Response(atom.decisions_feed(authority, entries, request.host_url.rstrip("/")),
                    mimetype="application/atom+xml")

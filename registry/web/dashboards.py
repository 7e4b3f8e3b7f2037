"""Public dashboards, and the Scottish s.94 register of land and s.95 annual report, as pages and CSV."""

from flask import Blueprint, Response, redirect, render_template, request, url_for

from .. import accounts, dashboards, permissions, scottish_reports
from .. import authorities as authority_register
from ..errors import InvalidInput, NotFound
from ..formats import dashboards as dashboard_formats
from ..formats import scottish as scottish_formats
from ..permissions import public
from ..workflow import engine

bp = Blueprint("web_dashboards", __name__)

permissions.declare("atr_report.edit_text", roles=("council_officer",), scope="authority",
                    description="Write the s.95 annual report's account of action taken to promote asset "
                                "transfer requests (f)")


def _chart_name(chart: str, prefix: str = "/dashboard") -> str:
    """The chart called ``chart``, or a 404 that names it and links every chart's CSV under ``prefix``."""
    if chart not in dashboards.CHARTS:
        raise NotFound(f"There is no chart called “{chart}” to download.", choices=[
            {"title": f"{title} (CSV)", "href": f"{prefix}/{code}.csv"} for code, title in dashboards.CHARTS.items()])
    return chart


def _csv(body: str, filename: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/dashboard")
@public
def whole():
    return render_template("dashboards/show.html", authority=None, charts=dashboards.dashboard(engine.today_uk()),
                           titles=dashboards.CHARTS)


@bp.get("/authorities/<code>/dashboard")
@public
def council(code):
    authority = authority_register.get(code.upper())
    return render_template("dashboards/show.html", authority=authority,
                           charts=dashboards.dashboard(engine.today_uk(), authority.code), titles=dashboards.CHARTS)


@bp.get("/dashboard/<chart>.csv")
@public
def whole_csv(chart):
    chart = _chart_name(chart)
    return _csv(dashboard_formats.chart_csv(chart, dashboards.chart(chart, engine.today_uk())), f"{chart}.csv")


@bp.get("/authorities/<code>/dashboard/<chart>.csv")
@public
def council_csv(code, chart):
    authority = authority_register.get(code.upper())
    chart = _chart_name(chart, f"/authorities/{authority.code}/dashboard")
    rows = dashboards.chart(chart, engine.today_uk(), authority.code)
    return _csv(dashboard_formats.chart_csv(chart, rows), f"{authority.code}-{chart}.csv")


# ------------------------------------------------------------------ s.94 register of land


@bp.get("/authorities/<code>/land-register")
@public
def land_register(code):
    authority = scottish_reports.scottish_authority(code)
    return render_template("dashboards/land_register.html", authority=authority,
                           rows=scottish_reports.land_register(authority.code))


@bp.get("/authorities/<code>/land-register.csv")
@public
def land_register_csv(code):
    authority = scottish_reports.scottish_authority(code)
    return _csv(scottish_formats.land_register_csv(scottish_reports.land_register(authority.code)),
                f"{authority.code}-land-register.csv")


@bp.get("/authorities/<code>/land-register.geojson")
@public
def land_register_geojson(code):
    authority = scottish_reports.scottish_authority(code)
    body = scottish_formats.land_register_geojson(scottish_reports.land_register(authority.code), authority.code,
                                                  request.host_url.rstrip("/"))
    return Response(body, mimetype="application/geo+json")


# ------------------------------------------------------------------ s.95 annual report


@bp.get("/authorities/<code>/asset-transfer-report")
@public
def report_latest(code):
    authority = scottish_reports.scottish_authority(code)
    year = scottish_reports.current_reporting_year(engine.today_uk())
    return redirect(url_for("web_dashboards.report", code=authority.code, year=year))


def _report(code: str, year: int):
    authority = scottish_reports.scottish_authority(code)
    return authority, scottish_reports.annual_report(authority.code, year)


@bp.get("/authorities/<code>/asset-transfer-report/<int:year>")
@public
def report(code, year, error=None, value=None):
    authority, report = _report(code, year)
    user = accounts.current_actor()
    can_edit = permissions.can(user, "atr_report.edit_text", authority.code)
    return render_template("dashboards/annual_report.html", authority=authority, report=report, printable=False,
                           can_edit=can_edit, error=error, value=value,
                           years=range(scottish_reports.current_reporting_year(engine.today_uk()), 2015, -1)), \
        (error.status if error else 200)


@bp.get("/authorities/<code>/asset-transfer-report/<int:year>/print")
@public
def report_print(code, year):
    authority, report = _report(code, year)
    return render_template("dashboards/annual_report.html", authority=authority, report=report, printable=True,
                           can_edit=False, error=None, value=None, years=())


@bp.get("/authorities/<code>/asset-transfer-report/<int:year>.csv")
@public
def report_csv(code, year):
    authority, report = _report(code, year)
    rows = scottish_reports.report_rows(report, authority.name)
    return _csv(scottish_formats.annual_report_csv(rows), f"{authority.code}-asset-transfer-report-{year}.csv")


@bp.post("/authorities/<code>/asset-transfer-report/<int:year>/promotion")
@permissions.route_requires("atr_report.edit_text")
def report_text(code, year):
    authority = scottish_reports.scottish_authority(code)
    user = accounts.current_actor()
    permissions.require(user, "atr_report.edit_text", authority.code)
    value = request.form.get("promotion_text", "")
    try:
        scottish_reports.save_promotion_text(user, authority.code, year, value)
    except InvalidInput as exc:
        return report(authority.code, year, error=exc, value=value)
    return redirect(url_for("web_dashboards.report", code=authority.code, year=year, saved=1))

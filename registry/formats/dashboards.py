"""The dashboards' charts as CSV (the one formula-safe writer) and as JSON-ready documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import dashboards
from . import csvfile, geojson


def chart_csv(name: str, rows: Sequence[Mapping]) -> str:
    return csvfile.write(dashboards.COLUMNS[name], rows)


def document(charts: Mapping[str, Sequence[Mapping]], authority: str | None, base_url: str = "") -> dict:
    prefix = f"{base_url}/authorities/{authority}/dashboard" if authority else f"{base_url}/dashboard"
    return {
        "authority": authority,
        "charts": [{"name": name, "title": dashboards.CHARTS[name], "csv": f"{prefix}/{name}.csv",
                    "columns": list(dashboards.COLUMNS[name]),
                    "rows": [{c: geojson.plain(row.get(c)) for c in dashboards.COLUMNS[name]} for row in rows]}
                   for name, rows in charts.items()],
    }

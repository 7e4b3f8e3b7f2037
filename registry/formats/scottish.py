"""The s.94 register of land (CSV, GeoJSON) and the s.95 annual report (CSV), from allow-listed columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import scottish_reports
from . import csvfile, geojson


def land_register_csv(rows: Sequence[Mapping]) -> str:
    return csvfile.write(scottish_reports.LAND_REGISTER_COLUMNS, rows)


def land_register_geojson(rows: Sequence[Mapping], authority_code: str, base_url: str = "") -> bytes:
    features = [geojson.feature(row["asset_id"], row.get("geojson"), row, scottish_reports.LAND_REGISTER_COLUMNS,
                                url=f"{base_url}/assets/{row['asset_id']}")
                for row in rows]
    return geojson.dumps(geojson.feature_collection(features, name=f"s94-land-register-{authority_code}"))


def annual_report_csv(rows: Sequence[Mapping]) -> str:
    return csvfile.write(scottish_reports.REPORT_COLUMNS, rows)

"""The public registers as CSV and GeoJSON, from the allow-listed columns of registers.COLUMNS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import registers
from . import csvfile, geojson


def to_csv(register: str, rows: Sequence[Mapping]) -> str:
    return csvfile.write(registers.COLUMNS[register], rows)


def to_geojson(register: str, rows: Sequence[Mapping], base_url: str = "") -> bytes:
    columns = registers.COLUMNS[register]
    features = [geojson.feature(row["reference"], row.get("geojson"), row, columns, status=row.get("status"),
                                url=f"{base_url}/cases/{row['case_id']}")
                for row in rows]
    return geojson.dumps(geojson.feature_collection(features, name=register))

"""An import run's report as CSV: one line per rejected, new, updated, duplicate or missing row.

Cells that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) are quoted
with a leading apostrophe, so a reference or message from a council's file cannot run in Excel.
"""

from __future__ import annotations

import csv
import io

HEADER = ("row", "reference", "outcome", "field", "fields_changed", "asset_id", "message")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def report_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([safe_cell(row.get(name if name != "fields_changed" else "fields")) for name in HEADER])
    return out.getvalue()

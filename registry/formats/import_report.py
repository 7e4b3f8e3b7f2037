"""An import run's report as CSV: one line per rejected, new, updated, duplicate or missing row.

Cells that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) are quoted
with a leading apostrophe, so a reference or message from a council's file cannot run in Excel.
"""

from __future__ import annotations

HEADER = ("row", "reference", "outcome", "field", "fields_changed", "asset_id", "message")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def report_csv(rows: list[dict]) -> str:
    """Through the app's one formula-safe CSV writer (csvfile.write)."""
    from . import csvfile

    return csvfile.write(HEADER, ({**row, "fields_changed": row.get("fields")} for row in rows))

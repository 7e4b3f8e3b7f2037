"""Importing assets from a council's file: CSV/TSV, XLSX/ODS, GeoJSON, GeoPackage, zipped Shapefile, KML.

`import_file` reads the whole file (`reading`: any format, any encoding, the columns mapped onto
fields by the Transparency Code's names, ours, planning.data's and the Scottish register's, or by
a mapping file), checks every row (`checking`) and returns an `ImportReport` listing each rejected
row and each warning, every one with its record number, spreadsheet row and reference in the
file's own column names. It writes all or nothing: a file with any rejected row writes nothing
unless `skip_bad_rows` is set; warnings never stop it. Rows are keyed by (authority, reference).

Writing (`writing`) is COPY into a temporary staging table, then set-based SQL. It flushes, never
commits: the CLI commits once.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from ..errors import InvalidInput
from .checking import PROGRESS_EVERY, UK_OUTLINE, Progress, check_rows
from .mapping import MappingError, load_mapping
from .reading import decode, parse, read
from .report import FileProblem, ImportReport, Rejection
from .writing import BULK_ROWS, NEAREST_IN_ONE_PASS_ROWS, write

__all__ = ["BULK_ROWS", "NEAREST_IN_ONE_PASS_ROWS", "PROGRESS_EVERY", "UK_OUTLINE", "ImportReport", "Rejection",
           "decode", "import_file", "load_mapping", "parse"]

CRS_CHOICES = ("auto", "4326", "27700", "29903")


def import_file(path: Path | str, *, default_authority: str | None = None, skip_bad_rows: bool = False,
                crs: str = "auto", mapping: dict[str, str] | Path | str | None = None,
                progress: Progress | None = None, **write_options) -> ImportReport:
    """Check every row of the file, then write all of it, or nothing, or (if asked) the good rows.

    `mapping` is a column -> field map, or the path of a mapping file (CSV, JSON or YAML);
    `write_options` go to `writing.write` (dry_run, retire_missing, …).
    """
    started = time.monotonic()
    path = Path(path)
    report = ImportReport(path=str(path), skip_bad_rows=skip_bad_rows)
    if crs not in CRS_CHOICES:
        raise InvalidInput("crs must be auto, 4326, 27700 or 29903.", field="crs")
    try:
        overrides = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    except MappingError as error:
        raise InvalidInput(str(error), field="mapping") from None
    try:
        parsed = read(path, crs, overrides, default_authority)
    except FileProblem as problem:
        report.rejected.append(Rejection(problem.row, problem.field, problem.message))
        report.seconds = time.monotonic() - started
        return report
    report.format, report.crs, report.total = parsed.format, parsed.crs, len(parsed.numbers)
    report.encoding = parsed.encoding
    report.ignored_columns = parsed.ignored_columns
    report.headers = list(parsed.columns.headers)  # every column, in the file's order (the import page)
    report.present_fields = parsed.present_fields
    report.mapping = {**{parsed.columns.headers[i]: name for name, i in parsed.columns.fields.items()},
                      **{parsed.columns.headers[i]: name for name, i in parsed.columns.coordinates.items()},
                      **{parsed.columns.headers[i]: "authority_code" for i in parsed.columns.authority_columns}}
    report.timings["read"] = time.monotonic() - started

    records, rejected = check_rows(parsed, default_authority, progress)
    report.timings["check"] = time.monotonic() - started - report.timings["read"]
    report.rejected = sorted(parsed.problems + rejected, key=lambda r: (r.row, r.record or 0))
    report.warnings = sorted(parsed.warnings, key=lambda r: (r.row, r.record or 0))
    report.accepted = len(records)
    report.locations = Counter(record.location_source for _, record in records)
    report.authorities = Counter(record.authority_code for _, record in records)
    if report.total == 0:
        report.rejected.append(Rejection(0, "file", "The file has no rows to import."))
    # A dry run reports what the good rows would do even when some rows are refused.
    if report.rejected and (not skip_bad_rows or not records) and not (write_options.get("dry_run") and records):
        report.seconds = time.monotonic() - started
        return report
    writing = time.monotonic()
    _write(report, records, parsed.present_fields, write_options)
    report.seconds = time.monotonic() - started
    report.timings["write"] = report.seconds - (writing - started)
    return report


def _write(report: ImportReport, records, present_fields: set[str], write_options: dict) -> None:
    """Hand the records to the writer; a column the file does not have is never written."""
    summary = write(records, present_fields=present_fields,
                    authority_codes=sorted(report.authorities), timings=report.timings, **write_options)
    report.summary = summary
    counts = summary.counts()
    report.inserted, report.updated, report.unchanged = counts["new"], counts["updated"], counts["unchanged"]
    report.written = not write_options.get("dry_run", False)


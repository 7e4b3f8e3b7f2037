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
from operator import itemgetter
from pathlib import Path

from ..errors import InvalidInput
from .checking import PROGRESS_EVERY, UK_OUTLINE, Progress, check_rows
from .mapping import MappingError, load_mapping
from . import digests
from .reading import build, crs_label, decode, paused_gc, parse, read, read_table, subset  # noqa: F401 - read: for callers
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
    # One pause of the cyclic collector for the whole import (reading.paused_gc says why): paused only
    # around each step, every re-enable let a full collection walk the file's million objects again
    # (~0.1 s of an unchanged 100,000-row re-import's 1 s).
    with paused_gc():
        return _import_file(path, default_authority=default_authority, skip_bad_rows=skip_bad_rows, crs=crs,
                            mapping=mapping, progress=progress, **write_options)


def _import_file(path: Path | str, *, default_authority: str | None, skip_bad_rows: bool, crs: str,
                 mapping: dict[str, str] | Path | str | None, progress: Progress | None,
                 **write_options) -> ImportReport:
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
        table = read_table(path, crs)
        plan = _plan(table, crs, overrides, default_authority)
        parsed = build(subset(table, plan.keep) if plan.unchanged else table, crs, overrides, default_authority,
                       variant_counts=plan.variant_counts if plan.unchanged else None)
    except FileProblem as problem:
        report.rejected.append(Rejection(problem.row, problem.field, problem.message))
        report.seconds = time.monotonic() - started
        return report
    if plan.unchanged:  # the rows read are some of the file's: their numbers, and the file's own totals
        parsed.record_numbers = [i + 1 for i in plan.keep]
        parsed.point_present = plan.point_present
        if table.geometries is None:
            parsed.crs = crs_label({k for k in parsed.row_crs if k} | set(map(itemgetter(3), plan.unchanged)))
    report.format, report.crs, report.total = parsed.format, parsed.crs, len(table.rows)
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
    # The skipped rows' warnings are the ones stored with their digests (sorted in: stable within a row).
    report.warnings = sorted(parsed.warnings + plan.warnings, key=lambda r: (r.row, r.record or 0))
    report.accepted = len(records) + len(plan.unchanged)
    report.locations = Counter(record.location_source for _, record in records)
    report.authorities = Counter(record.authority_code for _, record in records)
    if plan.unchanged:
        report.locations.update(plan.locations)
        report.authorities.update(map(itemgetter(2), plan.unchanged))
    if report.total == 0:
        report.rejected.append(Rejection(0, "file", "The file has no rows to import."))
    good = bool(records or plan.unchanged)
    # A dry run reports what the good rows would do even when some rows are refused.
    if report.rejected and (not skip_bad_rows or not good) and not (write_options.get("dry_run") and good):
        report.seconds = time.monotonic() - started
        return report
    writing = time.monotonic()
    stored_digests, stored_warnings = _digests(parsed, plan, records)
    write_options = {**write_options, "digests": stored_digests, "warnings": stored_warnings,
                     "unchanged_ids": plan.unchanged_ids if plan.unchanged else [], "missing_candidates": plan.others}
    _write(report, records, parsed.present_fields, write_options)
    report.seconds = time.monotonic() - started
    report.timings["write"] = report.seconds - (writing - started)
    return report


def _plan(table, crs: str, overrides, default_authority: str | None) -> digests.Plan:
    from .. import db

    db.session.flush()
    with db.session.connection().connection.driver_connection.cursor() as cursor:
        return digests.plan(cursor, table, crs, overrides, default_authority)


def _digests(parsed, plan: digests.Plan, records) -> tuple[dict[int, bytes], dict[int, str]]:
    """Row number -> the digest to store with what the row writes, and (for a row read with a warning or
    not surveyed) what to store beside it for the report to list again when the row is skipped."""
    warned: dict[int, list] = {}
    for warning in parsed.warnings:  # in the order given, as the report lists a row's warnings
        warned.setdefault(warning.record, []).append(warning)
    index_of_number = {number: j for j, number in enumerate(parsed.numbers)}
    out, warnings = {}, {}
    for number, record in records:
        j = index_of_number[number]
        record_number = parsed.record_of(j)
        out[number] = digests.stored_value(plan.digests[record_number - 1], parsed.row_crs[j] or "")
        value = digests.warnings_value(record.location_source, warned.get(record_number, []))
        if value is not None:
            warnings[number] = value
    return out, warnings


def _write(report: ImportReport, records, present_fields: set[str], write_options: dict) -> None:
    """Hand the records to the writer; a column the file does not have is never written."""
    summary = write(records, present_fields=present_fields,
                    authority_codes=sorted(report.authorities), timings=report.timings, **write_options)
    report.summary = summary
    counts = summary.counts()
    report.inserted, report.updated, report.unchanged = counts["new"], counts["updated"], counts["unchanged"]
    report.written = not write_options.get("dry_run", False)


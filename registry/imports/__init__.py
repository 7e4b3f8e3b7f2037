"""Importing assets from a council's file: CSV (lon/lat or easting/northing) and GeoJSON.

`import_file` reads the whole file, checks every row and returns an
`ImportReport` listing each rejected row (its number as a person counts it:
the line number in a CSV, the feature number in GeoJSON), the field and why.
It writes all or nothing: a file with any invalid row writes nothing unless
`skip_bad_rows` is set. Rows are keyed by (authority, reference), so importing
the same file again updates the assets instead of duplicating them; a file
that lists the same reference twice is an error on the second row.

Field rules live in `assets.validate_record`; this package only maps a file's
columns onto its fields (`reading`), turns coordinates into WGS84 points and
footprints (British National Grid through OSTN15, vectorised over the whole
file), checks the geometry, the owning authority and duplicates (`checking`),
and writes in bulk (`writing`): COPY into a temporary staging table, then one
INSERT … SELECT … ON CONFLICT. It flushes, never commits: the CLI commits once.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import InvalidInput
from .checking import PROGRESS_EVERY, UK_OUTLINE, Progress, check_rows
from .reading import decode, parse
from .report import FileProblem, ImportReport, Rejection
from .writing import BULK_ROWS, NEAREST_IN_ONE_PASS_ROWS, write

__all__ = ["BULK_ROWS", "NEAREST_IN_ONE_PASS_ROWS", "PROGRESS_EVERY", "UK_OUTLINE", "ImportReport", "Rejection",
           "import_file"]


def import_file(path: Path | str, *, default_authority: str | None = None, skip_bad_rows: bool = False,
                crs: str = "auto", progress: Progress | None = None, dry_run: bool = False,
                retire_missing: bool = False) -> ImportReport:
    """Check every row of the file, then write all of it, or nothing, or (if asked) the good rows."""
    started = time.monotonic()
    path = Path(path)
    report = ImportReport(path=str(path), skip_bad_rows=skip_bad_rows)
    if crs not in ("auto", "4326", "27700"):
        raise InvalidInput("crs must be auto, 4326 or 27700.", field="crs")
    try:
        content, report.encoding = decode(path.read_bytes())
        parsed = parse(content, path.suffix.lower(), crs)
    except FileProblem as problem:
        report.rejected.append(Rejection(problem.row, problem.field, problem.message))
        report.seconds = time.monotonic() - started
        return report
    report.format, report.crs, report.total = parsed.format, parsed.crs, len(parsed.numbers)
    report.ignored_columns = parsed.ignored_columns
    report.timings["read"] = time.monotonic() - started

    records, rejected = check_rows(parsed, default_authority, progress)
    report.timings["check"] = time.monotonic() - started - report.timings["read"]
    report.rejected = sorted(parsed.problems + rejected, key=lambda r: r.row)
    if report.total == 0:
        report.rejected.append(Rejection(0, "file", "The file has no rows to import."))
    if report.rejected and (not skip_bad_rows or not records) and not (dry_run and records):
        report.seconds = time.monotonic() - started
        return report
    writing = time.monotonic()
    report.summary = write(records, present_fields=getattr(parsed, "present_fields", None), dry_run=dry_run,
                           retire_missing=retire_missing,
                           authority_codes=[default_authority] if default_authority else None,
                           timings=report.timings)
    counts = report.summary.counts()
    report.inserted, report.updated, report.unchanged = counts["new"], counts["updated"], counts["unchanged"]
    report.written = not dry_run and not (report.rejected and not skip_bad_rows)
    report.seconds = time.monotonic() - started
    report.timings["write"] = report.seconds - (writing - started)
    return report

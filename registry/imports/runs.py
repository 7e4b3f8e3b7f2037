"""Recording an import (table import_run, migration 0006) and the lines the command prints about it.

Every import that reads a file is recorded, written or refused: who ran it ("cli" or the user), when,
the file's name and SHA-256, the mapping, the counts and the row report; and an audit row says so.
Dry runs write nothing, so they are not recorded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import audit, db
from ..import_runs import ImportRun
from .writing import WriteSummary

__all__ = ["ImportRun", "record_run", "row_report", "summary_lines"]

SHOW_AT_MOST = 20  # changed or missing references printed per kind; the run's CSV has them all


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_report(report) -> list[dict]:
    """The rejections (in the file's own terms) and what the write did, row by row."""
    rows = [{"row": r.row, "reference": getattr(r, "reference", None), "outcome": "rejected", "field": r.field,
             "message": r.message} for r in report.rejected]
    if report.summary is not None:
        rows += report.summary.rows()
    return sorted(rows, key=lambda r: (r["row"] is None, r["row"] or 0, r["outcome"]))


def record_run(report, *, path: Path, actor, via: str, authority_codes=None, mapping: dict | None = None,
               dry_run: bool = False, retire_missing: bool = False) -> ImportRun:
    """Add the import_run row and its audit entry (flushes; the caller commits)."""
    summary: WriteSummary | None = report.summary
    counts = {"rows": report.total, "rejected": report.rejected_rows}
    if summary is not None:
        counts.update(summary.counts())
    codes = sorted(set(authority_codes or ()) | {c for c in (getattr(report, "authority_code", None),) if c})
    run = ImportRun(
        actor_user_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or via,
        via=via,
        file_name=Path(path).name,
        sha256=sha256_of(Path(path)),
        authority_codes=codes,
        mapping=mapping or getattr(report, "mapping", None) or {},
        dry_run=dry_run,
        retire_missing=retire_missing,
        written=bool(report.written),
        counts=counts,
        report=row_report(report),
    )
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "assets.import" if report.written else "assets.import_refused", "import_run", run.id,
                 {"file_name": run.file_name, "sha256": run.sha256, "counts": counts,
                  "retire_missing": retire_missing}, via=via)
    return run


def summary_lines(summary: WriteSummary) -> list[str]:
    """What the command prints: the counts, the fields that changed, the missing assets and their cases."""
    would = "would be " if summary.dry_run else ""
    counts = summary.counts()
    lines = [f"{'Dry run: ' if summary.dry_run else ''}{counts['new']:,} new, {counts['updated']:,} updated, "
             f"{counts['unchanged']:,} unchanged, {counts['missing']:,} in the register but not in this file."]
    if summary.updated:
        fields = ", ".join(f"{name} ({count:,})" for name, count in summary.field_counts().items())
        lines.append(f"Fields changed: {fields}.")
        for change in summary.updated[:SHOW_AT_MOST]:
            lines.append(f"  row {change.row} {change.reference}: {', '.join(change.fields)}")
        if len(summary.updated) > SHOW_AT_MOST:
            lines.append(f"  … and {len(summary.updated) - SHOW_AT_MOST:,} more updated rows.")
    for duplicate in summary.duplicates:
        lines.append(f"  row {duplicate.row} {duplicate.reference}: the file already has this reference "
                     f"(row {duplicate.first_row}); not written.")
    if summary.missing:
        if summary.retire_missing:
            lines.append(f"{len(summary.missing):,} {would}marked withdrawn (kept, never deleted):")
        else:
            lines.append(f"Not in this file ({len(summary.missing):,}; --retire-missing marks them withdrawn):")
        for missing in summary.missing[:SHOW_AT_MOST]:
            case = (f" — has a live case ({missing.live_status.replace('_', ' ')}), which stays"
                    if missing.live_status else "")
            lines.append(f"  {missing.reference} {missing.name}{case}")
        if len(summary.missing) > SHOW_AT_MOST:
            lines.append(f"  … and {len(summary.missing) - SHOW_AT_MOST:,} more.")
        live = [m for m in summary.missing if m.live_status]
        if live and summary.retire_missing:
            lines.append(f"{len(live):,} of them have live cases: the cases carry on; check them.")
    return lines

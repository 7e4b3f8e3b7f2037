"""Imports from the page (/imports) and the API (/api/imports): the same `import_file` as the CLI.

An uploaded file is kept as a row of `import_upload` (its bytes and SHA-256, migration 0018) between
the preview (a dry run) and the confirmation (the real write), which re-checks the hash. A long file
(over `Settings.import_sync_rows` rows) is queued, and so is its preview on the page (the dry run,
kept in `import_upload.preview` until the mapping changes); `flask imports work` takes queued imports
and previews with ``SELECT … FOR UPDATE SKIP LOCKED`` and runs them, reporting progress. A mapping an officer saves is kept per authority
(`import_mapping`) and is the default for the authority's next upload.

Only the authority's own rows may be written: a file whose rows name another authority is refused
and nothing is written (its preview shows this as a problem naming the councils, so the page offers no
Confirm button). Domain code flushes; the edge (request, CLI command) commits.
"""

from __future__ import annotations

import hashlib
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    any_,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .. import db, vocabulary
from ..errors import Forbidden, InvalidInput, NotFound
from . import mapping as mapping_module
from .report import FileProblem, Rejection

MAX_UPLOAD_BYTES = 50_000_000
DEFAULT_SYNC_ROWS = 2000
NOT_IMPORTED = "extra"


class ImportUpload(db.Base):
    __tablename__ = "import_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(20))
    authority_code: Mapped[str] = mapped_column(String(9))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    row_count: Mapped[int | None] = mapped_column(Integer)
    mapping: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default="false")
    retire_missing: Mapped[bool] = mapped_column(Boolean, server_default="false")
    status: Mapped[str] = mapped_column(String(20), server_default="uploaded")
    progress_done: Mapped[int] = mapped_column(Integer, server_default="0")
    progress_total: Mapped[int] = mapped_column(Integer, server_default="0")
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    result: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    preview_status: Mapped[str | None] = mapped_column(String(20))  # long files: queued/running/ready/failed
    preview: Mapped[dict | None] = mapped_column(JSONB, deferred=True)  # the finished dry run (`snapshot`)
    kind: Mapped[str] = mapped_column(String(10), server_default="assets", default="assets")  # or "acv" (0034)

    @property
    def authority(self) -> str:  # for permissions' "authority" scope
        return self.authority_code


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# ------------------------------------------------------------------ mappings


def field_label(name: str) -> str:
    """What a field a column can go into is called on the import page (the value posted is its name)."""
    return vocabulary.field_label(name, vocabulary.IMPORT_FIELD_LABELS)


def mapping_choices() -> list[tuple[str, str]]:
    """The fields a column can be mapped to, as (field, words): "not imported" first, then by their words."""
    names = sorted(mapping_module.MAPPABLE - {NOT_IMPORTED}, key=lambda n: field_label(n).lower())
    return [(NOT_IMPORTED, "Not imported (kept with the row, private)")] + [(n, field_label(n)) for n in names]


def clean_mapping(given) -> dict[str, str]:
    """A column -> field map from a form or the API; unknown fields are refused naming the column."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise InvalidInput("The mapping must be a JSON object of column name -> field.", field="mapping")
    allowed = mapping_module.MAPPABLE
    out = {}
    for column, target in given.items():
        if not isinstance(column, str) or not isinstance(target, str):
            raise InvalidInput("The mapping must be a JSON object of column name -> field.", field="mapping")
        target = target.strip()
        if target not in allowed:
            raise InvalidInput(f"The mapping maps column {column!r} to {target!r}, which is not a field. "
                               f"Use one of: {', '.join(sorted(allowed))}.", field="mapping")
        out[column] = target
    return out


def saved_mapping(authority_code: str) -> dict[str, str]:
    row = db.session.execute(text("SELECT mapping FROM import_mapping WHERE authority_code = :a"),
                             {"a": authority_code}).scalar()
    return dict(row or {})


def save_mapping(authority_code: str, column_map: dict[str, str], user) -> None:
    """Keep the mapping as the authority's default, merged over what it saved before."""
    merged = {**saved_mapping(authority_code), **clean_mapping(column_map)}
    db.session.execute(text(
        """
        INSERT INTO import_mapping (authority_code, mapping, updated_by) VALUES (:a, CAST(:m AS jsonb), :u)
        ON CONFLICT (authority_code) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = now(),
            updated_by = EXCLUDED.updated_by
        """), {"a": authority_code, "m": _json(merged), "u": getattr(user, "id", None)})
    db.session.flush()


def _json(value) -> str:
    import json

    return json.dumps(value)


# ------------------------------------------------------------------ uploads


def store(content: bytes, file_name: str, *, actor, authority_code: str, via: str,
          column_map: dict | None = None, dry_run: bool = False, retire_missing: bool = False,
          kind: str = "assets", row_counter=None) -> ImportUpload:
    """Keep an uploaded file (flushes). The mapping defaults to the authority's saved one.

    `kind` "acv": a council's list of assets of community value (`registry.acv_lists`), not its register;
    `row_counter` counts its rows (default: the register's reader, `count_rows`).
    """
    if not file_name or not content:
        raise InvalidInput("Choose a file to import.", field="file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"The file must be smaller than {MAX_UPLOAD_BYTES // 1_000_000} MB.", field="file")
    name = Path(file_name.replace("\\", "/")).name[:500] or "upload"
    upload = ImportUpload(user_id=getattr(actor, "id", None), actor=getattr(actor, "email", None) or via, via=via,
                          authority_code=authority_code, file_name=name, sha256=sha256(content), content=content,
                          # a list's columns are read by their names (acv_lists.COLUMNS), never mapped
                          mapping={} if kind == "acv" else clean_mapping(column_map) if column_map is not None
                          else saved_mapping(authority_code),
                          dry_run=dry_run, retire_missing=retire_missing, kind=kind)
    db.session.add(upload)
    db.session.flush()
    upload.row_count = (row_counter or count_rows)(upload)
    db.session.flush()
    return upload


def get(upload_id: int, kind: str = "assets") -> ImportUpload:
    """The upload, of this kind: a register's pages never show a list's upload, nor the other way round."""
    upload = db.session.get(ImportUpload, upload_id)
    if upload is None or upload.kind != kind:
        raise NotFound(f"There is no import {upload_id}.")
    return upload


def history(authority_code: str, limit: int = 50):
    """The authority's import runs, newest first (any via: page, API or CLI)."""
    from ..import_runs import ImportRun

    return db.session.execute(
        select(ImportRun).where(authority_code == any_(ImportRun.authority_codes))
        .order_by(ImportRun.id.desc()).limit(limit)).scalars().all()


def _file(upload: ImportUpload, folder: str) -> Path:
    """The upload's bytes as a file (the importer reads paths), after checking they are the ones uploaded."""
    content = upload.content
    if sha256(content) != upload.sha256:
        raise InvalidInput("The uploaded file has changed since its preview; upload it again.", field="file")
    path = Path(folder) / upload.file_name
    path.write_bytes(content)
    return path


@contextmanager
def local_file(upload: ImportUpload):
    """The upload's bytes as a file under its own name in a temporary folder (hash checked), for a reader
    that takes paths; the folder goes when the block ends."""
    with tempfile.TemporaryDirectory(prefix="registry-import-") as folder:
        yield _file(upload, folder)


def count_rows(upload: ImportUpload) -> int:
    """The file's records, by the importer's own reader (0 when it cannot read the file)."""
    from . import reading

    with tempfile.TemporaryDirectory(prefix="registry-import-") as folder:
        try:
            parsed = reading.read(_file(upload, folder), "auto", upload.mapping or None, upload.authority_code)
        except (FileProblem, ValueError, OSError):
            return 0
        return len(parsed.numbers)


def preview(upload: ImportUpload, column_map: dict | None = None, *, progress=None):
    """The dry run: what confirming would do, nothing written. Returns the ImportReport."""
    from . import import_file

    with local_file(upload) as path:
        report = import_file(path, default_authority=upload.authority_code,
                             mapping=column_map if column_map is not None else (upload.mapping or None),
                             dry_run=True, retire_missing=upload.retire_missing, progress=progress)
    report.headers = list(getattr(report, "headers", None) or [])
    others = _foreign_rows(report, upload.authority_code, warn_only=True)
    if others:  # confirming would be refused: a problem of the file, shown first
        report.rejected.insert(0, Rejection(0, "authority", foreign_message(report, upload.authority_code, others)))
    return report


def council_name(code: str) -> str:
    """A council by its everyday name, "Trafford Council" (the code itself if we do not know it)."""
    from .. import authorities

    try:
        return authorities.get(code).everyday_name
    except NotFound:
        return code


def council_words(code: str) -> str:
    """A council as a person reads it in a message: "Trafford Council (E08000009)"."""
    name = council_name(code)
    return name if name == code else f"{name} ({code})"


def foreign_message(report, authority_code: str, others: list[str]) -> str:
    """Why rows of other councils stop the import, naming the councils and saying what to do."""
    ours = council_words(authority_code)
    if len(others) == 1:
        rows = report.authorities[others[0]]
        theirs = council_words(others[0])
        return (f"{rows:,} {'row is an asset' if rows == 1 else 'rows are assets'} of {theirs}. "
                f"This import is for {ours}, and only its assets can be imported here. Ask an officer of "
                f"{council_name(others[0])}, or an admin, to import {'it' if rows == 1 else 'them'}; "
                "or remove those rows from the file and upload it again.")
    listed = "; ".join(f"{council_words(code)}, {report.authorities[code]:,} "
                       f"{'row' if report.authorities[code] == 1 else 'rows'}" for code in others)
    return (f"Rows of this file are assets of other councils: {listed}. This import is for {ours}, and only "
            "its assets can be imported here. Ask an officer of each of those councils, or an admin, to import "
            "them; or remove those rows from the file and upload it again.")


def foreign_row_count(report, authority_code: str) -> int:
    return sum(n for code, n in (report.authorities or {}).items() if code and code != authority_code)


def snapshot(report, authority_code: str | None = None) -> dict:
    """The preview as the page shows it, as plain data: kept in `import_upload.preview` for long files.

    `problem_rows` counts each problem, and each row of another authority than `authority_code` (the
    one problem that names them all stands for those rows)."""
    summary = report.summary
    foreign_rows = foreign_row_count(report, authority_code) if authority_code else 0
    return {
        "total": report.total, "format": report.format, "encoding": report.encoding,
        "problem_rows": len(report.rejected) - (1 if foreign_rows else 0) + foreign_rows,
        "headers": list(report.headers or []), "mapping": dict(report.mapping or {}),
        "authorities": dict(report.authorities or {}),
        "rejected": [_problem(r) for r in report.rejected], "warnings": [_problem(r) for r in report.warnings],
        "summary": None if summary is None else {
            "counts": summary.counts(),
            "updated": [{"row": c.row, "reference": c.reference, "fields": list(c.fields)} for c in summary.updated],
            "missing": [{"reference": m.reference, "name": m.name, "live_status": m.live_status}
                        for m in summary.missing],
        },
    }


def foreign_authorities(preview_data: dict, authority_code: str) -> list[str]:
    """The other authorities a previewed file's rows name (confirming would be refused)."""
    return sorted(code for code in (preview_data.get("authorities") or {}) if code and code != authority_code)


def queue_preview(upload: ImportUpload) -> None:
    """Have the worker prepare the preview of a long file (again, after its mapping changed). Flushes."""
    upload.preview_status = "queued"
    upload.preview = None
    upload.progress_done = 0
    upload.progress_total = upload.row_count or 0
    upload.updated_at = func.now()
    db.session.flush()


def _foreign_rows(report, authority_code: str, *, warn_only: bool = False) -> list[str]:
    others = sorted(code for code in (report.authorities or {}) if code and code != authority_code)
    if others and not warn_only:
        raise Forbidden(f"The file has rows of another authority ({', '.join(others)}): you can import only "
                        f"{authority_code}'s assets. Nothing was written.", field="authority")
    return others


def run(upload: ImportUpload, *, actor, progress=None):
    """Confirm: the real write (or a dry run if the upload asks for one), recorded as an import_run.

    Returns (report, run). Raises Forbidden (nothing written) if a row names another authority.
    """
    from . import import_file, runs

    with local_file(upload) as path:
        with db.session.begin_nested():  # a foreign row undoes the whole write
            report = import_file(path, default_authority=upload.authority_code, mapping=upload.mapping or None,
                                 dry_run=upload.dry_run, retire_missing=upload.retire_missing, progress=progress)
            _foreign_rows(report, upload.authority_code)
        record = None
        if not upload.dry_run:
            record = runs.record_run(report, path=path, actor=actor, via=upload.via,
                                     authority_codes=[upload.authority_code], mapping=upload.mapping or None,
                                     dry_run=False, retire_missing=upload.retire_missing)
    upload.status = "done" if (report.written or upload.dry_run) and report.summary is not None else "failed"
    upload.import_run_id = record.id if record is not None else None
    upload.result = summary(report, upload)
    upload.updated_at = func.now()
    db.session.flush()
    return report, record


def summary(report, upload: ImportUpload) -> dict:
    """What the API answers about a finished import."""
    counts = report.summary.counts() if report.summary is not None else {}
    return {
        "rows": report.total, "accepted": report.accepted, "written": bool(report.written),
        "dry_run": upload.dry_run, "retire_missing": upload.retire_missing, "counts": counts,
        "mapping": report.mapping or {}, "ignored_columns": list(report.ignored_columns or []),
        "problems": [_problem(r) for r in report.rejected],
        "warnings": [_problem(r) for r in report.warnings],
    }


def _problem(rejection) -> dict:
    return {"record": rejection.record, "row": rejection.row, "reference": rejection.reference,
            "field": rejection.field, "message": rejection.message, "text": rejection.text}


# ------------------------------------------------------------------ the queue


def queue(upload: ImportUpload) -> None:
    upload.status = "queued"
    upload.progress_total = upload.row_count or 0
    db.session.flush()


def claim_next() -> tuple[ImportUpload, str] | None:
    """Take the oldest queued import or preview, skipping those another worker holds (the caller commits).

    Returns the upload and what to do with it: "import" or "preview".
    """
    upload_id = db.session.execute(text(
        "SELECT id FROM import_upload WHERE kind = 'assets' AND (status = 'queued' OR preview_status = 'queued') "
        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    )).scalar()
    if upload_id is None:
        return None
    upload = db.session.get(ImportUpload, upload_id)
    if upload.preview_status == "queued":
        upload.preview_status, kind = "running", "preview"
    else:
        upload.status, kind = "running", "import"
    upload.updated_at = func.now()
    db.session.flush()
    return upload, kind


def progress_writer(upload_id: int):
    """A progress callback that records how far the check has got, on a connection of its own."""
    def write(done: int, total: int) -> None:
        with db.engine().begin() as connection:
            connection.execute(text("UPDATE import_upload SET progress_done = :d, progress_total = :t, "
                                    "updated_at = now() WHERE id = :id"), {"d": done, "t": total, "id": upload_id})
    return write


def work_one() -> int | None:
    """Run one queued import or preview to the end (commits: this is the worker's edge). Returns its id, or None."""
    from .. import accounts

    claimed = claim_next()
    if claimed is None:
        db.session.rollback()
        return None
    upload, kind = claimed
    db.session.commit()  # "running" is visible to the status URL and the preview page
    upload_id = upload.id
    actor = db.session.get(accounts.User, upload.user_id) if upload.user_id else None
    try:
        if kind == "preview":
            report = preview(upload, progress=progress_writer(upload_id))  # a dry run: writes nothing
            upload.preview, upload.preview_status = snapshot(report, upload.authority_code), "ready"
            upload.progress_done = upload.progress_total = report.total  # every record checked
            upload.updated_at = func.now()
            db.session.flush()
        else:
            run(upload, actor=actor, progress=progress_writer(upload_id))
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - the run is marked failed with its reason, never lost
        db.session.rollback()
        upload = db.session.get(ImportUpload, upload_id)
        if kind == "preview":
            upload.preview_status = "failed"
        else:
            upload.status = "failed"
        upload.error = getattr(error, "detail", None) or str(error) or type(error).__name__
        upload.updated_at = func.now()
        db.session.commit()
    return upload_id

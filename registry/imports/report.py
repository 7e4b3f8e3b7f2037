"""What an import found: the rejected rows, the counts, and the lines the command prints."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    path: str
    format: str = ""
    encoding: str = ""
    crs: str = ""
    total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    skip_bad_rows: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds: read, check, write
    summary: object = None  # writing.WriteSummary: new, updated (with fields), unchanged, missing

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})

    @property
    def rows_per_s(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0

    def closing_line(self) -> str:
        """The closing line the command prints."""
        if self.written:
            return (f"{self.inserted:,} added, {self.updated:,} updated, {self.unchanged:,} unchanged, "
                    f"{self.rejected_rows:,} rejected.")
        if self.total == 0 or any(r.row == 0 or r.field in ("file", "crs") for r in self.rejected):
            return "Nothing written: the file cannot be imported as it is."
        if self.skip_bad_rows:
            return f"Nothing written: all {self.total:,} rows are invalid."
        return (f"Nothing written: {self.rejected_rows:,} of {self.total:,} rows are invalid. "
                "Fix them, or pass --skip-bad-rows to import the rest.")

    def describe(self) -> str:
        crs = {"4326": "WGS84 longitude/latitude", "27700": "British National Grid (OSTN15)",
               "4326+27700": "WGS84 longitude/latitude and British National Grid (OSTN15)"}.get(
            self.crs, self.crs or "no coordinates")
        line = f"Read {self.total:,} rows of {self.format or 'unknown format'} in {self.encoding or '?'}; {crs}."
        if self.ignored_columns:
            line += " Ignored columns: " + ", ".join(self.ignored_columns) + "."
        return line


class FileProblem(Exception):
    """The file as a whole cannot be read: reported as a rejection of row `row`."""

    def __init__(self, message: str, *, field: str = "file", row: int = 0):
        super().__init__(message)
        self.message, self.field, self.row = message, field, row

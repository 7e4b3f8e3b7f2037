"""What an import found: rejected rows, warnings, the counts, and the lines the command prints.

Every row message names the record (its number among the file's records), where a spreadsheet
shows it (header = row 1; for GeoJSON and GIS files the feature number) and the row's own
reference, in the file's own column names:

    Record 12 (spreadsheet row 13, AssetCode 09/01609/LAND): PostCode 'M32 OXZ' is not a known
    postcode; the GeoX/GeoY coordinates are used.

Rejections stop a row (or, without --skip-bad-rows, the file); warnings never do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rejection:
    row: int  # the spreadsheet row (header = 1), the feature number, or 0 for the file as a whole
    field: str  # the file's own name for the field
    message: str
    record: int | None = None  # the record's number among the file's records (1 = the first)
    reference: str | None = None
    reference_label: str = "reference"
    unit: str = "spreadsheet row"

    @property
    def where(self) -> str:
        if self.record is None:
            return f"Spreadsheet row {self.row}" if self.row else "The file"
        place = [f"{self.unit} {self.row}"] if self.unit != "feature" else []
        if self.reference:
            place.append(f"{self.reference_label} {self.reference}")
        head = f"Feature {self.record}" if self.unit == "feature" else f"Record {self.record}"
        return head + (f" ({', '.join(place)})" if place else "")

    @property
    def text(self) -> str:
        return f"{self.where}: {self.message}"

    def __str__(self) -> str:
        return self.text


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
    warnings: list[Rejection] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # every column of the file, in order
    ignored_columns: list[str] = field(default_factory=list)  # unmapped columns: kept with each row (extra)
    present_fields: set[str] = field(default_factory=set)  # fields the file has columns for
    mapping: dict[str, str] = field(default_factory=dict)  # the file's column -> field
    accepted: int = 0  # rows that passed every check
    locations: Counter = field(default_factory=Counter)  # location_source -> accepted rows
    authorities: Counter = field(default_factory=Counter)  # authority code -> accepted rows
    skip_bad_rows: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds: read, check, write
    summary: object | None = None  # writing.WriteSummary: new, updated (with fields), unchanged, missing

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
                    f"{self.rejected_rows:,} rejected, {len(self.warnings):,} warnings.")
        if self.total == 0 or any(r.row == 0 or r.field in ("file", "crs") for r in self.rejected):
            return "Nothing written: the file cannot be imported as it is."
        if self.skip_bad_rows:
            return f"Nothing written: all {self.total:,} rows are invalid."
        return (f"Nothing written: {self.rejected_rows:,} of {self.total:,} rows are invalid. "
                "Fix them, or pass --skip-bad-rows to import the rest.")

    def describe(self) -> str:
        crs = {"4326": "WGS84 longitude/latitude", "27700": "British National Grid (OSTN15)",
               "27700+4326": "WGS84 longitude/latitude and British National Grid (OSTN15)",
               "4326+27700": "WGS84 longitude/latitude and British National Grid (OSTN15)"}.get(
            self.crs, self.crs or "no coordinates")
        line = f"Read {self.total:,} rows of {self.format or 'unknown format'}"
        line += f" in {self.encoding}" if self.encoding else ""
        line += f"; {crs}."
        if self.ignored_columns:
            line += " Columns kept as extra details (not mapped to a field): " + ", ".join(self.ignored_columns) + "."
        if self.locations:
            line += " Located: " + ", ".join(f"{n:,} {source.replace('_', ' ')}"
                                             for source, n in sorted(self.locations.items())) + "."
        return line


class FileProblem(Exception):
    """The file as a whole cannot be read: reported as a rejection of row `row`."""

    def __init__(self, message: str, *, field: str = "file", row: int = 0):
        super().__init__(message)
        self.message, self.field, self.row = message, field, row

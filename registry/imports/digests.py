"""Import digests: which rows of a file are exactly the input an asset was last written from.

An asset's `import_digest` (migration 0028) is the BLAKE2b of the raw cells of the row that wrote it,
keyed by the file's *context*: everything besides the row's own cells that changes how the row is
read (the header, the mapping, the --crs option, the default authority, the format's decimal comma,
a GIS file's CRS, the reference data checking reads, and `VERSION`, to be raised whenever reading,
checking or writing changes what a row becomes). The file-wide spellings that case variants are
merged into go in each row's digest too. After the digest come the ASCII digits of the coordinate
system the row's numbers were read in (the report's CRS line sums it over the file).

A digest is stored for every row written (or found unchanged), and cleared by a trigger whenever
anything else changes the asset. Beside it, `asset.import_warnings` (migration 0030) keeps what the
row was warned about: the location it was given and each warning's field and message (`warnings_value`),
so that a skipped row hides no message. What those depend on besides the row's cells, the gazetteer
and the authorities' boundaries ("lies outside the area of …"), is in the key (`reference_data`):
reloading either gives every row a new digest. A row whose digest equals its asset's therefore
reads, checks and merges exactly as last time, to "unchanged" with the same warnings: the importer
counts it as such and lists its stored warnings without reading it further. Rows that share a
reference with another row of the file, or name a coordinate system we do not know, always go
through the whole pipeline (their messages depend on other rows).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter

import orjson
import shapely

from . import authority_names, mapping
from .reading import MERGED_FIELDS, Table, crs_code
from .report import Rejection

# 2: rows with warnings keep a digest (their warnings beside it); the key goes before each row's data
VERSION = b"registry-import-2"
DIGEST_BYTES = 32


@dataclass
class Plan:
    """What the stored digests say about a file's rows."""

    digests: list[bytes]  # per row of the table, the digest of its raw input
    keep: list[int]  # indices of the rows to read, check and merge
    unchanged: list[tuple[int, int, str, str]]  # (row index, asset id, authority code, crs) of skipped rows
    variant_counts: dict[str, Counter] = field(default_factory=dict)
    point_present: bool = False
    # The file's authorities' assets, not withdrawn, that no row was found to leave unchanged: the only
    # ones that can be missing from the file (None: not looked up).
    others: list[int] | None = None
    # What the skipped rows were warned about when they were written (listed again), and where they
    # were placed: location_source -> skipped rows.
    warnings: list[Rejection] = field(default_factory=list)
    locations: Counter = field(default_factory=Counter)

    @property
    def unchanged_ids(self) -> list[int]:
        return list(map(itemgetter(1), self.unchanged))


def context_key(table: Table, crs: str, overrides: dict[str, str] | None, default_authority: str | None,
                reference_data: tuple) -> bytes:
    """The digest key: a row's cells mean the same only under the same header, mapping, options and data."""
    parts = [VERSION.decode(), table.format, bool(table.decimal_comma), table.source_crs, table.headers,
             sorted((overrides or {}).items()), crs, default_authority or "", list(reference_data)]
    return hashlib.blake2b(orjson.dumps(parts, default=str), digest_size=32).digest()


def reference_data(cursor, codes: list[str]) -> tuple:
    """What of the database checking reads besides the asset: the gazetteer (replaced by TRUNCATE, a new
    file node) and the boundaries of these authorities (reloaded as new rows)."""
    cursor.execute("SELECT pg_relation_filenode('postcode'), pg_relation_filenode('postcode_district'), "
                   "(SELECT count(*) FROM postcode_district), "
                   "(SELECT count(*) FROM authority_boundary_part), (SELECT max(id) FROM authority_boundary_part), "
                   "(SELECT count(*) FROM authority_boundary_part WHERE authority_code = ANY(%s))", (codes,))
    return tuple(cursor.fetchone())


def _column(rows: list[list], index: int | None) -> list[str]:
    if index is None:
        return [""] * len(rows)
    try:
        return list(map(itemgetter(index), rows))
    except IndexError:  # a short row
        return [row[index] if index < len(row) else "" for row in rows]


def file_authorities(table: Table, columns: mapping.ColumnMap, default_authority: str | None) -> list[str]:
    """Every authority code the file's rows may name (by its organisation columns), and the default."""
    codes = set()
    default = authority_names.resolve(default_authority) or (default_authority or "").strip().upper() or None
    if default:
        codes.add(default)
    for index in columns.authority_columns:
        for value in set(_column(table.rows, index)):
            code = authority_names.resolve(value)
            if code:
                codes.add(code)
    return sorted(codes)


def variant_counts(table: Table, columns: mapping.ColumnMap) -> dict[str, Counter]:
    """For each merged field, the whole file's count of each cleaned value (as `reading.build` merges them)."""
    counts = {}
    for name in MERGED_FIELDS:
        if name not in columns.fields:
            continue
        cells = Counter(_column(table.rows, columns.fields[name]))
        cleaned: Counter = Counter()
        for cell, n in cells.items():
            value = mapping.clean_text(cell)
            if value:
                cleaned[value] += n
        counts[name] = cleaned
    return counts


def row_digests(table: Table, columns: mapping.ColumnMap, key: bytes, counts: dict[str, Counter]) -> list[bytes]:
    """Each row's digest: its cells (and geometry), and the spellings its merged fields take in this file
    where that is not the cell's own (cleaned) text."""
    spellings: dict[int, list] = {}
    for name, counter in counts.items():
        choices = mapping.case_variant_choices(counter)
        merged = {}
        cells = _column(table.rows, columns.fields[name])
        for cell in set(cells):
            value = mapping.clean_text(cell)
            if value and choices[" ".join(value.split()).casefold()] != value:
                merged[cell] = choices[" ".join(value.split()).casefold()]
        if merged:
            for i, cell in enumerate(cells):
                if cell in merged:
                    spellings.setdefault(i, []).append((name, merged[cell]))
    geometries = None
    if table.geometries is not None:
        geometries = [b"" if g is None else shapely.to_wkb(g) for g in table.geometries]
    digests = []
    blake = hashlib.blake2b
    dumps = orjson.dumps
    # The key before the data, not as BLAKE2's key: one compression fewer per row (a keyed BLAKE2b
    # compresses a whole block for its key), ~40 % of this loop; as collision-resistant.
    if geometries is None and not spellings:
        return [blake(key + dumps(row), digest_size=DIGEST_BYTES).digest() for row in table.rows]
    for i, row in enumerate(table.rows):
        data = key + dumps([row, spellings[i]] if i in spellings else row)
        if geometries is not None:
            data += b"\x00" + geometries[i]
        digests.append(blake(data, digest_size=DIGEST_BYTES).digest())
    return digests


def plan(cursor, table: Table, crs: str, overrides: dict[str, str] | None, default_authority: str | None) -> Plan:
    """Compare each row's digest with the stored ones of the file's authorities: which rows to read.

    A digest and a stored asset per row: many objects, no cycles; import_file runs this with the
    cyclic collector paused (reading.paused_gc).
    """
    columns = mapping.map_columns(table.headers, overrides)
    codes = file_authorities(table, columns, default_authority)
    counts = variant_counts(table, columns)
    key = context_key(table, crs, overrides, default_authority, reference_data(cursor, codes))
    digests = row_digests(table, columns, key, counts)
    point_present = bool(columns.coordinates) or (
        table.geometries is not None and any(g is not None for g in table.geometries))
    result = Plan(digests, list(range(len(digests))), [], counts, point_present)
    if not codes or "reference" not in columns.fields:
        return result
    # Every asset of the file's authorities, in one pass: their digests, and which could be missing.
    # The whole stored value, split here (substr and encode in SQL cost the scan ~40 %), in binary.
    cursor.execute("SELECT import_digest, id, authority_code, surplus_status <> 'withdrawn', import_warnings::text "
                   "FROM asset WHERE authority_code = ANY(%s)", (codes,), binary=True)
    assets = cursor.fetchall()
    stored = {value[:DIGEST_BYTES]: (asset_id, code, value[DIGEST_BYTES:].decode("ascii"))
              for value, asset_id, code, _, _ in assets if value}
    if not stored:
        return result
    must_read = {i for i, _, _ in table.problems}
    references = reference_keys(_column(table.rows, columns.fields["reference"]))
    repeated = set() if len(set(references)) == len(references) else \
        {k for k, n in Counter(references).items() if n > 1}
    if repeated:
        must_read.update(i for i, k in enumerate(references) if k in repeated)
    if "crs" in columns.coordinates:
        cells = _column(table.rows, columns.coordinates["crs"])
        unknown = {c for c in set(cells) if mapping.clean_text(c) and not crs_code(mapping.clean_text(c))}
        must_read.update(i for i, c in enumerate(cells) if c in unknown)
    keep = []
    for i, digest in enumerate(digests):
        found = stored.get(digest)
        if found is None or i in must_read:
            keep.append(i)
        else:
            result.unchanged.append((i, *found))
    result.keep = keep
    unchanged = set(result.unchanged_ids)
    result.others = [row[1] for row in assets if row[3] and row[1] not in unchanged]
    warned = {row[1]: row[4] for row in assets if row[4] is not None and row[1] in unchanged}
    if len(result.unchanged) > len(warned):
        result.locations["surveyed"] = len(result.unchanged) - len(warned)
    if warned:
        _stored_warnings(result, table, columns, warned)
    return result


def reference_keys(cells: list[str]) -> list[str]:
    """checking's reference_key of each cleaned cell: white space trimmed and collapsed, lower case.

    When every cell is printable ASCII (so its only white space is the plain space) with no space at
    either end or doubled, that is its lower case: tested, and done, on the cells joined, in one pass.
    """
    joined = "\x01".join(cells)  # a separator no printable ASCII cell holds
    flat = "".join(cells)
    if cells and flat.isascii() and flat.isprintable() and "  " not in joined and " \x01" not in joined \
            and "\x01 " not in joined and joined[:1] != " " and joined[-1:] != " ":
        return joined.lower().split("\x01")
    clean = mapping.clean_text
    return [" ".join((cell if cell.isascii() and cell.isprintable() else clean(cell)).split()).lower()
            for cell in cells]


def _stored_warnings(result: Plan, table: Table, columns: mapping.ColumnMap, warned: dict[int, str]) -> None:
    """The skipped rows' stored warnings as this file's messages (its record numbers, rows, references)."""
    references = _column(table.rows, columns.fields["reference"])
    label = columns.label("reference")
    unit = "feature" if table.feature_numbers else "spreadsheet row"
    for i, asset_id, _, _ in result.unchanged:
        value = warned.get(asset_id)
        if value is None:
            continue
        location, messages = orjson.loads(value)
        result.locations[location] += 1
        reference = mapping.clean_text(references[i]).strip() or None  # as ParsedFile.message
        result.warnings.extend(Rejection(table.numbers[i], field_name, message, record=i + 1, reference=reference,
                                         reference_label=label, unit=unit) for field_name, message in messages)


def stored_value(digest: bytes, row_crs: str) -> bytes:
    """What `asset.import_digest` holds: the digest, then the row's coordinate system."""
    return digest + (row_crs or "").encode("ascii")


def warnings_value(location_source: str, warnings: list[Rejection]) -> str | None:
    """What `asset.import_warnings` holds for a row: None if it was surveyed and warned about nothing,
    else [its location_source, [[field, message], …]] (the messages in the order they were given)."""
    if not warnings and location_source == "surveyed":
        return None
    return orjson.dumps([location_source, [[w.field, w.message] for w in warnings]]).decode()

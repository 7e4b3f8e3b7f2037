"""Import digests: what changes a row's digest and what does not (no database: the reference data is given)."""

import pytest

from registry.imports import digests, mapping
from registry.imports.reading import Table

HEADER = ["Reference", "Asset Name", "Tenure", "Longitude", "Latitude"]
A = ["R-1", "Town Hall", "Freehold", "-1.5", "53.8"]
B = ["R-2", "Library", "Freehold", "-1.6", "53.7"]


def digest_of(rows, row, *, header=HEADER, crs="auto", overrides=None, authority=None, data=(1, 2)):
    table = Table("csv", header, rows, list(range(2, len(rows) + 2)))
    columns = mapping.map_columns(header, overrides)
    key = digests.context_key(table, crs, overrides, authority, data)
    return digests.row_digests(table, columns, key, digests.variant_counts(table, columns))[rows.index(row)]


BASE = digest_of([A, B], A)


@pytest.mark.parametrize(("case", "digest"), [
    ("a cell changed", digest_of([["R-1", "Town Hall ", "Freehold", "-1.5", "53.8"], B],
                                 ["R-1", "Town Hall ", "Freehold", "-1.5", "53.8"])),
    ("a header renamed", digest_of([A, B], A, header=["Reference", "Site Name", "Tenure", "Longitude", "Latitude"])),
    ("a mapping given", digest_of([A, B], A, overrides={"Asset Name": "name"})),
    ("--crs given", digest_of([A, B], A, crs="4326")),
    ("--authority given", digest_of([A, B], A, authority="E08000035")),
    ("the reference data reloaded", digest_of([A, B], A, data=(1, 3))),
    # Two other rows now spell the tenure "FREEHOLD": the file's spelling of A's tenure changes.
    ("the file's spelling of a merged field", digest_of(
        [A, ["R-2", "Library", "FREEHOLD", "-1", "53"], ["R-3", "Depot", "FREEHOLD", "-1", "53"]], A)),
])
def test_anything_that_changes_how_a_row_is_read_changes_its_digest(case, digest):
    assert digest != BASE, case


@pytest.mark.parametrize(("case", "digest"), [
    ("the row moved", digest_of([B, A], A)),
    ("another row changed", digest_of([A, ["R-2", "Branch Library", "Freehold", "-1.6", "53.7"]], A)),
    ("rows added", digest_of([A, B, ["R-9", "Park", "Leasehold", "-1", "53"]], A)),
])
def test_what_does_not_change_how_a_row_is_read_keeps_its_digest(case, digest):
    assert digest == BASE, case


def test_the_stored_value_is_the_digest_then_the_rows_coordinate_system():
    assert digests.stored_value(b"\x01" * 32, "27700") == b"\x01" * 32 + b"27700"
    assert digests.stored_value(b"\x01" * 32, "") == b"\x01" * 32


def test_a_surveyed_row_without_warnings_stores_nothing_beside_its_digest():
    assert digests.warnings_value("surveyed", []) is None


def test_a_warned_or_placed_row_stores_its_location_and_each_warnings_field_and_message_in_order():
    from registry.imports.report import Rejection

    warnings = [Rejection(5, "Postcode", "No coordinates: placed at the centre of postcode LS1 1AA (approximate).",
                          record=4, reference="DIG-5", reference_label="Reference"),
                Rejection(5, "Type", "Type 'Kiosk' is not one of our asset types: stored as Other, with the "
                          "council's label kept.", record=4, reference="DIG-5", reference_label="Reference")]
    # The record number, row and reference are the file's: not stored, the next file may move the row.
    assert digests.warnings_value("postcode", warnings) == (
        '["postcode",[["Postcode","No coordinates: placed at the centre of postcode LS1 1AA (approximate)."],'
        '["Type","Type \'Kiosk\' is not one of our asset types: stored as Other, with the council\'s label kept."]]]')
    assert digests.warnings_value("none", []) == '["none",[]]'


@pytest.mark.parametrize("cells", [
    ["R-1", "r-2", "AB 12"],  # plain printable ASCII: the one-pass way
    ["R-1", " r-2", "AB  12"],  # spaces at an end or doubled
    ["R-1", "r-2\u00a0", "AB\t12", ""],  # a non-breaking space, a tab, an empty cell
])
def test_reference_keys_are_checkings_reference_key(cells):
    # checking.reference_key of mapping.clean_text: worked by hand for these cells.
    expected = {("R-1", "r-2", "AB 12"): ["r-1", "r-2", "ab 12"],
                ("R-1", " r-2", "AB  12"): ["r-1", "r-2", "ab 12"],
                ("R-1", "r-2\u00a0", "AB\t12", ""): ["r-1", "r-2", "ab 12", ""]}[tuple(cells)]
    assert digests.reference_keys(cells) == expected

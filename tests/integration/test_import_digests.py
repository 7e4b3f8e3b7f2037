"""Import digests (migration 0028) against the real database: a re-import skips the rows an asset was
last written from, and that never changes what the import reports or writes.

The reference for every outcome is the importer without digests (every stored digest cleared first):
the same file over the same register must give the same report, row for row.
"""

from pathlib import Path

from sqlalchemy import text

from registry import db, imports
from registry.imports import digests

from .test_import_councils import CHELTENHAM, COUNCILS, council_world  # noqa: F401 - the fixture
from .test_imports import write_csv

LEEDS = "E08000035"
HEADER = ["Reference", "Asset Name", "Authority", "Type", "Status", "Longitude", "Latitude"]
# Three Leeds assets with coordinates and no postcode: read without any warning.
ROWS = [
    ["DIG-1", "Chapeltown Community Centre", LEEDS, "community centre", "surplus", "-1.53180", "53.81460"],
    ["DIG-2", "Armley Branch Library", LEEDS, "library", "under review", "-1.58460", "53.79750"],
    ["DIG-3", "Hunslet Depot", LEEDS, "depot", "operational", "-1.53400", "53.78300"],
]


def outcome(report) -> dict:
    """Everything an import reports, in comparable form."""
    summary = report.summary
    return {
        "counts": (report.total, report.accepted, report.inserted, report.updated, report.unchanged, report.written),
        "crs": report.crs, "format": report.format, "encoding": report.encoding,
        "locations": dict(sorted(report.locations.items())), "authorities": dict(sorted(report.authorities.items())),
        "rejected": [r.text for r in report.rejected], "warnings": [w.text for w in report.warnings],
        "headers": report.headers, "mapping": report.mapping, "present": sorted(report.present_fields),
        "ignored": report.ignored_columns, "lines": (report.describe(), report.closing_line()),
        # A new asset's id is the sequence's next (which the rolled-back reference run has moved on).
        "summary": None if summary is None else (
            summary.counts(), [{**r, "asset_id": None} if r["outcome"] == "new" else r for r in summary.rows()],
            summary.field_counts(), summary.missing),
    }


def without_digests(path: Path, **options):
    """What the importer reports for this file with no digest stored (today's behaviour), rolled back."""
    savepoint = db.session.begin_nested()
    db.session.execute(text("UPDATE asset SET import_digest = NULL WHERE import_digest IS NOT NULL"))
    report = imports.import_file(path, **options)
    savepoint.rollback()
    return report


def with_and_without(path: Path, **options):
    """The report without digests (rolled back), then the real import with them: both must agree."""
    reference = outcome(without_digests(path, **options))
    report = imports.import_file(path, **options)
    assert outcome(report) == reference
    return report


def versions(prefix: str) -> dict[str, tuple]:
    """Each asset's physical row version (any UPDATE makes a new one), updated_at and digest."""
    return {r[0]: (r[1], r[2], r[3]) for r in db.session.execute(text(
        "SELECT reference, ctid::text, updated_at, import_digest FROM asset WHERE reference LIKE :p"),
        {"p": prefix + "%"})}


def counter() -> int:
    return db.session.execute(text("SELECT version FROM map_version")).scalar_one()


def stored_digest_count(prefix: str) -> int:
    return db.session.execute(text("SELECT count(import_digest) FROM asset WHERE reference LIKE :p"),
                              {"p": prefix + "%"}).scalar_one()


def test_unchanged_reimport_writes_nothing_and_reports_every_row_unchanged(db_session, tmp_path):
    path = write_csv(tmp_path / "leeds.csv", HEADER, ROWS)
    first = imports.import_file(path)
    assert (first.inserted, first.warnings, first.rejected) == (3, [], [])
    assert stored_digest_count("DIG-") == 3
    # An old updated_at, so that a write would show (the officer's-edit trigger clears the digests);
    # the next import finds every row unchanged by its values and stores the digests again, alone.
    db.session.execute(text("UPDATE asset SET updated_at = '2020-01-02T03:04:05Z' WHERE reference LIKE 'DIG-%'"))
    assert stored_digest_count("DIG-") == 0
    refresh = with_and_without(path)
    assert (refresh.inserted, refresh.updated, refresh.unchanged) == (0, 0, 3)
    assert stored_digest_count("DIG-") == 3
    before, version = versions("DIG-"), counter()

    again = with_and_without(path)

    assert (again.total, again.accepted, again.inserted, again.updated, again.unchanged) == (3, 3, 0, 0, 3)
    assert [r for r in again.summary.rows() if r["reference"].startswith("DIG-")] == []
    assert versions("DIG-") == before  # the same row versions: no UPDATE at all
    assert {v[1].isoformat() for v in before.values()} == {"2020-01-02T03:04:05+00:00"}
    assert counter() == version  # the register's change counter did not move


def test_a_one_cell_change_updates_that_row_only(db_session, tmp_path):
    imports.import_file(write_csv(tmp_path / "leeds.csv", HEADER, ROWS))
    before = versions("DIG-")
    changed = [list(r) for r in ROWS]
    changed[1][1] = "Armley Library and One Stop Centre"

    report = with_and_without(write_csv(tmp_path / "leeds_changed.csv", HEADER, changed))

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    assert [(c.row, c.reference, c.fields) for c in report.summary.updated] == [(3, "DIG-2", ("name",))]
    after = versions("DIG-")
    assert after["DIG-1"] == before["DIG-1"] and after["DIG-3"] == before["DIG-3"]
    assert after["DIG-2"][0] != before["DIG-2"][0]
    assert after["DIG-2"][2] is not None and after["DIG-2"][2] != before["DIG-2"][2]
    assert db.session.execute(text("SELECT name FROM asset WHERE reference = 'DIG-2'")).scalar_one() == \
        "Armley Library and One Stop Centre"


def test_an_officers_edit_clears_the_digest_and_the_old_file_restores_the_files_value(db_session, tmp_path):
    """Today's behaviour, without digests: a re-import writes the file's values over an edit of a field
    the file has a column for. The digest must not hide the edit, so the row is read again."""
    path = write_csv(tmp_path / "leeds.csv", HEADER, ROWS)
    imports.import_file(path)
    db.session.execute(text("UPDATE asset SET name = 'Chapeltown Hub' WHERE reference = 'DIG-1'"))
    assert versions("DIG-")["DIG-1"][2] is None  # the trigger cleared it
    assert versions("DIG-")["DIG-2"][2] is not None

    report = with_and_without(path)

    assert (report.updated, report.unchanged) == (1, 2)
    assert [(c.reference, c.fields) for c in report.summary.updated] == [("DIG-1", ("name",))]
    assert db.session.execute(text("SELECT name FROM asset WHERE reference = 'DIG-1'")).scalar_one() == \
        "Chapeltown Community Centre"
    assert versions("DIG-")["DIG-1"][2] is not None  # written again with the restored values


def test_a_workflow_status_clears_the_digest(db_session, tmp_path):
    imports.import_file(write_csv(tmp_path / "leeds.csv", HEADER, ROWS))
    db.session.execute(text("UPDATE asset SET live_statuses = '{acv_listed}', live_status = 'acv_listed' "
                            "WHERE reference = 'DIG-3'"))
    assert versions("DIG-")["DIG-3"][2] is None
    report = with_and_without(write_csv(tmp_path / "again.csv", HEADER, ROWS))
    assert (report.updated, report.unchanged) == (0, 3)


def test_a_change_of_mapping_or_crs_rereads_every_row(db_session, tmp_path):
    path = write_csv(tmp_path / "leeds.csv", HEADER, ROWS)
    imports.import_file(path)
    cursor = db.session.connection().connection.driver_connection.cursor()
    table = imports.read_table(path, "auto")
    assert digests.plan(cursor, table, "auto", None, None).keep == []  # the same file: nothing to read
    mapping = {"Asset Name": "name"}  # what the standard names map it to anyway
    assert digests.plan(cursor, table, "auto", mapping, None).keep == [0, 1, 2]
    assert digests.plan(cursor, imports.read_table(path, "4326"), "4326", None, None).keep == [0, 1, 2]
    assert digests.plan(cursor, table, "auto", None, LEEDS).keep == [0, 1, 2]
    first = versions("DIG-")

    report = with_and_without(path, mapping=mapping)

    assert (report.updated, report.unchanged) == (0, 3)
    after = versions("DIG-")
    assert all(after[r][2] != first[r][2] and after[r][1] == first[r][1] for r in after)  # new digests, same values


def test_retire_missing_sees_the_unchanged_rows_as_present(db_session, tmp_path):
    imports.import_file(write_csv(tmp_path / "leeds.csv", HEADER, ROWS))
    dry = with_and_without(write_csv(tmp_path / "two.csv", HEADER, ROWS[:2]), dry_run=True)
    assert [m.reference for m in dry.summary.missing if m.reference.startswith("DIG-")] == ["DIG-3"]

    report = with_and_without(write_csv(tmp_path / "two.csv", HEADER, ROWS[:2]), retire_missing=True)

    assert report.unchanged == 2
    statuses = dict(db.session.execute(text("SELECT reference, surplus_status FROM asset WHERE reference LIKE 'DIG-%'")).all())
    assert statuses == {"DIG-1": "surplus", "DIG-2": "under_review", "DIG-3": "withdrawn"}


def test_missing_assets_found_among_the_few_others_when_most_rows_are_unchanged(db_session, tmp_path):
    """With more rows unchanged than other assets of the authority, the missing list is worked out
    among those others only: it must be the same list."""
    rows = [[f"DIG-{i:03d}", f"Asset {i}", LEEDS, "office", "surplus", f"{-1.55 + i * 1e-4:.4f}", "53.8000"]
            for i in range(1, 301)]
    imports.import_file(write_csv(tmp_path / "many.csv", HEADER, rows))
    others = db.session.execute(text("SELECT count(*) FROM asset WHERE authority_code = :a "
                                     "AND reference NOT LIKE 'DIG-%' AND surplus_status <> 'withdrawn'"),
                                {"a": LEEDS}).scalar_one()
    assert others + 1 < 299  # so the import below takes that way

    report = with_and_without(write_csv(tmp_path / "fewer.csv", HEADER, rows[:299]), retire_missing=True)

    assert report.unchanged == 299
    assert [m.reference for m in report.summary.missing if m.reference.startswith("DIG-")] == ["DIG-300"]
    assert len(report.summary.missing) == others + 1


def test_a_repeated_reference_is_refused_as_without_digests(db_session, tmp_path):
    imports.import_file(write_csv(tmp_path / "leeds.csv", HEADER, ROWS))
    repeated = [*ROWS, ["dig-1", "Another Chapeltown", LEEDS, "office", "surplus", "-1.53", "53.81"]]
    report = with_and_without(write_csv(tmp_path / "repeated.csv", HEADER, repeated), skip_bad_rows=True)
    assert [r.row for r in report.rejected] == [5]
    assert (report.updated, report.unchanged) == (0, 3)


def test_cheltenham_years_report_the_same_with_digests(db_session, council_world):  # noqa: F811
    y2021, y2023 = COUNCILS / "cheltenham_land_and_assets_2021.csv", COUNCILS / "cheltenham_land_and_assets_2023.csv"
    first = imports.import_file(y2021, skip_bad_rows=True)
    assert first.inserted == 180
    stored = stored_digest_count("")
    assert 0 < stored <= 180  # rows read with a warning keep none

    cursor = db.session.connection().connection.driver_connection.cursor()
    plan = digests.plan(cursor, imports.read_table(y2021, "auto"), "auto", None, None)
    # The re-import below skips every row that has its digest, but for the first of a repeated reference
    # (its repeat is refused, naming it): those are read again.
    repeats = [r for r in first.rejected if "is already on" in r.message]
    assert len(repeats) == 2
    assert len(plan.unchanged) == stored - len(repeats)
    again = with_and_without(y2021, skip_bad_rows=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 180)

    newer = with_and_without(y2023, skip_bad_rows=True, retire_missing=True)
    assert newer.updated + newer.inserted > 0
    newer_again = with_and_without(y2023, skip_bad_rows=True, retire_missing=True)
    assert newer_again.unchanged == newer_again.accepted
    back = with_and_without(y2021, skip_bad_rows=True)
    assert back.authorities == {CHELTENHAM: 180}


# Rows read with a warning keep a digest too, and the report lists their warnings again.
BRADFORD = "E08000032"
WARNED_HEADER = [*HEADER, "Postcode"]
WARNED_ROWS = [
    [*ROWS[0], ""],
    [*ROWS[1], ""],
    # Bradford's, at the Chapeltown point in Leeds: outside its authority's (approximate) boundary.
    ["DIG-4", "Bradford Council Store", BRADFORD, "depot", "surplus", "-1.53180", "53.81460", ""],
    # No coordinates: placed at its postcode's centre.
    ["DIG-5", "Park Row Library", LEEDS, "library", "surplus", "", "", "LS1 1AA"],
]
OUTSIDE = ("The asset lies outside the area of E08000032, its authority: accepted (councils own land "
           "elsewhere) and flagged.")
PLACED = "No coordinates: placed at the centre of postcode LS1 1AA (approximate)."
WARNINGS = [f"Record 3 (spreadsheet row 4, Reference DIG-4): {OUTSIDE}",
            f"Record 4 (spreadsheet row 5, Reference DIG-5): {PLACED}"]


def plan_of(path: Path, **options) -> digests.Plan:
    cursor = db.session.connection().connection.driver_connection.cursor()
    return digests.plan(cursor, imports.read_table(path, "auto"), "auto", options.get("mapping"),
                        options.get("default_authority"))


def stored_warnings(reference: str):
    return db.session.execute(text("SELECT import_warnings FROM asset WHERE reference = :r"),
                              {"r": reference}).scalar_one()


def test_a_warned_row_reimported_unchanged_is_skipped_and_its_warnings_listed_again(db_session, tmp_path):
    path = write_csv(tmp_path / "warned.csv", WARNED_HEADER, WARNED_ROWS)
    first = imports.import_file(path)
    assert (first.inserted, first.rejected) == (4, [])
    assert [w.text for w in first.warnings] == WARNINGS
    assert stored_digest_count("DIG-") == 4  # the warned rows keep theirs too
    assert stored_warnings("DIG-1") is None
    assert stored_warnings("DIG-4") == ["surveyed", [["Longitude/Latitude", OUTSIDE]]]
    assert stored_warnings("DIG-5") == ["postcode", [["Postcode", PLACED]]]
    before, version = versions("DIG-"), counter()

    plan = plan_of(path)
    assert plan.keep == []  # no row read or checked again, the warned ones neither
    assert sorted(plan.unchanged)[2:] == [(2, *db.session.execute(text(
        "SELECT id, authority_code FROM asset WHERE reference = 'DIG-4'")).one(), "4326"),
        (3, *db.session.execute(text("SELECT id, authority_code FROM asset WHERE reference = 'DIG-5'")).one(), "")]
    reference = outcome(without_digests(path))
    checked = []
    again = imports.import_file(path, progress=lambda done, total: checked.append(total))

    assert outcome(again) == reference
    assert checked == []  # check_rows was given no row (it reports its progress for any)
    assert (again.total, again.accepted, again.inserted, again.updated, again.unchanged) == (4, 4, 0, 0, 4)
    assert [w.text for w in again.warnings] == WARNINGS
    assert dict(again.locations) == {"surveyed": 3, "postcode": 1}
    assert again.closing_line() == "0 added, 0 updated, 4 unchanged, 0 rejected, 2 warnings."
    assert versions("DIG-") == before and counter() == version


def test_a_skipped_warned_rows_warning_names_its_place_in_this_file(db_session, tmp_path):
    imports.import_file(write_csv(tmp_path / "warned.csv", WARNED_HEADER, WARNED_ROWS))
    moved = write_csv(tmp_path / "moved.csv", WARNED_HEADER, [WARNED_ROWS[3], WARNED_ROWS[0], WARNED_ROWS[2]])
    assert plan_of(moved).keep == []

    report = with_and_without(moved)

    assert [w.text for w in report.warnings] == [f"Record 1 (spreadsheet row 2, Reference DIG-5): {PLACED}",
                                                 f"Record 3 (spreadsheet row 4, Reference DIG-4): {OUTSIDE}"]
    assert report.unchanged == 3


def test_changing_a_warned_row_checks_it_again(db_session, tmp_path):
    imports.import_file(write_csv(tmp_path / "warned.csv", WARNED_HEADER, WARNED_ROWS))
    renamed = [list(r) for r in WARNED_ROWS]
    renamed[2][1] = "Bradford Council Stores"
    # DIG-5 now gives its coordinates: surveyed, nothing to warn about.
    renamed[3][5:7] = ["-1.55250", "53.79620"]
    path = write_csv(tmp_path / "renamed.csv", WARNED_HEADER, renamed)
    assert plan_of(path).keep == [2, 3]

    report = with_and_without(path)

    assert [(c.reference, c.fields) for c in report.summary.updated] == [
        ("DIG-4", ("name",)), ("DIG-5", ("point", "location_source"))]
    assert [w.text for w in report.warnings] == [WARNINGS[0]]
    assert stored_warnings("DIG-5") is None  # surveyed now: the old warning is not kept
    assert plan_of(path).keep == []
    again = with_and_without(path)
    assert ([w.text for w in again.warnings], again.unchanged) == ([WARNINGS[0]], 4)
    assert dict(again.locations) == {"surveyed": 4}


def test_reimporting_the_boundary_checks_every_row_again(db_session, tmp_path):
    """"Outside the area of …" depends on the authority's boundary: a new one must be checked against."""
    from registry import places

    path = write_csv(tmp_path / "warned.csv", WARNED_HEADER, WARNED_ROWS)
    imports.import_file(path)
    # Bradford's boundary now takes in a 1 km square around the Chapeltown point (worked by hand:
    # -1.5318, 53.8146 lies in it), reloaded as the boundary loaders do.
    db.session.execute(text(
        "UPDATE authority SET boundary = ST_Multi(ST_Union(boundary, ST_MakeEnvelope(-1.540, 53.810, -1.524, "
        "53.819, 4326))) WHERE code = :code"), {"code": BRADFORD})
    places.refresh_boundary_parts()
    assert plan_of(path).keep == [0, 1, 2, 3]

    report = with_and_without(path)

    assert [w.text for w in report.warnings] == [WARNINGS[1]]  # no longer outside Bradford's area
    assert (report.updated, report.unchanged) == (0, 4)
    assert stored_warnings("DIG-4") is None
    assert plan_of(path).keep == []
    again = with_and_without(path)
    assert [w.text for w in again.warnings] == [WARNINGS[1]]


def test_reloading_the_gazetteer_checks_every_row_again(db_session, tmp_path):
    """A postcode's centre is where a row without coordinates goes: the gazetteer is in the key too."""
    path = write_csv(tmp_path / "warned.csv", WARNED_HEADER, WARNED_ROWS)
    imports.import_file(path)
    db.session.execute(text("DELETE FROM postcode_district WHERE outcode = 'ZZ99'"))  # nothing to delete
    assert plan_of(path).keep == []
    db.session.execute(text("INSERT INTO postcode_district (outcode, point, postcode_count) "
                            "VALUES ('ZZ99', ST_SetSRID(ST_MakePoint(-1.5, 53.8), 4326), 1)"))
    assert plan_of(path).keep == [0, 1, 2, 3]

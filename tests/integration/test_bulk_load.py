"""The owner's initial load (`imports.bulk`, `flask assets bulk-load`): COPY, set-based checks, indexes after.

Real PostgreSQL + PostGIS, as the owner role, in a transaction rolled back at the end (the register is
emptied inside it: the bulk load is for an empty register). Expected values are worked out by hand from
the rows below and from the gazetteer's own table, never from the loader's answers.
"""

import pytest
from sqlalchemy import text

from registry import db
from registry.imports import bulk

from ..conftest import owner_engine

HEADER = "Reference,Asset Name,Authority,Type,Postcode,Longitude,Latitude,Floor area,Condition,UPRN,Tenant\r\n"


@pytest.fixture()
def owner(db_session):
    """A psycopg cursor as the owner role, on an emptied register; everything rolled back after."""
    connection = owner_engine().connect()
    outer = connection.begin()
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'asset'")
    indexes = cursor.fetchone()[0]
    cursor.execute("SELECT sum(asset_count)::float / (SELECT count(*) FROM asset WHERE point IS NOT NULL) "
                   "FROM asset_grid_cell")
    cells_per_asset = cursor.fetchone()[0]  # as the row-level triggers keep it
    cursor.execute("TRUNCATE asset CASCADE")
    cursor.execute("SELECT a.code, p.postcode, ST_X(p.point), ST_Y(p.point) FROM authority a "
                   "JOIN postcode p ON p.district_code = a.code ORDER BY a.code, p.compact LIMIT 1")
    place = cursor.fetchone()
    try:
        yield cursor, place, indexes, cells_per_asset
    finally:
        outer.rollback()
        connection.close()


def rows(place):
    code, postcode, lon, lat = place
    return (HEADER
            + f"B-1,Town Hall,{code},Library,{postcode},{lon + 0.001:.6f},{lat:.6f},\"1,250\",good,100023336956,\r\n"
            + f"B-2,Park Pavilion,{code},park_pavilion,{postcode.lower().replace(' ', '')},,,,excellent,,Mr Smith\r\n"
            + f"B-3,Depot,{code},depot,,{lat:.6f},{lon:.6f},12x,,,\r\n"
            + f"b-1,Second Hall,{code},library,,{lon:.6f},{lat:.6f},,,,\r\n"
            + f",No Reference,{code},library,,{lon:.6f},{lat:.6f},,,,\r\n"
            + ",,,,,,,,,,\r\n").encode()


def messages(report):
    return {(r.record, r.row, r.reference, r.field, r.message) for r in report.rejected}, \
        {(r.record, r.row, r.reference, r.field, r.message) for r in report.warnings}


def test_every_problem_by_record_row_and_reference_and_nothing_written(owner):
    cursor, place, _, _ = owner
    code, postcode, lon, lat = place
    report = bulk.load_csv(cursor, rows(place))
    rejected, warnings = messages(report)
    assert report.total == 5 and not report.written
    assert rejected == {
        (3, 4, "B-3", "Floor area", "Floor area '12x' is not a number."),
        (4, 5, "b-1", "Reference", "Reference 'b-1' for " + code + " is already on spreadsheet row 2: each asset "
                                   "must appear once."),
        (5, 6, None, "Reference", "Enter the Reference."),
    }
    assert (2, 3, "B-2", "Postcode", f"No coordinates: placed at the centre of postcode {postcode} "
                                     "(approximate).") in warnings
    assert (2, 3, "B-2", "Condition", "Condition must be one of: good, fair, poor, very_poor, unknown. Condition "
                                      "'excellent' is kept with the row's details, not as the field.") in warnings
    assert (3, 4, "B-3", "Longitude", f"Longitude {lat:.6f} and Latitude {lon:.6f} were the wrong way round: "
                                      "they have been swapped.") in warnings
    assert rejected and report.rejected[0].text.startswith("Record 3 (spreadsheet row 4, Reference B-3)")
    cursor.execute("SELECT count(*) FROM asset")
    assert cursor.fetchone()[0] == 0


def test_good_rows_load_with_indexes_grid_and_change_counter(owner):
    cursor, place, indexes, cells_per_asset = owner
    code, postcode, lon, lat = place
    cursor.execute("SELECT version FROM map_version")
    version = cursor.fetchone()[0]
    report = bulk.load_csv(cursor, rows(place), skip_bad_rows=True)
    assert report.written and report.inserted == 2
    cursor.execute("SELECT reference, name, asset_type, postcode, ST_X(point), ST_Y(point), location_source, "
                   "floor_area_m2, condition, uprn, extra, area_code FROM asset ORDER BY reference")
    town_hall, pavilion = cursor.fetchall()
    assert town_hall[:4] == ("B-1", "Town Hall", "library", postcode)
    assert town_hall[4] == pytest.approx(lon + 0.001, abs=1e-6) and town_hall[5] == pytest.approx(lat, abs=1e-6)
    assert town_hall[6:10] == ("surveyed", 1250, "good", 100023336956)
    assert town_hall[11] == code  # a point 70 m from one of the authority's postcodes
    # No coordinates: at the postcode's centre (the gazetteer's point), marked approximate.
    assert pavilion[:4] == ("B-2", "Park Pavilion", "park_pavilion", postcode)
    assert (pavilion[4], pavilion[5], pavilion[6]) == (pytest.approx(lon), pytest.approx(lat), "postcode")
    assert pavilion[8] == "unknown" and pavilion[10] == {"Tenant": "Mr Smith", "Condition": "excellent"}
    cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'asset'")
    assert cursor.fetchone()[0] == indexes  # every index rebuilt
    cursor.execute("SELECT sum(asset_count) FROM asset_grid_cell")
    assert cursor.fetchone()[0] == pytest.approx(2 * cells_per_asset)
    cursor.execute("SET CONSTRAINTS register_change_commit IMMEDIATE")
    cursor.execute("SELECT version FROM map_version")
    assert cursor.fetchone()[0] > version
    cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'asset'::regclass AND tgenabled = 'D'")
    assert cursor.fetchone()[0] == 0  # triggers back on


def test_refuses_a_register_with_assets_and_the_app_role(owner, db_session):
    cursor, place, _, _ = owner
    assert bulk.load_csv(cursor, rows(place), skip_bad_rows=True).written
    with pytest.raises(bulk.BulkRefused, match="already has assets"):
        bulk.load_csv(cursor, rows(place))
    app_cursor = db.session.connection().connection.driver_connection.cursor()
    with pytest.raises(bulk.BulkRefused, match="only the owner role"):
        bulk.load_csv(app_cursor, rows(place))
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_files_it_does_not_take_are_sent_to_the_importer(owner):
    cursor, place, _, _ = owner
    with pytest.raises(bulk.BulkRefused, match="UTF-8"):
        bulk.load_csv(cursor, "Reference,Name,Longitude,Latitude\nA,Caf\xe9,-1.5,53.8\n".encode("cp1252"))
    with pytest.raises(bulk.BulkRefused, match="line breaks inside quoted cells"):
        bulk.load_csv(cursor, b'Reference,Name,Longitude,Latitude\nA,"Two\nlines",-1.5,53.8\n')
    with pytest.raises(bulk.BulkRefused, match="Holding type"):
        bulk.load_csv(cursor, b"Reference,Name,Holding type,Longitude,Latitude\nA,Hall,Land,-1.5,53.8\n")


def test_a_longitude_written_in_exponent_form_is_a_number(owner):
    """Near Greenwich a program's float can print as 2.58e-05; the importer reads it (Python's float
    does), so the bulk path must too, at the same place. Also a rejected word still is not a number."""
    cursor, place, _, _ = owner
    code = place[0]
    data = (HEADER
            + f"G-1,Greenwich Hall,{code},library,,2.58e-05,51.4779,,,,\r\n"
            + f"G-2,Meridian Hut,{code},library,,-8.74E-05,51.4781,,,,\r\n"
            + f"G-3,Nowhere,{code},library,,east,51.4781,,,,\r\n").encode()
    report = bulk.load_csv(cursor, data, skip_bad_rows=True)
    assert [(r.reference, r.message) for r in report.rejected] == [("G-3", "Longitude 'east' is not a number.")]
    cursor.execute("SELECT reference, ST_X(point), ST_Y(point) FROM asset ORDER BY reference")
    assert cursor.fetchall() == [("G-1", pytest.approx(0.0000258, abs=1e-9), pytest.approx(51.4779)),
                                 ("G-2", pytest.approx(-0.0000874, abs=1e-9), pytest.approx(51.4781))]

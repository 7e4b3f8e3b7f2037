"""A parish council may nominate only land in its own parish (Localism Act 2011 s.89(2)(b)(i)).

Where parish boundaries are loaded for the council, a parish council nominating land outside its parish is
refused, naming the parish the land lies in; where they are not, the officer must confirm the local
connection and say how it was checked, and the reason is kept (privately) with the case.

The parish boundaries are two squares drawn by hand around and beside the asset's point, in this test's
transaction only (the ward and parish import may not be in this branch: the tables are made if missing,
with the columns of migration 0011's area_boundary and area_boundary_part).
"""

from datetime import date

import pytest
from flask import current_app
from sqlalchemy import text

from registry import db
from registry.errors import InvalidInput, TransitionRefused
from registry.workflow import acv, engine

from .workflow_world import LEEDS, build, counts, nominate

TODAY = date(2026, 6, 1)
OWN, NEIGHBOUR = "E04000901", "E04000902"


def _ensure_tables():
    # The tables come from migration 0011; only a database without it needs them made (as a role that may).
    if db.session.execute(text("SELECT to_regclass('area_boundary_part') IS NOT NULL")).scalar():
        return
    db.session.execute(text(
        "CREATE TABLE IF NOT EXISTS area_boundary (code varchar(9) PRIMARY KEY, name varchar NOT NULL, "
        "kind varchar(10) NOT NULL, district_code varchar(9), source varchar NOT NULL DEFAULT 'ons', "
        "source_file varchar, geom geometry(MultiPolygon, 4326) NOT NULL, updated_at timestamptz DEFAULT now())"))
    db.session.execute(text(
        "CREATE TABLE IF NOT EXISTS area_boundary_part (id bigserial PRIMARY KEY, area_code varchar(9) NOT NULL "
        "REFERENCES area_boundary (code) ON DELETE CASCADE, kind varchar(10) NOT NULL, "
        "geom geometry(Polygon, 4326) NOT NULL)"))


def load_parishes(lon: float, lat: float) -> None:
    """OWN: a 0.02° square centred on the point; NEIGHBOUR: the square east of it (both in Leeds)."""
    _ensure_tables()
    for code, name, west in ((OWN, "Ownton", lon - 0.01), (NEIGHBOUR, "Nextby", lon + 0.01)):
        wkt = (f"MULTIPOLYGON((({west} {lat - 0.01}, {west + 0.02} {lat - 0.01}, {west + 0.02} {lat + 0.01}, "
               f"{west} {lat + 0.01}, {west} {lat - 0.01})))")
        db.session.execute(text("INSERT INTO area_boundary (code, name, kind, district_code, geom) "
                                "VALUES (:code, :name, 'parish', :district, ST_GeomFromText(:wkt, 4326))"),
                           {"code": code, "name": name, "district": LEEDS, "wkt": wkt})
        db.session.execute(text("INSERT INTO area_boundary_part (area_code, kind, geom) "
                                "SELECT code, kind, (ST_Dump(geom)).geom FROM area_boundary WHERE code = :code"),
                           {"code": code})
    db.session.flush()


@pytest.fixture()
def world(db_session):
    w = build(LEEDS)
    w.group.legal_form = "parish_council"
    db.session.flush()
    return w


def asset_point(world):
    return db.session.execute(text("SELECT ST_X(point), ST_Y(point) FROM asset WHERE id = :id"),
                              {"id": world.asset.id}).one()


def validating(world):
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    return case


def test_parish_council_nominating_land_outside_its_parish_is_refused_where_boundaries_are_loaded(world):
    load_parishes(*asset_point(world))
    world.group.parish_code = NEIGHBOUR  # Nextby Parish Council; the asset lies in Ownton
    db.session.flush()
    case = validating(world)
    assert case.data["checks"]["site_parish"]["code"] == OWN
    before = counts(case.id)
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "accept_nomination", world.officer,
                          {"owner_notified_on": "2026-06-01", "local_connection_confirmed": "yes",
                           "local_connection_reason": "Trying to override"}, TODAY)
    assert ("a parish council can nominate only land in its own parish (E04000902); this land lies in Ownton "
            "(E04000901)") in caught.value.detail
    assert counts(case.id) == before and case.state == "validation"


def test_parish_council_nominating_land_in_its_own_parish_passes_without_a_confirmation(world):
    load_parishes(*asset_point(world))
    world.group.parish_code = OWN
    db.session.flush()
    case = validating(world)
    assert case.data["checks"]["confirm_local_connection"] is None and case.data["checks"]["passed"]
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    assert case.state == "owner_notified"


def test_without_parish_boundaries_the_officer_confirms_and_the_reason_is_kept(world):
    world.group.parish_code = NEIGHBOUR
    db.session.flush()
    assert acv.parish_boundaries_loaded(LEEDS) is False
    case = validating(world)
    assert "parish boundaries are not loaded" in case.data["checks"]["confirm_local_connection"]
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="confirm the local connection"):
        engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    with pytest.raises(InvalidInput) as caught:
        engine.transition(case.id, "accept_nomination", world.officer,
                          {"owner_notified_on": "2026-06-01", "local_connection_confirmed": "yes"}, TODAY)
    assert caught.value.field == "local_connection_reason"
    assert counts(case.id) == before
    engine.transition(case.id, "accept_nomination", world.officer,
                      {"owner_notified_on": "2026-06-01", "local_connection_confirmed": "yes",
                       "local_connection_reason": "Checked the parish map held by Democratic Services."}, TODAY)
    assert case.state == "owner_notified" and case.data["local_connection"] == "confirmed by the officer"
    assert case.private_data["local_connection_reason"] == "Checked the parish map held by Democratic Services."
    assert "local_connection_reason" not in case.data
    # The public case page says it in words, never the field's name; the officer's reason stays private.
    db.session.commit()
    page = current_app.test_client().get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Local connection confirmed" in page and "local_connection_confirmed" not in page
    assert "Democratic Services" not in page


def test_parish_council_with_a_district_code_is_confirmed_by_the_officer(world):
    world.group.area_code, world.group.parish_code = LEEDS, None  # no parish code: no boundary can decide
    db.session.flush()
    case = validating(world)
    assert "gives no parish code" in case.data["checks"]["confirm_local_connection"]
    with pytest.raises(TransitionRefused, match="confirm the local connection"):
        engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)

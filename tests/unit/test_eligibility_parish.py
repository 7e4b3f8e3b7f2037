"""Parish councils and local connection: pure table tests (s.89(2)(b)(i), reg 4)."""

import pytest

from registry.workflow import acv

DISTRICT = "E07000123"
PARISH = {"legal_form": "parish_council", "area_code": DISTRICT, "parish_code": "E04000901"}


@pytest.mark.parametrize(("code", "is_parish"), [
    ("E04000901", True), ("W04000123", True), ("E07000123", False), ("E05000001", False), ("E0400090", False),
    (None, False), ("", False),
])
def test_is_parish_code(code, is_parish):
    assert acv.is_parish_code(code) is is_parish


@pytest.mark.parametrize(("boundaries", "site_parish", "refused"), [
    pytest.param(True, {"code": "E04000901", "name": "Ownton"}, False, id="in_its_parish"),
    pytest.param(True, {"code": "E04000902", "name": "Nextby"}, True, id="in_another_parish"),
    pytest.param(True, None, True, id="in_no_parish_while_boundaries_loaded"),
    pytest.param(False, None, False, id="boundaries_not_loaded_officer_confirms"),
])
def test_parish_council_against_parish_boundaries(boundaries, site_parish, refused):
    problems = acv.nominating_body_eligibility(PARISH, DISTRICT, parish_boundaries=boundaries,
                                               site_parish=site_parish)
    assert bool(problems) is refused
    if refused:
        assert problems[0].startswith("a parish council can nominate only land in its own parish (E04000901)")


@pytest.mark.parametrize(("org", "boundaries", "confirm"), [
    pytest.param(PARISH, True, None, id="parish_with_boundaries"),
    pytest.param(PARISH, False, "parish boundaries are not loaded", id="parish_without_boundaries"),
    pytest.param({**PARISH, "parish_code": None}, True, "gives no parish code", id="parish_without_code"),
    pytest.param({"legal_form": "charity", "area_code": DISTRICT}, False, None, id="charity_with_area"),
    pytest.param({"legal_form": "charity", "area_code": None}, False, "does not say where its activities are",
                 id="charity_without_area"),
])
def test_what_the_officer_must_confirm(org, boundaries, confirm):
    said = acv.local_connection_to_confirm(org, boundaries)
    assert (said is None) if confirm is None else (confirm in said)

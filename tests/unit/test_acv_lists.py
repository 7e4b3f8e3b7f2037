"""The pure parts of the ACV list import: dates, locations, names, decisions, headers."""

from datetime import date

import pytest

from registry import acv_lists


@pytest.mark.parametrize("text, expected", [
    ("06/01/2025", date(2025, 1, 6)),  # UK lists write the day first
    ("2025-01-06", date(2025, 1, 6)),
    ("6 January 2025", date(2025, 1, 6)),
    ("6 Jan 2025", date(2025, 1, 6)),
    ("02/03/2026 - 12/04/2026", date(2026, 4, 12)),  # a period: its last day
    ("", None),
    (None, None),
])
def test_council_dates(text, expected):
    assert acv_lists.parse_date_text(text) == expected


@pytest.mark.parametrize("text", ["soon", "31/02/2025", "TBC"])
def test_text_that_is_not_a_date_is_refused(text):
    with pytest.raises(ValueError):
        acv_lists.parse_date_text(text)


@pytest.mark.parametrize("text, expected", [
    ("(51.5384267, -0.1357449)", (-0.1357449, 51.5384267)),  # Camden: (lat, lon)
    ("51.5384267,-0.1357449", (-0.1357449, 51.5384267)),
    ("POINT (-0.1357449 51.5384267)", (-0.1357449, 51.5384267)),  # WKT: lon lat
    ("", None),
])
def test_locations(text, expected):
    assert acv_lists.parse_location(text) == expected


@pytest.mark.parametrize("text", ["(-0.1357449, 51.5384267)", "(40.7, -74.0)", "somewhere"])
def test_a_location_outside_the_uk_or_swapped_is_refused(text):
    with pytest.raises(ValueError):
        acv_lists.parse_location(text)


def test_camden_name_and_address_split_at_the_first_comma():
    assert acv_lists.split_name_address("The Golden Lion, 88 Royal College Street, London NW1 0TH") == (
        "The Golden Lion", "88 Royal College Street, London NW1 0TH")
    assert acv_lists.split_name_address("Camley Street Natural Park") == ("Camley Street Natural Park", None)


@pytest.mark.parametrize("name, organisation", [
    ("Camden Town Pubs Society", True),
    ("Friends of Parliament Hill Lido", True),
    ("Example Street Residents Association", True),
    ("Kentish Town Neighbourhood Forum", True),
    ("CAMRA", True),
    ("Golden Lion Community Benefit Society", True),
    ("Jane Example", False),  # a person: kept private
    ("Mr J Smith", False),
    ("A Resident", False),
    ("", False),
])
def test_only_a_name_recognised_as_an_organisation_is_published(name, organisation):
    assert acv_lists.is_organisation_name(name) is organisation


@pytest.mark.parametrize("reason, step", [
    ("Not of community value: no recent non-ancillary use", ("decline", "decline_reason", "not_community_value")),
    ("The land is part of a residence (Sch 1)", ("decline", "decline_reason", "excluded_land")),
    ("The nominating group is not eligible: fewer than 21 local members",
     ("reject_nomination", "invalid_reason", "not_eligible")),
    ("The site is outside the borough", ("reject_nomination", "invalid_reason", "outside_area")),
    ("Nomination incomplete", ("reject_nomination", "invalid_reason", "incomplete")),
    (None, ("decline", "decline_reason", "not_community_value")),
])
def test_an_unsuccessful_reason_chooses_the_step(reason, step):
    assert acv_lists.unsuccessful_step(reason) == step


@pytest.mark.parametrize("status, decision, reason, expected", [
    ("", "", "Not of community value", "unsuccessful"),  # Camden: the reason column says so
    ("", "", "", "successful"),  # Camden: on the list with no reason
    ("Listed", "", "", "successful"),
    ("Unsuccessful", "", "", "unsuccessful"),
    ("Not listed", "", "", "unsuccessful"),
    ("", "Listed", "", "successful"),
    ("Nomination received", "", "", None),
])
def test_the_decision_a_row_records(status, decision, reason, expected):
    assert acv_lists.decision_of(status, decision, reason) == expected


def test_camden_and_stockport_headers_map_and_the_rest_are_reported():
    camden = ["Reference", "Property name and address", "Nominated By", "Date Nomination Received",
              "Community Group Which Triggered Full Moratorium", "Notice To Dispose Received By Council Date",
              "Reason For Unsuccessful Nomination", "Location", "Ward"]
    found, unmapped = acv_lists.map_headers(camden)
    assert found == {"reference": 0, "name_address": 1, "nominator": 2, "nomination_date": 3,
                     "interested_group": 4, "notice_date": 5, "unsuccessful_reason": 6, "location": 7}
    assert unmapped == ["Ward"]
    stockport = ["ref", "status", "full_moratorium_end_date", "protection_period_end_date", "decision_rationale"]
    found, unmapped = acv_lists.map_headers(stockport)
    assert found == {"reference": 0, "status": 1, "full_end": 2, "protected_end": 3, "reasons": 4}
    assert unmapped == []


def test_oxfords_headers_map_every_column():
    # fixtures/samples/acv/oxford_assets_of_community_value.csv's header, as Oxford City Council wrote it.
    oxford = ["Reference", "Name of Asset", "Address of Asset", "Date nomination requested", "Date of decision",
              "Date owner announced intention to dispose", "Date interim moratorium will end",
              "Date full moratorium triggered", "Date full moratorium will end", "End of protected period"]
    found, unmapped = acv_lists.map_headers(oxford)
    assert found == {"reference": 0, "name": 1, "address": 2, "nomination_date": 3, "decision_date": 4,
                     "notice_date": 5, "interim_end": 6, "request_date": 7, "full_end": 8, "protected_end": 9}
    assert unmapped == []


@pytest.mark.parametrize("text, expected", [
    ("16 Glebelands, Oxford, OX3 7EN", "OX3 7EN"),
    ("106 Bridge Street, Oxford OX2 0BD", "OX2 0BD"),  # no comma before it
    ("Oxford Road, Cowley, OX4 2ES ", "OX4 2ES"),
    ("The Golden Lion, 88 Royal College Street, London NW1 0TH", "NW1 0TH"),
    ("1 high st, leeds ls11ur", "LS1 1UR"),  # lower case, no space
    ("Sandy Lane, Oxford", None),
    ("Unit OX4, Grenoble Road", None),  # an outward code alone is not a postcode
    ("", None),
    (None, None),
])
def test_the_postcode_in_an_address(text, expected):
    assert acv_lists.postcode_in(text) == expected


@pytest.mark.parametrize("a, b, similar", [
    ("Kentish Town City Farm", "Kentish Town City Farm", True),
    ("The Golden Lion", "Golden Lion", True),
    ("Kentish Town City Farm", "Kentish Town Library", False),
])
def test_names_similar_without_pg_trgm(a, b, similar):
    assert acv_lists.names_similar(a, b) is similar

"""No WTForms default wording ("Not a valid choice.", "Field cannot be longer than 200 characters.") on the
account, admin and transfer forms: each message names the field, in the person's terms (GOV.UK error
messages). The expected wording is written here by hand."""

import pytest

from registry.web.forms import plain_message
from tests.integration.conftest import csrf_token, sign_in

WTFORMS_WORDING = ["Not a valid choice", "Field cannot be longer", "is not a valid choice", "Invalid Choice",
                   "Not a valid date value", "This field is required", "Field must be"]


@pytest.mark.parametrize("wtforms_says, label, person_reads", [
    ("Field cannot be longer than 200 characters.", "Your name", "Your name must be 200 characters or fewer."),
    ("Field must be at least 10 characters long.", "Password", "Password must be 10 characters or more."),
    ("Not a valid choice.", "Authority", "Choose authority from the list."),
    ("Invalid Choice: could not coerce.", "Organisation", "Choose organisation from the list."),
    ("'zzz' is not a valid choice for this field.", "Roles", "Choose roles only from the options shown."),
    ("Not a valid date value.", "Date of the trigger", "Date of the trigger must be a real date, for example 27 3 2026."),
    ("This field is required.", "Token name", "Enter token name."),
    ("Enter your name.", "Your name", "Enter your name."),  # a form's own message is kept
])
def test_wtforms_wording_in_the_persons_terms(wtforms_says, label, person_reads):
    assert plain_message(wtforms_says, label) == person_reads


def shows_no_wtforms_wording(html: str) -> list[str]:
    return [words for words in WTFORMS_WORDING if words in html]


def test_sign_up_with_a_long_name_names_the_field(client):
    response = client.post("/sign-up", data={"csrf_token": csrf_token(client), "display_name": "x" * 201,
                                             "email": "long.name@example.org", "password": "a long password 1",
                                             "password_again": "a long password 1"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert "Your name must be 200 characters or fewer." in html
    assert shows_no_wtforms_wording(html) == []


def test_admin_officer_form_with_a_made_up_authority_and_role(client, make_user):
    admin = make_user("admin")
    person = make_user()
    sign_in(client, admin)
    response = client.post(f"/admin/users/{person.id}/officer",
                           data={"csrf_token": csrf_token(client), "officer-authority_code": "E99999999",
                                 "officer-roles": ["emperor"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose authority from the list." in html
    assert "Choose roles only from the options shown." in html
    assert shows_no_wtforms_wording(html) == []


# ------------------------------------------------------------------ pages that share the API's functions speak
# in the page's words: no parameter names (asset=, lon=), formats (YYYY-MM-DD) or codes (acv_nomination).

API_WORDING = ["YYYY", "asset=", "lon=", "must be a real date written", "Known events", "must be one of",
               "f must be", "?asset=<number>"]


def error_text(html: str) -> str:
    """The error summary and the error messages beside fields (a page may document the API elsewhere)."""
    import re

    parts = re.findall(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    parts += re.findall(r'class="govuk-error-message"[^>]*>.*?</p>', html, re.S)
    parts += re.findall(r'<h1 class="govuk-heading-l">.*?</h1>\s*<p class="govuk-body">.*?</p>', html, re.S)
    return " ".join(parts).replace("&#39;", "'")


def shows_api_wording(html: str) -> list[str]:
    return [words for words in API_WORDING if words in error_text(html)]


@pytest.mark.parametrize(("path", "person_reads"), [
    ("/deadlines?event=acv-nomination-received&date=2026-02-31",
     "Enter a real date as day, month and year, for example 27 3 2026."),
    ("/deadlines?event=acv-nomination-received&date-day=31&date-month=2&date-year=2026",
     "Enter a real date as day, month and year, for example 27 3 2026."),
    ("/deadlines?event=acv-nomination-received&date-day=x&date-month=2&date-year=2026",
     "Enter a real date as day, month and year, for example 27 3 2026."),
    ("/deadlines?event=acv_nomination&date=2026-02-01", "Choose what happened from the list."),
    ("/rights?postcode=LS1+1UR&date=nonsense", "Enter a real date as day, month and year, for example 27 3 2026."),
    ("/rights?postcode=LS1+1UR&date-day=30&date-month=2&date-year=2026",
     "Enter a real date as day, month and year, for example 27 3 2026."),
    ("/rights?asset=abc", "Open the asset's page and follow its link to the community rights."),
    ("/rights?lon=abc&lat=53.8", "The map point is not valid: go back to the map and try again."),
    ("/clawback?method=nope", "Choose the calculation method from the list."),  # (the calculator answers 200)
    ("/transfers/obligations?f=pdf", "Choose a download from the page's links: CSV or GeoJSON."),
    ("/transfers/obligations?organisation=abc", "Follow an organisation's link to see its obligations."),
    ("/transfers/obligations?authority=XX", "Choose an authority from the list."),
])
def test_a_page_sharing_the_apis_checks_says_its_errors_in_the_persons_terms(client, path, person_reads):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == (200 if path.startswith("/clawback") else 400)
    assert person_reads in error_text(html)
    assert shows_api_wording(html) == []


def test_the_rights_page_reads_its_date_from_the_boxes(client):
    html = client.get("/rights", query_string={"postcode": "LS1 1UR", "date-day": "1", "date-month": "6",
                                               "date-year": "2026"}).get_data(as_text=True)
    assert 'id="rights-place"' in html and "govuk-error-summary" not in html
    assert 'name="date-month" type="text" inputmode="numeric" value="6"' in html


def test_the_api_keeps_its_parameter_names_in_a_plain_sentence(client):
    detail = client.get("/api/rights", query_string={"postcode": "LS1 1UR", "date": "31/12/2026"}).get_json()
    assert detail["invalid_param"] == "date"
    assert detail["detail"] == ("The date parameter must be a real date written year-month-day, "
                                "for example date=2026-06-01, not '31/12/2026'.")


@pytest.mark.parametrize(("query", "param", "detail"), [
    ({"datetime": "yesterday"}, "datetime",
     "datetime must be a date (2026-06-01), a date and time (2026-06-01T09:30:00Z), or two of them joined by a "
     "slash, with .. for an open end (2024-01-01/.. is from 1 January 2024 on)."),
    ({"bbox": "1,2"}, "bbox", "bbox must be four numbers separated by commas: west, south, east and north, "
                              "for example bbox=-1.6,53.7,-1.4,53.9."),
    ({"near": "53.8"}, "near", "near must be a longitude and a latitude in degrees, separated by a comma, "
                               "for example near=-1.5491,53.8008."),
    ({"radius": "500"}, "near", "radius needs near, the point to measure from, for example near=-1.5491,53.8008."),
])
def test_api_details_name_the_parameter_in_a_plain_sentence(client, query, param, detail):
    response = client.get("/api/collections/assets/items", query_string=query)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["invalid_param"] == param and body["detail"] == detail

"""The clawback calculator through HTTP: POST /api/clawback/calculate and the /clawback page."""

import re

import pytest

URL = "/api/clawback/calculate"

STEPPED = {
    "method": "stepped_taper",
    "principal": "100000.00",
    "start_date": "2020-04-01",
    "end_date": "2025-03-31",
    "trigger_date": "2022-06-15",
    "taper": [100, 80, 60, 40, 20],
}


def test_stepped_taper_worked_example_year_3_is_60_percent(client):
    response = client.post(URL, json=STEPPED)
    assert response.status_code == 200
    body = response.get_json()
    assert body["amount_due"] == "60000.00"
    assert body["method"] == "stepped_taper"
    assert any("Taper for year 3: 60%" in step["text"] for step in body["steps"])
    assert body["steps"][-1]["amount"] == "60000.00"
    assert body["inputs"]["taper"] == ["100", "80", "60", "40", "20"]


def test_straight_line_halfway_through_is_half_the_principal(client):
    response = client.post(URL, json={
        "method": "straight_line", "principal": 100000, "start_date": "2021-01-01",
        "end_date": "2023-01-01", "trigger_date": "2022-01-01",
    })
    assert response.status_code == 200
    assert response.get_json()["amount_due"] == "50000.00"


@pytest.mark.parametrize("body, expected", [
    ({"method": "full", "principal": "25000"}, "25000.00"),
    ({"method": "proceeds_share", "share": "25", "net_proceeds": "300000"}, "75000.00"),
    ({"method": "overage", "share": "50", "base_value": "200000", "value_at_trigger": "500000",
      "allowable_costs": "40000"}, "130000.00"),
    ({"method": "indexed", "principal": "10000", "index": "cpi",
      "index_values": {"2020-04": "100", "2022-06": "112.5"}}, "11250.00"),
    ({"method": "full", "principal": "25000", "cap": "20000"}, "20000.00"),
], ids=["full", "proceeds_share", "overage", "indexed_cpi", "cap"])
def test_every_method_answers_a_decimal_string(client, body, expected):
    dates = {"start_date": "2020-04-01", "end_date": "2030-03-31", "trigger_date": "2022-06-15"}
    response = client.post(URL, json={**dates, **body})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["amount_due"] == expected


@pytest.mark.parametrize("change, field", [
    ({"principal": None}, "principal"),
    ({"principal": "lots"}, "principal"),
    ({"trigger_date": "15/06/2022"}, "trigger_date"),
    ({"method": "guess"}, "method"),
    ({"taper": [100, 120]}, "taper"),
    ({"end_date": "2019-01-01"}, "end_date"),
    ({"capp": "10"}, "capp"),
], ids=["missing_principal", "bad_principal", "bad_date", "bad_method", "bad_taper", "end_before_start",
        "unknown_field"])
def test_bad_input_is_a_problem_naming_the_field(client, change, field):
    body = {key: value for key, value in {**STEPPED, **change}.items() if value is not None}
    response = client.post(URL, json=body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["invalid_param"] == field
    assert field in problem["detail"]


def test_a_body_that_is_not_a_json_object_is_refused(client):
    response = client.post(URL, data="method=full", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_calculator_page_renders_the_form(client):
    response = client.get("/clawback")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Clawback calculator" in html
    assert 'name="method"' in html and 'value="stepped_taper"' in html


def test_calculator_page_shows_the_worked_calculation(client):
    response = client.get("/clawback", query_string={
        "method": "stepped_taper", "principal": "100,000",
        "start_date-day": "1", "start_date-month": "4", "start_date-year": "2020",
        "end_date-day": "31", "end_date-month": "3", "end_date-year": "2025",
        "trigger_date-day": "15", "trigger_date-month": "6", "trigger_date-year": "2022",
        "taper": "100, 80, 60, 40, 20",
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "£60,000.00" in html
    assert "Taper for year 3: 60%" in html


def test_calculator_page_shows_errors_in_the_error_summary(client):
    response = client.get("/clawback", query_string={
        "method": "full", "start_date-day": "1", "start_date-month": "4", "start_date-year": "2020",
        "end_date-day": "31", "end_date-month": "3", "end_date-year": "2025",
        "trigger_date-day": "15", "trigger_date-month": "6", "trigger_date-year": "2022",
    })
    assert response.status_code == 200  # a form re-shown with its errors
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert re.search(r'href="#principal"', html)
    assert "<title>Error:" in html


def test_calculator_page_names_a_bad_date_in_plain_words(client):
    response = client.get("/clawback", query_string={
        "method": "full", "principal": "1000", "start_date-day": "31", "start_date-month": "2",
        "start_date-year": "2020", "end_date-day": "31", "end_date-month": "3", "end_date-year": "2025",
    })
    html = response.get_data(as_text=True)
    assert 'href="#start_date-day"' in html and "The start date must be a real date" in html
    assert 'href="#trigger_date-day"' not in html  # the first problem only

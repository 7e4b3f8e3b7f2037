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

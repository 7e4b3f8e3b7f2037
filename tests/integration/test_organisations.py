"""A signed-in person registers their community group and can then act for it."""

from sqlalchemy import text

from .conftest import csrf_token, sign_in

FORM = {"name": "Friends of Holbeck Library", "legal_form": "CIO", "member_count": "40",
        "local_member_count": "30", "asset_lock": "yes", "non_distribution_of_surplus": "yes",
        "community_definition": "People living in Holbeck", "contact_name": "Private Person",
        "contact_email": "private.person@example.org", "contact_phone": "07700 900555"}


def test_a_citizen_registers_a_group_and_becomes_its_representative(client, db_session, make_user):
    user = make_user()
    sign_in(client, user)
    response = client.post("/organisations/new", data={**FORM, "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "registered=" in response.headers["Location"]
    organisation_id = db_session.execute(text("SELECT id FROM organisation WHERE name = :n"),
                                         {"n": FORM["name"]}).scalar_one()
    member = db_session.execute(text("SELECT 1 FROM membership WHERE user_id = :u AND organisation_id = :o"),
                                {"u": user.id, "o": organisation_id}).scalar()
    assert member == 1
    audited = db_session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'organisation.register' "
                                      "AND target_id = :o"), {"o": str(organisation_id)}).scalar()
    assert audited == 1


def test_bad_registration_shows_the_error_and_writes_nothing(client, db_session, make_user):
    user = make_user()
    sign_in(client, user)
    before = db_session.execute(text("SELECT count(*) FROM organisation")).scalar()
    response = client.post("/organisations/new", data={**FORM, "local_member_count": "400",
                                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "Local members cannot be more than all members." in html
    assert 'value="Friends of Holbeck Library"' in html  # what was typed is kept
    assert db_session.execute(text("SELECT count(*) FROM organisation")).scalar() == before


def test_registering_needs_sign_in_and_a_csrf_token(client, db_session):
    assert client.post("/organisations/new", data=FORM).status_code == 400  # no CSRF token: refused first
    assert client.post("/organisations/new", data={**FORM, "csrf_token": csrf_token(client)}).status_code == 401
    assert db_session.execute(text("SELECT count(*) FROM organisation WHERE name = :n"),
                              {"n": FORM["name"]}).scalar() == 0
    assert client.get("/organisations/new").status_code == 401

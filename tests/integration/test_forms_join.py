"""Issue 13: the citizen's dead end (register or ask to join a group) and forms that show every error at once."""

import re
from html import unescape as html_unescape

import pytest
from sqlalchemy import text

from registry import db

from .test_workflow_screens import form, sign_in, sign_out
from .workflow_world import build


@pytest.fixture()
def world(db_session):
    w = build()
    db.session.commit()
    return w


def test_a_citizen_following_a_rights_link_is_told_who_may_use_it(client, world):
    sign_in(client, world.citizen)
    response = client.get(f"/assets/{world.asset.id}/nominate")
    assert response.status_code == 302
    assert response.location.startswith("/rights/acv/who-can-use")
    page = client.get(response.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "You need to act for a community group to do this" in html
    # The rules of reg 5 in words: 21 local members for an unincorporated group; a parish council may nominate.
    assert "at least 21 members" in html and "Parish or town council" in html
    assert 'href="/organisations/new"' in html
    assert f'action="/organisations/{world.group.id}/join"' in html
    # Never a bare refusal for the other rights either.
    for url, right in ((f"/assets/{world.asset.id}/transfer-request", "cat"),
                       (f"/authorities/{world.asset.authority_code}/challenge", "rtc")):
        other = client.get(url)
        assert other.status_code == 302 and other.location.startswith(f"/rights/{right}/who-can-use"), url
    rtc = client.get("/rights/rtc/who-can-use").get_data(as_text=True)
    assert "Two or more employees of the council" in rtc  # s.81(6)(e)


def test_a_join_request_approved_by_the_groups_representative_makes_a_membership(client, world, db_session):
    sign_in(client, world.citizen)
    asked = client.post(f"/organisations/{world.group.id}/join", data=form(client))
    assert asked.status_code == 302 and "asked=" in asked.location
    account = client.get(asked.location).get_data(as_text=True)
    assert "Your request to join has been sent" in account and "Friends of the Green: Waiting for the group" in account
    # (A repeat of the very same post is answered by the idempotency layer; a new one is refused.)
    again = client.post(f"/organisations/{world.group.id}/join", data=form(client, message="Please"))
    assert again.status_code == 409  # one waiting request per person and group
    request_id = db_session.execute(text("SELECT id FROM join_request WHERE user_id = :u"),
                                    {"u": world.citizen.id}).scalar_one()

    # Another group's representative cannot answer it.
    sign_out(client)
    sign_in(client, world.cig_rep)
    assert client.post(f"/join-requests/{request_id}/approve", data=form(client)).status_code == 403
    assert "People asking to join" not in client.get("/account").get_data(as_text=True)

    sign_out(client)
    sign_in(client, world.rep)
    page = client.get("/account").get_data(as_text=True)
    assert "People asking to join your groups" in page and world.citizen.email in page
    approved = client.post(f"/join-requests/{request_id}/approve", data=form(client))
    assert approved.status_code == 302 and "decided=approved" in approved.location
    assert "Request approved" in client.get(approved.location).get_data(as_text=True)
    member = db_session.execute(text("SELECT count(*) FROM membership WHERE user_id = :u AND organisation_id = :o"),
                                {"u": world.citizen.id, "o": world.group.id}).scalar()
    assert member == 1
    row = db_session.execute(text("SELECT status, decided_by FROM join_request WHERE id = :i"),
                             {"i": request_id}).one()
    assert tuple(row) == ("approved", world.rep.id)
    audited = db_session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'organisation.join_approved'"
                                      " AND target_id = :o"), {"o": str(world.group.id)}).scalar()
    assert audited == 1
    assert client.post(f"/join-requests/{request_id}/decline", data=form(client)).status_code == 409

    # Now a member, the citizen reaches the nomination form itself.
    sign_out(client)
    sign_in(client, world.citizen)
    assert client.get(f"/assets/{world.asset.id}/nominate").status_code == 200


def test_a_declined_request_makes_no_membership(client, world, db_session):
    sign_in(client, world.citizen)
    client.post(f"/organisations/{world.group.id}/join", data=form(client, message="I live on the green"))
    request_id = db_session.execute(text("SELECT id FROM join_request WHERE user_id = :u"),
                                    {"u": world.citizen.id}).scalar_one()
    sign_out(client)
    sign_in(client, world.rep)
    assert "I live on the green" in client.get("/account").get_data(as_text=True)
    declined = client.post(f"/join-requests/{request_id}/decline", data=form(client))
    assert declined.status_code == 302 and "decided=declined" in declined.location
    assert db_session.execute(text("SELECT count(*) FROM membership WHERE user_id = :u"),
                              {"u": world.citizen.id}).scalar() == 0


def test_sending_an_empty_nomination_lists_every_missing_field_at_once(client, world, db_session):
    sign_in(client, world.rep)
    before = db_session.execute(text("SELECT count(*) FROM \"case\"")).scalar()
    response = client.post(f"/assets/{world.asset.id}/nominate", data=form(client, submit_now="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = html[html.index("govuk-error-summary"):html.index("</ul>", html.index("govuk-error-summary"))]
    links = [(field, html_unescape(words)) for field, words in re.findall(r'<a href="#([a-z_]+)">([^<]+)</a>', summary)]
    assert links == [("land_description", "Describe the land and its boundaries."),
                     ("community_value_reasons", "Say why it is of community value."),
                     ("owners_known", "Say what you know of the owners and occupiers, or write 'not known'.")]
    assert html.count("govuk-form-group--error") == 3
    assert db_session.execute(text("SELECT count(*) FROM \"case\"")).scalar() == before  # nothing half-written
    # Fields needed to send are not labelled optional.
    assert "Why it is of community value (optional)" not in html
    assert "Why it is of community value" in html


def test_a_challenge_with_two_bad_fields_shows_both(client, world):
    sign_in(client, world.rep)
    response = client.post(f"/authorities/{world.asset.authority_code}/challenge",
                           data=form(client, relevant_body_type="spaceport"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = html[html.index("govuk-error-summary"):html.index("</ul>", html.index("govuk-error-summary"))]
    assert summary.count("<li>") >= 2
    assert "Choose what kind of body you are (s.81(6)) from the list." in summary
    assert "voluntary_body" not in summary  # no codes in the words


def test_withdrawing_asks_first_and_then_says_it_is_done(client, world):
    from registry.uktime import today_uk
    from registry.workflow import cases

    from .workflow_world import nominate

    case = nominate(world, today_uk())
    db.session.commit()
    sign_in(client, world.rep)
    first = client.post(f"/cases/{case.id}/steps/withdraw", data=form(client))
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "Are you sure you want to withdraw?" in html
    assert 'name="confirm_withdraw" value="yes"' in html
    assert cases.get(case.id).state == "submitted"  # nothing happened on the first click
    done = client.post(f"/cases/{case.id}/steps/withdraw", data=form(client, confirm_withdraw="yes"))
    assert done.status_code == 302 and "done=withdraw" in done.location
    assert cases.get(case.id).state == "withdrawn"
    page = client.get(done.location).get_data(as_text=True)
    assert "Done: withdraw the nomination." in page
    # The rules in words, not a code; the date a deadline is due in words.
    assert "Localism Act 2011 rules" in page and ">LA2011<" not in page

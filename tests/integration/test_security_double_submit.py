"""A form submitted twice makes one record: every form that creates something (issue 12, item 8).

Two ways a form comes twice:
- a double click, or the browser resending the same request: the same CSRF token and the same fields;
- the answer is lost and the person goes back and sends it again: the page is fetched afresh (signed-in
  pages are never cached), so the CSRF token is new, but the fields are the same.
Either way the second submission is taken to what the first made and nothing more is written. The
control: the same form with one thing changed is a new record.
"""

import pytest
from flask import g

from registry import db

from .conftest import csrf_token
from .test_permissions_workflow import NOMINATION, WEB_ROUTES, Route, make_world, snapshot, the_asset
from .test_workflow_screens import sign_in

EXTRA = {
    "web_cases.nominate": Route(
        "/assets/{asset_id}/nominate", the_asset,
        lambda ids: {**NOMINATION, "organisation_id": str(ids["group_id"]), "submit_now": "y"},
        frozenset({"community_group_rep"}), "acv.nominate"),
    "web_organisations.new": Route(
        "/organisations/new", the_asset, lambda ids: {"name": "Double Click Friends", "legal_form": "charity"},
        frozenset({"citizen"}), "any signed-in person"),
    "web_organisations.ask_to_join": Route(
        "/organisations/{group_id}/join", the_asset, lambda ids: {"message": "May I help?"},
        frozenset({"citizen"}), "any signed-in person"),
}
CREATE_FORMS = {name: route for name, route in WEB_ROUTES.items()
                if name in ("web_cases.challenge", "web_cases.transfer_request", "web_cases.scottish_transfer_request",
                            "web_cases.community_right_to_buy", "web_cases.abandoned_land_right_to_buy",
                            "web_cases.sustainable_development_right_to_buy", "web_cases.start_child",
                            "web_transfers.new", "web_transfers.new_condition")} | EXTRA
# The one field changed for the control (a second, different record).
CHANGED = {
    "web_cases.challenge": ("service_name", "Matrix museum service"),
    "web_cases.transfer_request": ("proposal", "A youth club"),
    "web_cases.scottish_transfer_request": ("reasons_for_request", "To run it as a men's shed."),
    "web_cases.community_right_to_buy": ("ros_reference", "CB00779"),
    "web_cases.abandoned_land_right_to_buy": ("ros_reference", "RoACBL-10"),
    "web_cases.sustainable_development_right_to_buy": ("land_description", "The south shore"),
    "web_organisations.new": ("name", "Double Click Neighbours"),
    "web_transfers.new_condition": ("share", "40"),
}


def setting_up(client, make_user, name):
    route = CREATE_FORMS[name]
    w, users = make_world(route.scotland, make_user)
    ids = {**route.setup(w), "group_id": w.group.id}
    db.session.commit()
    sign_in(client, users[min(route.allowed)])
    return route, ids


def fresh_token(client) -> str:
    """The token of the page fetched again: a new one (the session's raw token is renewed)."""
    with client.session_transaction() as session:
        session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    return csrf_token(client)


@pytest.mark.parametrize("name", list(CREATE_FORMS))
def test_a_create_form_sent_twice_makes_one(client, make_user, name):
    route, ids = setting_up(client, make_user, name)
    path = route.path.format(**ids)
    form = {**route.form(ids), "csrf_token": csrf_token(client)}
    before = snapshot()
    first = client.post(path, data=form)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    after_first = snapshot()
    second = client.post(path, data=form)  # a double click: the same token, the same fields
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert after_first != before and snapshot() == after_first


@pytest.mark.parametrize("name", list(CREATE_FORMS))
def test_a_create_form_sent_again_after_a_lost_answer_makes_one(client, make_user, name):
    route, ids = setting_up(client, make_user, name)
    path = route.path.format(**ids)
    first_token = csrf_token(client)
    first = client.post(path, data={**route.form(ids), "csrf_token": first_token})
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    after_first = snapshot()
    token = fresh_token(client)
    assert token != first_token
    again = client.post(path, data={**route.form(ids), "csrf_token": token})  # back, and send it again
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert snapshot() == after_first


@pytest.mark.parametrize("name", list(CHANGED))
def test_the_same_form_saying_something_else_is_a_new_record(client, make_user, name):
    route, ids = setting_up(client, make_user, name)
    path = route.path.format(**ids)
    first = client.post(path, data={**route.form(ids), "csrf_token": csrf_token(client)})
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    after_first = snapshot()
    field, value = CHANGED[name]
    other = client.post(path, data={**route.form(ids), field: value, "csrf_token": fresh_token(client)})
    assert other.status_code == 302, other.get_data(as_text=True)[:2000]
    assert snapshot() != after_first
    if "/cases/" in first.headers["Location"]:  # a second case, not the first one again
        assert other.headers["Location"] != first.headers["Location"]


def test_a_person_sent_to_join_a_group_may_send_the_same_form_once_they_have(client, make_user):
    """Being sent to "who can use this right" made nothing: once they act for a group the same form goes through."""
    from registry import accounts

    route, ids = setting_up(client, make_user, "web_cases.challenge")
    citizen = make_user()
    sign_in(client, citizen)
    path = route.path.format(**ids)
    form = {**route.form(ids), "csrf_token": csrf_token(client)}
    offered = client.post(path, data=form)
    assert offered.status_code == 302 and "/who-can-use" in offered.headers["Location"]
    accounts.add_membership(citizen, ids["group_id"])
    db.session.commit()
    sign_in(client, citizen)
    before = snapshot()
    lodged = client.post(path, data={**form, "csrf_token": fresh_token(client)})
    assert lodged.status_code == 302 and "/cases/" in lodged.headers["Location"]
    assert snapshot() != before

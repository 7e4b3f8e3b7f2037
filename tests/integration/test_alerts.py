"""Alerts (issue 15 item 2): the alert walk of "What it must show", against a real SMTP server.

Subscribe to a ward and to disposal notices, confirm by email; an owner's notice on a listed asset
inside the ward and another outside it; `flask alerts send`: exactly one email, giving the last day
to ask to be treated as a bidder; a second run sends nothing; the unsubscribe link works; the Atom
and iCalendar feeds parse with feedparser and icalendar.

The last day is worked by hand: a notice received on Monday 1 June 2026 starts the interim
moratorium of six weeks "beginning with" that day (Localism Act 2011 s.95(6)): day 1 is 1 June,
day 42 is Sunday 12 July 2026.

Also: the Scottish owner's notice (LR(S)A 2003 s.48) and Ministers' s.49 request, each sent at once with
its last day worked by hand from s.49's words; and surplus/vacant alerts, one per change to such a status.
"""

import dataclasses
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
from sqlalchemy import select, text

from registry import alerts, db
from registry.assets import Asset
from registry.workflow import engine

from .conftest import csrf_token
from .workflow_world import build, list_asset

LISTED_ON = date(2026, 3, 2)
NOTICE = date(2026, 6, 1)
LAST_DAY_TO_ASK = "12 July 2026"  # hand-worked above


def in_a_ward(world):
    """The world, moved to a Leeds asset inside one of the demo's wards; with that ward's code and name."""
    row = db.session.execute(text(
        "SELECT a.id, b.code, b.name FROM asset a JOIN area_boundary_part p ON p.kind = 'ward' "
        "AND ST_Intersects(p.geom, a.point) JOIN area_boundary b ON b.code = p.area_code "
        "WHERE a.authority_code = :la AND a.area_code = :la AND NOT a.withheld AND a.live_status IS NULL "
        "ORDER BY a.id LIMIT 1"), {"la": world.asset.authority_code}).first()
    assert row, "the demo's Leeds ward extract should hold a Leeds asset"
    return dataclasses.replace(world, asset=db.session.get(Asset, row.id)), row.code, row.name


def asset_outside(ward_code: str, authority: str, not_id: int) -> Asset:
    return db.session.scalar(select(Asset).where(
        Asset.authority_code == authority, Asset.area_code == authority, Asset.withheld.is_(False),
        Asset.live_status.is_(None), Asset.id != not_id, Asset.point.is_not(None),
        text("NOT EXISTS (SELECT 1 FROM area_boundary_part p WHERE p.area_code = :ward "
             "AND ST_Intersects(p.geom, asset.point))").bindparams(ward=ward_code)).order_by(Asset.id).limit(1))


def notice(world, listed):
    return engine.open_case("moratorium", "receive_notice", world.officer,
                            {"notice_received_on": NOTICE.isoformat(), "disposal_type": "freehold_sale"}, NOTICE,
                            authority_code=listed.authority_code, asset_id=listed.asset_id,
                            parent_case_id=listed.id, title=listed.title)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def body_of(message) -> str:
    part = message.get_payload(0) if message.is_multipart() else message
    return part.get_payload(decode=True).decode()


@pytest.fixture()
def world(db_session):
    return in_a_ward(build())


def subscribe(client, smtp, **fields):
    data = {"email": "resident@example.net", "area_kind": "ward", "events": ["disposal_notice"],
            "frequency": "daily", "csrf_token": csrf_token(client), **fields}
    response = client.post("/alerts", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Check your email" in response.get_data(as_text=True)
    smtp.wait_for(1)
    confirm_link = next(u for u in re.findall(r"https?://\S+", body_of(smtp.messages[-1])) if "/alerts/confirm/" in u)
    page = client.get(path_of(confirm_link))  # what a mail scanner does: it must start nothing
    assert page.status_code == 200 and "Start my alerts" in page.get_data(as_text=True)
    confirmed = client.post(path_of(confirm_link), data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 200 and "Your alerts have started" in confirmed.get_data(as_text=True)
    return db.session.scalar(select(alerts.AlertSubscription).where(
        alerts.AlertSubscription.email == data["email"]).order_by(alerts.AlertSubscription.id.desc()).limit(1))


def emailed_confirm_link(smtp) -> str:
    return next(u for u in re.findall(r"https?://\S+", body_of(smtp.messages[-1])) if "/alerts/confirm/" in u)


def test_opening_the_confirmation_link_starts_nothing_and_the_button_does(client, smtp, world):
    _world, ward_code, _ = world
    db.session.commit()
    response = client.post("/alerts", data={"email": "scanned@example.net", "area_kind": "ward",
                                            "area_code": ward_code, "events": ["listing"], "frequency": "daily",
                                            "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    smtp.wait_for(1)
    link = path_of(emailed_confirm_link(smtp))
    subscription = db.session.scalar(select(alerts.AlertSubscription).where(
        alerts.AlertSubscription.email == "scanned@example.net"))
    for _ in range(2):  # a scanner, then a prefetcher
        page = client.get(link)
        assert page.status_code == 200
        assert "Start my alerts" in page.get_data(as_text=True)
        assert "Your alerts have started" not in page.get_data(as_text=True)
    db.session.refresh(subscription)
    assert subscription.confirmed_at is None and not subscription.live
    assert client.get(f"/alerts/feeds/{subscription.feed_token}.atom").status_code == 404
    assert client.post(link).status_code == 400  # a POST without the session's CSRF token starts nothing either
    db.session.refresh(subscription)
    assert subscription.confirmed_at is None
    done = client.post(link, data={"csrf_token": csrf_token(client)})
    assert done.status_code == 200 and "Your alerts have started" in done.get_data(as_text=True)
    db.session.refresh(subscription)
    assert subscription.confirmed_at is not None


def token_payload(token: str) -> bytes:
    import base64

    head = token.split(".")[0]
    return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))


def test_the_emailed_links_carry_no_email_address(client, smtp, world):
    _world, ward_code, _ = world
    db.session.commit()
    subscription = subscribe(client, smtp, email="private.person@example.net", area_code=ward_code)
    confirm_token = emailed_confirm_link(smtp).rsplit("/", 1)[1]
    for token in (confirm_token, alerts.unsubscribe_token(subscription)):
        payload = token_payload(token)
        assert b"private.person" not in payload and b"@" not in payload and b"example.net" not in payload
    assert token_payload(confirm_token) == b'{"s":%d}' % subscription.id


def test_an_old_confirmation_link_with_the_email_still_loads(client, smtp, world):
    _world, ward_code, ward_name = world
    subscription = alerts.subscribe("old.link@example.net", area={"kind": "ward", "code": ward_code,
                                                                  "label": ward_name},
                                    events=["listing"], frequency="daily")
    old = alerts._serializer("alert-confirm").dumps({"s": subscription.id, "e": "old.link@example.net"})
    wrong = alerts._serializer("alert-confirm").dumps({"s": subscription.id, "e": "someone.else@example.net"})
    db.session.commit()
    assert client.get(f"/alerts/confirm/{wrong}").status_code == 400
    assert client.get(f"/alerts/confirm/{old}").status_code == 200
    assert client.post(f"/alerts/confirm/{old}", data={"csrf_token": csrf_token(client)}).status_code == 200
    db.session.refresh(subscription)
    assert subscription.confirmed_at is not None


def test_the_alert_walk(app, client, smtp, world):
    world, ward_code, ward_name = world
    inside = world.asset
    outside = asset_outside(ward_code, inside.authority_code, inside.id)
    assert outside is not None
    db.session.commit()

    subscription = subscribe(client, smtp, area_code=ward_code)
    assert subscription.live and subscription.area_label == ward_name
    sent_before = len(smtp.messages)  # the confirmation

    inside_case = notice(world, list_asset(world, LISTED_ON))
    outside_world = dataclasses.replace(world, asset=outside)
    outside_case = notice(outside_world, list_asset(outside_world, LISTED_ON))
    db.session.commit()

    runner = app.test_cli_runner()
    first = runner.invoke(args=["alerts", "send"])
    assert first.exit_code == 0, first.output
    smtp.wait_for(sent_before + 1)
    assert len(smtp.messages) == sent_before + 1, "exactly one email"
    email = smtp.messages[-1]
    body = body_of(email)
    assert email["To"] == "resident@example.net"
    assert LAST_DAY_TO_ASK in email["Subject"] and LAST_DAY_TO_ASK in body
    assert inside.name in body and inside_case.reference in body
    assert outside.name not in body and outside_case.reference not in body
    unsubscribe_link = re.search(r"one click: (\S+)", body).group(1)
    assert email["List-Unsubscribe"] == f"<{unsubscribe_link}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    second = runner.invoke(args=["alerts", "send"])
    assert second.exit_code == 0 and second.output.startswith("0 email(s)")
    smtp.wait_for(sent_before + 2, timeout_s=0.5)
    assert len(smtp.messages) == sent_before + 1, "a second run sends nothing"
    assert db.session.scalar(text("SELECT count(*) FROM alert_sent WHERE subscription_id = :id"),
                             {"id": subscription.id}) == 1

    # The feeds, parsed with standard libraries.
    atom = client.get(f"/alerts/feeds/{subscription.feed_token}.atom")
    assert atom.status_code == 200 and atom.headers["Cache-Control"] == "private, no-store"
    parsed = feedparser.parse(atom.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == [
        f"An owner's notice of disposal of listed land: {inside.name} ({inside_case.reference})"]
    assert LAST_DAY_TO_ASK in parsed.entries[0].summary
    assert "on 1 June 2026" in parsed.entries[0].summary and "2026-06-01" not in parsed.entries[0].summary
    for personal in ("resident@example.net", ward_name, ward_code):  # a leaked feed URL shows no one's area
        assert personal.encode() not in atom.data
    ics = client.get(f"/alerts/feeds/{subscription.feed_token}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(ics.data)
    events = {(e.decoded("dtstart"), str(e["summary"])) for e in calendar.walk("VEVENT")}
    starts = {start for start, _ in events}
    # The three periods of the notice inside the ward, worked by hand (s.95(6)): 6 weeks, 6 months, 18 months.
    assert {date(2026, 7, 12), date(2026, 11, 30), date(2027, 11, 30)} <= starts
    assert all(outside_case.reference not in summary for _, summary in events)
    assert not [summary for _, summary in events if summary.lower().count("last day") > 1]
    assert any(inside_case.reference in summary for start, summary in events if start == date(2026, 7, 12))

    # The unsubscribe link: a page with one button, and the one-click POST (RFC 8058) a mail client makes.
    page = client.get(path_of(unsubscribe_link))
    assert page.status_code == 200 and "Stop these alerts" in page.get_data(as_text=True)
    done = client.post(path_of(unsubscribe_link))
    assert done.status_code == 200 and "Your alerts have stopped" in done.get_data(as_text=True)
    db.session.refresh(subscription)
    assert subscription.unsubscribed_at is not None
    assert client.get(f"/alerts/feeds/{subscription.feed_token}.atom").status_code == 404

    # Nothing more after unsubscribing.
    assert subscription.id not in alerts.live_subscription_ids()
    third = runner.invoke(args=["alerts", "send"])
    assert third.exit_code == 0 and third.output.startswith("0 email(s)")
    assert len(smtp.messages) == sent_before + 1


def test_a_tampered_unsubscribe_link_is_refused(client, smtp, world):
    _world, ward_code, _ = world
    db.session.commit()
    subscription = subscribe(client, smtp, area_code=ward_code)
    token = alerts.unsubscribe_token(subscription)
    response = client.post(f"/alerts/unsubscribe/{token[:-2]}xx")
    assert response.status_code == 400
    db.session.refresh(subscription)
    assert subscription.unsubscribed_at is None


def test_form_errors_in_the_users_terms(client, smtp):
    response = client.post("/alerts", data={"email": "not-an-address", "area_kind": "ward", "area_code": "E05999999",
                                            "frequency": "daily", "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    # Every error at once: the events, the area and the email's format, in one answer.
    assert "Choose at least one kind of event to hear about." in html
    assert "We do not know a ward called E05999999." in html
    assert "Enter an email address in the right format, like name@example.com." in html
    assert db.session.scalar(text("SELECT count(*) FROM alert_subscription WHERE email = 'not-an-address'")) == 0
    assert smtp.messages == []


def test_every_error_at_once_for_a_distance_and_none_when_all_is_right(client, smtp):
    response = client.post("/alerts", data={"email": "", "area_kind": "distance", "postcode": "ZZ1",
                                            "radius_m": "abc", "frequency": "daily",
                                            "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for words in ("Enter your email address.", "Enter a full postcode, like LS1 1UR.",
                  "Enter the distance as a whole number of metres, like 1000.",
                  "Choose at least one kind of event to hear about."):
        assert words in html
    assert smtp.messages == []


def test_the_ward_hint_gives_a_ward_the_registry_holds_and_errors_keep_the_users_words(client, smtp, db_session):
    ward = db.session.execute(text("SELECT code, name FROM area_boundary WHERE kind = 'ward' ORDER BY code LIMIT 1")
                              ).one()
    html = client.get("/alerts").get_data(as_text=True)
    assert "E05011290" not in html  # not a ward the demo loads
    assert ward.name.replace("&", "&amp;") in html and ward.code in html
    bad_ward = client.post("/alerts", data={"email": "a@example.net", "area_kind": "ward", "area_code": "Nowhere Ward",
                                            "events": ["listing"], "frequency": "daily",
                                            "csrf_token": csrf_token(client)}).get_data(as_text=True)
    assert "We do not know a ward called Nowhere Ward." in bad_ward  # as typed, not in capitals
    bad_parish = client.post("/alerts", data={"email": "a@example.net", "area_kind": "parish", "area_code": "Nowhere",
                                              "events": ["listing"], "frequency": "daily",
                                              "csrf_token": csrf_token(client)}).get_data(as_text=True)
    assert "We do not know a parish called Nowhere" in bad_parish and "NOWHERE" not in bad_parish
    parish = db.session.execute(text("SELECT code FROM area_boundary WHERE kind = 'parish' ORDER BY code LIMIT 1")
                                ).scalar()
    error = bad_parish[bad_parish.index("We do not know a parish"):].split("</", 1)[0]
    assert ward.code not in error and "E05" not in error
    if parish is None:
        assert "we do not hold the parish boundaries yet" in error
    else:
        assert parish in error


def test_a_ward_by_its_name_in_any_case(client, smtp, world):
    _world, ward_code, ward_name = world
    db.session.commit()
    subscription = subscribe(client, smtp, area_code=ward_name.lower())
    assert subscription.area_code == ward_code


def test_the_confirmation_email_reads_as_a_sentence(client, smtp, world):
    _world, _ward, _name = world
    postcode = db.session.execute(text("SELECT postcode FROM postcode WHERE point IS NOT NULL ORDER BY postcode "
                                       "LIMIT 1")).scalar()
    db.session.commit()
    client.post("/alerts", data={"email": "words@example.net", "area_kind": "distance", "postcode": postcode,
                                 "radius_m": "1500", "events": ["listing"], "frequency": "daily",
                                 "csrf_token": csrf_token(client)})
    smtp.wait_for(1)
    assert f"Confirm that you want alerts for within 1,500 m of {postcode}:" in body_of(smtp.messages[-1])


def square_around(asset_id: int, half_degrees: float = 0.002) -> str:
    lon, lat = db.session.execute(text("SELECT ST_X(point), ST_Y(point) FROM asset WHERE id = :id"),
                                  {"id": asset_id}).one()
    ring = [[lon - half_degrees, lat - half_degrees], [lon + half_degrees, lat - half_degrees],
            [lon + half_degrees, lat + half_degrees], [lon - half_degrees, lat + half_degrees],
            [lon - half_degrees, lat - half_degrees]]
    return '{"type": "Polygon", "coordinates": [%s]}' % ring


def test_a_drawn_shape_and_a_weekly_digest_with_the_notice_at_once(app, client, smtp, world):
    world, _ward, _name = world
    db.session.commit()
    subscription = subscribe(client, smtp, area_kind="shape", shape=square_around(world.asset.id),
                             events=["listing", "disposal_notice"], frequency="weekly")
    sent_before = len(smtp.messages)
    listed = list_asset(world, LISTED_ON)
    case = notice(world, listed)
    db.session.commit()
    confirmed = subscription.confirmed_at
    runner = app.test_cli_runner()

    runner.invoke(args=["alerts", "send", "--now", (confirmed + timedelta(hours=1)).isoformat()])
    smtp.wait_for(sent_before + 1)
    assert len(smtp.messages) == sent_before + 1
    first = body_of(smtp.messages[-1])
    assert case.reference in first and listed.reference not in first  # the notice at once, the listing waits

    runner.invoke(args=["alerts", "send", "--now", (confirmed + timedelta(days=6)).isoformat()])
    smtp.wait_for(sent_before + 2, timeout_s=0.5)
    assert len(smtp.messages) == sent_before + 1  # the week is not over

    runner.invoke(args=["alerts", "send", "--now", (confirmed + timedelta(days=7)).isoformat()])
    smtp.wait_for(sent_before + 2)
    assert len(smtp.messages) == sent_before + 2
    digest = body_of(smtp.messages[-1])
    assert listed.reference in digest and case.reference not in digest

    again = runner.invoke(args=["alerts", "send", "--now", (confirmed + timedelta(days=15)).isoformat()])
    assert again.output.startswith("0 email(s)")


def test_a_distance_from_a_postcode_matches_by_metres(world):
    world, _ward, _name = world
    postcode, metres = db.session.execute(text(
        "SELECT p.postcode, ST_Distance(p.point::geography, a.point::geography) FROM postcode p, asset a "
        "WHERE a.id = :id AND p.point IS NOT NULL ORDER BY p.point <-> a.point LIMIT 1"), {"id": world.asset.id}).one()
    near = alerts.subscribe("near@example.net", area=alerts.area_distance(postcode, int(metres) + 5),
                            events=["listing"], frequency="daily")
    short = alerts.subscribe("far@example.net", area=alerts.area_distance(postcode, max(1, int(metres) - 5)),
                             events=["listing"], frequency="daily")
    for subscription in (near, short):
        alerts.confirm(alerts.confirmation_token(subscription))
    listed = list_asset(world, LISTED_ON)
    assert [a.case_id for a in alerts.alerts_for(near)] == [listed.id]
    if metres > 6:  # a postcode point on top of the asset cannot be missed by 5 m
        assert alerts.alerts_for(short) == []


def test_the_subscribe_form_is_rate_limited(db_session, smtp):
    from registry import create_app
    from tests.conftest import test_settings

    limited = create_app(test_settings(rate_limits_enabled=True, smtp_host="127.0.0.1", smtp_port=smtp.port))
    client = limited.test_client()
    # Refused forms (an unknown ward) count too, and write nothing: create_app rebinds the session
    # outside the test's transaction, so nothing here may be saved.
    statuses = [client.post("/alerts", data={"email": f"flood{n}@example.net", "area_kind": "ward",
                                             "area_code": "E05999999", "events": ["listing"], "frequency": "daily",
                                             "csrf_token": csrf_token(client)}).status_code for n in range(12)]
    assert statuses[-1] == 429 and set(statuses) <= {400, 429}  # 10 a minute, then refused
    assert statuses.count(400) <= 10
    assert client.get("/alerts").status_code == 200  # showing the form is never limited


def test_never_an_alert_about_what_the_public_cannot_see(world):
    world, ward_code, ward_name = world
    subscription = alerts.subscribe("watcher@example.net", area={"kind": "ward", "code": ward_code, "label": ward_name},
                                    events=list(alerts.EVENT_KINDS), frequency="daily")
    alerts.confirm(alerts.confirmation_token(subscription))
    draft = engine.open_case("acv", "start_draft", world.rep, {"land_description": "Draft only"}, LISTED_ON,
                             authority_code=world.asset.area_code, asset_id=world.asset.id,
                             organisation_id=world.group.id)
    assert alerts.alerts_for(subscription) == []  # a draft nomination is the group's own business
    listed = list_asset(world, LISTED_ON)
    assert {a.case_id for a in alerts.alerts_for(subscription)} == {listed.id}
    world.asset.withheld = True  # safeguarding: a withheld asset is in no public output, so in no alert
    db.session.flush()
    assert alerts.alerts_for(subscription) == []
    assert draft.state == "draft"


# ------------------------------------------------------------------ Scottish community right to buy (s.48, s.49)
#
# Worked by hand from Land Reform (Scotland) Act 2003 s.49 as enacted:
# * s.49(2) "Not later than 7 days after such receipt" of the owner's s.48 notice: received Monday
#   21 December 2026 (the notice is dated Wednesday 16 December, which does not count), day 0 is the
#   21st, so the last day for Ministers' request is Monday 28 December 2026;
# * s.49(4) the body's confirmation must be received "by the date specified in the notice, being a date not
#   later than 30 days after it was sent": sent Thursday 24 December 2026 (arriving later does not move it);
#   7 days take it to 31 December, 23 more to Saturday 23 January 2027.

HIGHLAND = "S12000017"
OWNER_NOTICE_RECEIVED = date(2026, 12, 21)
MINISTERS_LAST_DAY = "28 December 2026"
REQUEST_SENT = date(2026, 12, 24)
CONFIRMATION_LAST_DAY = "23 January 2027"


def crtb_registered(world):
    from .test_workflow_crtb import APPLICATION, make_community_body

    make_community_body(world.cig)
    db.session.flush()
    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep, APPLICATION,
                            date(2026, 1, 5), authority_code=HIGHLAND, asset_id=world.asset.id,
                            organisation_id=world.cig.id)
    engine.transition(case.id, "record_registration", world.officer, {"registration_date": "2026-03-02"},
                      date(2026, 3, 2))
    return case


def test_an_owners_notice_of_a_proposed_transfer_in_scotland_is_sent_at_once(app, smtp, db_session):
    world = build(HIGHLAND)
    case = crtb_registered(world)
    subscription = alerts.subscribe("crofter@example.net", area={"kind": "council", "code": HIGHLAND,
                                                                 "label": "Highland"},
                                    events=["disposal_notice"], frequency="weekly")
    alerts.confirm(alerts.confirmation_token(subscription))
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["alerts", "send"]).output.startswith("0 email(s)")  # registering is not a notice

    engine.transition(case.id, "record_owner_notice", world.officer,
                      {"owner_notice_date": "2026-12-16",
                       "owner_notice_received_on": OWNER_NOTICE_RECEIVED.isoformat()}, OWNER_NOTICE_RECEIVED)
    db.session.commit()
    first = runner.invoke(args=["alerts", "send"])  # weekly, but a notice never waits for the digest
    assert first.exit_code == 0 and first.output.startswith("1 email(s) sent with 1 alert(s)"), first.output
    smtp.wait_for(1)
    email = smtp.messages[-1]
    body = body_of(email)
    assert email["To"] == "crofter@example.net"
    assert MINISTERS_LAST_DAY in email["Subject"] and "Community right to buy activated" in email["Subject"]
    assert case.reference in body and world.asset.name in body
    assert ("Last day for Scottish Ministers to ask the community body to confirm that it will buy "
            "(Land Reform (Scotland) Act 2003 s.49(2)): Monday 28 December 2026.") in body
    assert "ask to be treated as a potential bidder" not in body  # not the English moratorium's words

    engine.transition(case.id, "record_ministers_request", world.officer,
                      {"request_sent_on": REQUEST_SENT.isoformat()}, date(2026, 12, 29))
    db.session.commit()
    second = runner.invoke(args=["alerts", "send"])
    assert second.output.startswith("1 email(s) sent with 1 alert(s)"), second.output
    smtp.wait_for(2)
    email = smtp.messages[-1]
    body = body_of(email)
    assert CONFIRMATION_LAST_DAY in email["Subject"]
    assert ("Last day for the community body's confirmation that it will buy to reach Scottish Ministers "
            "(Land Reform (Scotland) Act 2003 s.49(4)): Saturday 23 January 2027.") in body

    assert runner.invoke(args=["alerts", "send"]).output.startswith("0 email(s)")  # each once
    assert len(smtp.messages) == 2


# ------------------------------------------------------------------ surplus and vacant: once per change


def set_asset(asset_id: int, **values) -> None:
    """One UPDATE of an asset, as an edit form or import would write it."""
    sets = ", ".join(f"{name} = :{name}" for name in values)
    db.session.execute(text(f"UPDATE asset SET {sets}, updated_at = now() WHERE id = :id"), {**values, "id": asset_id})


def surplus_subscription(ward_code, ward_name, email="surplus@example.net"):
    subscription = alerts.subscribe(email, area={"kind": "ward", "code": ward_code, "label": ward_name},
                                    events=["surplus"], frequency="daily")
    alerts.confirm(alerts.confirmation_token(subscription))
    return subscription


def test_a_surplus_alert_for_each_change_to_surplus_and_none_for_other_edits(world):
    world, ward_code, ward_name = world
    asset_id = world.asset.id
    set_asset(asset_id, surplus_status="operational", occupancy="in_use")  # a known start, before subscribing
    subscription = surplus_subscription(ward_code, ward_name)
    assert alerts.alerts_for(subscription) == []

    set_asset(asset_id, name="The Old Library")  # an edit of its name: no alert
    assert alerts.alerts_for(subscription) == []
    set_asset(asset_id, surplus_status="surplus")  # 1: becomes surplus
    set_asset(asset_id, name="The Old Library (rear)", surplus_status="surplus")  # still surplus: no alert
    set_asset(asset_id, surplus_status="operational")  # back in use: no alert
    set_asset(asset_id, surplus_status="surplus")  # 2: surplus again
    set_asset(asset_id, surplus_status="available_for_transfer")  # 3: a new status, available for transfer
    set_asset(asset_id, occupancy="vacant")  # 4: vacant
    set_asset(asset_id, occupancy="vacant", condition="poor")  # still vacant: no alert

    found = alerts.alerts_for(subscription)
    assert [a.summary for a in found] == [
        "The Old Library (rear) is now surplus.", "The Old Library (rear) is now surplus.",
        "The Old Library (rear) is now available for community transfer.",
        "The Old Library (rear) is now vacant."]
    assert len({a.key for a in found}) == 4 and {a.path for a in found} == {f"/assets/{asset_id}"}
    assert {a.kind for a in found} == {"surplus"}


def test_surplus_changes_through_the_smtp_sink_each_sent_once(app, smtp, world):
    world, ward_code, ward_name = world
    asset_id = world.asset.id
    set_asset(asset_id, surplus_status="operational", occupancy="in_use")
    subscription = surplus_subscription(ward_code, ward_name)
    set_asset(asset_id, surplus_status="surplus")
    db.session.commit()
    runner = app.test_cli_runner()
    day = subscription.confirmed_at + timedelta(days=1)
    first = runner.invoke(args=["alerts", "send", "--now", day.isoformat()])
    assert first.output.startswith("1 email(s) sent with 1 alert(s)"), first.output
    smtp.wait_for(1)
    assert f"{world.asset.name} is now surplus." in body_of(smtp.messages[-1])

    set_asset(asset_id, name=world.asset.name + " (renamed)")  # an unrelated edit after the alert went
    db.session.commit()
    quiet = runner.invoke(args=["alerts", "send", "--now", (day + timedelta(days=1)).isoformat()])
    assert quiet.output.startswith("0 email(s)"), quiet.output

    set_asset(asset_id, surplus_status="operational")
    set_asset(asset_id, surplus_status="surplus")  # surplus again: a second alert
    db.session.commit()
    again = runner.invoke(args=["alerts", "send", "--now", (day + timedelta(days=2)).isoformat()])
    assert again.output.startswith("1 email(s) sent with 1 alert(s)"), again.output
    smtp.wait_for(2)
    assert len(smtp.messages) == 2


def test_no_surplus_alert_for_a_change_made_while_the_asset_was_withheld(world):
    world, ward_code, ward_name = world
    asset_id = world.asset.id
    set_asset(asset_id, surplus_status="operational", occupancy="in_use")
    subscription = surplus_subscription(ward_code, ward_name)
    set_asset(asset_id, withheld=True)
    set_asset(asset_id, surplus_status="surplus")  # out of public view when it happened
    assert alerts.alerts_for(subscription) == []
    set_asset(asset_id, withheld=False)  # back in view: still never announced
    assert alerts.alerts_for(subscription) == []
    set_asset(asset_id, occupancy="vacant")  # a public change: announced
    assert [a.summary for a in alerts.alerts_for(subscription)] == [f"{world.asset.name} is now vacant."]
    set_asset(asset_id, withheld=True)  # withheld now: nothing about it at all
    assert alerts.alerts_for(subscription) == []

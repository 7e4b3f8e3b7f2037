"""The pure parts of registry/web/caching.py: Last-Modified by the UK day, the ETag's inputs, the cookie guard."""

from datetime import UTC, date, datetime

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from registry.web.caching import NoPublicCookies, etag_for, last_modified

RELEASED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("changed_at, today, expected", [
    # Changed before today began: the start of the UK day wins. Worked by hand from the clock change dates.
    (datetime(2026, 3, 1, 12, tzinfo=UTC), date(2026, 7, 1), datetime(2026, 6, 30, 23, tzinfo=UTC)),  # BST
    (datetime(2026, 3, 1, 12, tzinfo=UTC), date(2026, 12, 1), datetime(2026, 12, 1, 0, tzinfo=UTC)),  # GMT
    # 29 March 2026 is the day the clocks go forward (01:00 GMT): midnight is still GMT.
    (datetime(2026, 3, 1, 12, tzinfo=UTC), date(2026, 3, 29), datetime(2026, 3, 29, 0, tzinfo=UTC)),
    # 25 October 2026 is the day they go back (02:00 BST): its midnight is BST.
    (datetime(2026, 3, 1, 12, tzinfo=UTC), date(2026, 10, 25), datetime(2026, 10, 24, 23, tzinfo=UTC)),
    # Changed during today: the change wins, to the whole second.
    (datetime(2026, 7, 1, 9, 15, 30, 999_999, tzinfo=UTC), date(2026, 7, 1),
     datetime(2026, 7, 1, 9, 15, 30, tzinfo=UTC)),
], ids=["bst", "gmt", "spring-forward-day", "fall-back-day", "changed-today"])
def test_last_modified_is_the_later_of_the_change_and_the_start_of_the_uk_day(changed_at, today, expected):
    assert last_modified(changed_at, today, RELEASED) == expected


def test_last_modified_is_never_before_the_release():
    released_later = datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC)
    assert last_modified(datetime(2026, 7, 1, 9, tzinfo=UTC), date(2026, 7, 1), released_later) == released_later


def test_every_input_of_the_etag_changes_it():
    base = {"version": 7, "today": date(2026, 7, 1), "release": "abc", "url": "http://x/assets/1?",
            "accept": "text/html"}
    changed = [dict(base, version=8), dict(base, today=date(2026, 7, 2)), dict(base, release="abd"),
               dict(base, url="http://x/assets/2?"), dict(base, url="http://y/assets/1?"),
               dict(base, accept="application/json")]
    tags = {etag_for(**inputs) for inputs in [base, *changed]}
    assert len(tags) == 7
    assert etag_for(**base) == etag_for(**dict(base))


def _wsgi(headers):
    def app(environ, start_response):
        return Response("hello", headers=headers)(environ, start_response)
    return NoPublicCookies(app)


def test_the_guard_makes_an_answer_that_sets_a_cookie_private():
    response = Client(_wsgi({"Cache-Control": "public, max-age=0, must-revalidate", "ETag": 'W/"x"',
                             "Last-Modified": "Wed, 01 Jul 2026 09:00:00 GMT",
                             "Set-Cookie": "session=abc; HttpOnly"})).get("/")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    assert response.headers["Set-Cookie"].startswith("session=abc")


def test_the_guard_leaves_other_answers_alone():
    response = Client(_wsgi({"Cache-Control": "public, max-age=0, must-revalidate", "ETag": 'W/"x"'})).get("/")
    assert (response.headers["Cache-Control"], response.headers["ETag"]) == \
        ("public, max-age=0, must-revalidate", 'W/"x"')

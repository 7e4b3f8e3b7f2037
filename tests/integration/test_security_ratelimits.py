"""Rate limits are counted once for every process: two app processes share PostgreSQL's (or Redis's) count.

The sign-in limit is "10 per minute" (registry/security.py). Two separate app processes (each
its own create_app(), as two gunicorn workers are) answer POST /sign-in from the same address:
six attempts to one and four to the other use up the ten; the eleventh is refused (429) by
whichever process gets it. With per-process memory counters the eleventh would pass (5 < 10).
Attempts carry a valid CSRF token (the limit counts requests that reach the view) and a wrong
password: each answers 400 until the limit.
"""

import http.client
import os
import re
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from tests.conftest import ROOT, TEST_DATABASE_URL, owner_engine
from tests.integration.conftest import free_port

SERVER = """
import sys
from registry import create_app
from registry.config import Settings
from werkzeug.serving import run_simple
app = create_app(Settings(database_url=sys.argv[1], secret_key="same-key", tile_url="", testing=True,
                          rate_limits_enabled=True, ratelimit_storage_uri=sys.argv[3]))
run_simple("127.0.0.1", int(sys.argv[2]), app, threaded=True)
"""


def _start(port: int, storage: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", SERVER, TEST_DATABASE_URL, str(port), storage], cwd=ROOT,
                               env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/conformance")
            connection.getresponse().read()
            return process
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the app process did not start")


def _session(port: int) -> tuple[str, str]:
    """A session cookie and its CSRF token (both processes share the secret key, so either accepts them)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/sign-in")
    response = connection.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    connection.close()
    return cookie, token


def _sign_in_attempt(port: int, session: tuple[str, str]) -> int:
    """A wrong password (the limit counts attempts that reach the view: CSRF-valid ones)."""
    cookie, token = session
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = urlencode({"email": "nobody@example.org", "password": "wrong-password", "csrf_token": token})
    connection.request("POST", "/sign-in", body=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.fixture()
def two_processes(request, app):
    storage = request.param
    if storage == "":
        # As the owner, committed: the two server processes read the table on their own connections, and
        # the app fixture's session is inside the test's rolled-back transaction.
        with owner_engine().begin() as connection:
            connection.execute(text("DELETE FROM rate_limit_counter"))
    else:
        import redis

        redis.Redis.from_url(storage).flushdb()
    ports = [free_port(), free_port()]
    processes = [_start(port, storage) for port in ports]
    try:
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.parametrize("two_processes", ["", "redis://127.0.0.1:6379/15"], indirect=True,
                         ids=["postgresql", "redis"])
def test_a_rate_limit_is_counted_across_two_app_processes(two_processes):
    first, second = two_processes
    session = _session(first)
    statuses = [_sign_in_attempt(first, session) for _ in range(6)] + \
        [_sign_in_attempt(second, session) for _ in range(4)]
    assert statuses == [400] * 10  # counted, not yet limited (a wrong password: 400 each)
    assert _sign_in_attempt(second, session) == 429
    assert _sign_in_attempt(first, session) == 429


def test_the_limits_fail_open_and_log_when_their_store_is_down(app):
    """The app's own limiter with its store on a port where nothing listens: every attempt still gets
    an answer (none refused as over the limit), and each failure to count is logged."""
    port = free_port()
    process = _start(port, f"redis://127.0.0.1:{free_port()}/0")
    try:
        session = _session(port)
        statuses = [_sign_in_attempt(port, session) for _ in range(12)]
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert statuses == [400] * 12  # 12 > 10 per minute, yet none refused: open
    assert "Failed to rate limit. Swallowing error" in errors.decode()

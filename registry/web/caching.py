"""HTTP caching of public answers: always fresh, never leaking. The one place that decides it.

Which requests may be answered from a cache
    GET or HEAD, to an endpoint marked ``@public`` whose URL takes no other
    method (a page that also takes POST is a form and carries a CSRF token),
    with no ``Authorization`` header, by someone not signed in, with no flash
    message waiting in their session.

The validator
    A weak ETag, the hash of: the register's change counter
    (``registry.changes``: every committed write to anything a public page
    shows moves it), the UK date (``today_uk()``: rights, deadlines and
    "overdue" change at midnight in London, so every public answer is treated
    as depending on today), the release (code, templates, static files and the
    settings that change what a page says), and the request (host, path, query
    string, Accept). ``Last-Modified`` is the latest of the counter's
    ``changed_at``, the start of the UK day and the release; it is left out
    while still in the second it names, because HTTP dates count whole seconds.

What happens
    Before the view runs, a matching ``If-None-Match`` (or, without one, an
    ``If-Modified-Since`` no older than Last-Modified) is answered ``304`` at
    the cost of one one-row query. After the view, a ``200`` to a cacheable
    request that wrote nothing personal (no session change, no CSRF token
    rendered, no cookie) gets the validators and ``Cache-Control: public,
    max-age=0, must-revalidate`` with ``Vary: Cookie, Accept``, so a reverse
    proxy or CDN may keep it and must ask again each time. Every other answer
    of a marked route is ``private, no-store`` and carries no validator. A WSGI
    guard has the last word: a response that sets a cookie is never public.

A ``304`` carries no Content-Security-Policy: a cache that merged a new
nonce into a stored page would block that page's own scripts.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, g, request, session
from werkzeug.http import http_date

from .. import accounts, changes, permissions
from ..workflow import engine

PUBLIC_CACHE_CONTROL = "public, max-age=0, must-revalidate"
PRIVATE_CACHE_CONTROL = "private, no-store"
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
# Public GETs that act (a one-time link) or sign people in and out: never from a cache.
NEVER_CACHED = frozenset({"web_accounts.confirm", "web_accounts.sign_out",
                          # a subscriber's own links and feeds: their area is personal data
                          "web_alerts.confirm", "web_alerts.unsubscribe", "web_alerts.atom", "web_alerts.ical"})
UK = ZoneInfo("Europe/London")
# Settings that change what a public page says (never secrets: the release is part of a public ETag).
RENDERING_SETTINGS = ("tile_url", "tile_attribution", "public_base_url", "period_overrides",
                      "local_closure_days", "closure_day_rules", "general_disposal_consent_limit_gbp",
                      "sh_classification_overrides")
_STATE_KEYS = ("_cache_validator", "_cache_not_modified", "_register_version")


# ------------------------------------------------------------------ decisions (pure)


def cacheable_endpoint(app, endpoint: str | None) -> bool:
    """Is this endpoint one whose anonymous GETs may be kept by a shared cache?"""
    if endpoint is None or endpoint in NEVER_CACHED:
        return False
    view = app.view_functions.get(endpoint)
    if view is None or permissions.view_permission(view) != permissions.PUBLIC:
        return False
    methods = set()
    for rule in app.url_map.iter_rules(endpoint):
        methods |= rule.methods or set()
    return methods <= {"GET", "HEAD", "OPTIONS"}


def last_modified(changed_at: datetime, today, release_at: datetime) -> datetime:
    """The latest of the last change, the start of the UK day and the release, to the whole second."""
    start_of_day = datetime.combine(today, time(0), tzinfo=UK).astimezone(UTC)
    return max(changed_at.astimezone(UTC), start_of_day, release_at).replace(microsecond=0)


def etag_for(version: int, today, release: str, url: str, accept: str) -> str:
    digest = hashlib.sha256(f"{version}|{today.isoformat()}|{release}|{url}|{accept}".encode()).hexdigest()
    return digest[:32]


def release_fingerprint(app) -> str:
    """A hash of everything that shapes a public answer but is not in the database."""
    root = Path(app.root_path)
    digest = hashlib.sha256()
    for folder in (root, root.parent / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    settings = app.config["SETTINGS"]
    for name in RENDERING_SETTINGS:
        digest.update(f"|{name}={getattr(settings, name, None)!r}".encode())
    return digest.hexdigest()[:16]


# ------------------------------------------------------------------ the request


def utc_now() -> datetime:
    """The clock (a function, so a test can set it with the UK date)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Validator:
    etag: str
    last_modified: datetime
    emit_last_modified: bool  # False while still in the second Last-Modified names


def _anonymous_request() -> bool:
    return "Authorization" not in request.headers and permissions.is_anonymous(accounts.current_actor())


def register_version() -> changes.RegisterVersion:
    """The register's change counter, read once per request: the validator and the tile endpoint's own
    ETag are made from the same value, and a second read was one more round trip per tile (issue 14)."""
    if "_register_version" not in g:
        g._register_version = changes.register_version()
    return g._register_version


def _validator() -> Validator:
    app = current_app
    state = app.extensions["caching"]
    counter = register_version()
    today = engine.today_uk()
    accept = request.headers.get("Accept", "")
    url = request.host_url + request.full_path.lstrip("/")
    tag = etag_for(counter.version, today, state["release"], url, accept)
    modified = last_modified(counter.changed_at, today, state["release_at"])
    now = utc_now().replace(microsecond=0)
    return Validator(tag, modified, emit_last_modified=now > modified)


def _label_public(response, validator: Validator) -> None:
    response.set_etag(validator.etag, weak=True)
    if validator.emit_last_modified:
        response.headers["Last-Modified"] = http_date(validator.last_modified)
    else:
        response.headers.pop("Last-Modified", None)
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    response.vary.update(("Cookie", "Accept"))  # one parse and one write of the header, not two


def _label_private(response) -> None:
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response.headers.pop("ETag", None)
    response.headers.pop("Last-Modified", None)
    response.vary.add("Cookie")


def _not_modified(validator: Validator) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(validator.etag)
    since = request.if_modified_since
    return since is not None and validator.emit_last_modified and validator.last_modified <= since


def _cacheable(endpoint: str | None) -> bool:
    known = current_app.extensions["caching"]["endpoints"]
    if endpoint not in known:
        known[endpoint] = cacheable_endpoint(current_app, endpoint)
    return known[endpoint]


def _csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def answer_not_modified():
    """before_request: a cacheable request whose validator still holds is answered 304 without the view."""
    for key in _STATE_KEYS:
        g.pop(key, None)
    # Requests inside one app context (the tests) share `g`: a token rendered for an
    # earlier request is not this one's. Flask-WTF makes a fresh one from the session on demand.
    g.pop(_csrf_field(), None)
    if request.method not in CACHEABLE_METHODS or not _cacheable(request.endpoint):
        return None
    if "_flashes" in session or not _anonymous_request():
        return None
    validator = _validator()
    g._cache_validator = validator
    if not _not_modified(validator):
        return None
    response = current_app.response_class(status=304)
    response.headers.pop("Content-Type", None)
    _label_public(response, validator)
    g._cache_not_modified = True
    return response


def label_response(response):
    """after_request: public validators on a clean anonymous 200, `private, no-store` on everything else."""
    # The objects behind the proxies, once: each proxy lookup costs a context-variable read (issue 14).
    app, endpoint, flask_session = current_app._get_current_object(), request.endpoint, session._get_current_object()
    if endpoint is None or endpoint == "static" or endpoint not in app.view_functions:
        return response
    if permissions.view_permission(app.view_functions[endpoint]) is None:
        return response  # not one of ours (a library's own route): leave it alone
    if g.get("_cache_not_modified"):
        response.headers.pop("Content-Security-Policy", None)
        return response
    validator = g.get("_cache_validator")
    clean = (
        validator is not None
        and response.status_code == 200
        and not app.session_interface.should_set_cookie(app, flask_session)
        and not flask_session.modified
        and g.get(_csrf_field()) is None
        and "Set-Cookie" not in response.headers
        and _anonymous_request()
    )
    if clean:
        _label_public(response, validator)
    else:
        _label_private(response)
    return response


class NoPublicCookies:
    """WSGI guard, the last word: an answer that sets a cookie is never public and carries no validator."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def guarded_start_response(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            if "set-cookie" in names and any(name.lower() == "cache-control" and "public" in value.lower()
                                             for name, value in headers):
                headers = [(name, value) for name, value in headers
                           if name.lower() not in ("cache-control", "etag", "last-modified")]
                headers.append(("Cache-Control", PRIVATE_CACHE_CONTROL))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, guarded_start_response)


def init_app(app):
    """Call after accounts.init_app (it needs the current actor) and before security.init_app,
    so this module's after_request runs after the security headers are set and has the last word."""
    app.extensions["caching"] = {
        "release": release_fingerprint(app),
        "release_at": datetime.now(UTC).replace(microsecond=0),
        "endpoints": {},  # endpoint -> cacheable? (the url_map is fixed once the app serves)
    }
    app.before_request(answer_not_modified)
    app.after_request(label_response)
    app.wsgi_app = NoPublicCookies(app.wsgi_app)

"""CSRF, rate limits, cookies, security headers and the Content Security Policy.

- CSRF: Flask-WTF's token on every state-changing request, except requests that
  carry ``Authorization: Bearer ...`` (a browser cannot add that header across
  sites without a CORS preflight, which we never grant) and views marked
  ``@csrf_exempt``. Forms use ``{{ form.csrf_token }}`` (FlaskForm) or
  ``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">``;
  scripts send the ``X-CSRFToken`` header.
- Rate limits (Flask-Limiter) counted in storage every process shares: PostgreSQL by
  default (registry/ratelimit_storage.py), Redis when RATELIMIT_STORAGE_URI=redis://...
  If the store is down the limits fail open (the request goes through) and the error is
  logged. ``@limit_sign_in``,
  ``@limit_sign_up``, ``@limit_password_reset`` and ``@limit_public_submission``
  for public forms such as nominations. Off when ``settings.rate_limits_enabled``
  is False (the tests).
- Headers: a CSP with a per-request nonce and no 'unsafe-inline' script,
  img-src allowing the configured tile host; nosniff, frame denial, referrer
  policy; HSTS when cookies are secure; no caching of signed-in pages.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from .errors import InvalidInput
from .web.templating import csp_nonce

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True,
                  swallow_errors=True)  # fail open (and log) when the counters' store is away

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_exempt_views: set[str] = set()


@limiter.request_filter
def _not_counted() -> bool:
    """Every limit below counts POSTs only, so a GET, HEAD or OPTIONS skips the limiter's per-request
    work (resolving each route's limits: ~50 µs of every public read, issue 14). A limit on a safe
    method would need this filter changed: test_security_ratelimits.py pins it."""
    return request.method not in UNSAFE_METHODS


def _limits_off() -> bool:
    # Per app, at request time: one Limiter serves every app in a process (the tests make several).
    return not current_app.config["SETTINGS"].rate_limits_enabled


# Limits apply to the POST that does the work, never to showing the form.
limit_sign_in = limiter.limit("10 per minute;50 per hour", methods=["POST"], exempt_when=_limits_off)
limit_sign_up = limiter.limit("5 per minute;20 per hour", methods=["POST"], exempt_when=_limits_off)
limit_password_reset = limiter.limit("5 per minute;20 per hour", methods=["POST"], exempt_when=_limits_off)
limit_public_submission = limiter.limit("10 per minute;100 per day", methods=["POST"], exempt_when=_limits_off)


def csrf_exempt(view):
    """Exempt a view from the CSRF check (only for endpoints that authenticate by bearer token)."""
    _exempt_views.add(f"{view.__module__}.{view.__name__}")
    return view


def _signed_in() -> bool:
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))


def has_bearer() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def tile_source(tile_url: str) -> str | None:
    """The CSP source for the configured tile URL: https://{s}.tile.x.org/... -> https://*.tile.x.org."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc
    if "{s}" in tile_url:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(nonce: str, tile_url: str) -> str:
    return _policy_template(tile_url).replace(_NONCE, nonce)


_NONCE = "{nonce}"  # braces are never in a nonce (token_urlsafe) nor in a policy


@lru_cache(maxsize=8)
def _policy_template(tile_url: str) -> str:
    """The policy with a marker where the nonce goes: built once per tile URL, not per response."""
    nonce = _NONCE
    img = ["'self'", "data:"]
    tiles = tile_source(tile_url)
    if tiles:
        img.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "img-src": img,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def reject_nul_bytes():
    """PostgreSQL text cannot hold NUL: refuse it up front, naming the field, instead of failing later."""
    # A request with no body has no form: skip parsing one (most public reads, issue 14).
    has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
    for source in (request.args, request.form) if has_body else (request.args,):
        for name, value in source.items(multi=True):
            if "\x00" in value or "\x00" in name:
                raise InvalidInput(f"{name} contains a character that is not allowed.", field=name)
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        raise InvalidInput("The JSON body contains a NUL character, which is not allowed.", field="body")


def storage_uri(settings) -> str:
    from .ratelimit_storage import uri_for

    return settings.ratelimit_storage_uri or uri_for(settings.database_url)


def init_app(app):
    settings = app.config["SETTINGS"]
    app.before_request(reject_nul_bytes)
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, so bearer requests can be let through
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        RATELIMIT_ENABLED=True,  # each limit is exempt when settings.rate_limits_enabled is False
        RATELIMIT_STORAGE_URI=storage_uri(settings),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    csrf.init_app(app)
    from . import ratelimit_storage  # noqa: F401  (registers the registry-postgresql:// storage)

    limiter.init_app(app)

    @app.before_request
    def check_csrf():
        if request.method not in UNSAFE_METHODS or has_bearer():
            return
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and f"{view.__module__}.{view.__name__}" in _exempt_views:
            return
        if view is not None and request.path.startswith("/api/") and getattr(view, "permission", None) == "public":
            return  # a public API call (a calculator) acts for nobody: nothing to forge
        if request.path.startswith("/api/") and not _signed_in():
            return  # no token and no session: it acts for nobody, so the view answers 401 (not a CSRF 400)
        csrf.protect()
        return

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce(), settings.tile_url))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if settings.session_cookie_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if g.get("_login_user") is not None and getattr(g._login_user, "is_authenticated", False):
            headers["Cache-Control"] = "private, no-store"
            headers.add("Vary", "Cookie")
        return response

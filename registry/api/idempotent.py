"""Idempotent writes at the edge: the API's `Idempotency-Key` header, and forms sent twice.

API (draft-ietf-httpapi-idempotency-key-header): a POST, PUT, PATCH or DELETE under /api/
sent with ``Idempotency-Key: <1-255 visible characters>`` is done once. A retry with the same
key and the same request (method, path, query, Content-Crs and body) gets the first answer
back, status, headers and body, with ``Idempotent-Replayed: true``, and makes no second
record; the same key with a different request is a 422 problem naming the header. Keys belong
to the acting user (one user cannot replay another's answer). Only successful answers are
kept, so a refused write can be fixed and retried with the same key.

Forms: a page's form carries its CSRF token, signed afresh each time the page is rendered; a
double click sends the same token and the same fields twice. The second submission gets the
first one's redirect (or, if the first answered with a page, a short "already sent" page) and
makes no second record. Sign-in and sign-out are left alone (they make no records, and a
replay could not carry the session cookie).

Forms that CREATE something (an expression of interest, a nomination, a request, an
organisation, a join request, a transfer, a condition, a moratorium) are also keyed by what
they say: the person, the address and every field but the CSRF token. When the answer to such
a form is lost, the person goes back and sends it again; the page they go back to is fetched
afresh (signed-in pages are never cached), so its token is new, but what they send is the same,
and they are taken to what the first submission made instead of making it twice. The same
person sending the very same creation again within ``idempotency.KEEP_HOURS`` is the same
creation; anything that differs (another service, another asset, one word) is a new one.

The claim and the stored answer are written in the request's own transaction
(registry/idempotency.py), so they commit exactly when the write does.
"""

import hashlib

from flask import Response, g, render_template, request

from .. import accounts, idempotency
from ..errors import InvalidInput, Unprocessable

HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Location", "Content-Type", "Content-Crs", "ETag", "Content-Location")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS_LEFT_ALONE = frozenset({"web_accounts.sign_in", "web_accounts.sign_out"})
# Forms that make a new record: keyed by their content as well as by their token (see above).
CREATE_FORMS = frozenset({
    "web_cases.nominate", "web_cases.challenge", "web_cases.transfer_request",
    "web_cases.scottish_transfer_request", "web_cases.community_right_to_buy",
    "web_cases.abandoned_land_right_to_buy", "web_cases.sustainable_development_right_to_buy",
    "web_cases.start_child", "web_organisations.new", "web_organisations.ask_to_join",
    "web_transfers.new", "web_transfers.new_condition",
})


def request_fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1"),
                 request.headers.get("Content-Crs", "")):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def form_fingerprint(leave_out: frozenset[str] = frozenset()) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    for name, value in sorted(request.form.items(multi=True)):
        if name in leave_out:
            continue
        digest.update(name.encode() + b"=" + value.encode() + b"\0")
    for name, upload in sorted(request.files.items(multi=True)):
        digest.update(name.encode() + b"=" + (upload.filename or "").encode() + b"\0")
        digest.update(hashlib.sha256(upload.stream.read()).digest())
        upload.stream.seek(0)
    return digest.hexdigest()


def valid_key(value: str) -> str:
    key = value.strip().strip('"')  # a structured-field string arrives quoted
    if not 1 <= len(key) <= 255 or any(not (0x20 < ord(c) < 0x7F) for c in key):
        raise InvalidInput("Idempotency-Key must be 1 to 255 visible ASCII characters.", field=HEADER)
    return key


def _replay(stored: idempotency.Stored) -> Response:
    response = Response(stored.body or b"", status=stored.status)
    for name, value in stored.headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _claim_api():
    actor = accounts.current_actor()
    if actor.id is None:
        return None  # nobody to scope the key to: the view answers (401) as usual
    key, scope = valid_key(request.headers[HEADER]), f"api:{actor.id}"
    try:
        stored = idempotency.claim(scope, key, request_fingerprint())
    except idempotency.KeyReused:
        raise Unprocessable("This Idempotency-Key was already used with a different request. "
                            "Use a new key for a new request.", field=HEADER) from None
    if stored is not None:
        return _replay(stored) if stored.status is not None else None
    g.idempotency_claims = [(scope, key, True)]
    return None


def _claim_form():
    token = request.form.get("csrf_token")
    if not token or request.endpoint in FORMS_LEFT_ALONE:
        return None
    claims = []
    actor = accounts.current_actor()
    if request.endpoint in CREATE_FORMS and actor.id is not None:
        # First by content (a resend from a page fetched again has a new token), then by token.
        scope = f"form-content:{actor.id}"
        key = form_fingerprint(leave_out=frozenset({"csrf_token"}))
        stored = idempotency.claim(scope, key, key)
        if stored is not None:
            return _already_sent(stored)
        claims.append((scope, key, False))
    scope = "form"
    key = hashlib.sha256(token.encode() + b"\0" + form_fingerprint().encode()).hexdigest()
    stored = idempotency.claim(scope, key, key)
    if stored is None:
        g.idempotency_claims = [*claims, (scope, key, False)]
        return None
    return _already_sent(stored)


def nothing_made() -> None:
    """The view made nothing (it sent the person elsewhere, e.g. to "who can use this right"): drop this
    request's claims, so the same form sent again later (say, after joining a group) reaches the view."""
    for scope, key, _with_body in g.pop("idempotency_claims", None) or ():
        idempotency.release(scope, key)


def _already_sent(stored: idempotency.Stored) -> Response:
    if stored.status is not None and 300 <= stored.status < 400:
        return _replay(stored)
    return Response(render_template("error.html", title="You have already sent this form",
                                    detail="We received it the first time and saved it once. "
                                           "Go back and reload the page to see the result.", status=409),
                    status=409)


def init_app(app):
    @app.before_request
    def claim_idempotency_key():
        if request.method not in UNSAFE:
            return None
        if request.path.startswith("/api/"):
            return _claim_api() if HEADER in request.headers else None
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return _claim_form()
        return None

    @app.after_request
    def keep_first_answer(response):
        # Runs before the request's one commit (registered after it: Flask runs these in reverse).
        claims = g.pop("idempotency_claims", None)
        if not claims or response.status_code >= 400:
            return response  # a refused write: the claims are rolled back with it
        headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
        for scope, key, with_body in claims:
            if with_body:
                idempotency.save(scope, key, response.status_code, headers, response.get_data())
            elif 300 <= response.status_code < 400:
                idempotency.save(scope, key, response.status_code, {"Location": response.headers["Location"]},
                                 None)
            else:
                # A page (it may show a secret, such as a new API token): not kept; a resend sees "already sent".
                idempotency.save(scope, key, 200, {}, None)
        return response

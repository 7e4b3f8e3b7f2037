"""A small family of errors, each safe to show, and its two renderers.

Under /api/ an error answers application/problem+json (RFC 9457) naming the bad
field; on pages it renders the GOV.UK error page. What the log sees (the
exception and its traceback) is kept apart from what the user sees.
"""

import logging
from contextlib import contextmanager

import orjson
from flask import Response, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class RegistryError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "", *, field: str | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.field = field
        self.extra = extra


class InvalidInput(RegistryError):
    status = 400
    title = "Invalid input"


@contextmanager
def invalid_input(*kinds: type[Exception]):
    """At the edge: a pure rule's own exception (with ``detail`` and ``field``) becomes InvalidInput."""
    try:
        yield
    except kinds as error:
        raise InvalidInput(getattr(error, "detail", str(error)), field=getattr(error, "field", None)) from error


class InvalidInputs(InvalidInput):
    """Every field error of one form at once: a page lists them all in its GOV.UK error summary.

    ``field`` and ``detail`` are the first error's, so anything that shows one error still works.
    """

    def __init__(self, errors):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.detail, field=first.field)


class Unauthorised(RegistryError):
    status = 401
    title = "Sign in required"


class Forbidden(RegistryError):
    status = 403
    title = "Not allowed"


class NotFound(RegistryError):
    status = 404
    title = "Not found"


class Conflict(RegistryError):
    status = 409
    title = "Conflict"


class Unprocessable(RegistryError):
    status = 422
    title = "Unprocessable request"


class TransitionRefused(Conflict):
    title = "That step is not allowed now"

    def __init__(self, detail: str, *, from_state: str, action: str, allowed: list[str]):
        super().__init__(detail, from_state=from_state, action=action, allowed=allowed)


def wants_problem_json() -> bool:
    if request.path.startswith("/api/"):
        return request.args.get("f") != "html"
    return request.path.startswith("/tiles/")  # tile clients are programs too


def problem_response(status: int, title: str, detail: str, **members) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in members.items() if v is not None})
    return Response(orjson.dumps(body), status=status, mimetype="application/problem+json")


UNAVAILABLE_DETAIL = "The register's database is not answering just now. Nothing was saved; try again in a few seconds."
RETRY_AFTER_S = 5


def database_unavailable(error: BaseException | None) -> bool:
    """A lost or refused database connection (a restart, a failover, a full pool), not a bad query."""
    if error is None:
        return False
    if isinstance(error, (OperationalError, PoolTimeout)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    import psycopg

    return isinstance(error, psycopg.OperationalError)


def unavailable_response():
    """503 with Retry-After: problem+json under /api/, a plain GOV.UK-style page elsewhere (no database needed)."""
    if wants_problem_json():
        response = problem_response(503, "Service unavailable", UNAVAILABLE_DETAIL)
    else:
        try:
            body = render_template("error.html", title="Sorry, the service is unavailable",
                                   detail=UNAVAILABLE_DETAIL, status=503)
        except Exception:  # noqa: BLE001 - the page's layout may itself need the database (the signed-in user)
            body = ("<!DOCTYPE html><html lang=en><title>Sorry, the service is unavailable</title>"
                    f"<h1>Sorry, the service is unavailable</h1><p>{UNAVAILABLE_DETAIL}</p></html>")
        response = Response(body, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def plain_http_error(error: HTTPException) -> tuple[str, str]:
    """(title, detail) of one of Werkzeug's own errors in our words, not its stock text ("The requested URL
    was not found on the server. If you entered the URL manually…"). A program reading problem+json is
    pointed to where the API is described; a person gets the GOV.UK "Page not found" page."""
    api = request.path.startswith("/api/")
    if error.code == 404:
        if api:
            return "Not found", (f"There is nothing at {request.path}. The API's start is /api, and /api/openapi "
                                 "lists every path it answers.")
        if request.path.startswith("/tiles/"):
            return "Not found", (f"There is no tile at {request.path}: tiles are /tiles/assets/{{z}}/{{x}}/{{y}}.mvt "
                                 "and /tiles/base/{z}/{x}/{y}.mvt.")
        return "Page not found", ""
    if error.code == 405:
        allowed = ", ".join(sorted(error.valid_methods or [])) if getattr(error, "valid_methods", None) else ""
        if api:
            return "Method not allowed", (f"{request.path} does not answer {request.method}"
                                          + (f"; it answers {allowed}." if allowed else "."))
        return "This page cannot do that", "Go back to the page you came from and use its buttons or links."
    return error.name, error.description or error.name


def register_error_handlers(app):
    @app.errorhandler(RegistryError)
    def handle_registry_error(error: RegistryError):
        if wants_problem_json():
            response = problem_response(
                error.status, error.title, error.detail, invalid_param=error.field, **error.extra
            )
            if error.status == 401:  # RFC 9110 s.15.5.2: a 401 says how to authenticate (RFC 6750: a token)
                response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
            return response
        return (
            render_template("error.html", title="Page not found" if error.title == NotFound.title else error.title,
                            detail=error.detail, status=error.status,
                            choices=error.extra.get("choices")),
            error.status,
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def handle_database_unavailable(error):
        from . import db

        log.warning("Database unavailable on %s: %s", request.path, str(error).splitlines()[0])
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001, S110 - the connection is gone; the pool replaces it
            pass
        return unavailable_response()

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if isinstance(error, InternalServerError) and database_unavailable(error.original_exception):
            # The request's one commit (after the view) lost its connection: nothing was saved.
            log.warning("Database unavailable at commit on %s", request.path)
            return unavailable_response()
        title, detail = plain_http_error(error)
        if wants_problem_json():
            return problem_response(error.code or 500, title, detail)
        return render_template("error.html", title=title, detail=detail, status=error.code), error.code

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if database_unavailable(error):
            return handle_database_unavailable(error)
        log.exception("Unhandled error on %s", request.path)
        detail = "Something went wrong on our side. It has been logged."
        if wants_problem_json():
            return problem_response(500, "Internal server error", detail)
        return render_template("error.html", title="Sorry, there is a problem", detail=detail, status=500), 500

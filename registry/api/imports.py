"""Imports for council systems: POST /api/imports and GET /api/imports/<id>.

``POST /api/imports`` (multipart/form-data): ``file`` (required), ``authority`` (GSS code; defaults
to the token's), ``mapping`` (JSON object column -> field; defaults to the authority's saved mapping),
``dry_run`` and ``retire_missing`` (true/false). Only ``Authorization: Bearer <token>`` authenticates;
a token acts for its officer's authority only (another authority: 403, nothing written).

A file of at most ``IMPORT_SYNC_ROWS`` rows is imported at once: 201 with the summary (or 422 with
the problems when the file is refused). A longer one is queued: 202 with ``Location`` the status URL,
``GET /api/imports/<id>``, which the worker (``flask imports work``) brings to ``done`` or ``failed``.
The same functions as the page and ``flask assets import`` (registry/imports/uploads.py).
"""

import json

from flask import Blueprint, current_app, jsonify, request, url_for

from .. import accounts, permissions, security
from ..errors import Forbidden, InvalidInput, NotFound, Unauthorised
from ..imports import uploads
from ..imports.authority_names import resolve

bp = Blueprint("api_imports", __name__, url_prefix="/api")

TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


@bp.after_request
def challenge(response):
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def _actor():
    actor = accounts.bearer_actor() if accounts.bearer_secret() else accounts.ANONYMOUS
    if actor.id is None:
        raise Unauthorised("Send a valid API token: Authorization: Bearer <token>.")
    return actor


def _flag(name: str) -> bool:
    value = (request.form.get(name) or "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidInput(f"{name} must be true or false.", field=name)


def _mapping():
    text = request.form.get("mapping")
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidInput("mapping must be a JSON object of column name -> field.", field="mapping") from None
    return uploads.clean_mapping(value)


def _status(upload) -> dict:
    body = {"id": upload.id, "status": upload.status, "authority": upload.authority_code,
            "file_name": upload.file_name, "sha256": upload.sha256, "rows": upload.row_count,
            "dry_run": upload.dry_run, "retire_missing": upload.retire_missing,
            "progress": {"done": upload.progress_done, "total": upload.progress_total},
            "import_run": upload.import_run_id, "summary": upload.result,
            "links": {"self": url_for("api_imports.show", upload_id=upload.id, _external=True)}}
    if upload.error:
        body["error"] = upload.error
    return body


@bp.post("/imports")
@security.csrf_exempt
@permissions.route_requires("import.run")
def create():
    actor = _actor()
    given = (request.form.get("authority") or "").strip()
    code = (resolve(given) or given.upper()) if given else actor.authority_code
    if not code:
        raise InvalidInput("Name the authority to import into (its GSS code).", field="authority")
    if not permissions.can(actor, "import.run", code):
        raise Forbidden(f"This token cannot import into {code}: a token imports only into its own authority.",
                        field="authority")
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise InvalidInput("Send the file to import as the multipart field 'file'.", field="file")
    dry_run, retire_missing, column_map = _flag("dry_run"), _flag("retire_missing"), _mapping()
    upload = uploads.store(upload_file.read(uploads.MAX_UPLOAD_BYTES + 1), upload_file.filename, actor=actor,
                           authority_code=code, via="api", column_map=column_map, dry_run=dry_run,
                           retire_missing=retire_missing)
    location = url_for("api_imports.show", upload_id=upload.id, _external=True)
    if (upload.row_count or 0) > current_app.config["SETTINGS"].import_sync_rows:
        uploads.queue(upload)
        response = jsonify(_status(upload))
        response.status_code = 202
    else:
        _report, _run = uploads.run(upload, actor=actor)
        response = jsonify(_status(upload))
        response.status_code = 201 if upload.status == "done" else 422
    response.headers["Location"] = location
    return response


@bp.get("/imports/<int:upload_id>")
@permissions.route_requires("import.run")
def show(upload_id):
    actor = _actor()
    upload = uploads.get(upload_id)
    if not permissions.can(actor, "import.run", upload.authority_code):
        raise NotFound(f"There is no import {upload_id}.")
    return jsonify(_status(upload))

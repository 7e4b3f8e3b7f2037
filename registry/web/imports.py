"""The import page for officers (and admins) of an authority: /imports.

Upload a file (any format the importer reads), see its columns and the field each is mapped to (the
importer's own detection), change any of them and save the mapping for the authority, see the
preview (a dry run: new, updated with the fields that change, unchanged, missing from this file,
every problem and warning by row), confirm (the real write, optionally retiring the missing ones).
A long file's preview and its import are both queued for the worker (`flask imports work`); their
pages show the progress and refresh themselves (no JavaScript needed).
The history lists the authority's imports, each report downloadable as CSV. The same functions as
`flask assets import` and POST /api/imports (registry/imports/uploads.py).
"""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovTextInput
from wtforms import BooleanField, StringField

from .. import accounts, acv_lists, db, permissions
from ..errors import Forbidden, InvalidInput, RegistryError
from ..formats import import_report
from ..import_runs import ImportRun
from ..imports import uploads
from ..imports.authority_names import resolve as authority_names_lookup
from ..uktime import LONDON
from ..workflow import engine
from .forms import FlaskForm, add_error
from .templating import date_words

bp = Blueprint("web_imports", __name__)


class UploadForm(FlaskForm):
    file = FileField("Upload a file", widget=GovFileInput())
    authority = StringField("Council to import into", widget=GovTextInput())


class AcvUploadForm(FlaskForm):
    """A council's list of assets of community value (registry/acv_lists.py), not its register."""

    acv_file = FileField("Upload a list of assets of community value", widget=GovFileInput())
    acv_authority = StringField("Council whose list it is", widget=GovTextInput())


class MappingForm(FlaskForm):
    save_mapping = BooleanField("Save this mapping as the default for my authority", widget=GovCheckboxInput())


class PrepareForm(FlaskForm):
    pass


class ConfirmForm(FlaskForm):
    retire_missing = BooleanField("Mark the assets that are not in this file as withdrawn", widget=GovCheckboxInput())


def _authority_for(actor, given: str | None) -> str:
    """The officer's own authority; an admin names one."""
    code = getattr(actor, "authority_code", None)
    if "admin" in permissions.user_roles(actor) and given:
        code = authority_names_lookup(given)
    if not code:
        if given and given.strip():
            raise InvalidInput(f"We do not know a council called \u201c{given.strip()}\u201d. Enter its name as it "
                               "writes it (Trafford Council) or its GSS code (E08000009).", field="authority")
        raise InvalidInput("Enter the name or GSS code of the council to import into.", field="authority")
    permissions.require(actor, "import.run", code)
    return code


def _load(upload_id: int, kind: str = "assets"):
    actor = accounts.current_actor()
    upload = uploads.get(upload_id, kind=kind)
    permissions.require(actor, "import.run", upload.authority_code)
    return actor, upload


@bp.route("/imports", methods=["GET", "POST"])
@permissions.route_requires("import.run")
def index():
    actor = accounts.current_actor()
    form = UploadForm()
    authority = getattr(actor, "authority_code", None)
    if authority:
        permissions.require(actor, "import.run", authority)
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            code = _authority_for(actor, form.authority.data)
            if upload_file is None or not getattr(upload_file, "filename", ""):
                raise InvalidInput("Choose a file to import.", field="file")
            content = upload_file.read(uploads.MAX_UPLOAD_BYTES + 1)
            upload = uploads.store(content, upload_file.filename, actor=actor, authority_code=code, via="web")
        except RegistryError as error:
            if isinstance(error, Forbidden):
                raise
            add_error(form, error, "file")
        else:
            if _long(upload):
                uploads.queue_preview(upload)  # checked by the worker; the preview page shows its progress
            return redirect(url_for("web_imports.preview", upload_id=upload.id))
    return _index_page(actor, form, AcvUploadForm(formdata=None))


def _index_page(actor, form, acv_form):
    is_admin = "admin" in permissions.user_roles(actor)
    authority = getattr(actor, "authority_code", None)
    history = [(run, _when_words(run.started_at)) for run in uploads.history(authority)] if authority else []
    can_import_acv = bool(authority) and permissions.can(actor, "acv.validate", authority)
    return render_template("imports/index.html", form=form, acv_form=acv_form, authority=authority,
                           can_import_acv=can_import_acv,
                           is_admin=is_admin, authority_name=uploads.council_name(authority) if authority else None,
                           history=history), 400 if (form.errors or acv_form.errors) else 200


@bp.post("/imports/acv")
@permissions.route_requires("import.run")
def acv_upload():
    """Upload a council's ACV list: kept, then previewed (a dry run) before anything is written."""
    actor = accounts.current_actor()
    acv_form = AcvUploadForm()
    if acv_form.validate_on_submit():
        upload_file = acv_form.acv_file.data
        try:
            code = _authority_for(actor, acv_form.acv_authority.data)
            permissions.require(actor, "acv.validate", code)  # the list records the council's own decisions
            if upload_file is None or not getattr(upload_file, "filename", ""):
                raise InvalidInput("Choose the council's list to import.", field="acv_file")
            content = upload_file.read(uploads.MAX_UPLOAD_BYTES + 1)
            upload = uploads.store(content, upload_file.filename, actor=actor, authority_code=code, via="web",
                                   kind="acv", row_counter=acv_lists.count_upload_rows)
        except RegistryError as error:
            if isinstance(error, Forbidden):
                raise
            add_error(acv_form, error, "acv_authority" if error.field == "authority" else "acv_file")
        else:
            return redirect(url_for("web_imports.acv_preview", upload_id=upload.id))
    return _index_page(actor, UploadForm(formdata=None), acv_form)


@bp.get("/imports/acv/<int:upload_id>")
@permissions.route_requires("import.run")
def acv_preview(upload_id):
    """The preview (nothing written) with a Confirm button; once confirmed, what the import did."""
    actor, upload = _load(upload_id, kind="acv")
    name = uploads.council_name(upload.authority_code)
    if upload.status in ("done", "failed"):
        run = db.session.get(ImportRun, upload.import_run_id) if upload.import_run_id else None
        return render_template("imports/acv.html", upload=upload, authority_name=name, done=True,
                               lines=upload.result.get("lines", []), written=upload.result.get("written"),
                               run=run, confirm_form=None)
    report, _ = acv_lists.import_upload(upload, actor=actor, today=engine.today_uk(), dry_run=True)
    return render_template("imports/acv.html", upload=upload, authority_name=name, done=False,
                           lines=report.lines(), written=False, run=None,
                           confirm_form=PrepareForm() if report.ok else None)


@bp.post("/imports/acv/<int:upload_id>/confirm")
@permissions.route_requires("import.run")
def acv_confirm(upload_id):
    actor, upload = _load(upload_id, kind="acv")
    if not PrepareForm().validate_on_submit():
        abort(400)
    if upload.status == "uploaded":
        acv_lists.import_upload(upload, actor=actor, today=engine.today_uk(), dry_run=False)  # the page says how it went
    return redirect(url_for("web_imports.acv_preview", upload_id=upload.id))


def _when_words(moment) -> str:
    """ "2 December 2026 at 6:11pm", in UK time (GOV.UK's style for dates and times)."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON) if moment.tzinfo else moment
    hour = local.hour % 12 or 12
    return f"{date_words(moment)} at {hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


@bp.get("/imports/<int:upload_id>")
@permissions.route_requires("import.run")
def preview(upload_id):
    _actor, upload = _load(upload_id)
    long_file = _long(upload)
    if long_file and upload.preview_status != "ready":
        return render_template("imports/preview_pending.html", upload=upload, prepare_form=PrepareForm(),
                               authority_name=uploads.council_name(upload.authority_code))
    data = upload.preview if long_file else uploads.snapshot(uploads.preview(upload), upload.authority_code)
    foreign = uploads.foreign_authorities(data, upload.authority_code)
    # Confirming is refused while any problem remains (a row of another council among them): no button then.
    can_confirm = bool(data.get("summary")) and not data.get("rejected") and not foreign
    return render_template("imports/preview.html", upload=upload, report=data, foreign=foreign,
                           authority_name=uploads.council_name(upload.authority_code),
                           problem_rows=data.get("problem_rows", len(data.get("rejected") or [])),
                           can_confirm=can_confirm,
                           mapping_form=MappingForm(), confirm_form=ConfirmForm(retire_missing=upload.retire_missing),
                           choices=uploads.mapping_choices(), long_file=long_file)


@bp.post("/imports/<int:upload_id>/preview")
@permissions.route_requires("import.run")
def prepare_preview(upload_id):
    """Queue the check (the preview) of a file: one uploaded through the API, one whose check failed."""
    _actor, upload = _load(upload_id)
    if not PrepareForm().validate_on_submit():
        abort(400)
    if upload.preview_status not in ("queued", "running"):
        uploads.queue_preview(upload)
    return redirect(url_for("web_imports.preview", upload_id=upload.id))


def _long(upload) -> bool:
    return (upload.row_count or 0) > current_app.config["SETTINGS"].import_sync_rows


@bp.post("/imports/<int:upload_id>/mapping")
@permissions.route_requires("import.run")
def change_mapping(upload_id):
    actor, upload = _load(upload_id)
    form = MappingForm()
    if not form.validate_on_submit():
        abort(400)
    headers = request.form.getlist("column")
    chosen = {}
    for index, header in enumerate(headers):
        target = request.form.get(f"field-{index}")
        if target:
            chosen[header] = target
    upload.mapping = uploads.clean_mapping(chosen)
    if form.save_mapping.data:
        uploads.save_mapping(upload.authority_code, upload.mapping, actor)
        flash(f"Mapping saved: the next file for {uploads.council_name(upload.authority_code)} starts from it.")
    else:
        flash("Mapping changed.")
    if _long(upload):
        uploads.queue_preview(upload)  # the preview is checked again with the new mapping
    db.session.flush()
    return redirect(url_for("web_imports.preview", upload_id=upload.id))


@bp.post("/imports/<int:upload_id>/confirm")
@permissions.route_requires("import.run")
def confirm(upload_id):
    actor, upload = _load(upload_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if upload.status not in ("uploaded", "failed"):
        return redirect(url_for("web_imports.status", upload_id=upload.id))
    upload.retire_missing = bool(form.retire_missing.data)
    upload.dry_run = False
    if _long(upload):
        uploads.queue(upload)
    else:
        uploads.run(upload, actor=actor)
    return redirect(url_for("web_imports.status", upload_id=upload.id))


@bp.get("/imports/<int:upload_id>/status")
@permissions.route_requires("import.run")
def status(upload_id):
    _actor, upload = _load(upload_id)
    run = db.session.get(ImportRun, upload.import_run_id) if upload.import_run_id else None
    return render_template("imports/status.html", upload=upload, run=run,
                           authority_name=uploads.council_name(upload.authority_code))


@bp.get("/imports/runs/<int:run_id>.csv")
@permissions.route_requires("import.run")
def run_csv(run_id):
    actor = accounts.current_actor()
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    if not any(permissions.can(actor, "import.run", code) for code in (run.authority_codes or [])):
        raise Forbidden("You can download only your own authority's import reports.")
    return Response(import_report.report_csv(run.report or []), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="import-{run.id}-report.csv"'})

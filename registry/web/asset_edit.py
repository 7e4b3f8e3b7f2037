"""Asset editing for officers of the owning authority: create, edit, change status, footprint.

The footprint is uploaded (a GeoJSON file) or pasted (GeoJSON geometry, or
British National Grid "easting, northing" lines). Validation errors, bad or
self-intersecting geometry included, show in the GOV.UK error summary.
"""

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import accounts, assets, audit, footprints, permissions
from ..errors import InvalidInput, InvalidInputs, RegistryError
from ..uktime import today_uk
from ..vocabulary import ASSET_TYPES, CONDITIONS, OCCUPANCY, SURPLUS_STATUSES
from ..workflow import prohibitions
from .forms import FlaskForm, add_error
from .templating import csp_nonce

bp = Blueprint("web_asset_edit", __name__)

MAX_UPLOAD_BYTES = 2_000_000
GEOMETRY_FORMATS = [("geojson", "GeoJSON geometry (longitude, latitude)"),
                    ("bng", "British National Grid: one easting, northing per line"),
                    ("geojson_bng", "GeoJSON geometry in British National Grid (EPSG:27700)")]


def _choices(vocabulary):
    return list(vocabulary.items())


class NumberField(DecimalField):
    """A decimal field whose error says what to type, in the field's own words."""

    def __init__(self, label=None, validators=None, message="Enter a number.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.bad_number = message

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].replace(",", "").lstrip("£").strip()]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.bad_number) from None


class AssetForm(FlaskForm):
    reference = StringField("Your reference", widget=GovTextInput(),
                            validators=[DataRequired("Enter your reference for the asset."), Length(max=100, message="Your reference must be 100 characters or fewer.")])
    name = StringField("Name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the name of the asset."), Length(max=300, message="The name must be 300 characters or fewer.")])
    asset_type = SelectField("Type", widget=GovSelect(), choices=_choices(ASSET_TYPES))
    description = TextAreaField("Description (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=5000, message="The description must be 5,000 characters or fewer.")])
    address = StringField("Address (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=500, message="The address must be 500 characters or fewer.")])
    postcode = StringField("Postcode (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=10, message="Postcode must be 10 characters or fewer.")])
    uprn = StringField("UPRN (optional)", widget=GovTextInput(), validators=[Optional()])
    title_numbers = StringField("Land Registry title numbers (optional)", widget=GovTextInput(),
                                validators=[Optional()])
    current_use = StringField("Current use (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=500, message="Current use must be 500 characters or fewer.")])
    condition = SelectField("Condition", widget=GovSelect(), choices=_choices(CONDITIONS), default="unknown")
    occupancy = SelectField("Occupancy", widget=GovSelect(), choices=_choices(OCCUPANCY), default="in_use")
    surplus_status = SelectField("Status", widget=GovSelect(), choices=_choices(SURPLUS_STATUSES),
                                 default="operational")
    floor_area_m2 = NumberField("Floor area in square metres (optional)", widget=GovTextInput(),
                                 validators=[Optional()], message="Enter the floor area as a number, like 250.")
    site_area_m2 = NumberField("Site area in square metres (optional)", widget=GovTextInput(),
                                validators=[Optional()], message="Enter the site area as a number, like 1200.")
    market_value_gbp = NumberField("Estimated market value in pounds (optional)", widget=GovTextInput(),
                                    validators=[Optional()], message="Enter the market value as a number, like 150000.")
    geometry_format = RadioField("How are you giving the location?", widget=GovRadioInput(),
                                 choices=GEOMETRY_FORMATS, default="geojson")
    geometry = TextAreaField("Location or footprint", widget=GovTextArea(), validators=[Optional()])
    geometry_file = FileField("Or upload a GeoJSON file", widget=GovFileInput())
    # Shown with the warning they answer: a postcode not in the directory, a point outside the council's area.
    confirm_postcode = BooleanField("Yes, this postcode is right", widget=GovCheckboxInput())
    confirm_location = BooleanField("Yes, the asset is outside our area", widget=GovCheckboxInput())


class StatusForm(FlaskForm):
    surplus_status = SelectField("Status", widget=GovSelect(), choices=_choices(SURPLUS_STATUSES))


FIELDS = ("reference", "name", "asset_type", "description", "address", "postcode", "uprn", "title_numbers",
          "current_use", "condition", "occupancy", "surplus_status", "floor_area_m2", "site_area_m2",
          "market_value_gbp")


def _raw(form: AssetForm, authority_code: str) -> dict:
    raw = {name: form[name].data for name in FIELDS}
    for name in ("floor_area_m2", "site_area_m2", "market_value_gbp"):
        raw[name] = None if raw[name] is None else str(raw[name])
    raw["authority_code"] = authority_code
    return raw


def _geometry_text(form: AssetForm) -> str:
    upload = form.geometry_file.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput("The file must be smaller than 2 MB.", field="geometry_file")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("The file must be GeoJSON text (UTF-8).", field="geometry_file") from None
    return (form.geometry.data or "").strip()


def _shapes(form: AssetForm, *, required: bool):
    text = _geometry_text(form)
    if not text:
        if required:
            raise InvalidInput("Enter the location or footprint, or upload a GeoJSON file.", field="geometry")
        return None
    kind = form.geometry_format.data or "geojson"
    if kind == "bng" and not text.lstrip().startswith("{"):
        return footprints.from_bng_text(text)
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidInput("The location is not GeoJSON. Paste a geometry like "
                           '{"type": "Point", "coordinates": [-1.55, 53.8]}, or choose British National Grid '
                           "to type eastings and northings.", field="geometry") from None
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features") or []
        if len(features) != 1:
            raise InvalidInput("The file must hold exactly one feature: the asset's footprint.", field="geometry")
        document = features[0]
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = document.get("geometry")
    crs = footprints.BNG if kind in ("bng", "geojson_bng") else footprints.WGS84
    return footprints.from_geojson(document, crs=crs)


def _map(*, asset=None, geometry=None, authority_code=None):
    """The drawing map: the asset's footprint or point, else the middle of its authority's area."""
    from flask import current_app

    from .. import authorities, maps

    settings = current_app.config["SETTINGS"]
    feature, center = None, None
    if geometry is not None:
        shape = geometry["footprint"] or geometry["point"]
        feature = {"type": "Feature", "geometry": json.loads(shape),
                   "properties": {"name": asset.name, "status": asset.live_status or asset.surplus_status}}
    elif authority_code:
        bbox = authorities.summary(authority_code)["bbox"]
        if bbox:
            center = ((bbox[1] + bbox[3]) / 2, (bbox[0] + bbox[2]) / 2)
    label = f"Map of {asset.name}: draw its boundary" if asset else "Map: draw the new asset's boundary"
    from .footprint_map import drawing_map  # folium loads on first use: the CLI starts fast

    m = drawing_map(feature=feature, center=center, tile_url=settings.tile_url,
                    tile_attribution=settings.tile_attribution, label=label)
    return maps.embed(m, nonce=csp_nonce())


def _save_errors(form, error: RegistryError):
    if not isinstance(error, _ShownOnFields):
        add_error(form, error, "name")


def _checked(form: AssetForm, authority_code: str, asset, warnings: dict):
    """Every problem of the posted form at once (WTForms' checks, the register's, the location's), then the
    two entry checks an officer confirms: a postcode not in the postcode directory, a point outside the
    council's area. Raises InvalidInputs; returns (shapes, record) when editing, else (point, footprint, record).
    """
    form.validate()  # the CSRF token and WTForms' own field checks; their errors stay on the fields
    problems = []
    raw = _raw(form, authority_code)
    problems += [p for p in assets.field_problems(raw) if p.field not in form.errors]
    shapes = None
    try:
        shapes = _shapes(form, required=asset is None)
    except InvalidInput as error:
        problems.append(error)
    if problems:
        raise InvalidInputs(problems)
    if form.errors:
        raise _ShownOnFields()
    point, footprint = shapes if shapes is not None else assets.current_shapes(asset.id)
    record = assets.validate_record(raw, point=point, footprint=footprint)
    if record.postcode and not assets.postcode_known(record.postcode) and not form.confirm_postcode.data:
        warnings["postcode"] = True
        problems.append(InvalidInput(
            f"{record.postcode} is not in the postcode directory: check it, or tick the box to say it is right "
            "(a new postcode may not be there yet).", field="postcode"))
    if (shapes is not None or asset is None) and not assets.point_in_area(authority_code, point) \
            and not form.confirm_location.data:
        warnings["location"] = True
        problems.append(InvalidInput(
            "The location is outside your council's area: check it, or tick the box to say the asset is "
            "outside the area.", field="geometry"))
    if problems:
        raise InvalidInputs(problems)
    return (shapes, record) if asset is not None else (point, footprint, record)


class _ShownOnFields(RegistryError):
    """Only WTForms' own field errors: they are on the fields already."""


@bp.route("/assets/new", methods=["GET", "POST"])
@permissions.route_requires("asset.create")
def new():
    actor = accounts.current_actor()
    permissions.require(actor, "asset.create", actor.authority_code)
    form = AssetForm()
    warnings = {}
    if request.method == "POST":
        try:
            point, footprint, record = _checked(form, actor.authority_code, None, warnings)
            asset_id = assets.create(record)
        except RegistryError as error:
            _save_errors(form, error)
        else:
            audit.record(actor, "asset.create", "asset", asset_id, {"reference": record.reference})
            flash("Asset added.")
            return redirect(url_for("web_asset_edit.edit", asset_id=asset_id))
    return render_template("asset_edit/form.html", form=form, asset=None, authority_code=actor.authority_code,
                           warnings=warnings, map=_map(authority_code=actor.authority_code)), \
        400 if form.errors else 200


def _load(actor, action, asset_id):
    asset = assets.get(asset_id, include_withheld=True)
    permissions.require(actor, action, asset)
    return asset


def _form_values(asset) -> dict:
    values = assets.editable_values(asset)
    values["title_numbers"] = ", ".join(values["title_numbers"])
    for name in ("floor_area_m2", "site_area_m2", "market_value_gbp"):
        values[name] = getattr(asset, name)  # DecimalField wants numbers
    return values


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@permissions.route_requires("asset.edit")
def edit(asset_id):
    actor = accounts.current_actor()
    asset = _load(actor, "asset.edit", asset_id)
    form = AssetForm() if request.method == "POST" else AssetForm(data=_form_values(asset))
    warnings = {}
    if request.method == "POST":
        try:
            shapes, record = _checked(form, asset.authority_code, asset, warnings)
            prohibitions.check_status_change(asset_id, asset.surplus_status, record.surplus_status, today_uk())
            assets.update(asset_id, record)
        except RegistryError as error:
            _save_errors(form, error)
        else:
            audit.record(actor, "asset.edit", "asset", asset_id,
                         {"geometry": shapes is not None, "reference": record.reference})
            flash("Changes saved.")
            return redirect(url_for("web_asset_edit.edit", asset_id=asset_id))
    geometry = assets.geometry_of(asset_id)
    return render_template("asset_edit/form.html", form=form, asset=asset, geometry=geometry, warnings=warnings,
                           status_form=StatusForm(surplus_status=asset.surplus_status),
                           authority_code=asset.authority_code,
                           map=_map(asset=asset, geometry=geometry)), 400 if form.errors else 200


@bp.post("/assets/<int:asset_id>/status")
@permissions.route_requires("asset.change_status")
def change_status(asset_id):
    actor = accounts.current_actor()
    asset = _load(actor, "asset.change_status", asset_id)
    form = StatusForm()
    if not form.validate_on_submit():
        raise InvalidInput("Choose a status from the list.", field="surplus_status")
    before = asset.surplus_status
    prohibitions.check_status_change(asset_id, before, form.surplus_status.data, today_uk())
    assets.set_status(asset_id, form.surplus_status.data)
    audit.record(actor, "asset.change_status", "asset", asset_id, {"from": before, "to": form.surplus_status.data})
    flash("Status changed.")
    return redirect(url_for("web_asset_edit.edit", asset_id=asset_id))

"""Pages for completed transfers, their conditions, monitoring and the live-obligations register.

Public: the register (/transfers/obligations, also as CSV and GeoJSON) and a
transfer's page. Officers of the authority also see, on those pages and on a
condition's page, the history, the calculations kept when a trigger was logged,
and the forms to log a trigger, change a status and record monitoring.
"""


from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from .. import assets, authorities, clawback, conditions, monitoring, obligations, permissions, transfers
from ..accounts import current_actor
from ..api.geojson import dumps
from ..errors import InvalidInput, RegistryError
from ..formats import obligations as obligations_format
from ..permissions import public, route_requires
from ..uktime import today_uk
from .forms import PlainForm, add_error, in_page_words

bp = Blueprint("web_transfers", __name__, url_prefix="/transfers")


class TriggerForm(PlainForm):
    trigger = SelectField("What happened", widget=GovSelect(), validators=[InputRequired("Choose the trigger.")])
    trigger_date = DateField("Date of the trigger", widget=GovDateInput(), format="%d %m %Y",
                             validators=[InputRequired("Enter the date of the trigger.")])
    net_proceeds = StringField("Net sale proceeds, in pounds (share of proceeds only)", widget=GovTextInput(),
                               validators=[Optional()])
    value_at_trigger = StringField("Value with the permission or sale, in pounds (overage only)",
                                   widget=GovTextInput(), validators=[Optional()])
    allowable_costs = StringField("Allowable costs, in pounds (overage only)", widget=GovTextInput(),
                                  validators=[Optional()])
    note = TextAreaField("Note", widget=GovTextArea(), validators=[Optional()])


class StatusForm(PlainForm):
    status = SelectField("New status", widget=GovSelect(), validators=[InputRequired("Choose the new status.")])
    reason = TextAreaField("Reason", widget=GovTextArea(), validators=[InputRequired("Say why.")])


class ReceivedForm(PlainForm):
    received_on = DateField("Date received", widget=GovDateInput(), format="%d %m %Y",
                            validators=[InputRequired("Enter the date it was received.")])


def _choices(vocabulary: dict) -> list[tuple[str, str]]:
    return list(vocabulary.items())


class ConditionForm(PlainForm):
    """One clawback condition; names are the domain's (conditions.parse_condition)."""

    beneficiary = StringField("Who the condition protects", widget=GovTextInput(), validators=[Optional()],
                              description="The council or funder, for example Leeds City Council")
    instrument = SelectField("How it is secured", widget=GovSelect(), choices=_choices(conditions.INSTRUMENTS))
    registered_ref = StringField("Registration reference (optional)", widget=GovTextInput(),
                                 validators=[Optional()],
                                 description="Title number and restriction or charge entry, or the RoS reference")
    method = SelectField("How the amount due is worked out", widget=GovSelect(),
                         choices=[("", "No condition")] + _choices(conditions.METHODS))
    period_years = StringField("Length of the period, in years", widget=GovTextInput(), validators=[Optional()],
                               description="It starts on the completion date")
    principal = StringField("Principal, in pounds (optional)", widget=GovTextInput(), validators=[Optional()],
                            description="Default: the discount")
    taper = StringField("Taper (stepped taper only)", widget=GovTextInput(), validators=[Optional()],
                        description="Percentages by year, year 1 first, for example 100, 80, 60, 40, 20")
    share = StringField("Share, % (share of proceeds or overage)", widget=GovTextInput(), validators=[Optional()])
    index = SelectField("Indexation (indexed only)", widget=GovSelect(),
                        choices=[("", "None"), ("cpi", "CPI"), ("rpi", "RPI"), ("fixed", "A fixed annual rate")],
                        validators=[Optional()])
    fixed_rate = StringField("Fixed rate, % a year (optional)", widget=GovTextInput(), validators=[Optional()])
    cap = StringField("Cap, in pounds (optional)", widget=GovTextInput(), validators=[Optional()])
    triggers = SelectMultipleField("What triggers it", widget=GovCheckboxesInput(),
                                   choices=_choices(conditions.TRIGGERS), validators=[Optional()])

    CONDITION_FIELDS = ("beneficiary", "instrument", "registered_ref", "method", "period_years", "principal",
                        "taper", "share", "index", "fixed_rate", "cap", "triggers")

    def condition_data(self) -> dict | None:
        if not self.method.data:
            return None
        return {name: self[name].data for name in self.CONDITION_FIELDS}


class TransferForm(ConditionForm):
    organisation_id = SelectField("Community body the asset went to", widget=GovSelect(), coerce=int,
                                  validators=[InputRequired("Choose the community body.")])
    tenure = RadioField("Tenure", widget=GovRadioInput(), choices=_choices(transfers.TENURES),
                        validators=[InputRequired("Choose the tenure.")])
    lease_term_years = StringField("Lease term, in years (leases only)", widget=GovTextInput(),
                                   validators=[Optional()])
    annual_rent = StringField("Rent a year, in pounds (optional)", widget=GovTextInput(), validators=[Optional()])
    completion_date = DateField("Completion date", widget=GovDateInput(), format="%d %m %Y",
                                validators=[InputRequired("Enter the completion date as a real date.")])
    market_value = StringField("Market value at transfer, in pounds", widget=GovTextInput(),
                               validators=[Optional()])
    consideration = StringField("Consideration paid, in pounds", widget=GovTextInput(), validators=[Optional()],
                                description="Enter 0 for a transfer for nothing")
    title_numbers = StringField("Title numbers (optional)", widget=GovTextInput(), validators=[Optional()])
    decision_reference = StringField("Decision reference (optional)", widget=GovTextInput(),
                                     validators=[Optional()], description="For example a committee minute")
    consent_reference = StringField("Specific consent reference", widget=GovTextInput(), validators=[Optional()],
                                    description="Only if the undervalue is above the General Disposal Consent "
                                                "limit (England and Wales)")

    TRANSFER_FIELDS = ("tenure", "lease_term_years", "annual_rent", "market_value", "consideration",
                       "title_numbers", "decision_reference", "consent_reference")


def _error_field(form: PlainForm, error: RegistryError) -> RegistryError:
    """conditions[0].taper -> taper, so the message sits beside the field."""
    if error.field and error.field.startswith("conditions[") and "." in error.field:
        error.field = error.field.split(".", 1)[1]
    if error.field == "end_date":
        error.field = "period_years"
    return error


def _trigger_form(condition, formdata=None) -> TriggerForm:
    form = TriggerForm(formdata=formdata)
    form.trigger.choices = [(t, conditions.TRIGGERS[t]) for t in condition.triggers]
    return form


def _status_form(condition, formdata=None) -> StatusForm:
    form = StatusForm(formdata=formdata)
    allowed = sorted(clawback.STATUS_TRANSITIONS.get(condition.status, ()) - {"triggered"})
    form.status.choices = [(s, conditions.STATUSES[s]) for s in allowed]
    return form


# ----------------------------------------------------------------- public


# The obligations filters' API wording (obligations.parse_filters) in the page's: the authority is a select,
# the organisation comes from an organisation's link.
OBLIGATION_FILTER_WORDS = {"authority": "Choose an authority from the list.",
                           "organisation": "Follow an organisation's link to see its obligations."}


@bp.get("/obligations")
@public
def obligations_register():
    """Live obligations, per authority or organisation: ?f=csv or ?f=geojson for the data."""
    try:
        filters = obligations.parse_filters(request.args.get("authority"), request.args.get("organisation"))
    except InvalidInput as error:  # the API's words (organisation must be …) in the page's
        raise in_page_words(error, OBLIGATION_FILTER_WORDS) from error
    rows = obligations.live(today_uk(), **filters)
    f = request.args.get("f", "html")
    if f == "csv":
        name = "obligations-" + "-".join(str(v) for v in filters.values()) if filters else "obligations"
        return Response(obligations_format.to_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if f == "geojson":
        return Response(dumps(obligations_format.to_geojson(rows)), mimetype="application/geo+json")
    if f != "html":
        raise InvalidInput("Choose a download from the page's links: CSV or GeoJSON.", field="f")
    return render_template("transfers/obligations.html", rows=rows, filters=filters,
                           authorities=authorities.all_with_asset_counts(), labels=_labels())


@bp.get("/<int:transfer_id>")
@public
def show(transfer_id: int):
    transfer = transfers.get(transfer_id)
    actor = current_actor()
    officer = permissions.can(actor, "condition.view", transfer)
    return render_template("transfers/transfer.html", transfer=transfer, officer=officer,
                           can_manage=permissions.can(actor, "condition.manage", transfer),
                           due_today={c.id: conditions.due_if_triggered(c, today_uk()) for c in transfer.conditions
                                      if c.status == "active"},
                           labels=_labels())


def _labels() -> dict:
    return {"methods": conditions.METHODS, "instruments": conditions.INSTRUMENTS, "triggers": conditions.TRIGGERS,
            "statuses": conditions.STATUSES, "tenures": transfers.TENURES}


# ----------------------------------------------------------------- officers


def _condition_page(condition, trigger_form=None, status_form=None, status=200):
    actor = current_actor()
    return render_template(
        "transfers/condition.html", condition=condition, labels=_labels(),
        can_manage=permissions.can(actor, "condition.manage", condition),
        trigger_form=trigger_form or _trigger_form(condition),
        status_form=status_form or _status_form(condition),
        form=trigger_form if trigger_form is not None and trigger_form.errors else status_form,
        due_today=conditions.due_if_triggered(condition, today_uk()) if condition.status == "active" else None,
    ), status


@bp.get("/conditions/<int:condition_id>")
@route_requires("condition.view")
def condition_page(condition_id: int):
    condition = conditions.get_condition(condition_id)
    permissions.require(current_actor(), "condition.view", condition)
    return _condition_page(condition)


@bp.post("/conditions/<int:condition_id>/trigger")
@route_requires("condition.manage")
def log_trigger(condition_id: int):
    condition = conditions.get_condition(condition_id)
    permissions.require(current_actor(), "condition.manage", condition)
    form = _trigger_form(condition, request.form)
    if form.validate():
        data = {name: form[name].data for name in ("trigger", "net_proceeds", "value_at_trigger",
                                                   "allowable_costs", "note")}
        data["trigger_date"] = form.trigger_date.data
        try:
            change = conditions.log_trigger(condition.id, data, current_actor(), today_uk())
        except InvalidInput as error:
            add_error(form, error, default_field="trigger")
        else:
            flash(f"Trigger logged: £{change.amount_due_gbp:,.2f} due.")
            return redirect(url_for(".condition_page", condition_id=condition.id) + "#history")
    return _condition_page(condition, trigger_form=form, status=400)


@bp.post("/conditions/<int:condition_id>/status")
@route_requires("condition.manage")
def change_status(condition_id: int):
    condition = conditions.get_condition(condition_id)
    permissions.require(current_actor(), "condition.manage", condition)
    form = _status_form(condition, request.form)
    if form.validate():
        try:
            conditions.change_status(condition.id, form.status.data, current_actor(), today_uk(), form.reason.data)
        except RegistryError as error:
            add_error(form, error, default_field="status")
        else:
            flash(f"The condition is now {conditions.STATUSES[form.status.data].lower()}.")
            return redirect(url_for(".condition_page", condition_id=condition.id) + "#history")
    return _condition_page(condition, status_form=form, status=400)


@bp.get("/overdue")
@route_requires("monitoring.manage")
def overdue():
    """Annual reports and reviews overdue for the officer's authority (an admin may choose ?authority=)."""
    actor = current_actor()
    code = actor.authority_code
    if "admin" in permissions.user_roles(actor):
        code = obligations.parse_filters(request.args.get("authority"), None).get("authority_code", code)
    permissions.require(actor, "monitoring.manage", code)
    return render_template("transfers/overdue.html", rows=monitoring.overdue(today_uk(), authority_code=code),
                           authority_code=code, today=today_uk(), form=ReceivedForm())


@bp.post("/monitoring/<int:monitoring_date_id>/received")
@route_requires("monitoring.manage")
def record_received(monitoring_date_id: int):
    form = ReceivedForm(request.form)
    if not form.validate():
        errors = "; ".join(e for field in form.errors.values() for e in field)
        raise InvalidInput(errors or "Enter the date it was received.", field="received_on")
    monitoring.record_received(monitoring_date_id, form.received_on.data, current_actor())
    flash("Recorded as received.")
    return redirect(url_for(".overdue"))


@bp.route("/new", methods=["GET", "POST"])
@route_requires("transfer.create")
def new():
    """Record a historic transfer (one completed before the registry ran its case), with one condition."""
    asset = assets.get(_asset_id(), include_withheld=True)
    actor = current_actor()
    permissions.require(actor, "transfer.create", asset)
    form = TransferForm()
    form.organisation_id.choices = [(o.id, o.name) for o in transfers.recipients()]
    if form.validate_on_submit():
        data = {name: form[name].data for name in TransferForm.TRANSFER_FIELDS}
        data["completion_date"] = form.completion_date.data
        condition = form.condition_data()
        data["conditions"] = [condition] if condition else []
        try:
            transfer = transfers.create(data, actor, today_uk(), asset_id=asset.id,
                                        organisation_id=form.organisation_id.data)
        except InvalidInput as error:
            add_error(form, _error_field(form, error), default_field="tenure")
        else:
            flash("Transfer recorded.")
            return redirect(url_for(".show", transfer_id=transfer.id))
    return render_template("transfers/new.html", form=form, asset=asset), 400 if form.errors else 200


def _asset_id() -> int:
    raw = request.args.get("asset", "")
    if not raw.isdigit() or int(raw) > 2**31 - 1:
        raise InvalidInput("Open the asset's page and follow its link to record a transfer of it.", field="asset")
    return int(raw)


@bp.route("/<int:transfer_id>/conditions/new", methods=["GET", "POST"])
@route_requires("condition.manage")
def new_condition(transfer_id: int):
    transfer = transfers.get(transfer_id)
    actor = current_actor()
    permissions.require(actor, "condition.manage", transfer)
    form = ConditionForm()
    if form.validate_on_submit():
        try:
            data = form.condition_data()
            if data is None:
                raise InvalidInput("Choose how the amount due is worked out.", field="method")
            conditions.add_condition(data, actor, today_uk(), transfer=transfer)
        except InvalidInput as error:
            add_error(form, _error_field(form, error), default_field="method")
        else:
            flash("Condition added.")
            return redirect(url_for(".show", transfer_id=transfer.id) + "#conditions")
    return render_template("transfers/new_condition.html", form=form, transfer=transfer), \
        400 if form.errors else 200

"""Pages for completed transfers, their conditions, monitoring and the live-obligations register.

Public: the register (/transfers/obligations, also as CSV and GeoJSON) and a
transfer's page. Officers of the authority also see, on those pages and on a
condition's page, the history, the calculations kept when a trigger was logged,
and the forms to log a trigger, change a status and record monitoring.
"""

from datetime import date, datetime, timezone

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovTextArea, GovTextInput

from .. import authorities, clawback, obligations, permissions, transfers
from ..accounts import current_actor
from ..api.geojson import dumps
from ..errors import InvalidInput, RegistryError
from ..permissions import public, route_requires
from .forms import FlaskForm, add_error

bp = Blueprint("web_transfers", __name__, url_prefix="/transfers")


def today() -> date:
    return datetime.now(timezone.utc).date()


class TriggerForm(FlaskForm):
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


class StatusForm(FlaskForm):
    status = SelectField("New status", widget=GovSelect(), validators=[InputRequired("Choose the new status.")])
    reason = TextAreaField("Reason", widget=GovTextArea(), validators=[InputRequired("Say why.")])


class ReceivedForm(FlaskForm):
    received_on = DateField("Date received", widget=GovDateInput(), format="%d %m %Y",
                            validators=[InputRequired("Enter the date it was received.")])


def _trigger_form(condition, formdata=None) -> TriggerForm:
    form = TriggerForm(formdata=formdata)
    form.trigger.choices = [(t, transfers.TRIGGERS[t]) for t in condition.triggers]
    return form


def _status_form(condition, formdata=None) -> StatusForm:
    form = StatusForm(formdata=formdata)
    allowed = sorted(clawback.STATUS_TRANSITIONS.get(condition.status, ()) - {"triggered"})
    form.status.choices = [(s, transfers.STATUSES[s]) for s in allowed]
    return form


# ----------------------------------------------------------------- public


@bp.get("/obligations")
@public
def obligations_register():
    """Live obligations, per authority or organisation: ?f=csv or ?f=geojson for the data."""
    filters = obligations.parse_filters(request.args.get("authority"), request.args.get("organisation"))
    rows = obligations.live(today(), **filters)
    f = request.args.get("f", "html")
    if f == "csv":
        name = "obligations-" + "-".join(str(v) for v in filters.values()) if filters else "obligations"
        return Response(obligations.as_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if f == "geojson":
        return Response(dumps(obligations.as_geojson(rows)), mimetype="application/geo+json")
    if f != "html":
        raise InvalidInput("f must be html, csv or geojson.", field="f")
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
                           due_today={c.id: transfers.due_if_triggered(c, today()) for c in transfer.conditions
                                      if c.status == "active"},
                           labels=_labels())


def _labels() -> dict:
    return {"methods": transfers.METHODS, "instruments": transfers.INSTRUMENTS, "triggers": transfers.TRIGGERS,
            "statuses": transfers.STATUSES, "tenures": transfers.TENURES}


# ----------------------------------------------------------------- officers


def _condition_page(condition, trigger_form=None, status_form=None, status=200):
    actor = current_actor()
    return render_template(
        "transfers/condition.html", condition=condition, labels=_labels(),
        can_manage=permissions.can(actor, "condition.manage", condition),
        trigger_form=trigger_form or _trigger_form(condition),
        status_form=status_form or _status_form(condition),
        form=trigger_form if trigger_form is not None and trigger_form.errors else status_form,
        due_today=transfers.due_if_triggered(condition, today()) if condition.status == "active" else None,
    ), status


@bp.get("/conditions/<int:condition_id>")
@route_requires("condition.view")
def condition_page(condition_id: int):
    condition = transfers.get_condition(condition_id)
    permissions.require(current_actor(), "condition.view", condition)
    return _condition_page(condition)


@bp.post("/conditions/<int:condition_id>/trigger")
@route_requires("condition.manage")
def log_trigger(condition_id: int):
    condition = transfers.get_condition(condition_id)
    permissions.require(current_actor(), "condition.manage", condition)
    form = _trigger_form(condition, request.form)
    if form.validate():
        data = {name: form[name].data for name in ("trigger", "net_proceeds", "value_at_trigger",
                                                   "allowable_costs", "note")}
        data["trigger_date"] = form.trigger_date.data
        try:
            change = transfers.log_trigger(condition.id, data, current_actor(), today())
        except InvalidInput as error:
            add_error(form, error, default_field="trigger")
        else:
            flash(f"Trigger logged: £{change.amount_due_gbp:,.2f} due.")
            return redirect(url_for(".condition_page", condition_id=condition.id) + "#history")
    return _condition_page(condition, trigger_form=form, status=400)


@bp.post("/conditions/<int:condition_id>/status")
@route_requires("condition.manage")
def change_status(condition_id: int):
    condition = transfers.get_condition(condition_id)
    permissions.require(current_actor(), "condition.manage", condition)
    form = _status_form(condition, request.form)
    if form.validate():
        try:
            transfers.change_status(condition.id, form.status.data, current_actor(), today(), form.reason.data)
        except RegistryError as error:
            add_error(form, error, default_field="status")
        else:
            flash(f"The condition is now {transfers.STATUSES[form.status.data].lower()}.")
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
    return render_template("transfers/overdue.html", rows=transfers.overdue(today(), authority_code=code),
                           authority_code=code, today=today(), form=ReceivedForm())


@bp.post("/monitoring/<int:monitoring_date_id>/received")
@route_requires("monitoring.manage")
def record_received(monitoring_date_id: int):
    form = ReceivedForm(request.form)
    if not form.validate():
        errors = "; ".join(e for field in form.errors.values() for e in field)
        raise InvalidInput(errors or "Enter the date it was received.", field="received_on")
    transfers.record_received(monitoring_date_id, form.received_on.data, current_actor())
    flash("Recorded as received.")
    return redirect(url_for(".overdue"))

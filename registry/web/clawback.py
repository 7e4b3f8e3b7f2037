"""The clawback calculator page (/clawback): the JSON calculator's inputs as a GOV.UK form.

A calculation changes nothing, so the form is a GET: it works without
JavaScript, needs no CSRF token, and a worked calculation can be bookmarked or
shared. The maths and its validation are registry/clawback.py's alone; this
module only turns form fields (GOV.UK day/month/year dates, "100, 80, 60" lists,
"2020-04 108.6" lines) into the JSON names `clawback.parse_inputs` reads.
"""

import re

from flask import Blueprint, render_template, request

from .. import clawback
from ..errors import InvalidInput
from ..permissions import public
from .forms import date_from_boxes

bp = Blueprint("web_clawback", __name__)

DATE_FIELDS = ("start_date", "end_date", "trigger_date")
TEXT_FIELDS = ("principal", "share", "net_proceeds", "fixed_rate", "base_value", "value_at_trigger",
               "allowable_costs", "cap")
LABELS = {
    "method": "Calculation method",
    "start_date": "Start date",
    "end_date": "End date",
    "trigger_date": "Trigger date",
    "principal": "Principal",
    "taper": "Taper",
    "share": "Share",
    "net_proceeds": "Net proceeds",
    "index": "Index",
    "fixed_rate": "Fixed rate",
    "index_values": "Index values",
    "base_value": "Base value",
    "value_at_trigger": "Value at trigger",
    "allowable_costs": "Allowable costs",
    "cap": "Cap",
}
METHOD_LABELS = {
    "full": ("Full repayment within the period", "The whole principal is due if triggered before the end date."),
    "stepped_taper": ("Stepped taper", "A percentage of the principal for each whole year, e.g. 100, 80, 60, 40, 20."),
    "straight_line": ("Straight-line taper by day", "The principal falls evenly, day by day, to nothing at the end date."),
    "proceeds_share": ("Share of proceeds", "A share of the net sale proceeds; the share defaults to principal ÷ base value."),
    "indexed": ("Indexed principal", "The principal grown by CPI, RPI or a fixed annual rate."),
    "overage": ("Overage on uplift", "A share of the value at the trigger above the base value, less allowable costs."),
}


class CalculatorForm:
    """What the template needs: the submitted values and the errors, keyed by field."""

    def __init__(self, values: dict, errors: dict[str, str]):
        self.values = values
        self.errors = errors

    def error_list(self) -> list[dict]:
        return [{"text": message, "href": "#" + anchor(field)} for field, message in self.errors.items()]


def anchor(field: str) -> str:
    return f"{field}-day" if field in DATE_FIELDS else field


def _date_from_parts(args, name: str) -> str | None:
    try:
        return date_from_boxes(args, name)
    except ValueError:
        raise InvalidInput(f"{LABELS[name]} must be a real date, for example 1 4 2020", field=name) from None


def _taper(raw: str) -> list[str] | None:
    items = [item for item in re.split(r"[,;\s]+", raw.strip()) if item]
    return items or None


def _index_values(raw: str) -> dict[str, str] | None:
    values = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        parts = re.split(r"[\s,:=]+", line.strip())
        if len(parts) != 2:
            raise InvalidInput("Index values must be one month and level a line, for example 2020-04 108.6",
                               field="index_values")
        values[parts[0]] = parts[1]
    return values or None


def inputs_from_form(args) -> dict:
    """The JSON-style mapping for `clawback.parse_inputs`, from the form's fields."""
    method = args.get("method", "").strip()
    data: dict = {"method": method or None}
    for name in DATE_FIELDS:
        data[name] = _date_from_parts(args, name)
    for name in TEXT_FIELDS:
        data[name] = args.get(name, "").strip() or None
    data["taper"] = _taper(args.get("taper", ""))
    # Indexation applies before any method that reads the principal (domain §7.3(5)).
    index = (args.get("index") or "").strip()
    if index and index != "none":
        data["index"] = index
        data["index_values"] = _index_values(args.get("index_values", ""))
    return {name: value for name, value in data.items() if value is not None}


def page_message(error: InvalidInput | clawback.InputError) -> str:
    """The calculator's message in the page's words: labels for JSON names, GOV.UK date wording."""
    field, detail = error.field or "", error.detail
    if field in DATE_FIELDS and "YYYY-MM-DD" in detail:
        label = LABELS[field].lower()
        return f"Enter the {label}" if "required" in detail else f"The {label} must be a real date"
    if field in LABELS and " must be one of " in detail:  # the rule's list of codes ("stepped_taper, …")
        return f"Choose the {LABELS[field].lower()} from the list."
    for name in sorted(LABELS, key=len, reverse=True):
        detail = re.sub(rf"\b{name}\b", LABELS[name].lower(), detail)
    return detail[:1].upper() + detail[1:]


@bp.get("/clawback")
@public
def calculator():
    args = request.args
    calculation, errors = None, {}
    if "calculate" in args or "method" in args:
        try:
            calculation = clawback.calculate(clawback.parse_inputs(inputs_from_form(args)))
        except (InvalidInput, clawback.InputError) as error:
            errors[error.field or "method"] = page_message(error)
    form = CalculatorForm(values=args, errors=errors)
    return render_template("clawback/calculator.html", form=form, calculation=calculation,
                           labels=LABELS, method_labels=METHOD_LABELS, date_fields=DATE_FIELDS)

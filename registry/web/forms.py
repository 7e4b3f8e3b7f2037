"""Form helpers shared by the account, admin, asset-editing and case pages.

FlaskForm carries the CSRF token; govuk-frontend-wtf widgets render GOV.UK
fields; `add_error` attaches a domain InvalidInput to the field it names so
the page shows it in the GOV.UK error summary and beside the field.
`field_errors` checks every field of a case form at once, so the page shows
every problem together (GOV.UK: never one error at a time). `date_from_boxes`
is the one reader of a GOV.UK date input posted as three boxes (name-day,
name-month, name-year) on the pages whose fields are declared as data (case
steps, the calculators); WTForms pages use govuk-frontend-wtf's GovDateInput.
"""

from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm

from ..errors import InvalidInput, InvalidInputs, RegistryError


def date_from_boxes(form: Mapping, name: str) -> str | None:
    """The GOV.UK date input ``name-day``, ``name-month``, ``name-year`` as YYYY-MM-DD; None when all three
    are empty or absent. Raises ValueError when a box is not digits or the year is not 4 digits: each page
    words the error itself. The date's reality (31 February) is checked where it is parsed, as for the API."""
    day, month, year = (str(form.get(f"{name}-{part}") or "").strip() for part in ("day", "month", "year"))
    if not (day or month or year):
        return None
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        raise ValueError(f"{day}/{month}/{year}")
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def add_error(form: FlaskForm, error: RegistryError, default_field: str | None = None) -> None:
    for one in getattr(error, "errors", None) or [error]:
        name = one.field if one.field in form._fields else default_field
        if name is None:
            name = next(iter(k for k in form._fields if k != "csrf_token"))
        field = form._fields[name]
        field.errors = [*list(field.errors or []), one.detail]


def field_errors(fields, data: Mapping, needed: Iterable[tuple[str, str]] = ()) -> list[InvalidInput]:
    """Every field's problem, in the form's order: values that do not parse, and `needed` (name, message)
    pairs left empty (fields the step needs although the draft may be saved without them)."""
    from ..workflow import engine

    problems: dict[str, InvalidInput] = {}
    for f in fields:
        raw = data.getlist(f.name) if (f.kind == "choices" and hasattr(data, "getlist")) else data.get(f.name)
        try:
            engine.parse_value(f, raw)
        except InvalidInput as error:
            problems[f.name] = error
    for name, message in needed:
        if name not in problems and not str(data.get(name) or "").strip():
            problems[name] = InvalidInput(message.rstrip(".") + ".", field=name)
    order = [f.name for f in fields]
    return sorted(problems.values(), key=lambda e: order.index(e.field) if e.field in order else len(order))


def raise_all(errors: list[InvalidInput]) -> None:
    if errors:
        raise InvalidInputs(errors)

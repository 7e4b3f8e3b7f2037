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
            problems[f.name] = page_date_words(error)
    for name, message in needed:
        if name not in problems and not str(data.get(name) or "").strip():
            problems[name] = InvalidInput(message.rstrip(".") + ".", field=name)
    order = [f.name for f in fields]
    return sorted(problems.values(), key=lambda e: order.index(e.field) if e.field in order else len(order))


DATE_IN_WORDS = "Enter a real date as day, month and year, for example 27 3 2026."


def in_page_words(error: RegistryError, plain: Mapping[str, str]) -> RegistryError:
    """An error from a function a page shares with the API (whose messages name parameters and formats,
    "date must be … YYYY-MM-DD") in the page's words: ``plain`` maps a field to what the page says.
    Only bad input is reworded; a 404 ("There is no asset 12") already speaks to the person."""
    if isinstance(error, InvalidInput) and not isinstance(error, InvalidInputs) and error.field in plain:
        return InvalidInput(plain[error.field], field=error.field)
    return error


# The engine's date message serves the API too (workflow/fields.py: "… for example 1 6 2026 (or 2026-06-01
# through the API)."); a page, which has day, month and year boxes, ends it at the boxes' example.
_ENGINE_DATE_TAIL = ": day, month and year, for example 1 6 2026 (or 2026-06-01 through the API)."


def page_date_words(error: RegistryError) -> RegistryError:
    """A step's error (one, or every one of a form's) with the engine's date wording in the page's words."""
    if isinstance(error, InvalidInputs):
        return InvalidInputs([page_date_words(one) for one in error.errors])
    if isinstance(error, InvalidInput) and error.detail.endswith(_ENGINE_DATE_TAIL):
        return InvalidInput(error.detail.removesuffix(_ENGINE_DATE_TAIL) + ", for example 27 3 2026.",
                            field=error.field)
    return error


def raise_all(errors: list[InvalidInput]) -> None:
    if errors:
        raise InvalidInputs(errors)


# WTForms' own messages, as it words them, and the same in the person's terms with the field's label.
# (pattern, message): the message is formatted with the label and the pattern's groups.
_WTFORMS_DEFAULTS = [
    (r"Field cannot be longer than (\d+) characters?\.", "{label} must be {0} characters or fewer."),
    (r"Field must be at least (\d+) characters? long\.", "{label} must be {0} characters or more."),
    (r"Field must be between (\d+) and (\d+) characters long\.", "{label} must be {0} to {1} characters."),
    (r"Not a valid choice\.?|Invalid Choice: could not coerce\.?|Choices cannot be None\.?",
     "Choose {label_lower} from the list."),
    (r"'.*' is not a valid choice for this field\.|'.*' are not valid choices for this field\.",
     "Choose {label_lower} only from the options shown."),
    (r"Not a valid date value\.?", "{label} must be a real date, for example 27 3 2026."),
    (r"Not a valid datetime value\.?", "{label} must be a real date and time."),
    (r"Not a valid integer value\.?", "{label} must be a whole number, like 12."),
    (r"Not a valid (?:decimal|float) value\.?", "{label} must be a number, like 12.5."),
    (r"Invalid email address\.", "Enter an email address in the correct format, like name@example.com."),
    (r"Field must be equal to .*\.", "{label} must match."),
    (r"This field is required\.", "Enter {label_lower}."),
]


def plain_message(message: str, label: str) -> str:
    """WTForms' developer wording ("Not a valid choice.") in the person's terms, naming the field."""
    import re

    for pattern, plain in _WTFORMS_DEFAULTS:
        match = re.fullmatch(pattern, message.strip())
        if match:
            return plain.format(*match.groups(), label=label,
                                label_lower=label[:1].lower() + label[1:] if label else "an answer")
    return message


class PlainForm(FlaskForm):
    """A FlaskForm whose errors never show WTForms' default wording: each is rewritten to name the field
    (the GOV.UK error message pattern). Messages a form gives its validators itself are kept."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            label = str(field.label.text).split(" (")[0].strip() if field.label else field.name
            field.errors = [plain_message(e, label) if isinstance(e, str) else e for e in field.errors]
        return valid

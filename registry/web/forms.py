"""Form helpers shared by the account, admin and asset-editing pages.

FlaskForm carries the CSRF token; govuk-frontend-wtf widgets render GOV.UK
fields; `add_error` attaches a domain InvalidInput to the field it names so
the page shows it in the GOV.UK error summary and beside the field.
"""

from flask_wtf import FlaskForm

from ..errors import RegistryError


def add_error(form: FlaskForm, error: RegistryError, default_field: str | None = None) -> None:
    name = error.field if error.field in form._fields else default_field
    if name is None:
        name = next(iter(k for k in form._fields if k != "csrf_token"))
    field = form._fields[name]
    field.errors = [*list(field.errors or []), error.detail]

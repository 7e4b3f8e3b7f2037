"""What the case screens share: their blueprint, reading a posted form as a step's data, and the
lookups several screens make (the authority's name, the user's groups, what a group may lodge).

The screens are registry/web/cases.py (the caseload, the case page and its steps),
registry/web/case_requests.py (lodging a first step: nominations, requests, applications) and
registry/web/case_hooks.py (the asset page's case panel; the case emails sent after the commit).
All of them hang on this one blueprint, so every endpoint keeps its ``web_cases.`` name.
"""

from flask import Blueprint

from .. import permissions
from .. import authorities as authority_register
from ..errors import NotFound
from ..workflow import acv, cases
from ..workflow import community_right_to_buy as crtb
from .forms import date_from_boxes

bp = Blueprint("web_cases", __name__)


def form_data(fields, form) -> dict:
    """Form values keyed by field name; GOV.UK date inputs (name-day/-month/-year) become YYYY-MM-DD."""
    data = {key: value for key, value in form.items() if not key.endswith(("-day", "-month", "-year"))}
    for f in fields:
        if f.kind == "choices" and hasattr(form, "getlist"):
            data[f.name] = form.getlist(f.name)
        if f.kind != "date" or f"{f.name}-day" not in form:
            continue
        try:
            data[f.name] = date_from_boxes(form, f.name) or ""
        except ValueError as typed:
            data[f.name] = str(typed)  # the engine names the field in its error
    return data


def authority_name(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return authority_register.get(code).everyday_name
    except NotFound:
        return code


def my_organisations(user):
    return cases.organisations_by_id(getattr(user, "organisation_ids", ()) or ())


def crtb_offer(user) -> dict:
    """Who among the user's groups may register a community interest (Scotland), and why the others cannot."""
    if "community_group_rep" not in permissions.user_roles(user):
        return {"rep": False, "eligible": [], "refused": []}
    eligible, refused = [], []
    for organisation in my_organisations(user):
        problems = crtb.community_body_eligibility(acv.organisation_facts(organisation.id))
        (refused if problems else eligible).append({"id": organisation.id, "name": organisation.name,
                                                    "why_not": "; ".join(problems)})
    return {"rep": True, "eligible": eligible, "refused": refused}


def form_version(form) -> int | None:
    raw = form.get("version")
    return int(raw) if raw and raw.isdigit() else None

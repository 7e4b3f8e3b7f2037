"""A community group registers itself, and its first member becomes its representative.

The council checks the group's eligibility when it acts on a nomination or a
request (each process's eligibility rules), so registering gives no rights by
itself. Contact details are private: they never reach a public page.
"""

from flask import Blueprint, redirect, render_template, request, url_for

from .. import accounts, audit, join_requests, organisations, permissions, rights
from ..api import idempotent
from ..errors import InvalidInput
from ..vocabulary import LEGAL_FORMS

bp = Blueprint("web_organisations", __name__)


@bp.route("/organisations/new", methods=["GET", "POST"])
@permissions.signed_in
def new():
    user = accounts.current_actor()
    values, error = {}, None
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in organisations.REGISTRATION_FIELDS}
        values["asset_lock"] = request.form.get("asset_lock") == "yes"
        values["non_distribution_of_surplus"] = request.form.get("non_distribution_of_surplus") == "yes"
        try:
            organisation = organisations.register(values)
            accounts.add_membership(user, organisation.id)
            audit.record(user, "organisation.register", "organisation", organisation.id,
                         {"name": organisation.name, "legal_form": organisation.legal_form})
            return redirect(url_for("web_accounts.account", registered=organisation.id))
        except InvalidInput as exc:
            error = exc
    return render_template("organisations/new.html", values=values, error=error, legal_forms=LEGAL_FORMS), \
        (error.status if error else 200)


# ------------------------------------------------------------------ the citizen's way in: register or ask to join


@bp.get("/rights/<right>/who-can-use")
@permissions.signed_in
def who_can_use(right):
    """Who may use a right, and how to get there: register a group, or ask to join one."""
    user = accounts.current_actor()
    rules = rights.who_may_use(right)
    return render_template("organisations/who_can_use.html", right=right, rules=rules,
                           groups=organisations.all_groups(), mine=set(user.organisation_ids),
                           back=_safe_next(request.args.get("next")))


def _safe_next(raw: str | None) -> str | None:
    return raw if raw and raw.startswith("/") and not raw.startswith("//") else None


@bp.post("/organisations/<int:organisation_id>/join")
@permissions.signed_in
def ask_to_join(organisation_id):
    user = accounts.current_actor()
    join = join_requests.ask_to_join(user, organisation_id, request.form.get("message"))
    audit.record(user, "organisation.ask_to_join", "organisation", organisation_id, {"join_request": join.id})
    return redirect(url_for("web_accounts.account", asked=organisation_id) + "#join-requests")


@bp.post("/join-requests/<int:request_id>/<decision>")
@permissions.route_requires("organisation.decide_join")
def decide(request_id, decision):
    if decision not in ("approve", "decline"):
        raise InvalidInput("Choose approve or decline.", field="decision")
    user = accounts.current_actor()
    join = join_requests.decide_join(user, request_id, decision == "approve")
    audit.record(user, f"organisation.join_{join.status}", "organisation", join.organisation_id,
                 {"join_request": join.id, "user_id": join.user_id})
    return redirect(url_for("web_accounts.account", decided=join.status) + "#join-requests")


def offer_join(right: str):
    """Outside a right's route decorators: a signed-in person who does not act for a group is shown who may
    use the right and offered to register a group or ask to join one, never a bare refusal."""
    from functools import wraps

    rule = permissions.rule({"acv": "acv.nominate", "rtc": "rtc.submit", "cat": "cat.apply",
                             "atr": "atr.request"}[right])

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = accounts.current_actor()
            if not permissions.is_anonymous(user) and not (permissions.user_roles(user) & rule.roles):
                idempotent.nothing_made()
                return redirect(url_for("web_organisations.who_can_use", right=right, next=request.path))
            return view(*args, **kwargs)

        return wrapper

    return decorator

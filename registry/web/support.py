"""Statements of community support: the group opens one, residents add and confirm their support, officers download.

Thin views over ``registry.support_statements``. The public page shows two numbers (inside and
outside the community's area); names, emails and postcodes appear only on the officer's page
and in its CSV (names and the in-area flag only).
"""

from flask import Blueprint, Response, redirect, render_template, request, url_for

from .. import accounts, mail, permissions, security
from .. import support_statements as support
from ..errors import InvalidInput, NotFound
from ..formats import csvfile
from ..workflow import cases, engine

bp = Blueprint("web_support", __name__)


def _public_case(case_id: int):
    case = cases.get(case_id)
    if not engine.is_public(case):
        raise NotFound(f"There is no case {case_id}.")
    return case


@bp.app_context_processor
def support_panel():
    """``support_for(case)`` for the case page: the public counts, and whether this person may open one."""

    def support_for(case):
        user = accounts.current_actor()
        counts = support.public_counts(case.id)
        return {"counts": counts, "can_open": counts is None and engine.is_public(case)
                and permissions.can(user, "support.open", case),
                "can_see_supporters": counts is not None and permissions.can(user, "support.view_supporters", case)}

    return {"support_for": support_for}


@bp.route("/cases/<int:case_id>/support/open", methods=["GET", "POST"])
@permissions.route_requires("support.open")
def open_statement(case_id):
    case = _public_case(case_id)
    user = accounts.current_actor()
    permissions.require(user, "support.open", case)
    choices = support.area_choices(case)
    error, values = None, {}
    if request.method == "POST":
        values = request.form
        try:
            support.open_statement(user, case.id, request.form.get("area_kind", ""), request.form.get("distance_m"))
            return redirect(url_for("web_support.page", case_id=case.id, opened=1))
        except InvalidInput as exc:
            error = exc
    return render_template("support/open.html", case=case, choices=choices, error=error, values=values,
                           area_kinds=support.AREA_KINDS), (400 if error else 200)


@bp.post("/cases/<int:case_id>/support/close")
@permissions.route_requires("support.open")
def close(case_id):
    support.close_statement(accounts.current_actor(), case_id)
    return redirect(url_for("web_support.page", case_id=case_id))


@bp.route("/cases/<int:case_id>/support", methods=["GET", "POST"])
@permissions.public
@security.limit_public_submission
def page(case_id):
    """The public count and the form to add one's support (a POST: rate-limited, CSRF-checked)."""
    case = _public_case(case_id)
    statement = support.get_statement(case.id)
    error, values = None, {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("name", "email", "postcode")}
        try:
            supporter = support.add_supporter(case.id, values["name"], values["email"], values["postcode"])
        except InvalidInput as exc:
            error = exc
        else:
            if supporter is not None:
                link = mail.external_url(url_for("web_support.confirm",
                                                 token=support.confirmation_token(supporter)))
                mail.send(supporter.email_normalised, f"Confirm your support: {case.title}",
                          f"You added your support for {case.title} ({case.reference}).\n\n"
                          f"To confirm it, open this link and enter your postcode again:\n{link}\n\n"
                          "The link works for 14 days. Your name, email and postcode are never published; "
                          "the council sees your name and whether you live in the community's area.\n\n"
                          "If you did not add your support, ignore this email: nothing is counted, and your "
                          f"details are deleted after {support.unconfirmed_retention_days()} days.\n\n"
                          "To withdraw your support at any time, and have your name, email and postcode "
                          f"deleted, open this link:\n{_withdraw_url(supporter)}")
            # The same answer whether or not this address had already confirmed: the page tells nobody.
            return render_template("support/check_email.html", case=case)
    return render_template("support/page.html", case=case, counts=support.counts(statement).as_public(),
                           error=error, values=values, opened=request.args.get("opened"),
                           retention_days=support.unconfirmed_retention_days()), (400 if error else 200)


def _withdraw_url(supporter, *, external: bool = True) -> str:
    """The withdrawal link: absolute from PUBLIC_BASE_URL in an email, a path on a page."""
    path = url_for("web_support.withdraw", token=support.withdrawal_token(supporter))
    return mail.external_url(path) if external else path


@bp.route("/support/confirm/<token>", methods=["GET", "POST"])
@permissions.public
@security.limit_public_submission
def confirm(token):
    """The emailed link: a GET shows the postcode question (a mail scanner confirms nothing); the POST confirms."""
    supporter = support.supporter_for_token(token)
    case = cases.get(support.case_of_supporter(supporter))
    error = None
    if supporter.confirmed_at is not None:
        return render_template("support/confirmed.html", case=case, withdraw_url=_withdraw_url(supporter, external=False))
    if request.method == "POST":
        try:
            support.confirm(token, request.form.get("postcode", ""))
            return render_template("support/confirmed.html", case=case, withdraw_url=_withdraw_url(supporter, external=False))
        except InvalidInput as exc:
            error = exc
    return render_template("support/confirm.html", case=case, error=error), (400 if error else 200)


@bp.route("/support/withdraw/<token>", methods=["GET", "POST"])
@permissions.public
@security.limit_public_submission
def withdraw(token):
    """The withdrawal link: a GET shows a button (mail scanners open links); the POST deletes the supporter."""
    if request.method == "POST":
        case = cases.get(support.withdraw(token))
        return render_template("support/withdrawn.html", case=case)
    case = cases.get(support.case_of_supporter(support.supporter_for_withdrawal(token)))
    return render_template("support/withdraw.html", case=case)


@bp.get("/cases/<int:case_id>/support/supporters")
@permissions.route_requires("support.view_supporters")
def supporters(case_id):
    totals = support.officer_totals(accounts.current_actor(), case_id)
    return render_template("support/officer.html", case=cases.get(case_id), totals=totals)


@bp.get("/cases/<int:case_id>/support/supporters.csv")
@permissions.route_requires("support.view_supporters")
def supporters_csv(case_id):
    rows = support.verified_supporters(accounts.current_actor(), case_id)
    case = cases.get(case_id)
    return Response(csvfile.write(support.SUPPORTER_COLUMNS, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="case-{case.id}-supporters.csv"'})

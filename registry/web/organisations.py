"""A community group registers itself, and its first member becomes its representative.

The council checks the group's eligibility when it acts on a nomination or a
request (each process's eligibility rules), so registering gives no rights by
itself. Contact details are private: they never reach a public page.
"""

from flask import Blueprint, redirect, render_template, request, url_for

from .. import accounts, audit, organisations, permissions
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

"""Administration: assign officers to authorities and people to organisations; read the audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import DataRequired

from .. import accounts, audit, authorities, permissions
from ..errors import InvalidInput, RegistryError
from .forms import PlainForm, add_error

bp = Blueprint("web_admin", __name__, url_prefix="/admin")

ROLE_CHOICES = [
    ("council_officer", "Council officer"),
    ("council_decision_maker", "Council decision-maker"),
    ("reviewer", "Reviewer (senior officer)"),
    ("admin", "Administrator"),
]


class OfficerForm(PlainForm):
    authority_code = SelectField("Authority", widget=GovSelect(), choices=[])
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), choices=ROLE_CHOICES)


class MembershipForm(PlainForm):
    organisation_id = SelectField("Organisation", widget=GovSelect(), coerce=int, choices=[],
                                  validators=[DataRequired("Choose an organisation.")])


class RemoveMembershipForm(PlainForm):
    pass


def _organisation_choices():
    from .. import organisations

    return organisations.names()


def _forms(user):
    officer = OfficerForm(prefix="officer")
    officer.authority_code.choices = [("", "None")] + [
        (row["code"], row["name"]) for row in authorities.all_with_asset_counts()
    ]
    membership = MembershipForm(prefix="membership")
    membership.organisation_id.choices = [(0, "Choose an organisation")] + _organisation_choices()
    return officer, membership


@bp.get("/users")
@permissions.route_requires("admin.users")
def users():
    return render_template("admin/users.html", users=accounts.all_users())


@bp.get("/users/<int:user_id>")
@permissions.route_requires("admin.users")
def user(user_id):
    person = accounts.get(user_id)
    officer, membership = _forms(person)
    officer.authority_code.data = person.authority_code or ""
    officer.roles.data = list(person.stored_roles or [])
    return _user_page(person, officer, membership)


def _user_page(person, officer, membership, status=200):
    form = officer if officer.errors else membership
    return render_template("admin/user.html", person=person, officer=officer, membership=membership,
                           form=form, remove_form=RemoveMembershipForm(),
                           organisations=accounts.organisations_of(person)), status


@bp.post("/users/<int:user_id>/officer")
@permissions.route_requires("admin.assign_officer")
def assign_officer(user_id):
    actor = accounts.current_actor()
    person = accounts.get(user_id)
    officer, membership = _forms(person)
    if officer.validate_on_submit():
        try:
            if person.id == actor.id and "admin" not in (officer.roles.data or ()):
                raise InvalidInput("You cannot remove your own administrator role.", field="roles")
            accounts.assign_officer(person, officer.authority_code.data or None, officer.roles.data or ())
        except RegistryError as error:
            add_error(officer, error, "authority_code")
        else:
            audit.record(actor, "admin.assign_officer", "user", person.id,
                         {"authority_code": person.authority_code, "roles": list(person.stored_roles)})
            flash("Roles and authority saved.")
            return redirect(url_for("web_admin.user", user_id=person.id))
    return _user_page(person, officer, membership, 400)


@bp.post("/users/<int:user_id>/memberships")
@permissions.route_requires("admin.assign_membership")
def add_membership(user_id):
    actor = accounts.current_actor()
    person = accounts.get(user_id)
    officer, membership = _forms(person)
    if membership.validate_on_submit():
        try:
            accounts.add_membership(person, membership.organisation_id.data)
        except RegistryError as error:
            add_error(membership, error, "organisation_id")
        else:
            audit.record(actor, "admin.add_membership", "user", person.id,
                         {"organisation_id": membership.organisation_id.data})
            flash("Added to the organisation.")
            return redirect(url_for("web_admin.user", user_id=person.id))
    return _user_page(person, officer, membership, 400)


@bp.post("/users/<int:user_id>/memberships/<int:organisation_id>/remove")
@permissions.route_requires("admin.assign_membership")
def remove_membership(user_id, organisation_id):
    actor = accounts.current_actor()
    person = accounts.get(user_id)
    if RemoveMembershipForm().validate_on_submit():
        accounts.remove_membership(person, organisation_id)
        audit.record(actor, "admin.remove_membership", "user", person.id, {"organisation_id": organisation_id})
        flash("Removed from the organisation.")
    return redirect(url_for("web_admin.user", user_id=person.id))


@bp.get("/audit")
@permissions.route_requires("audit.view")
def audit_log():
    """The log, filtered by family of action (workflow steps, imports, boundary loads…) or by target."""
    chosen = {key: (request.args.get(key) or "").strip()[:80] or None
              for key in ("family", "target_type", "target_id")}
    return render_template("admin/audit.html", entries=audit.search(200, **chosen), families=audit.families(),
                           chosen=chosen)


@bp.get("/permissions")
@permissions.route_requires("admin.users")
def permission_table():
    return render_template("admin/permissions.html", rules=permissions.table(), roles=permissions.ROLES)

"""Sign up, confirm email, sign in, sign out, reset password, my account and API tokens."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .. import accounts, audit, db, mail, permissions, security
from .. import join_requests
from ..errors import InvalidInput, RegistryError
from .forms import PlainForm, add_error
from .safe_paths import is_same_site_path

bp = Blueprint("web_accounts", __name__)


class SignUpForm(PlainForm):
    display_name = StringField("Your name", widget=GovTextInput(),
                               validators=[DataRequired("Enter your name."), Length(max=200)])
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address."), Length(max=320)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter a password."),
                                         Length(min=accounts.MIN_PASSWORD_LENGTH,
                                                message="Password must be 10 characters or more.")])
    password_again = PasswordField("Confirm password", widget=GovPasswordInput(),
                                   validators=[DataRequired("Confirm your password."),
                                               EqualTo("password", "Passwords must match.")])

    def validate_email(self, field):
        """The address's format is checked with the other fields, so every error shows at once."""
        try:
            accounts.normalise_email(field.data)
        except InvalidInput as error:
            raise ValidationError(error.detail) from None


class SignInForm(PlainForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter your password.")])


class ResetRequestForm(PlainForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address.")])


class NewPasswordForm(PlainForm):
    password = PasswordField("New password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter a new password."),
                                         Length(min=accounts.MIN_PASSWORD_LENGTH,
                                                message="Password must be 10 characters or more.")])
    password_again = PasswordField("Confirm new password", widget=GovPasswordInput(),
                                   validators=[DataRequired("Confirm your new password."),
                                               EqualTo("password", "Passwords must match.")])


class TokenForm(PlainForm):
    name = StringField("Token name", widget=GovTextInput(),
                       validators=[DataRequired("Enter a name for the token."), Length(max=100)])


class EmptyForm(PlainForm):
    """Only the CSRF token: for buttons that post."""


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host (else the account page)."""
    return target if is_same_site_path(target) else url_for("web_accounts.account")


def next_or_none(target: str | None) -> str | None:
    """``next`` to carry on to another link (sign-up, the confirmation email, sign-in): only a path on
    this site, checked as the sign-in checks it; anything else is dropped, never passed on."""
    return target if is_same_site_path(target) else None


@bp.route("/sign-up", methods=["GET", "POST"])
@permissions.public
@security.limit_sign_up
def sign_up():
    form = SignUpForm()
    next_path = next_or_none(request.args.get("next"))  # where the new person was going, kept to the end
    if form.validate_on_submit():
        existing = accounts.find_by_email(form.email.data)
        if existing is not None:
            # Do not reveal who has an account: tell the owner by email instead.
            mail.send(existing.email, "You already have an account",
                      "Someone tried to sign up with this email address. If it was you, sign in at "
                      + mail.external_url(url_for("web_accounts.sign_in", next=next_path)) + " or reset your password at "
                      + mail.external_url(url_for("web_accounts.reset_request")) + ".")
            return render_template("accounts/check_email.html", email=form.email.data)
        try:
            user = accounts.create_user(form.email.data, form.password.data, form.display_name.data)
        except RegistryError as error:
            add_error(form, error)
        else:
            audit.record(user, "account.sign_up", "user", user.id)
            _send_confirmation(user, next_path)
            return render_template("accounts/check_email.html", email=user.email)
    return render_template("accounts/sign_up.html", form=form, next_path=next_path), 400 if form.errors else 200


def _send_confirmation(user, next_path: str | None = None) -> None:
    link = mail.external_url(url_for("web_accounts.confirm", token=accounts.confirmation_token(user),
                                     next=next_or_none(next_path)))
    mail.send(user.email, "Confirm your email address",
              f"Confirm your email address to finish creating your account:\n\n{link}\n\n"
              "The link works for 3 days. If you did not sign up, ignore this email.")


@bp.get("/confirm/<token>")
@permissions.public
def confirm(token):
    user = accounts.confirm_email(token)
    audit.record(user, "account.confirm_email", "user", user.id)
    flash("Your email address is confirmed. You can now sign in.")
    return redirect(url_for("web_accounts.sign_in", next=next_or_none(request.args.get("next"))))


@bp.route("/sign-in", methods=["GET", "POST"])
@permissions.public
@security.limit_sign_in
def sign_in():
    form = SignInForm()
    next_path = next_or_none(request.args.get("next"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        pending = accounts.unconfirmed_with_password(form.email.data, form.password.data) if user is None else None
        if pending is not None:
            # The right password proves the address's owner: send a fresh link rather than a dead end.
            _send_confirmation(pending, next_path)
            return render_template("accounts/check_email.html", email=pending.email)
        if user is None:
            # Recorded without the password or the address typed (personal data): the account if there is one.
            known = accounts.find_by_email(form.email.data)
            audit.record(None, "account.sign_in_failed", "user", known.id if known is not None else None,
                         {"known_account": known is not None}, via="web")
            db.session.commit()  # the page answers 400, which rolls back: the record of the attempt must stay
            form.email.errors = ["Enter a correct email address and password (and confirm your email first)."]
        else:
            session.clear()  # a fresh session on sign-in (no fixation)
            session.permanent = True  # expires after settings.session_lifetime_minutes
            login_user(user)
            audit.record(user, "account.sign_in", "user", user.id)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/sign_in.html", form=form, next_path=next_path), 400 if form.errors else 200


@bp.route("/sign-out", methods=["GET", "POST"])
@permissions.public
def sign_out():
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        actor = accounts.current_actor()
        if actor.id is not None:
            audit.record(actor, "account.sign_out", "user", actor.id)
            # Everywhere, and for good: a late answer to a request sent before signing out would
            # otherwise bring this session back (a signed cookie cannot be deleted on the server).
            accounts.end_sessions(actor)
        logout_user()
        session.clear()
        flash("You have signed out, on this device and every other.")
        return redirect(url_for("web_accounts.sign_in"))
    return render_template("accounts/sign_out.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
@permissions.public
@security.limit_password_reset
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(form.email.data)
        if user is not None and user.active:
            link = mail.external_url(url_for("web_accounts.reset_password", token=accounts.reset_token(user)))
            mail.send(user.email, "Reset your password",
                      f"Use this link to choose a new password:\n\n{link}\n\n"
                      "The link works once, for 1 hour. If you did not ask, ignore this email.")
            audit.record(user, "account.reset_requested", "user", user.id)
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/reset_request.html", form=form), 400 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@permissions.public
@security.limit_password_reset
def reset_password(token):
    user = accounts.user_for_reset(token)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data)
        except RegistryError as error:
            add_error(form, error, "password")
        else:
            if user.email_confirmed_at is None:  # the emailed link proves the address too
                from datetime import UTC, datetime

                user.email_confirmed_at = datetime.now(UTC)
            audit.record(user, "account.password_reset", "user", user.id)
            flash("Your password has been changed. You can now sign in.")
            return redirect(url_for("web_accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form), 400 if form.errors else 200


@bp.get("/account")
@permissions.route_requires("account.manage")
def account():
    user = accounts.current_actor()
    return _account_page(user, TokenForm())


def _account_page(user, token_form, new_secret=None, status=200):
    return render_template(
        "accounts/account.html",
        user=user,
        organisations=accounts.organisations_of(user),
        join_requests=join_requests.requests_for_groups(user.organisation_ids),
        my_join_requests=join_requests.requests_by(user),
        tokens=accounts.tokens_of(user),
        can_create_tokens=permissions.can(user, "api_token.create", user.authority_code),
        form=token_form,
        revoke_form=EmptyForm(),
        new_secret=new_secret,
    ), status


@bp.post("/account/tokens")
@permissions.route_requires("api_token.create")
def create_token():
    user = accounts.current_actor()
    permissions.require(user, "api_token.create", user.authority_code)
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(user, form, status=400)
    token, secret = accounts.create_api_token(user, form.name.data)
    audit.record(user, "api_token.create", "api_token", token.id, {"authority_code": token.authority_code})
    return _account_page(user, TokenForm(formdata=None), new_secret=secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
@permissions.route_requires("api_token.revoke")
def revoke_token(token_id):
    user = accounts.current_actor()
    token = accounts.get_token(token_id)
    permissions.require(user, "api_token.revoke", token)
    accounts.revoke_api_token(token)
    audit.record(user, "api_token.revoke", "api_token", token.id)
    flash(f"Token “{token.name}” has been revoked.")
    return redirect(url_for("web_accounts.account"))

"""Alerts: subscribe with an email address (no account), confirm, unsubscribe, and the subscriber's feeds."""

from flask import Blueprint, Response, current_app, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovTextArea, GovTextInput
from wtforms import EmailField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import alerts, footprints, mail, permissions, security
from ..errors import InvalidInput, RegistryError
from ..formats import alerts as alert_formats
from ..uktime import today_uk
from .forms import FlaskForm, add_error

bp = Blueprint("web_alerts", __name__)


class SubscribeForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address."), Length(max=320)])
    area_kind = RadioField("Which area?", widget=GovRadioInput(), choices=list(alerts.AREA_KINDS.items()),
                           validators=[DataRequired("Choose the kind of area.")])
    area_code = StringField("Ward, parish or council: its code or name", widget=GovTextInput(),
                            validators=[Optional(), Length(max=200)])
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[Optional(), Length(max=10)])
    radius_m = StringField("Distance in metres", widget=GovTextInput(), validators=[Optional(), Length(max=12)],
                           default="1000")  # read in _area, so its error is in words with the postcode's
    shape = TextAreaField("The shape (GeoJSON Polygon)", widget=GovTextArea(), validators=[Optional()])
    events = SelectMultipleField("What do you want to hear about?", widget=GovCheckboxesInput(),
                                 choices=list(alerts.EVENT_KINDS.items()),
                                 validators=[DataRequired("Choose at least one kind of event to hear about.")])
    frequency = RadioField("How often? (A notice of disposal always comes at once.)", widget=GovRadioInput(),
                           choices=list(alerts.FREQUENCIES.items()), default="daily",
                           validators=[DataRequired("Choose how often you want a digest.")])


def _area(form: SubscribeForm) -> dict:
    kind = form.area_kind.data
    if kind in ("ward", "parish", "council"):
        return alerts.area_by_code(kind, form.area_code.data)
    if kind == "distance":
        raw = (form.radius_m.data or "").strip().replace(",", "")
        return alerts.area_distance(form.postcode.data, int(raw) if raw.isdigit() else None)
    if not (form.shape.data or "").strip():
        raise InvalidInput("Draw the area on the map, or paste a GeoJSON Polygon.", field="shape")
    try:
        import orjson

        geometry = orjson.loads(form.shape.data)
    except ValueError:
        raise InvalidInput("The shape is not GeoJSON: draw it on the map, or paste a GeoJSON Polygon.",
                           field="shape") from None
    try:
        _point, polygon = footprints.from_geojson(geometry)
    except InvalidInput as error:
        raise InvalidInput(error.detail, field="shape") from None
    if polygon is None:
        raise InvalidInput("The shape must be an area (a Polygon), not a point.", field="shape")
    return alerts.area_shape(polygon)


def _drawing_map():
    from .. import maps
    from .footprint_map import drawing_map
    from .templating import csp_nonce

    settings = current_app.config["SETTINGS"]
    the_map = drawing_map(feature=None, center=None, tile_url=settings.tile_url,
                          tile_attribution=settings.tile_attribution, textarea_id="shape",
                          label="Map: draw the area you want alerts for")
    return maps.embed(the_map, nonce=csp_nonce())


@bp.route("/alerts", methods=["GET", "POST"])
@permissions.public
@security.limit_public_submission
def subscribe():
    form = SubscribeForm()
    if form.is_submitted():
        # Every problem at once (email, area, events), not one per submit.
        form.validate()
        area = None
        area_fields = (form.area_code, form.postcode, form.radius_m, form.shape)
        if form.area_kind.data in alerts.AREA_KINDS and not any(f.errors for f in area_fields):
            try:
                area = _area(form)
            except RegistryError as error:
                add_error(form, error, "area_code")
        if (form.email.data or "").strip():
            try:
                alerts.check_email(form.email.data)
            except RegistryError as error:
                add_error(form, error, "email")
        if not form.errors and area is not None:
            try:
                subscription = alerts.subscribe(form.email.data, area=area, events=form.events.data,
                                                frequency=form.frequency.data)
            except RegistryError as error:
                add_error(form, error, "area_code")
            else:
                link = mail.external_url(url_for("web_alerts.confirm",
                                                 token=alerts.confirmation_token(subscription)))
                mail.send(subscription.email, "Confirm your alerts",
                          f"Confirm that you want alerts for {alerts.area_words(subscription)}:\n\n{link}\n\n"
                          "The link works for 3 days. If you did not ask for alerts, ignore this email: "
                          "nothing will be sent.")
                return render_template("alerts/check_email.html")
    return render_template("alerts/subscribe.html", form=form, map=_drawing_map(), area_hint=_area_hint()), \
        400 if form.errors else 200


def _area_hint() -> str:
    """The area field's hint, its example a ward (else a council) the registry really holds."""
    for kind in ("ward", "council"):
        example = alerts.example_area(kind)
        if example:
            code, name = example
            return f"For a ward, parish or council. For example {name}, or its code {code}."
    return "For a ward, parish or council: its name, or its code."


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
@permissions.public
@security.limit_public_submission
def confirm(token):
    """The emailed link: a GET shows a "Start my alerts" button and confirms nothing (mail scanners and link
    prefetchers open links); the POST, with the session's CSRF token, starts the alerts."""
    if request.method != "POST":
        subscription = alerts.subscription_for_confirm(token)
        return render_template("alerts/confirm.html", subscription=subscription)
    subscription = alerts.confirm(token)
    return render_template("alerts/confirmed.html", subscription=subscription,
                           feed_url=url_for("web_alerts.atom", token=subscription.feed_token),
                           ical_url=url_for("web_alerts.ical", token=subscription.feed_token),
                           unsubscribe_url=url_for("web_alerts.unsubscribe",
                                                   token=alerts.unsubscribe_token(subscription)))


@bp.get("/alerts/unsubscribe/<token>")
@permissions.public
def unsubscribe(token):
    subscription = alerts.subscription_for_unsubscribe(token)
    return render_template("alerts/unsubscribe.html", subscription=subscription, done=False)


@bp.post("/alerts/unsubscribe/<token>")
@permissions.public
@security.csrf_exempt  # RFC 8058 one-click: the mail client posts without a session; the signed token is the proof
def unsubscribe_now(token):
    subscription = alerts.unsubscribe(token)
    return render_template("alerts/unsubscribe.html", subscription=subscription, done=True)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"  # a subscriber's area is personal data
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/alerts/feeds/<token>.atom")
@permissions.public
def atom(token):
    subscription = alerts.by_feed_token(token)
    base = mail.external_url("")
    body = alert_formats.atom_feed(subscription, alerts.alerts_for(subscription),
                                   self_url=base + url_for("web_alerts.atom", token=token), base=base)
    return _private(Response(body, mimetype="application/atom+xml"))


@bp.get("/alerts/feeds/<token>.ics")
@permissions.public
def ical(token):
    subscription = alerts.by_feed_token(token)
    base = mail.external_url("")
    body = alert_formats.ical_feed(subscription, alerts.feed_deadlines(subscription, today_uk()), base=base,
                                   host=request.host.split(":")[0])
    return _private(Response(body, mimetype="text/calendar"))

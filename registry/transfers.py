"""Completed transfers and the clawback conditions that protect their discount (domain §7).

A `Transfer` is a completed disposal to a community body: from a completed
workflow case (`create_from_case`, called by the workflow engine) or typed in
for a historic transfer (`create`). It records the tenure, market value,
consideration and discount, and the General Disposal Consent check, and marks
the asset transferred. `ClawbackCondition` rows protect the discount (or a
grant); every change of their status is kept in `ConditionStatusChange`, and
logging a trigger keeps the calculation's inputs and result there too.
`MonitoringDate` rows are the annual reports and reviews due; `IndexValue`
holds the CPI/RPI series (national, or an authority's own).

Domain code flushes; the request or the CLI command commits (registry/db.py).
The maths is registry/clawback.py's; the public read side is registry/obligations.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import assets, audit, clawback, config, db, permissions
from .assets import Asset
from .errors import Conflict, InvalidInput, NotFound, invalid_input
from .organisations import Organisation
from .workflow import cases as _cases  # noqa: F401  (the "case" table, for transfer.case_id)
from .workflow import clocks

TENURES = {
    "freehold": "Freehold",
    "lease": "Lease",
    "licence": "Licence",
    "management_agreement": "Management agreement",
}
INSTRUMENTS = {
    "grant_agreement": "Grant agreement",
    "lease_covenant": "Lease covenant",
    "transfer_covenant": "Covenant in the transfer",
    "legal_charge": "Legal charge",
    "lr_restriction": "Land Registry restriction",
    "standard_security": "Standard security",
    "title_burden": "Title burden",
    "overage_deed": "Overage deed",
    "pre_emption": "Right of pre-emption",
}
TRIGGERS = {
    "disposal": "Disposal",
    "part_disposal": "Part disposal",
    "long_lease": "Grant of a long lease",
    "change_of_use": "Change of use",
    "planning_permission": "Planning permission",
    "cessation_of_activity": "The community activity stops",
    "insolvency": "Insolvency or winding up",
    "breach_of_outcomes": "Breach of the agreed outcomes",
    "loss_of_charitable_status": "Loss of charitable status",
}
STATUSES = {
    "active": "Active",
    "triggered": "Triggered",
    "settled": "Settled",
    "waived": "Waived",
    "expired": "Expired",
    "discharged": "Discharged",
}
METHODS = {
    "full": "Full repayment within the period",
    "stepped_taper": "Stepped taper",
    "straight_line": "Straight-line taper by day",
    "proceeds_share": "Share of proceeds",
    "indexed": "Indexed principal",
    "overage": "Overage on uplift",
}
MONITORING_KINDS = {"annual_report": "Annual report", "review": "Review"}
LIVE_STATUSES = ("active", "triggered")  # a live obligation: not yet ended
# The processes whose completion is a transfer (workflow/<process>.py codes).
TRANSFER_PROCESSES = ("cat", "scottish_atr", "acv", "community_right_to_buy")
DEFAULT_MONITORING_YEARS = 5
DEFAULT_REVIEW_INTERVAL_YEARS = 3
DEFAULT_GDC_LIMIT_GBP = Decimal(2000000)
GDC_NATIONS = ("england", "wales")  # the General Disposal Consents (England / Wales) 2003

# Who may do what (permissions.py is THE table; transfers declare theirs here).
OFFICERS = {"council_officer", "council_decision_maker"}
permissions.declare("transfer.create", roles=OFFICERS, scope="authority",
                    description="Record a completed transfer of one's own authority's asset")
permissions.declare("condition.view", roles=OFFICERS | {"reviewer"}, scope="authority",
                    description="See the clawback conditions, triggers and calculations of one's own authority")
permissions.declare("condition.manage", roles=OFFICERS, scope="authority",
                    description="Add conditions, log triggers and change condition status (own authority)")
permissions.declare("monitoring.manage", roles=OFFICERS, scope="authority",
                    description="See overdue monitoring and record reports received (own authority)")
permissions.declare("index.update", roles=OFFICERS, scope="authority",
                    description="Update one's own authority's CPI/RPI index table")


# --------------------------------------------------------------------------- models


class Transfer(db.Base):
    __tablename__ = "transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authority.code"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), unique=True)
    tenure: Mapped[str] = mapped_column(String(30))
    lease_term_years: Mapped[int | None] = mapped_column(Integer)
    annual_rent_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    completion_date: Mapped[date] = mapped_column(Date)
    market_value_gbp: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    consideration_gbp: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    discount_gbp: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # MV - consideration, the undervalue
    gdc_limit_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # the limit applied, None: no GDC
    within_general_consent: Mapped[bool | None] = mapped_column(Boolean)
    consent_reference: Mapped[str | None] = mapped_column(String(200))
    wellbeing_justification: Mapped[str | None] = mapped_column(Text)
    decision_reference: Mapped[str | None] = mapped_column(String(200))
    title_numbers: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default="{}")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    asset: Mapped[Asset] = relationship()
    organisation: Mapped[Organisation] = relationship()
    conditions: Mapped[list[ClawbackCondition]] = relationship(
        back_populates="transfer", order_by="ClawbackCondition.id")
    monitoring_dates: Mapped[list[MonitoringDate]] = relationship(
        back_populates="transfer", order_by="(MonitoringDate.due_date, MonitoringDate.id)")

    @property
    def tenure_label(self) -> str:
        return TENURES.get(self.tenure, self.tenure)


class ClawbackCondition(db.Base):
    __tablename__ = "clawback_condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"), index=True)
    beneficiary: Mapped[str] = mapped_column(String(200))
    instrument: Mapped[str] = mapped_column(String(40))
    registered_ref: Mapped[str | None] = mapped_column(String(200))
    principal_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    base_value_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)  # the last day of the period, included
    triggers: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    method: Mapped[str] = mapped_column(String(20))
    taper_pct: Mapped[list[Decimal]] = mapped_column(ARRAY(Numeric(7, 4)), server_default="{}")
    share_pct: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    indexation: Mapped[str] = mapped_column(String(10), server_default="none")
    fixed_rate_pct: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    cap_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    release_conditions: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    asset: Mapped[Asset] = relationship()
    transfer: Mapped[Transfer | None] = relationship(back_populates="conditions")
    history: Mapped[list[ConditionStatusChange]] = relationship(
        back_populates="condition", order_by="ConditionStatusChange.id")

    @property
    def authority_code(self) -> str:  # for permissions' "authority" scope
        return self.asset.authority_code

    @property
    def method_label(self) -> str:
        return METHODS.get(self.method, self.method)

    @property
    def instrument_label(self) -> str:
        return INSTRUMENTS.get(self.instrument, self.instrument)

    @property
    def triggers_text(self) -> str:
        return ", ".join(TRIGGERS.get(t, t).lower() for t in self.triggers or [])

    @property
    def taper_text(self) -> str:
        return ", ".join(f"{_pct_text(p)}%" for p in self.taper_pct or [])


def _pct_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


class ConditionStatusChange(db.Base):
    """Append-only: each status a condition has had, why, and (for a trigger) the calculation."""

    __tablename__ = "condition_status_change"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("clawback_condition.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))  # None: the condition was created
    to_status: Mapped[str] = mapped_column(String(20))
    on_date: Mapped[date] = mapped_column(Date)
    trigger: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    calculation: Mapped[dict | None] = mapped_column(JSONB)  # clawback.to_json: inputs, steps, amount_due
    amount_due_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    condition: Mapped[ClawbackCondition] = relationship(back_populates="history")


class IndexValue(db.Base):
    """One month's level of a price index: national (authority_code None) or an authority's own."""

    __tablename__ = "index_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authority.code"))
    index: Mapped[str] = mapped_column(String(3))  # cpi, rpi
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    level: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MonitoringDate(db.Base):
    __tablename__ = "monitoring_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # annual_report, review
    due_date: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)

    transfer: Mapped[Transfer] = relationship(back_populates="monitoring_dates")

    @property
    def kind_label(self) -> str:
        return MONITORING_KINDS.get(self.kind, self.kind)


# --------------------------------------------------------------------------- parsing

_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _text(raw: Any, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
    value = str(raw).strip() if raw is not None else ""
    if required and not value:
        raise InvalidInput(f"Enter the {name.replace('_', ' ')}.", field=name)
    if len(value) > max_length:
        raise InvalidInput(f"{_label(name)} must be {max_length} characters or fewer.", field=name)
    return value or None


def _money(raw: Any, name: str, *, required: bool = False) -> Decimal | None:
    if raw is None or raw == "":
        if required:
            raise InvalidInput(f"Enter the {name.replace('_', ' ')} in pounds.", field=name)
        return None
    text_value = str(raw).replace(",", "").strip().lstrip("£").strip()
    try:
        value = Decimal(text_value) if _NUMBER.match(text_value) else None
    except InvalidOperation:
        value = None
    if value is None or value != value.quantize(clawback.PENNY) or value >= clawback.MAX_AMOUNT_GBP:
        raise InvalidInput(f"{_label(name)} must be an amount in pounds, zero or more, like 100000.00.",
                           field=name)
    return value


def _whole(raw: Any, name: str, *, minimum: int = 1) -> int | None:
    if raw is None or raw == "":
        return None
    if (isinstance(raw, bool) or not str(raw).strip().isdigit() or int(str(raw).strip()) < minimum
            or int(str(raw).strip()) > 2**31 - 1):
        raise InvalidInput(f"{_label(name)} must be a whole number of at least {minimum}.", field=name)
    return int(str(raw).strip())


def _date(raw: Any, name: str, *, required: bool = False) -> date | None:
    if isinstance(raw, date):
        return raw
    value = assets.parse_date(raw, name)
    if value is None and required:
        raise InvalidInput(f"Enter the {name.replace('_', ' ')}.", field=name)
    return value


def _choice(raw: Any, name: str, vocabulary: Mapping[str, str]) -> str:
    value = (str(raw).strip().lower() if raw is not None else "")
    if value not in vocabulary:
        raise InvalidInput(f"{_label(name)} must be one of: {', '.join(vocabulary)}.", field=name)
    return value


def _normalise_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """Accept `market_value_gbp` for `market_value` (the case data may carry units in its names)."""
    out = {}
    for key, value in data.items():
        out[key.removesuffix("_gbp")] = value
    return out


def gdc_limit_gbp() -> Decimal:
    """The General Disposal Consent limit (Settings.general_disposal_consent_limit_gbp)."""
    return Decimal(str(config.current().general_disposal_consent_limit_gbp))


def parse_transfer(data: Mapping[str, Any], *, nation: str, limit_gbp: Decimal) -> dict[str, Any]:
    """Validate a transfer's own fields (see `create` for the names). Raises InvalidInput naming the field."""
    data = _normalise_keys(data)
    tenure = _choice(data.get("tenure"), "tenure", TENURES)
    values: dict[str, Any] = {
        "tenure": tenure,
        "lease_term_years": _whole(data.get("lease_term_years"), "lease_term_years"),
        "annual_rent_gbp": _money(data.get("annual_rent"), "annual_rent"),
        "completion_date": _date(data.get("completion_date"), "completion_date", required=True),
        "market_value_gbp": _money(data.get("market_value"), "market_value", required=True),
        "consideration_gbp": _money(data.get("consideration"), "consideration", required=True),
        "title_numbers": list(assets.parse_title_numbers(data.get("title_numbers"))),
        "decision_reference": _text(data.get("decision_reference"), "decision_reference"),
        "consent_reference": _text(data.get("consent_reference"), "consent_reference"),
        "wellbeing_justification": _text(data.get("wellbeing_justification"), "wellbeing_justification",
                                         max_length=5000),
    }
    if tenure == "lease" and values["lease_term_years"] is None:
        raise InvalidInput("Enter the term of the lease in years.", field="lease_term_years")
    if tenure == "freehold" and (values["lease_term_years"] or values["annual_rent_gbp"]):
        raise InvalidInput("A freehold transfer has no lease term or rent.", field="tenure")
    discount = values["market_value_gbp"] - values["consideration_gbp"]
    if discount < 0:
        raise InvalidInput("The consideration is more than the market value: check both figures.",
                           field="consideration")
    values["discount_gbp"] = discount
    if nation in GDC_NATIONS:
        # General Disposal Consent 2003: an undervalue up to the limit needs no specific consent.
        values["gdc_limit_gbp"] = limit_gbp
        values["within_general_consent"] = discount <= limit_gbp
        if not values["within_general_consent"] and not values["consent_reference"]:
            raise InvalidInput(
                f"The undervalue of £{discount:,.2f} is above the General Disposal Consent limit of "
                f"£{limit_gbp:,.2f}: enter the reference of the Secretary of State's (or Welsh Ministers') "
                "specific consent.", field="consent_reference")
    else:
        values["gdc_limit_gbp"], values["within_general_consent"] = None, None
    return values


def _list(raw: Any) -> list:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [item for item in re.split(r"[,;\s]+", raw.strip()) if item]
    if isinstance(raw, Sequence):
        return list(raw)
    return [raw]


def parse_condition(data: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Validate one condition. Names follow the calculator's (`principal`, `taper`, `share`, `index`, ...).

    `defaults` fill what the condition leaves out (from a transfer: principal = discount,
    base_value = market value, start_date = completion date). `period_years` may stand in
    for `end_date`: a period of N years beginning with the start date, by the corresponding-date
    rule (5 years from 29 Feb 2024 end on 28 Feb 2029; domain §0.1). The calculation
    inputs are checked by registry/clawback.py itself, so a condition that is stored
    can always be calculated.
    """
    data = {**(defaults or {}), **{k: v for k, v in _normalise_keys(data).items() if v not in (None, "")}}
    start = _date(data.get("start_date"), "start_date", required=True)
    end = _date(data.get("end_date"), "end_date")
    if end is None:
        years = _whole(data.get("period_years"), "period_years")
        if years is None:
            raise InvalidInput("Enter the end date of the period, or its length in years.", field="end_date")
        end = clocks.period_end(start, years=years)
    method = _choice(data.get("method"), "method", METHODS)
    # Indexation may go with any method that reads the principal (domain §7.3(5)); the calculator
    # refuses it where it means nothing (overage; a share of proceeds with its own share).
    index = str(data.get("index") or "none").strip().lower()
    triggers = [_choice(t, "triggers", TRIGGERS) for t in _list(data.get("triggers"))]
    if not triggers:
        raise InvalidInput("Choose at least one trigger.", field="triggers")
    # Check the calculation inputs the way the calculator will read them; the event's own
    # figures (net proceeds, value at the trigger) are stood in for here.
    probe = {"method": method, "start_date": start.isoformat(), "end_date": end.isoformat(),
             "trigger_date": start.isoformat(), "index": index}
    for name in ("principal", "taper", "share", "fixed_rate", "base_value", "cap"):
        if data.get(name) not in (None, "", []):
            probe[name] = _list(data[name]) if name == "taper" else data[name]
    if method == "proceeds_share":
        probe["net_proceeds"] = "0"
    if method == "overage":
        probe["value_at_trigger"] = "0"
    if index in ("cpi", "rpi"):
        probe["index_values"] = {start.strftime("%Y-%m"): "100"}
    with invalid_input(clawback.InputError):
        inputs = clawback.parse_inputs(probe)
    reads = clawback.METHOD_FIELDS[inputs.method]
    return {
        "beneficiary": _text(data.get("beneficiary"), "beneficiary", required=True),
        "instrument": _choice(data.get("instrument"), "instrument", INSTRUMENTS),
        "registered_ref": _text(data.get("registered_ref"), "registered_ref"),
        "principal_gbp": inputs.principal_gbp if "principal" in reads else None,
        "base_value_gbp": inputs.base_value_gbp if "base_value" in reads else None,
        "start_date": start,
        "end_date": end,
        "triggers": triggers,
        "method": method,
        "taper_pct": list(inputs.taper_pct),
        "share_pct": inputs.share_fraction * 100 if inputs.share_fraction is not None else None,
        "indexation": inputs.index.value,
        "fixed_rate_pct": inputs.fixed_rate_pct,
        "cap_gbp": inputs.cap_gbp,
        "release_conditions": _text(data.get("release_conditions"), "release_conditions", max_length=5000),
    }


# --------------------------------------------------------------------------- writes


def _audit(actor, action: str, target_type: str, target_id, detail: dict) -> None:
    audit.record(actor, action, target_type, target_id, detail)


def _monitoring_dates(completion: date, years: int, review_every: int) -> list[tuple[str, date]]:
    dates = [("annual_report", completion + relativedelta(years=n)) for n in range(1, years + 1)]
    if review_every:
        dates += [("review", completion + relativedelta(years=n))
                  for n in range(review_every, years + 1, review_every)]
    return sorted(dates, key=lambda kd: (kd[1], kd[0]))


def create(data: Mapping[str, Any], actor, today: date, *, asset_id: int, organisation_id: int,
           case_id: int | None = None) -> Transfer:
    """Record a completed transfer, its conditions and monitoring dates; mark the asset transferred.

    `data` names (money in pounds, dates YYYY-MM-DD; a `_gbp` suffix is accepted too):
    tenure (freehold | lease | licence | management_agreement), lease_term_years (lease:
    required), annual_rent, completion_date, market_value, consideration, title_numbers
    (list or "A, B"), decision_reference, consent_reference (required when the undervalue
    is above the General Disposal Consent limit, England and Wales), wellbeing_justification,
    monitoring_years (an annual report on each anniversary; default: as long as the longest
    condition lasts, and at least 5 years), review_interval_years
    (default 3; 0 for none), conditions (a list of mappings, see `parse_condition`; their
    principal defaults to the discount, base_value to the market value, start_date to the
    completion date). Flushes; the caller commits.
    """
    asset = db.session.get(Asset, asset_id, with_for_update=True)
    if asset is None:
        raise NotFound(f"There is no asset {asset_id}.", field="asset_id")
    if db.session.get(Organisation, organisation_id) is None:
        raise InvalidInput(f"There is no organisation {organisation_id}.", field="organisation_id")
    if case_id is not None and db.session.scalar(select(Transfer.id).where(Transfer.case_id == case_id)):
        raise Conflict("That case has already been recorded as a transfer.")
    from . import authorities
    from .workflow import prohibitions

    nation = authorities.get(asset.authority_code).nation
    values = parse_transfer(data, nation=nation, limit_gbp=gdc_limit_gbp())
    prohibitions.check_disposal(asset.id, values["completion_date"], to_organisation_id=organisation_id)
    years = _whole(data.get("monitoring_years"), "monitoring_years")
    review_every = _whole(data.get("review_interval_years"), "review_interval_years", minimum=0)
    review_every = DEFAULT_REVIEW_INTERVAL_YEARS if review_every is None else review_every
    raw_conditions = data.get("conditions") or []
    if not isinstance(raw_conditions, Sequence) or isinstance(raw_conditions, str):
        raise InvalidInput("Conditions must be a list.", field="conditions")
    defaults = {"principal": values["discount_gbp"], "base_value": values["market_value_gbp"],
                "start_date": values["completion_date"]}
    parsed_conditions = []
    for n, raw in enumerate(raw_conditions):
        try:
            parsed_conditions.append(parse_condition(raw, defaults=defaults))
        except InvalidInput as error:  # name the condition too: conditions[0].taper
            raise InvalidInput(f"Condition {n + 1}: {error.detail}",
                               field=f"conditions[{n}].{error.field}") from None

    if years is None:  # report every year for as long as any condition lasts, and at least 5 years
        last_end = max((c["end_date"] for c in parsed_conditions), default=values["completion_date"])
        years = max(DEFAULT_MONITORING_YEARS,
                    relativedelta(last_end + timedelta(days=1), values["completion_date"]).years)
    transfer = Transfer(asset_id=asset.id, authority_code=asset.authority_code,
                        organisation_id=organisation_id, case_id=case_id,
                        created_by_user_id=getattr(actor, "id", None), **values)
    db.session.add(transfer)
    db.session.flush()
    for kind, due in _monitoring_dates(values["completion_date"], years, review_every):
        db.session.add(MonitoringDate(transfer_id=transfer.id, kind=kind, due_date=due))
    for condition_values in parsed_conditions:
        _add_condition(asset.id, transfer.id, condition_values, actor, today)
    asset.surplus_status = "transferred"
    asset.live_status = "transferred"
    db.session.flush()
    _audit(actor, "transfer.create", "transfer", transfer.id,
           {"asset_id": asset.id, "organisation_id": organisation_id, "case_id": case_id,
            "discount_gbp": str(values["discount_gbp"]), "conditions": len(parsed_conditions)})
    db.session.refresh(transfer)
    return transfer


def on_case_completed(case, data: Mapping[str, Any], actor, today: date) -> Transfer | None:
    """The completion hook a process declares (``Process.on_complete``), called by the workflow engine:
    a completed case with an asset becomes its transfer. Flushes; the engine's caller commits."""
    if getattr(case, "asset_id", None) is None:
        return None
    return create_from_case(case, data, actor, today)


def create_from_case(case, data: Mapping[str, Any], actor, today: date) -> Transfer:
    """The transfer recorded when a CAT, Scottish asset transfer or ACV-sale case completes.

    Nothing is typed twice: the fields come from the case's accumulated public data
    (`case.data`, e.g. market_value and consideration from the heads of terms) overlaid
    by `data` (the completing step's fields, e.g. completion_date and title_numbers);
    the asset and recipient come from `case.asset_id` and `case.organisation_id`.
    See `create` for the names; the names the workflow steps already use are read too
    (`market_value_gbp`, `title_number`, `transfer_type` / `completed_transfer_type`
    ownership|lease|other_rights, a plain-amount `agreed_price` / `price` / `proposed_price`
    for the consideration). Flushes; the engine commits with the case's step. Raises
    InvalidInput naming a missing field, Conflict if the case already has its transfer.
    """
    if getattr(case, "asset_id", None) is None:
        raise InvalidInput("The case has no asset, so there is nothing to transfer.", field="asset_id")
    if getattr(case, "organisation_id", None) is None:
        raise InvalidInput("The case has no community body to receive the asset.", field="organisation_id")
    merged = _from_case_names({**_normalise_keys(getattr(case, "data", None) or {}),
                               **_normalise_keys(data or {})})
    return create(merged, actor, today, asset_id=case.asset_id, organisation_id=case.organisation_id,
                  case_id=getattr(case, "id", None))


# What the workflow processes call things, in our names (workflow/scottish_atr.py: transfer_type).
CASE_TENURES = {"ownership": "freehold", "lease": "lease", "other_rights": "licence"}


def _from_case_names(data: dict[str, Any]) -> dict[str, Any]:
    """Read the names a case's steps already use, so nothing is typed twice."""
    data = dict(data)
    if not data.get("title_numbers") and data.get("title_number"):
        data["title_numbers"] = data["title_number"]
    if not data.get("tenure"):
        kind = data.get("completed_transfer_type") or data.get("transfer_type")
        if kind in CASE_TENURES:
            data["tenure"] = CASE_TENURES[kind]
    if data.get("consideration") in (None, ""):
        for name in ("agreed_price", "price", "proposed_price"):
            try:  # only a plain amount ("£45,000"); "£1 a year" must be entered as the consideration
                if data.get(name) not in (None, "") and _money(data[name], name) is not None:
                    data["consideration"] = data[name]
                    break
            except InvalidInput:
                continue
    return data


def _add_condition(asset_id: int, transfer_id: int | None, values: dict, actor, today: date) -> ClawbackCondition:
    condition = ClawbackCondition(asset_id=asset_id, transfer_id=transfer_id, status="active", **values)
    db.session.add(condition)
    db.session.flush()
    db.session.add(ConditionStatusChange(condition_id=condition.id, from_status=None, to_status="active",
                                         on_date=today, reason="Condition recorded",
                                         actor_user_id=getattr(actor, "id", None)))
    db.session.flush()
    return condition


def add_condition(data: Mapping[str, Any], actor, today: date, *, transfer: Transfer | None = None,
                  asset_id: int | None = None) -> ClawbackCondition:
    """A condition on a transfer (defaults from it) or on an asset alone (a grant's clawback)."""
    defaults = {}
    if transfer is not None:
        asset_id = transfer.asset_id
        defaults = {"principal": transfer.discount_gbp, "base_value": transfer.market_value_gbp,
                    "start_date": transfer.completion_date}
    if asset_id is None or db.session.get(Asset, asset_id) is None:
        raise InvalidInput("Say which asset the condition protects.", field="asset_id")
    condition = _add_condition(asset_id, transfer.id if transfer else None,
                               parse_condition(data, defaults=defaults), actor, today)
    _audit(actor, "condition.create", "clawback_condition", condition.id, {"asset_id": asset_id})
    return condition


def lock_condition(condition_id: int) -> ClawbackCondition:
    condition = db.session.get(ClawbackCondition, condition_id, with_for_update=True, populate_existing=True)
    if condition is None:
        raise NotFound(f"There is no condition {condition_id}.")
    return condition


def _set_status(condition: ClawbackCondition, to_status: str, actor, on_date: date, *, checked: bool = False,
                **change) -> ConditionStatusChange:
    if not checked and not clawback.can_change_status(condition.status, to_status):
        raise Conflict(f"A condition that is {condition.status} cannot become {to_status}.",
                       from_status=condition.status, to_status=to_status)
    row = ConditionStatusChange(condition_id=condition.id, from_status=condition.status, to_status=to_status,
                                on_date=on_date, actor_user_id=getattr(actor, "id", None), **change)
    condition.status = to_status
    db.session.add(row)
    db.session.flush()
    return row


def change_status(condition_id: int, to_status: str, actor, today: date, reason: str) -> ConditionStatusChange:
    """Settle, waive, discharge or reinstate a condition, with the reason kept in its history."""
    to_status = _choice(to_status, "status", STATUSES)
    reason = _text(reason, "reason", required=True, max_length=5000)
    condition = lock_condition(condition_id)
    row = _set_status(condition, to_status, actor, today, reason=reason)
    _audit(actor, "condition.change_status", "clawback_condition", condition.id,
           {"from": row.from_status, "to": to_status})
    return row


def index_values_for(authority_code: str | None, index: str) -> dict[str, Decimal]:
    """{"YYYY-MM": level}: the national series, overridden month by month by the authority's own."""
    rows = db.session.execute(
        select(IndexValue.authority_code, IndexValue.month, IndexValue.level)
        .where(IndexValue.index == index,
               (IndexValue.authority_code.is_(None)) | (IndexValue.authority_code == authority_code))
        .order_by(IndexValue.authority_code.nulls_first(), IndexValue.month)
    ).all()
    return {month.strftime("%Y-%m"): level for _, month, level in rows}


def set_index_value(authority_code: str | None, index: str, month: date, level: Decimal | str, actor) -> IndexValue:
    index = _choice(index, "index", {"cpi": "CPI", "rpi": "RPI"})
    level = Decimal(str(level))
    if not level.is_finite() or level <= 0:
        raise InvalidInput("An index level must be more than zero.", field="level")
    month = month.replace(day=1)
    row = db.session.scalar(select(IndexValue).where(
        IndexValue.index == index, IndexValue.month == month,
        IndexValue.authority_code.is_(None) if authority_code is None
        else IndexValue.authority_code == authority_code))
    if row is None:
        row = IndexValue(authority_code=authority_code, index=index, month=month, level=level)
        db.session.add(row)
    else:
        row.level, row.updated_at = level, func.now()
    db.session.flush()
    _audit(actor, "index.update", "index_value", row.id,
           {"authority_code": authority_code, "index": index, "month": month.isoformat(), "level": str(level)})
    return row


def calculation_inputs(condition: ClawbackCondition, trigger_date: date,
                       event: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The calculator's JSON inputs for this condition triggered on `trigger_date`.

    `event` carries the trigger's own figures: net_proceeds (share of proceeds),
    value_at_trigger and allowable_costs (overage).
    """
    data: dict[str, Any] = {"method": condition.method, "start_date": condition.start_date.isoformat(),
                            "end_date": condition.end_date.isoformat(),
                            "trigger_date": trigger_date.isoformat()}
    reads = clawback.METHOD_FIELDS[clawback.Method(condition.method)]
    stored = {"principal": condition.principal_gbp, "base_value": condition.base_value_gbp,
              "share": condition.share_pct, "fixed_rate": condition.fixed_rate_pct,
              "taper": [str(p) for p in condition.taper_pct or []] or None}
    data.update({name: value if name == "taper" else str(value)
                 for name, value in stored.items() if name in reads and value is not None})
    if condition.cap_gbp is not None:
        data["cap"] = str(condition.cap_gbp)
    if condition.indexation and condition.indexation != "none":
        data["index"] = condition.indexation
        if condition.indexation in ("cpi", "rpi"):
            data["index_values"] = {month: str(level) for month, level in
                                    index_values_for(condition.authority_code, condition.indexation).items()}
    for name in ("net_proceeds", "value_at_trigger", "allowable_costs"):
        if event and event.get(name) not in (None, "") and name in reads:
            data[name] = event[name]
    return data


def log_trigger(condition_id: int, data: Mapping[str, Any], actor, today: date) -> ConditionStatusChange:
    """Record that a condition has been triggered, with the calculation's inputs and result.

    `data`: trigger (one of the condition's triggers), trigger_date (default today),
    net_proceeds / value_at_trigger / allowable_costs when the method needs them, note.
    """
    condition = lock_condition(condition_id)
    trigger = _choice(data.get("trigger"), "trigger", TRIGGERS)
    if trigger not in condition.triggers:
        names = ", ".join(TRIGGERS[t].lower() for t in condition.triggers)
        raise InvalidInput(f"This condition is triggered only by: {names}.", field="trigger")
    trigger_date = _date(data.get("trigger_date"), "trigger_date") or today
    if trigger_date > today:
        raise InvalidInput("The trigger date cannot be in the future.", field="trigger_date")
    refusal = clawback.trigger_refusal(condition.status, trigger_date, condition.start_date, condition.end_date)
    if refusal:
        field = "trigger_date" if condition.status == "expired" else None
        if field:
            raise InvalidInput(refusal, field=field)
        raise Conflict(refusal, from_status=condition.status, to_status="triggered")
    after_expiry = condition.status == "expired"
    with invalid_input(clawback.InputError):
        calculation = clawback.calculate(clawback.parse_inputs(calculation_inputs(condition, trigger_date, data)))
    result = clawback.to_json(calculation)
    reason = _text(data.get("note"), "note", max_length=5000) or TRIGGERS[trigger]
    if after_expiry:
        reason += (f" (dated {trigger_date:%-d %B %Y}, within the period that ended {condition.end_date:%-d %B %Y};"
                   " recorded after the condition was marked expired)")
    row = _set_status(condition, "triggered", actor, trigger_date, checked=True, trigger=trigger,
                      reason=reason, calculation=result, amount_due_gbp=calculation.amount_due)
    _audit(actor, "condition.trigger", "clawback_condition", condition.id,
           {"trigger": trigger, "trigger_date": trigger_date.isoformat(), "amount_due": result["amount_due"],
            "inputs": result["inputs"], "after_expiry": after_expiry})
    return row


def due_if_triggered(condition: ClawbackCondition, on: date) -> Decimal | None:
    """What a disposal on `on` would cost, or None where it depends on the sale (proceeds, overage)."""
    if condition.method in ("proceeds_share", "overage"):
        return None
    try:
        return clawback.calculate(clawback.parse_inputs(calculation_inputs(condition, on))).amount_due
    except (InvalidInput, clawback.InputError):  # e.g. no index figure yet for this month
        return None


# --------------------------------------------------------------------------- monitoring


def expire_conditions(today: date, actor=None) -> list[ClawbackCondition]:
    """Active conditions whose period ended before `today` become expired (with history). Flushes."""
    ended = db.session.scalars(
        select(ClawbackCondition).where(ClawbackCondition.status == "active",
                                        ClawbackCondition.end_date < today)
        .order_by(ClawbackCondition.id).with_for_update(skip_locked=True)
    ).all()
    for condition in ended:
        _set_status(condition, "expired", actor, condition.end_date + timedelta(days=1),
                    reason=f"The period ended on {condition.end_date:%-d %B %Y}")
        _audit(actor, "condition.expire", "clawback_condition", condition.id,
               {"end_date": condition.end_date.isoformat()})
    return list(ended)


def overdue(today: date, authority_code: str | None = None) -> list[MonitoringDate]:
    """Reports and reviews due before today and not yet received, oldest first."""
    query = (select(MonitoringDate).join(Transfer)
             .where(MonitoringDate.due_date < today, MonitoringDate.received_on.is_(None))
             .order_by(MonitoringDate.due_date, MonitoringDate.id))
    if authority_code is not None:
        query = query.where(Transfer.authority_code == authority_code)
    return list(db.session.scalars(query))


def record_received(monitoring_date_id: int, received_on: date, actor) -> MonitoringDate:
    row = db.session.get(MonitoringDate, monitoring_date_id, with_for_update=True)
    if row is None:
        raise NotFound(f"There is no monitoring date {monitoring_date_id}.")
    permissions.require(actor, "monitoring.manage", row.transfer)
    row.received_on = received_on
    db.session.flush()
    _audit(actor, "monitoring.received", "monitoring_date", row.id, {"received_on": received_on.isoformat()})
    return row


def reminders_due(today: date, days_ahead: int = 14) -> list[MonitoringDate]:
    """Monitoring dates within `days_ahead` days, not received and not yet reminded."""
    return list(db.session.scalars(
        select(MonitoringDate)
        .where(MonitoringDate.due_date >= today, MonitoringDate.due_date <= today + timedelta(days=days_ahead),
               MonitoringDate.received_on.is_(None), MonitoringDate.reminded_on.is_(None))
        .order_by(MonitoringDate.due_date, MonitoringDate.id)
    ))


def send_reminders(today: date, days_ahead: int = 14) -> int:
    """Email each recipient body about its coming report or review; mark those sent. Flushes."""
    from . import mail

    sent = 0
    for row in reminders_due(today, days_ahead):
        transfer = row.transfer
        to = transfer.organisation.contact_email
        if not to:
            continue
        body = (f"The {row.kind_label.lower()} for {transfer.asset.name} is due on {row.due_date:%-d %B %Y}.\n\n"
                f"It is a condition of the transfer completed on {transfer.completion_date:%-d %B %Y}. "
                "Please send it to the council's asset transfer team.\n")
        if mail.send(to, f"{row.kind_label} due {row.due_date:%-d %B %Y}: {transfer.asset.name}", body):
            row.reminded_on = today
            sent += 1
    db.session.flush()
    return sent


# --------------------------------------------------------------------------- reads


def get(transfer_id: int) -> Transfer:
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or transfer.asset.withheld:
        raise NotFound(f"There is no transfer {transfer_id}.")
    return transfer


def get_condition(condition_id: int) -> ClawbackCondition:
    condition = db.session.get(ClawbackCondition, condition_id)
    if condition is None:
        raise NotFound(f"There is no condition {condition_id}.")
    return condition


def for_asset(asset_id: int) -> list[Transfer]:
    return list(db.session.scalars(
        select(Transfer).where(Transfer.asset_id == asset_id).order_by(Transfer.completion_date.desc())))


def conditions_for_asset(asset_id: int) -> list[ClawbackCondition]:
    return list(db.session.scalars(
        select(ClawbackCondition).where(ClawbackCondition.asset_id == asset_id).order_by(ClawbackCondition.id)))


def recipients() -> list[Organisation]:
    """Organisations that can receive a transfer, by name (for the form's list)."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def has_transfer(asset_id: int) -> bool:
    return bool(db.session.scalar(select(Transfer.id).where(Transfer.asset_id == asset_id).limit(1)))

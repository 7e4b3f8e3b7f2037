"""Completed transfers of an asset to a community body (domain §7).

A `Transfer` is a completed disposal: from a completed workflow case (`create_from_case`, the
completion hook the process declares, called by the workflow engine) or typed in for a historic
transfer (`create`). It records the tenure, market value, consideration and discount, and the
General Disposal Consent check, and marks the asset transferred. The conditions that protect its
discount are registry/conditions.py's; the reports and reviews it is owed, registry/monitoring.py's;
the CPI/RPI series, registry/indices.py's.

The names of those modules that callers used from here before the split are still importable from
here (the list below `Transfer`), so `transfers.log_trigger(...)` keeps working.

Domain code flushes; the request or the CLI command commits (registry/db.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ARRAY, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import assets, audit, conditions, config, db, monitoring, parsing, permissions
from .assets import Asset
from .conditions import ClawbackCondition
from .errors import Conflict, InvalidInput, NotFound
from .monitoring import MonitoringDate
from .organisations import Organisation
from .workflow import cases as _cases  # noqa: F401  (the "case" table, for transfer.case_id)

# The names of conditions, indices and monitoring that callers reached here before the split.
from .conditions import (  # noqa: F401
    INSTRUMENTS, LIVE_STATUSES, METHODS, STATUSES, TRIGGERS, ConditionStatusChange, add_condition,
    calculation_inputs, change_status, conditions_for_asset, due_if_triggered, expire_conditions, get_condition,
    lock_condition, log_trigger, parse_condition,
)
from .indices import IndexValue, index_values_for, set_index_value  # noqa: F401
from .monitoring import MONITORING_KINDS, overdue, record_received, reminders_due, send_reminders  # noqa: F401

TENURES = {
    "freehold": "Freehold",
    "lease": "Lease",
    "licence": "Licence",
    "management_agreement": "Management agreement",
}
# The processes whose completion is a transfer (workflow/<process>.py codes).
TRANSFER_PROCESSES = ("cat", "scottish_atr", "acv", "community_right_to_buy")
DEFAULT_MONITORING_YEARS = 5
DEFAULT_REVIEW_INTERVAL_YEARS = 3
DEFAULT_GDC_LIMIT_GBP = Decimal(2000000)
GDC_NATIONS = ("england", "wales")  # the General Disposal Consents (England / Wales) 2003

permissions.declare("transfer.create", roles=permissions.COUNCIL_OFFICERS, scope="authority",
                    description="Record a completed transfer of one's own authority's asset")


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


def gdc_limit_gbp() -> Decimal:
    """The General Disposal Consent limit (Settings.general_disposal_consent_limit_gbp)."""
    return Decimal(str(config.current().general_disposal_consent_limit_gbp))


def parse_transfer(data: Mapping[str, Any], *, nation: str, limit_gbp: Decimal) -> dict[str, Any]:
    """Validate a transfer's own fields (see `create` for the names). Raises InvalidInput naming the field."""
    data = parsing.without_units(data)
    tenure = parsing.choice(data.get("tenure"), "tenure", TENURES)
    values: dict[str, Any] = {
        "tenure": tenure,
        "lease_term_years": parsing.whole(data.get("lease_term_years"), "lease_term_years"),
        "annual_rent_gbp": parsing.pounds(data.get("annual_rent"), "annual_rent"),
        "completion_date": parsing.iso_date(data.get("completion_date"), "completion_date", required=True),
        "market_value_gbp": parsing.pounds(data.get("market_value"), "market_value", required=True),
        "consideration_gbp": parsing.pounds(data.get("consideration"), "consideration", required=True),
        "title_numbers": list(assets.parse_title_numbers(data.get("title_numbers"))),
        "decision_reference": parsing.text(data.get("decision_reference"), "decision_reference"),
        "consent_reference": parsing.text(data.get("consent_reference"), "consent_reference"),
        "wellbeing_justification": parsing.text(data.get("wellbeing_justification"), "wellbeing_justification",
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
    years = parsing.whole(data.get("monitoring_years"), "monitoring_years")
    review_every = parsing.whole(data.get("review_interval_years"), "review_interval_years", minimum=0)
    review_every = DEFAULT_REVIEW_INTERVAL_YEARS if review_every is None else review_every
    raw_conditions = data.get("conditions") or []
    if not isinstance(raw_conditions, Sequence) or isinstance(raw_conditions, str):
        raise InvalidInput("Conditions must be a list.", field="conditions")
    defaults = {"principal": values["discount_gbp"], "base_value": values["market_value_gbp"],
                "start_date": values["completion_date"]}
    parsed_conditions = []
    for n, raw in enumerate(raw_conditions):
        try:
            parsed_conditions.append(conditions.parse_condition(raw, defaults=defaults))
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
    for kind, due in monitoring.monitoring_dates(values["completion_date"], years, review_every):
        db.session.add(MonitoringDate(transfer_id=transfer.id, kind=kind, due_date=due))
    for condition_values in parsed_conditions:
        conditions.add_parsed(asset.id, transfer.id, condition_values, actor, today)
    asset.surplus_status = "transferred"
    asset.live_status = "transferred"
    db.session.flush()
    audit.record(actor, "transfer.create", "transfer", transfer.id,
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
    merged = _from_case_names({**parsing.without_units(getattr(case, "data", None) or {}),
                               **parsing.without_units(data or {})})
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
                if data.get(name) not in (None, "") and parsing.pounds(data[name], name) is not None:
                    data["consideration"] = data[name]
                    break
            except InvalidInput:
                continue
    return data


def get(transfer_id: int) -> Transfer:
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or transfer.asset.withheld:
        raise NotFound(f"There is no transfer {transfer_id}.")
    return transfer


def for_asset(asset_id: int) -> list[Transfer]:
    return list(db.session.scalars(
        select(Transfer).where(Transfer.asset_id == asset_id).order_by(Transfer.completion_date.desc())))


def recipients() -> list[Organisation]:
    """Organisations that can receive a transfer, by name (for the form's list)."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def has_transfer(asset_id: int) -> bool:
    return bool(db.session.scalar(select(Transfer.id).where(Transfer.asset_id == asset_id).limit(1)))

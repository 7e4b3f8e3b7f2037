"""Clawback conditions: what protects a transfer's discount (or a grant), and every change of their status.

A `ClawbackCondition` is recorded with its transfer (`transfers.create`) or on an asset alone
(`add_condition`, a grant's clawback). Every status it has had is kept, append-only, in
 `ConditionStatusChange`; logging a trigger keeps the calculation's inputs and result there too.
 The maths is registry/clawback.py's (pure); the CPI/RPI series it reads is registry/indices.py's;
 the public read side is registry/obligations.py. Domain code flushes; the edge commits.
 """

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Date, DateTime, ForeignKey, Numeric, String, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, clawback, db, indices, parsing, permissions
from .assets import Asset
from .errors import Conflict, InvalidInput, NotFound, invalid_input
from .workflow import clocks

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
LIVE_STATUSES = ("active", "triggered")  # a live obligation: not yet ended

permissions.declare("condition.view", roles=permissions.COUNCIL_OFFICERS | {"reviewer"}, scope="authority",
                    description="See the clawback conditions, triggers and calculations of one's own authority")
permissions.declare("condition.manage", roles=permissions.COUNCIL_OFFICERS, scope="authority",
                    description="Add conditions, log triggers and change condition status (own authority)")


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
    # "Transfer" is resolved by name: transfers.py imports this module, not the other way round.
    transfer: Mapped["Transfer | None"] = relationship(back_populates="conditions")  # noqa: F821
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


def parse_condition(data: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Validate one condition. Names follow the calculator's (`principal`, `taper`, `share`, `index`, ...).

    `defaults` fill what the condition leaves out (from a transfer: principal = discount,
    base_value = market value, start_date = completion date). `period_years` may stand in
    for `end_date`: a period of N years beginning with the start date, by the corresponding-date
    rule (5 years from 29 Feb 2024 end on 28 Feb 2029; domain §0.1). The calculation
    inputs are checked by registry/clawback.py itself, so a condition that is stored
    can always be calculated.
    """
    data = {**(defaults or {}), **{k: v for k, v in parsing.without_units(data).items() if v not in (None, "")}}
    start = parsing.iso_date(data.get("start_date"), "start_date", required=True)
    end = parsing.iso_date(data.get("end_date"), "end_date")
    if end is None:
        years = parsing.whole(data.get("period_years"), "period_years")
        if years is None:
            raise InvalidInput("Enter the end date of the period, or its length in years.", field="end_date")
        end = clocks.period_end(start, years=years)
    method = parsing.choice(data.get("method"), "method", METHODS)
    # Indexation may go with any method that reads the principal (domain §7.3(5)); the calculator
    # refuses it where it means nothing (overage; a share of proceeds with its own share).
    index = str(data.get("index") or "none").strip().lower()
    triggers = [parsing.choice(t, "triggers", TRIGGERS) for t in parsing.items(data.get("triggers"))]
    if not triggers:
        raise InvalidInput("Choose at least one trigger.", field="triggers")
    # Check the calculation inputs the way the calculator will read them; the event's own
    # figures (net proceeds, value at the trigger) are stood in for here.
    probe = {"method": method, "start_date": start.isoformat(), "end_date": end.isoformat(),
             "trigger_date": start.isoformat(), "index": index}
    for name in ("principal", "taper", "share", "fixed_rate", "base_value", "cap"):
        if data.get(name) not in (None, "", []):
            probe[name] = parsing.items(data[name]) if name == "taper" else data[name]
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
        "beneficiary": parsing.text(data.get("beneficiary"), "beneficiary", required=True),
        "instrument": parsing.choice(data.get("instrument"), "instrument", INSTRUMENTS),
        "registered_ref": parsing.text(data.get("registered_ref"), "registered_ref"),
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
        "release_conditions": parsing.text(data.get("release_conditions"), "release_conditions", max_length=5000),
    }


def add_parsed(asset_id: int, transfer_id: int | None, values: dict, actor, today: date) -> ClawbackCondition:
    condition = ClawbackCondition(asset_id=asset_id, transfer_id=transfer_id, status="active", **values)
    db.session.add(condition)
    db.session.flush()
    db.session.add(ConditionStatusChange(condition_id=condition.id, from_status=None, to_status="active",
                                         on_date=today, reason="Condition recorded",
                                         actor_user_id=getattr(actor, "id", None)))
    db.session.flush()
    return condition


def add_condition(data: Mapping[str, Any], actor, today: date, *, transfer=None,
                  asset_id: int | None = None) -> ClawbackCondition:
    """A condition on a transfer (defaults from it) or on an asset alone (a grant's clawback)."""
    defaults = {}
    if transfer is not None:
        asset_id = transfer.asset_id
        defaults = {"principal": transfer.discount_gbp, "base_value": transfer.market_value_gbp,
                    "start_date": transfer.completion_date}
    if asset_id is None or db.session.get(Asset, asset_id) is None:
        raise InvalidInput("Say which asset the condition protects.", field="asset_id")
    condition = add_parsed(asset_id, transfer.id if transfer else None,
                           parse_condition(data, defaults=defaults), actor, today)
    audit.record(actor, "condition.create", "clawback_condition", condition.id, {"asset_id": asset_id})
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
    to_status = parsing.choice(to_status, "status", STATUSES)
    reason = parsing.text(reason, "reason", required=True, max_length=5000)
    condition = lock_condition(condition_id)
    row = _set_status(condition, to_status, actor, today, reason=reason)
    audit.record(actor, "condition.change_status", "clawback_condition", condition.id,
                 {"from": row.from_status, "to": to_status})
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
                                    indices.index_values_for(condition.authority_code, condition.indexation).items()}
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
    trigger = parsing.choice(data.get("trigger"), "trigger", TRIGGERS)
    if trigger not in condition.triggers:
        names = ", ".join(TRIGGERS[t].lower() for t in condition.triggers)
        raise InvalidInput(f"This condition is triggered only by: {names}.", field="trigger")
    trigger_date = parsing.iso_date(data.get("trigger_date"), "trigger_date") or today
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
    reason = parsing.text(data.get("note"), "note", max_length=5000) or TRIGGERS[trigger]
    if after_expiry:
        reason += (f" (dated {trigger_date:%-d %B %Y}, within the period that ended {condition.end_date:%-d %B %Y};"
                   " recorded after the condition was marked expired)")
    row = _set_status(condition, "triggered", actor, trigger_date, checked=True, trigger=trigger,
                      reason=reason, calculation=result, amount_due_gbp=calculation.amount_due)
    audit.record(actor, "condition.trigger", "clawback_condition", condition.id,
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
        audit.record(actor, "condition.expire", "clawback_condition", condition.id,
                     {"end_date": condition.end_date.isoformat()})
    return list(ended)


def get_condition(condition_id: int) -> ClawbackCondition:
    condition = db.session.get(ClawbackCondition, condition_id)
    if condition is None:
        raise NotFound(f"There is no condition {condition_id}.")
    return condition


def conditions_for_asset(asset_id: int) -> list[ClawbackCondition]:
    return list(db.session.scalars(
        select(ClawbackCondition).where(ClawbackCondition.asset_id == asset_id).order_by(ClawbackCondition.id)))


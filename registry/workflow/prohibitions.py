"""What stops the owner disposing of land on a given day: checked by the date of the disposal.

Two statutory prohibitions are held here, each worked out from a case's events
and deadline rows, never from what the case reads today (a back-dated sale is
checked against the day it happened):

- **ACV moratorium** (Localism Act 2011 s.95): from the day the council received
  the owner's notice of intent to dispose, through the interim moratorium
  (6 weeks) and, where a community interest group asked in time to be treated
  as a potential bidder, the full moratorium (6 months). A disposal to a
  community interest group is allowed (s.95(3)); a withdrawn notice ends it.
- **Asset transfer request** (Community Empowerment (Scotland) Act 2015 s.84):
  while a valid request is live, the authority may not dispose of the land to
  anyone but the community transfer body that made it; it ends when the request
  concludes (refusal final, offer lapsed, withdrawn or completed).

``prohibitions_on(asset_id, day)`` lists those in force; ``check_disposal``
raises a :class:`~registry.errors.Conflict` naming the case and until when.
Every write that disposes of land calls ``check_disposal`` (a moratorium's
recorded disposal, a transfer, an asset marked disposed or transferred by form
or API; the importer too). Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from .. import db
from ..errors import Conflict
from .cases import Case, Deadline

DISPOSAL_STATUSES = frozenset({"disposed", "transferred"})

#: States of a Scottish asset transfer request in which a valid request exists (s.84).
ATR_VALID_STATES = ("validated", "notified_and_published", "assessment", "decision_extension_agreed",
                    "agreed", "refused", "deemed_refused", "under_review", "under_appeal", "offer_made",
                    "contract_concluded")


@dataclass(frozen=True)
class Prohibition:
    kind: str  # acv_moratorium | s84_asset_transfer_request
    case_id: int
    reference: str
    label: str
    statute: str
    starts: date
    until: date | None  # its last day; None while it runs with no fixed end
    allows_organisation_id: int | None = None  # the body a disposal may still go to (s.84)

    def describe(self) -> str:
        end = (f"until {self.until.isoformat()} (its last day)" if self.until
               else "until the request is concluded")
        return f"{self.label} (case {self.reference}, {self.statute}) from {self.starts.isoformat()} {end}"


def _live_events(case: Case):
    from .late_entry import live_events

    return live_events(case)


def _deadline(case_id: int, rule_code: str) -> Deadline | None:
    return db.session.scalar(
        select(Deadline).where(Deadline.case_id == case_id, Deadline.rule_code == rule_code,
                               Deadline.status != "superseded")
        .order_by(Deadline.anchor_date.desc(), Deadline.id.desc()).limit(1))


def _moratorium(case: Case, day: date) -> Prohibition | None:
    interim = _deadline(case.id, "acv_interim_moratorium_end")
    if interim is None:
        return None  # an exempt disposal recorded: no moratorium ran
    events = _live_events(case)
    actions = {e.action: e for e in events}
    until, label = interim.effective_due, "The interim moratorium"
    full = _deadline(case.id, "acv_full_moratorium_end")
    if "request_to_bid" in actions and full is not None:
        until, label = full.effective_due, "The full moratorium"
    withdrawn = actions.get("withdraw_notice")
    if withdrawn is not None:
        until = min(until, withdrawn.effective_date - timedelta(days=1))
    if not (interim.anchor_date <= day <= until):
        return None
    return Prohibition("acv_moratorium", case.id, case.reference, label, "Localism Act 2011 s.95",
                       interim.anchor_date, until)


def _transfer_request(case: Case, day: date) -> Prohibition | None:
    data = case.data or {}
    if not data.get("validation_date") or data.get("already_advertised_or_in_negotiation"):
        return None
    starts = date.fromisoformat(data["validation_date"])
    ended = None
    for event in _live_events(case):
        if event.effective_date >= starts and event.to_state not in ATR_VALID_STATES \
                and event.from_state in ATR_VALID_STATES:
            ended = event.effective_date
    if ended is None and case.state not in ATR_VALID_STATES:
        return None
    if day < starts or (ended is not None and day >= ended):
        return None
    until = ended - timedelta(days=1) if ended is not None else None
    return Prohibition("s84_asset_transfer_request", case.id, case.reference,
                       "A valid asset transfer request", "Community Empowerment (Scotland) Act 2015 s.84",
                       starts, until, allows_organisation_id=case.organisation_id)


def prohibitions_on(asset_id: int | None, day: date) -> list[Prohibition]:
    """Every prohibition on disposing of this asset's land in force on ``day``."""
    if asset_id is None:
        return []
    found = []
    for case in db.session.scalars(
        select(Case).where(Case.asset_id == asset_id, Case.process.in_(("moratorium", "scottish_atr")),
                           Case.state != "draft").order_by(Case.id)
    ):
        prohibition = _moratorium(case, day) if case.process == "moratorium" else _transfer_request(case, day)
        if prohibition is not None:
            found.append(prohibition)
    return found


def check_disposal(asset_id: int | None, day: date, *, to_organisation_id: int | None = None,
                   to_community_interest_group: bool = False, field: str = "disposal_date") -> None:
    """Refuse (Conflict) a disposal of the asset's land on ``day`` that a prohibition forbids.

    ``to_community_interest_group``: the buyer is a community interest group (allowed in an ACV
    moratorium, s.95(3)); ``to_organisation_id``: the body the land goes to (an asset transfer
    request's own body may still take it).
    """
    found = prohibitions_on(asset_id, day)
    if found and to_organisation_id is not None and not to_community_interest_group:
        to_community_interest_group = _is_community_interest_group(to_organisation_id, found[0].case_id)
    blocking = [p for p in found
                if not (p.kind == "acv_moratorium" and to_community_interest_group)
                and not (p.allows_organisation_id is not None and p.allows_organisation_id == to_organisation_id)]
    if blocking:
        raise Conflict(f"The land cannot be disposed of on {day.isoformat()}: "
                       + "; ".join(p.describe() for p in blocking) + ".",
                       field=field, cases=[p.reference for p in blocking])


def _is_community_interest_group(organisation_id: int, case_id: int) -> bool:
    """Whether the body receiving the land is a community interest group (reg 12) for the case's council."""
    from ..organisations import organisation_facts
    from .eligibility import cig_eligibility

    facts = organisation_facts(organisation_id)
    case = db.session.get(Case, case_id)
    return bool(facts) and not cig_eligibility(facts, case.authority_code)


def check_status_change(asset_id: int, before: str | None, after: str | None, day: date) -> None:
    """An asset marked disposed or transferred is a disposal on ``day``: check it."""
    if after in DISPOSAL_STATUSES and after != before:
        check_disposal(asset_id, day, field="surplus_status")

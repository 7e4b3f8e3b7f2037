"""Public statutory registers generated from the cases, never typed twice (domain §9).

- the list of assets of community value (Localism Act 2011 s.87) with moratorium dates;
- the list of unsuccessful nominations (s.93), with reasons, kept for 5 years.

Every case value and every reason comes through the one public projection
(registry/workflow/public.py, built from the process declarations), and every
row keeps only the allow-listed public columns (``COLUMNS``): no owner,
occupier, contact or private note ever appears. Withheld assets never appear.
This module returns rows; registry/formats writes them as CSV, GeoJSON and the
planning.data.gov.uk ``asset-of-community-value`` fields (domain §8.3).
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import text

from . import db
from .workflow import acv
from .workflow import public as projection

LISTED_STATES = ("listed", "under_review", "under_appeal")
UNSUCCESSFUL_STATES = ("not_listed", "invalid_nomination")
UNSUCCESSFUL_KEPT_YEARS = 5  # council practice (domain §2.2) [P]

REGISTERS = {
    "assets-of-community-value": "Assets of community value",
    "unsuccessful-nominations": "Unsuccessful nominations",
    "right-to-challenge-decisions": "Community Right to Challenge decisions",
}

_BASE = """
    SELECT c.id AS case_id, c.reference, c.data->>'council_reference' AS council_reference, c.title AS name, c.state, c.authority_code, au.name AS authority_name,
           a.id AS asset_id, a.address, a.postcode, a.uprn,
           c.data AS case_data,
           (SELECT jsonb_build_object('action', e.action, 'reasons', e.reasons) FROM case_event e
             WHERE e.case_id = c.id AND e.to_state = c.state AND e.action = ANY(:reasoned)
             ORDER BY e.id DESC LIMIT 1) AS last_event,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = c.id AND d.rule_code = 'acv_listing_expires'
             ORDER BY d.anchor_date DESC LIMIT 1) AS expiry_date,
           m.reference AS moratorium_reference, m.state AS moratorium_state, m.data AS moratorium_data,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = m.id
             AND d.rule_code = 'acv_interim_moratorium_end' ORDER BY d.anchor_date DESC LIMIT 1) AS interim_moratorium_end,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = m.id AND d.status <> 'not_applicable'
             AND d.rule_code = 'acv_full_moratorium_end' ORDER BY d.anchor_date DESC LIMIT 1) AS full_moratorium_end,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = m.id
             AND d.rule_code = 'acv_protected_period_end' ORDER BY d.anchor_date DESC LIMIT 1) AS protected_period_end,
           -- planning.data's `point`: a drawn site, else the asset's point when surveyed (a postcode's centre
           -- would be published as if it were the asset's place)
           ST_AsGeoJSON(coalesce(ST_PointOnSurface(c.site),
                                 CASE WHEN a.location_source = 'surveyed' THEN a.point END), 6) AS point_geojson,
           ST_AsGeoJSON(coalesce(c.site, a.footprint), 6) AS geometry_geojson,
           ST_AsGeoJSON(coalesce(c.site, a.footprint, a.point), 6) AS geojson
    FROM "case" c
    JOIN authority au ON au.code = c.authority_code
    LEFT JOIN asset a ON a.id = c.asset_id
    LEFT JOIN LATERAL (
        SELECT k.id, k.reference, k.state, k.data FROM "case" k
        WHERE k.parent_case_id = c.id AND k.process = 'moratorium'
          AND k.state IN ('interim_moratorium', 'full_moratorium', 'free_to_dispose')
        ORDER BY k.id DESC LIMIT 1
    ) m ON true
    WHERE c.process = 'acv' AND c.state = ANY(:states) AND NOT coalesce(a.withheld, false)
      AND (CAST(:authority AS varchar) IS NULL OR c.authority_code = :authority)
"""


def _rows(states, authority: str | None, extra: str = "", params: dict | None = None) -> list[dict]:
    sql = _BASE + extra + " ORDER BY au.name, c.reference"
    result = db.session.execute(text(sql), {"states": list(states), "authority": authority,
                                            "reasoned": projection.reasoned_actions("acv"), **(params or {})})
    rows = []
    for row in result.mappings():
        item = dict(row)
        for key, value in item.items():
            if isinstance(value, date):
                item[key] = value.isoformat()
        rows.append(_published(item))
    return rows


def _published(item: dict) -> dict:
    """The case's and its moratorium's values, and the latest reasons, through the public projection."""
    case = projection.public_data("acv", item.pop("case_data"))
    moratorium = projection.public_data("moratorium", item.pop("moratorium_data"))
    event = item.pop("last_event") or {}
    item.update(
        description=case.get("land_description"), nominating_group=case.get("nominating_group"),
        nomination_date=case.get("nomination_date"), decision=case.get("decision"),
        decision_date=case.get("decision_date"), entry_date=case.get("entry_date"), end_date=case.get("end_date"),
        reason_code=case.get("decline_reason") or case.get("invalid_reason"),
        reasons=projection.public_reasons("acv", event.get("action", ""), event.get("reasons")),
        notification_to_sell_date=moratorium.get("notice_received_on"),
        interested_group=moratorium.get("interested_group"),
    )
    return item


def acv_list(authority: str | None = None) -> list[dict]:
    rows = _rows(LISTED_STATES, authority)
    for row in rows:
        row["moratorium_label"] = _moratorium_label(row)
        row["status"] = "in_moratorium" if row["moratorium_state"] in ("interim_moratorium", "full_moratorium") \
            else "listed"
    return rows


def _moratorium_label(row: dict) -> str | None:
    state = row.get("moratorium_state")
    if state == "interim_moratorium":
        return f"Interim moratorium until {row['interim_moratorium_end']}"
    if state == "full_moratorium":
        return f"Full moratorium until {row['full_moratorium_end']}"
    if state == "free_to_dispose":
        return f"Protected period until {row['protected_period_end']}"
    return None


def unsuccessful_list(today: date, authority: str | None = None) -> list[dict]:
    since = (today - relativedelta(years=UNSUCCESSFUL_KEPT_YEARS)).isoformat()
    rows = _rows(UNSUCCESSFUL_STATES, authority, " AND coalesce(c.data->>'decision_date', '9999') >= :since",
                 {"since": since})
    for row in rows:
        code = row.get("reason_code")
        row["reason_label"] = acv.DECLINE_REASONS.get(code) or acv.INVALID_REASONS.get(code) or code
        row["status"] = "not_listed"
    return rows


_RTC = """
    SELECT c.id AS case_id, c.reference, c.title AS name, c.state, c.authority_code, au.name AS authority_name,
           o.name AS nominating_group,
           c.data AS case_data,
           (SELECT jsonb_build_object('action', e.action, 'reasons', e.reasons) FROM case_event e
             WHERE e.case_id = c.id AND e.reasons IS NOT NULL
             AND e.action IN ('accept', 'reject', 'propose_modification', 'decline_modification')
             ORDER BY e.id DESC LIMIT 1) AS last_event,
           ST_AsGeoJSON(ST_PointOnSurface(au.boundary), 6) AS geojson
    FROM "case" c
    JOIN authority au ON au.code = c.authority_code
    LEFT JOIN organisation o ON o.id = c.organisation_id
    WHERE c.process = 'right_to_challenge' AND c.data ? 'decision'
      AND (CAST(:authority AS varchar) IS NULL OR c.authority_code = :authority)
    ORDER BY c.data->>'decision_date' DESC, c.reference
"""


def rtc_decisions(authority: str | None = None) -> list[dict]:
    """Every Right to Challenge decision with its reasons and grounds (s.83(8)-(9))."""
    from .workflow import right_to_challenge

    rows = [dict(r) for r in db.session.execute(text(_RTC), {"authority": authority}).mappings()]
    for row in rows:
        case = projection.public_data("right_to_challenge", row.pop("case_data"))
        event = row.pop("last_event") or {}
        row.update({key: case.get(key) for key in (
            "service_name", "service_area", "relevant_body_type", "decision", "decision_date", "modifications",
            "publication_url")})
        codes = list(case.get("grounds") or [])
        row["grounds"] = ";".join(codes)
        row["reasons"] = projection.public_reasons("right_to_challenge", event.get("action", ""),
                                                   event.get("reasons"))
        row["grounds_label"] = "; ".join(right_to_challenge.GROUNDS.get(g, g) for g in codes)
        row["status"] = row["decision"]
    return rows


def rows_for(register: str, today: date, authority: str | None = None) -> list[dict]:
    if register == "assets-of-community-value":
        return acv_list(authority)
    if register == "unsuccessful-nominations":
        return unsuccessful_list(today, authority)
    if register == "right-to-challenge-decisions":
        return rtc_decisions(authority)
    raise KeyError(register)


# ------------------------------------------------------------------ the public columns of each register

COLUMNS = {
    "assets-of-community-value": (
        "reference", "name", "authority_code", "authority_name", "address", "postcode", "uprn", "description",
        "nominating_group", "nomination_date", "decision_date", "entry_date", "expiry_date", "state",
        "notification_to_sell_date", "interested_group", "interim_moratorium_end", "full_moratorium_end",
        "protected_period_end", "case_id", "asset_id",
    ),
    "unsuccessful-nominations": (
        "reference", "name", "authority_code", "authority_name", "address", "postcode", "uprn",
        "nominating_group", "nomination_date", "decision_date", "reason_code", "reason_label", "reasons",
        "case_id", "asset_id",
    ),
    "right-to-challenge-decisions": (
        "reference", "service_name", "service_area", "authority_code", "authority_name", "nominating_group",
        "relevant_body_type", "decision", "decision_date", "grounds", "grounds_label", "reasons", "modifications",
        "publication_url", "state", "case_id",
    ),
}

# ------------------------------------------------------------------ each authority's decisions, for its Atom feed

DECISION_ACTIONS = (
    "list", "decline", "reject_nomination", "uphold_listing", "remove_on_review", "remove", "expire",
    "appeal_dismissed", "appeal_allowed", "receive_notice", "request_to_bid", "record_exempt_disposal",
    "accept", "reject", "propose_modification", "approve_in_principle", "refuse", "formal_decision", "complete",
    "decline_eoi",
    # Scotland: asset transfer decisions, reviews and appeals (s.82, s.86-s.88); community right to buy
    # registrations and the Ministers' consent (ss.37-38, s.51), and the owner's notice that starts the
    # right (s.48). Compensation decisions are left out: the claimant is often a private owner.
    "agree", "deem_refused", "decline_repeat_s93", "review_agree", "review_refuse", "appeal_agree",
    "appeal_refuse", "record_registration", "record_rejection", "record_owner_notice", "record_consent",
    "record_consent_refused",
)


def decisions(authority_code: str, limit: int = 50) -> list[dict]:
    """The authority's latest decisions and clock-starting events, newest first (public facts only)."""
    from .workflow.engine import get_process

    rows = db.session.execute(text(
        """
        SELECT e.id, e.action, e.to_state, e.on_date, e.at_utc, e.reasons, c.id AS case_id, c.reference, c.title,
               c.process
        FROM case_event e JOIN "case" c ON c.id = e.case_id
        LEFT JOIN asset a ON a.id = c.asset_id
        WHERE c.authority_code = :code AND e.action = ANY(:actions) AND NOT coalesce(a.withheld, false)
        ORDER BY e.at_utc DESC, e.id DESC LIMIT :limit
        """), {"code": authority_code, "actions": list(DECISION_ACTIONS), "limit": limit}).mappings()
    out = []
    for row in rows:
        process = get_process(row["process"])
        step = process.get(row["action"])
        out.append({**row, "reasons": projection.public_reasons(row["process"], row["action"], row["reasons"]),
                    "label": step.label if step else row["action"],
                    "state_label": process.state_label(row["to_state"]), "process_label": process.label})
    return out

"""Scottish statutory outputs generated from the register (issue 15 item 4; domain §5.3, §5.4).

- The s.94 register of land (CE(S)A 2015 s.94): the land a Scottish relevant authority owns or leases,
  from its asset register, in the Improvement Service Spatial Hub "Community Asset Transfer Register"
  field names (``LAND_REGISTER_COLUMNS``). Withheld assets and assets the authority no longer holds
  (transferred, disposed, withdrawn from its register) are left out.
- The s.95 annual report for a reporting year (1 April to 31 March): counts (a)-(e) from the asset
  transfer request cases' events, each counted in the year it happened in law (its effective date), so
  received and decided counts do not reconcile (guidance ch. 21); superseded events and the events that
  supersede them are not counted. (f), the action taken to promote requests and support bodies, is an
  officer's text kept per authority and year (``atr_report_text``, migration 0017).

This module returns rows; registry/formats/scottish.py writes them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from . import audit, db
from .errors import InvalidInput, NotFound

PROCESS = "scottish_atr"
NOT_HELD = ("transferred", "disposed", "withdrawn")

LAND_REGISTER_COLUMNS = (
    "la_s_code", "local_authority", "site_ref", "uprn", "address", "type", "sh_classification", "status",
    "tenure", "site_name", "postcode", "asset_id",
)

# (key, section, label): the report's lines, in the order of s.95(2) (domain §5.4).
REPORT_LINES = (
    ("received", "a", "Requests received"),
    ("agreed", "b", "Requests agreed"),
    ("refused", "b", "Requests refused (including deemed refusals)"),
    ("deemed_refused", "b", "of which deemed refused (no decision notice in time)"),
    ("ownership", "c", "Requests that resulted in a transfer of ownership"),
    ("lease", "c", "Requests that resulted in a lease"),
    ("other_rights", "c", "Requests that resulted in other rights being conferred"),
    ("appeal_allowed", "d", "Appeals (s.85 or s.88) allowed"),
    ("appeal_dismissed", "d", "Appeals (s.85 or s.88) dismissed"),
    ("appeal_varied", "d", "Appeals (s.85 or s.88) resulting in the decision being varied"),
    ("appeal_reversed", "d", "Appeals (s.85 or s.88) resulting in the decision being reversed"),
    ("review_confirmed", "e", "Reviewed decisions (s.86 or s.87) confirmed"),
    ("review_modified", "e", "Reviewed decisions (s.86 or s.87) modified"),
    ("review_substituted", "e", "Reviewed decisions (s.86 or s.87) substituted by a different decision"),
)
REPORT_COLUMNS = ("authority_code", "authority_name", "reporting_year", "section", "key", "label", "count")


def scottish_authority(code: str):
    from . import authorities

    authority = authorities.get(code.upper())
    if authority.nation != "scotland":
        raise NotFound(f"{authority.name} ({authority.code}) is not a Scottish authority: the s.94 register "
                       "and the s.95 report apply to Scottish relevant authorities only.")
    return authority


# ------------------------------------------------------------------ s.94 register of land


def land_register(authority_code: str) -> list[dict]:
    rows = db.session.execute(text(
        """
        SELECT au.code AS la_s_code, au.name AS local_authority, a.reference AS site_ref, a.uprn,
               coalesce(a.address, concat_ws(', ', nullif(concat_ws(' ', a.street_number, a.street), ''),
                                             a.post_town)) AS address,
               coalesce(a.asset_type_label, a.asset_type) AS type, a.asset_type,
               CASE WHEN a.surplus_status = 'operational' THEN 'operational' ELSE 'non-operational' END AS status,
               a.tenure, a.name AS site_name, a.postcode, a.id AS asset_id,
               CASE WHEN a.location_source <> 'none'
                    THEN ST_AsGeoJSON(coalesce(a.footprint, a.point), 6) END AS geojson
        FROM asset a JOIN authority au ON au.code = a.authority_code
        WHERE a.authority_code = :code AND NOT a.withheld AND a.surplus_status <> ALL(:not_held)
        ORDER BY a.reference, a.id
        """), {"code": authority_code, "not_held": list(NOT_HELD)}).mappings()
    out = []
    for r in rows:
        item = dict(r)
        item["sh_classification"] = None  # the One Scotland Gazetteer class is not held by the register
        out.append(item)
    return out


# ------------------------------------------------------------------ s.95 annual report


def reporting_year(year_start: int) -> tuple[date, date]:
    """Reporting year ``year_start``: 1 April of that year to 31 March of the next, both days included."""
    if not 2016 <= year_start <= 2200:
        raise InvalidInput("The reporting year must be the year it starts in, from 2016 (the year Part 5 "
                           "came into force), for example 2026 for 1 April 2026 to 31 March 2027.",
                           field="year")
    return date(year_start, 4, 1), date(year_start + 1, 3, 31)


def year_label(year_start: int) -> str:
    return f"1 April {year_start} to 31 March {year_start + 1}"


def current_reporting_year(today: date) -> int:
    return today.year if today.month >= 4 else today.year - 1


_EVENTS = """
    SELECT e.action, e.data->>'review_outcome' AS review_outcome, e.data->>'appeal_outcome' AS appeal_outcome,
           coalesce(e.data->>'completed_transfer_type', c.data->>'completed_transfer_type',
                    c.data->>'transfer_type') AS transfer_type
    FROM case_event e JOIN "case" c ON c.id = e.case_id
    LEFT JOIN asset a ON a.id = c.asset_id
    WHERE c.process = :process AND c.authority_code = :code AND NOT coalesce(a.withheld, false)
      AND coalesce(e.effective_date, e.on_date) BETWEEN :first AND :last
      AND e.action = ANY(:actions)
      AND NOT EXISTS (SELECT 1 FROM case_event s WHERE s.supersedes_event_id = e.id)
"""
_ACTIONS = ("submit_request", "agree", "refuse", "deem_refused", "complete", "review_agree", "review_refuse",
            "appeal_agree", "appeal_refuse")


def count_events(events: list[dict]) -> dict[str, int]:
    """The s.95 counts from a year's events (pure): one count per ``REPORT_LINES`` key."""
    counts = {key: 0 for key, _, _ in REPORT_LINES}
    for e in events:
        action = e["action"]
        if action == "submit_request":
            counts["received"] += 1
        elif action == "agree":
            counts["agreed"] += 1
        elif action in ("refuse", "deem_refused"):
            counts["refused"] += 1
            if action == "deem_refused":
                counts["deemed_refused"] += 1
        elif action == "complete":
            kind = e.get("transfer_type") or "other_rights"
            counts[kind if kind in ("ownership", "lease") else "other_rights"] += 1
        elif action in ("review_agree", "review_refuse") and e.get("review_outcome"):
            counts[f"review_{e['review_outcome']}"] += 1
        elif action in ("appeal_agree", "appeal_refuse") and e.get("appeal_outcome"):
            counts[f"appeal_{e['appeal_outcome']}"] += 1
    return counts


def annual_report(authority_code: str, year_start: int) -> dict:
    first, last = reporting_year(year_start)
    events = [dict(r) for r in db.session.execute(text(_EVENTS), {
        "process": PROCESS, "code": authority_code, "first": first, "last": last,
        "actions": list(_ACTIONS)}).mappings()]
    counts = count_events(events)
    return {"authority_code": authority_code, "year_start": year_start, "reporting_year": year_label(year_start),
            "first_day": first, "last_day": last, "counts": counts,
            "lines": [{"key": key, "section": section, "label": label, "count": counts[key]}
                      for key, section, label in REPORT_LINES],
            "promotion_text": promotion_text(authority_code, year_start)}


def report_rows(report: dict, authority_name: str) -> list[dict]:
    rows = [{"authority_code": report["authority_code"], "authority_name": authority_name,
             "reporting_year": report["reporting_year"], **line} for line in report["lines"]]
    rows.append({"authority_code": report["authority_code"], "authority_name": authority_name,
                 "reporting_year": report["reporting_year"], "section": "f", "key": "promotion",
                 "label": "Action taken to promote asset transfer requests and to support community transfer "
                          "bodies", "count": report["promotion_text"] or ""})
    return rows


def promotion_text(authority_code: str, year_start: int) -> str | None:
    return db.session.scalar(text(
        "SELECT promotion_text FROM atr_report_text WHERE authority_code = :code AND year_start = :year"),
        {"code": authority_code, "year": year_start})


MAX_TEXT = 20000


def save_promotion_text(actor, authority_code: str, year_start: int, value: str) -> None:
    """An officer's text (f) for the year: stored (replacing the last), audited. Flushes; the edge commits."""
    reporting_year(year_start)
    value = (value or "").strip()
    if not value:
        raise InvalidInput("Enter the action taken to promote asset transfer requests and to support community "
                           "transfer bodies.", field="promotion_text")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"The text must be {MAX_TEXT:,} characters or fewer.", field="promotion_text")
    db.session.execute(text(
        """
        INSERT INTO atr_report_text (authority_code, year_start, promotion_text, updated_by_user_id, updated_at)
        VALUES (:code, :year, :text, :user, now())
        ON CONFLICT (authority_code, year_start)
        DO UPDATE SET promotion_text = EXCLUDED.promotion_text, updated_by_user_id = EXCLUDED.updated_by_user_id,
                      updated_at = now()
        """), {"code": authority_code, "year": year_start, "text": value, "user": getattr(actor, "id", None)})
    audit.record(actor, "atr_report.edit_text", "authority", None,
                 {"authority_code": authority_code, "year_start": year_start, "characters": len(value)})
    db.session.flush()

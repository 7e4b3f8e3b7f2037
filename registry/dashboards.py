"""Public dashboards: the register's figures, per council or for the whole register (issue 15 item 3).

Each chart is a list of plain rows (a table), so every chart has its table twin, its CSV and its API
answer from the same rows. Everything counted is public: withheld assets and their cases are left out,
and cases in a state the public does not see (drafts, pre-application discussions) are not counted.

Time to decision is read from the deadline rows of the decision periods (``DECISION_RULES``): the
period's start (``anchor_date``, the day the nomination or request was received or validated), its last
day (``due_date``, or the agreed extension) and the day the decision was made (``met_at``, the deciding
event's effective date). ``days`` is ``met_at - anchor_date`` (the day of receipt is day 0). A decision is
in time when ``met_at`` is on or before the last day. A deemed refusal (the row ``missed``) counts as
decided and not in time; it has no decision day, so it is left out of the median. Years are calendar
years of the decision (or, for a deemed refusal, of the period's last day).

Each rule says what its limit is (``LIMITS``): ``statutory`` (a period the law sets), ``promised`` (Right
to Challenge: Localism Act 2011 ss.83-84 leave the period to the council, which must publish its maximum
and tell the body when it will decide; the last day is the date it promised, the ``rtc_decision_due`` row,
but the days run from the day the expression of interest was received, the ``submit_eoi`` event's
effective date, not from the timetable notice) or ``none`` (a discretionary community asset transfer:
council policy, no statutory clock, domain §4). A rule with no limit has no deadline row: its days run
from the request received (the ``submit_eoi`` event) to the council's answer (``CAT_DECISION_ACTIONS``),
and its share decided in time and its limit are empty (None), never 0 or 100.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from statistics import median

from sqlalchemy import text

from . import db, obligations
from .vocabulary import PUBLIC_STATUSES

CAT_DECISION = "cat_decision"  # not a deadline rule: a community asset transfer has no statutory clock

DECISION_RULES = {
    "acv_decision_due": "Asset of community value: decision on a nomination (8 weeks)",
    "acv_review_decision_due": "Asset of community value: listing review decision",
    "atr_decision_notice_due": "Asset transfer request (Scotland): decision notice (6 months)",
    "rtc_decision_due": "Right to Challenge: decision on an expression of interest (by the date the council "
                        "promised)",
    CAT_DECISION: "Community asset transfer: decision on a request (council policy, no statutory limit)",
}

SHORT_LABELS = {"acv_decision_due": "ACV nomination", "acv_review_decision_due": "ACV review",
                "atr_decision_notice_due": "Asset transfer request", "rtc_decision_due": "Right to Challenge",
                CAT_DECISION: "Community asset transfer"}

#: What each rule's last day is: a period set by law, a date the council promised, or nothing at all.
LIMIT_STATUTORY, LIMIT_PROMISED, LIMIT_NONE = "statutory", "promised", "none"
LIMITS = {"rtc_decision_due": LIMIT_PROMISED, CAT_DECISION: LIMIT_NONE}

#: Rules whose days run from the day the expression of interest was received (the live ``submit_eoi``
#: event's effective date) rather than from the deadline row's anchor (for Right to Challenge, the
#: timetable notice).
FROM_EOI_RECEIVED = ("rtc_decision_due",)

#: A discretionary community asset transfer is decided by the step that answers the request: the formal
#: decision to transfer, a refusal, or declining the expression of interest (registry/workflow/cat.py).
#: Approval in principle is not the answer: heads of terms and the formal decision follow it.
CAT_DECISION_ACTIONS = ("formal_decision", "refuse", "decline_eoi")

CHARTS = {
    "assets-by-status": "Assets by status",
    "cases-by-process": "Cases by process and state",
    "time-to-decision": "Time to decision against the limit (statutory, or the date the council promised)",
    "transfers": "Transfers completed and value transferred",
    "clawback": "Live clawback obligations",
}

COLUMNS = {
    "assets-by-status": ("authority_code", "status", "status_label", "assets"),
    "cases-by-process": ("authority_code", "process", "process_label", "state", "state_label", "cases"),
    "time-to-decision": ("authority_code", "authority_name", "year", "rule_code", "rule_label", "limit",
                         "decided", "decided_in_time", "share_in_time_pct", "median_days", "median_limit_days"),
    "transfers": ("authority_code", "year", "transfers", "market_value_gbp", "consideration_gbp",
                  "discount_gbp"),
    "clawback": ("authority_code", "live_conditions", "principal_gbp"),
}


def _scope(authority: str | None) -> str:
    return "ALL" if authority is None else authority


def assets_by_status(authority: str | None = None) -> list[dict]:
    rows = db.session.execute(text(
        """
        SELECT coalesce(live_status, surplus_status) AS status, count(*) AS assets
        FROM asset
        WHERE NOT withheld AND (CAST(:authority AS varchar) IS NULL OR authority_code = :authority)
        GROUP BY 1 ORDER BY 2 DESC, 1
        """), {"authority": authority}).mappings()
    return [{"authority_code": _scope(authority), "status": r["status"],
             "status_label": PUBLIC_STATUSES.get(r["status"], r["status"]), "assets": r["assets"]} for r in rows]


def cases_by_process(authority: str | None = None) -> list[dict]:
    from .workflow.engine import get_process

    rows = db.session.execute(text(
        """
        SELECT c.process, c.state, count(*) AS cases
        FROM "case" c LEFT JOIN asset a ON a.id = c.asset_id
        WHERE NOT coalesce(a.withheld, false)
          AND (CAST(:authority AS varchar) IS NULL OR c.authority_code = :authority)
        GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2
        """), {"authority": authority}).mappings()
    out = []
    for r in rows:
        process = get_process(r["process"])
        if r["state"] in process.public_states_hidden:
            continue
        out.append({"authority_code": _scope(authority), "process": r["process"], "process_label": process.label,
                    "state": r["state"], "state_label": process.state_label(r["state"]), "cases": r["cases"],
                    "label": f"{process.reference_prefix}: {process.state_label(r['state'])}"})
    return out


_LIVE_EVENT = "NOT EXISTS (SELECT 1 FROM case_event s WHERE s.supersedes_event_id = e.id)"


def decision_rows(authority: str | None = None) -> list[dict]:
    """One row per decided decision period: its council, year, rule, days taken and whether in time."""
    return deadline_decision_rows(authority) + cat_decision_rows(authority)


def deadline_decision_rows(authority: str | None = None) -> list[dict]:
    """Decisions timed by a deadline row: statutory periods, and Right to Challenge's promised date."""
    return [dict(r) for r in db.session.execute(text(
        f"""
        SELECT * FROM (
            SELECT c.authority_code, au.name AS authority_name, d.rule_code, d.status,
                   CASE WHEN d.rule_code = ANY(:from_eoi) THEN eoi.received_on ELSE d.anchor_date END
                       AS anchor_date,
                   coalesce(d.extension_agreed_until, d.due_date) AS last_day, d.met_at,
                   CAST(extract(year FROM coalesce(d.met_at, d.extension_agreed_until, d.due_date)) AS integer)
                       AS year, d.id AS deadline_id
            FROM deadline d
            JOIN "case" c ON c.id = d.case_id
            JOIN authority au ON au.code = c.authority_code
            LEFT JOIN asset a ON a.id = c.asset_id
            LEFT JOIN LATERAL (
                SELECT min(e.effective_date) AS received_on FROM case_event e
                WHERE d.rule_code = ANY(:from_eoi) AND e.case_id = c.id AND e.action = 'submit_eoi'
                  AND {_LIVE_EVENT}
            ) eoi ON true
            WHERE d.rule_code = ANY(:rules) AND NOT coalesce(a.withheld, false)
              AND ((d.status = 'met' AND d.met_at IS NOT NULL) OR d.status = 'missed')
              AND (CAST(:authority AS varchar) IS NULL OR c.authority_code = :authority)
        ) timed
        WHERE anchor_date IS NOT NULL
        ORDER BY authority_code, year, rule_code, deadline_id
        """), {"rules": [r for r in DECISION_RULES if LIMITS.get(r) != LIMIT_NONE],
               "from_eoi": list(FROM_EOI_RECEIVED), "authority": authority}).mappings()]


def cat_decision_rows(authority: str | None = None) -> list[dict]:
    """Community asset transfers answered: from the request received to the answer; no last day."""
    return [dict(r) for r in db.session.execute(text(
        f"""
        SELECT c.authority_code, au.name AS authority_name, CAST(:rule AS varchar) AS rule_code,
               'met' AS status, received.on_day AS anchor_date, CAST(NULL AS date) AS last_day,
               decided.on_day AS met_at, CAST(extract(year FROM decided.on_day) AS integer) AS year
        FROM "case" c
        JOIN authority au ON au.code = c.authority_code
        LEFT JOIN asset a ON a.id = c.asset_id
        JOIN LATERAL (
            SELECT min(e.effective_date) AS on_day FROM case_event e
            WHERE e.case_id = c.id AND e.action = 'submit_eoi' AND {_LIVE_EVENT}
        ) received ON received.on_day IS NOT NULL
        JOIN LATERAL (
            SELECT min(e.effective_date) AS on_day FROM case_event e
            WHERE e.case_id = c.id AND e.action = ANY(:decisions) AND {_LIVE_EVENT}
        ) decided ON decided.on_day IS NOT NULL
        WHERE c.process = 'cat' AND NOT coalesce(a.withheld, false)
          AND (CAST(:authority AS varchar) IS NULL OR c.authority_code = :authority)
        ORDER BY c.authority_code, year, c.id
        """), {"rule": CAT_DECISION, "decisions": list(CAT_DECISION_ACTIONS), "authority": authority}).mappings()]


def _median_days(days: list[int]) -> int | float | None:
    """The median of whole days: a whole number when it is one (86, not 86.0), else the half (83.5)."""
    if not days:
        return None
    middle = median(days)
    return int(middle) if middle == int(middle) else middle


def summarise_decisions(rows: list[dict]) -> list[dict]:
    """Group decision rows by council, year and rule: counts, share in time, median days (pure).

    A rule with no limit (``LIMITS``) has no share in time and no limit: both None, never 0 or 100.
    """
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["authority_code"], row["year"], row["rule_code"]), []).append(row)
    out = []
    for (code, year, rule), items in sorted(groups.items()):
        limit = LIMITS.get(rule, LIMIT_STATUTORY)
        decided = [r for r in items if r["status"] == "met"]
        days = [(r["met_at"] - r["anchor_date"]).days for r in decided]
        if limit == LIMIT_NONE:
            in_time, share, median_limit = None, None, None
        else:
            in_time = sum(1 for r in decided if r["met_at"] <= r["last_day"])
            share = round(100 * in_time / len(items), 1)
            median_limit = _median_days([(r["last_day"] - r["anchor_date"]).days for r in items])
        out.append({
            "authority_code": code, "authority_name": items[0]["authority_name"], "year": year,
            "rule_code": rule, "rule_label": DECISION_RULES.get(rule, rule), "limit": limit,
            "decided": len(items),
            "label": f"{items[0]['authority_name']} {year}: {SHORT_LABELS.get(rule, rule)}",
            "decided_in_time": in_time, "share_in_time_pct": share,
            "median_days": _median_days(days), "median_limit_days": median_limit,
        })
    return out


def time_to_decision(authority: str | None = None) -> list[dict]:
    return summarise_decisions(decision_rows(authority))


def transfers_completed(authority: str | None = None) -> list[dict]:
    rows = db.session.execute(text(
        """
        SELECT CAST(extract(year FROM t.completion_date) AS integer) AS year, count(*) AS transfers,
               sum(t.market_value_gbp) AS market_value_gbp, sum(t.consideration_gbp) AS consideration_gbp,
               sum(t.discount_gbp) AS discount_gbp
        FROM transfer t JOIN asset a ON a.id = t.asset_id
        WHERE NOT a.withheld AND (CAST(:authority AS varchar) IS NULL OR t.authority_code = :authority)
        GROUP BY 1 ORDER BY 1
        """), {"authority": authority}).mappings()
    return [{"authority_code": _scope(authority), **r} for r in rows]


def clawback(today: date, authority: str | None = None) -> list[dict]:
    live = [r for r in obligations.live(today, authority_code=authority) if r["end_date"] >= today]
    return [{"authority_code": _scope(authority), "live_conditions": len(live),
             "principal_gbp": sum((r["principal_gbp"] or Decimal(0) for r in live), Decimal("0.00"))}]


def chart(name: str, today: date, authority: str | None = None) -> list[dict]:
    if name == "assets-by-status":
        return assets_by_status(authority)
    if name == "cases-by-process":
        return cases_by_process(authority)
    if name == "time-to-decision":
        return time_to_decision(authority)
    if name == "transfers":
        return transfers_completed(authority)
    if name == "clawback":
        return clawback(today, authority)
    raise KeyError(name)


def dashboard(today: date, authority: str | None = None) -> dict[str, list[dict]]:
    return {name: chart(name, today, authority) for name in CHARTS}

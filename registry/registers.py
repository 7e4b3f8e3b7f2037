"""Public statutory registers generated from the cases, never typed twice (domain §9).

- the list of assets of community value (Localism Act 2011 s.87) with moratorium dates;
- the list of unsuccessful nominations (s.93), with reasons, kept for 5 years.

Every row is built from an allow-list of public columns: no owner, occupier
or contact ever appears. Withheld assets never appear. Each register comes as
rows (for the page and JSON), CSV, GeoJSON, and the ACV list also in the
planning.data.gov.uk ``asset-of-community-value`` field names (domain §8.3).
"""

from __future__ import annotations

import csv
import io
from datetime import date

import orjson
from dateutil.relativedelta import relativedelta
from sqlalchemy import text

from . import db
from .workflow import acv

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
           c.data->>'land_description' AS description,
           c.data->>'nominating_group' AS nominating_group,
           c.data->>'nomination_date' AS nomination_date,
           c.data->>'decision' AS decision,
           c.data->>'decision_date' AS decision_date,
           c.data->>'entry_date' AS entry_date,
           c.data->>'end_date' AS end_date,
           coalesce(c.data->>'decline_reason', c.data->>'invalid_reason') AS reason_code,
           (SELECT e.reasons FROM case_event e WHERE e.case_id = c.id AND e.to_state = c.state
             ORDER BY e.id DESC LIMIT 1) AS reasons,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = c.id AND d.rule_code = 'acv_listing_expires'
             ORDER BY d.anchor_date DESC LIMIT 1) AS expiry_date,
           m.reference AS moratorium_reference, m.state AS moratorium_state,
           m.data->>'notice_received_on' AS notification_to_sell_date,
           m.data->>'interested_group' AS interested_group,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = m.id
             AND d.rule_code = 'acv_interim_moratorium_end' ORDER BY d.anchor_date DESC LIMIT 1) AS interim_moratorium_end,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = m.id AND d.status <> 'not_applicable'
             AND d.rule_code = 'acv_full_moratorium_end' ORDER BY d.anchor_date DESC LIMIT 1) AS full_moratorium_end,
           (SELECT d.due_date FROM deadline d WHERE d.case_id = m.id
             AND d.rule_code = 'acv_protected_period_end' ORDER BY d.anchor_date DESC LIMIT 1) AS protected_period_end,
           ST_AsText(coalesce(ST_PointOnSurface(c.site), a.point)) AS point_wkt,
           ST_AsText(coalesce(c.site, a.footprint)) AS geometry_wkt,
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
    result = db.session.execute(text(sql), {"states": list(states), "authority": authority, **(params or {})})
    rows = []
    for row in result.mappings():
        item = dict(row)
        for key, value in item.items():
            if isinstance(value, date):
                item[key] = value.isoformat()
        rows.append(item)
    return rows


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
           c.data->>'service_name' AS service_name, c.data->>'service_area' AS service_area,
           c.data->>'relevant_body_type' AS relevant_body_type,
           c.data->>'decision' AS decision, c.data->>'decision_date' AS decision_date,
           (SELECT string_agg(g, ';') FROM jsonb_array_elements_text(coalesce(c.data->'grounds', '[]'::jsonb)) g)
               AS grounds,
           c.data->>'modifications' AS modifications, c.data->>'publication_url' AS publication_url,
           (SELECT e.reasons FROM case_event e WHERE e.case_id = c.id AND e.reasons IS NOT NULL
             AND e.action IN ('accept', 'reject', 'propose_modification', 'decline_modification')
             ORDER BY e.id DESC LIMIT 1) AS reasons,
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
        codes = [g for g in (row.get("grounds") or "").split(";") if g]
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


# ------------------------------------------------------------------ representations (allow-listed columns)

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

#: planning.data.gov.uk asset-of-community-value (working draft v1.0.0, domain §8.3): the specification's
#: fields (digital-land/specification content/dataset/asset-of-community-value.md) except `entity` and
#: `prefix`, which the platform assigns (the entity from the dataset's range, the prefix its own name).
PLANNING_DATA_FIELDS = (
    "reference", "name", "address-text", "description", "point", "geometry", "organisation", "nomination-date",
    "nominating-group", "decision", "decision-date", "expiry-date", "notification-to-sell-date",
    "interested-group", "protected-period-start-date", "notes", "entry-date", "start-date", "end-date",
)


def to_csv(register: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = COLUMNS[register]
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()


def to_geojson(register: str, rows: list[dict], base_url: str = "") -> bytes:
    columns = COLUMNS[register]
    features = []
    for row in rows:
        properties = {c: row.get(c) for c in columns}
        properties["status"] = row.get("status")
        properties["url"] = f"{base_url}/cases/{row['case_id']}"
        features.append({
            "type": "Feature",
            "id": row["reference"],
            # PostGIS wrote this text (ST_AsGeoJSON); embedded as-is.
            "geometry": orjson.Fragment(row["geojson"]) if row.get("geojson") else None,
            "properties": properties,
        })
    return orjson.dumps({"type": "FeatureCollection", "name": register, "features": features})


def _wkt6(wkt: str | None) -> str:
    """WKT with every coordinate written to 6 decimal places (about 0.1 m), `POINT (lon lat)`. Pure."""
    if not wkt:
        return ""
    import shapely

    return shapely.to_wkt(shapely.from_wkt(wkt), rounding_precision=6, trim=False)


def _iso_date(value) -> str:
    """A date as planning.data writes it, YYYY-MM-DD (the first 10 characters of an ISO date or timestamp)."""
    if not value:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text[:10]


def planning_data_row(row: dict) -> dict:
    """One ACV in planning.data's asset-of-community-value fields.

    `reference` is the council's own reference when the entry came from its list (unchanged, byte for byte),
    else our case reference: both stay the same from one publication to the next. `organisation` is the
    council's planning.data CURIE (`local-authority:CMD`); `point` and `geometry` are WKT in WGS84 to 6 decimals.
    """
    from .imports.authority_names import curie_for

    address = ", ".join(p for p in (row.get("address"), row.get("postcode")) if p)
    code = row["authority_code"]
    return {
        "reference": row.get("council_reference") or row["reference"],
        "name": row["name"],
        "address-text": address,
        "description": row.get("description") or "",
        "point": _wkt6(row.get("point_wkt")),
        "geometry": _wkt6(row.get("geometry_wkt")),
        "organisation": curie_for(code) or f"statistical-geography:{code}",
        "nomination-date": _iso_date(row.get("nomination_date")),
        "nominating-group": row.get("nominating_group") or "",
        "decision": row.get("decision") or "",
        "decision-date": _iso_date(row.get("decision_date")),
        "expiry-date": _iso_date(row.get("expiry_date")),
        "notification-to-sell-date": _iso_date(row.get("notification_to_sell_date")),
        "interested-group": row.get("interested_group") or "",
        "protected-period-start-date": _iso_date(row.get("notification_to_sell_date")),
        "notes": row.get("reasons") or "",
        "entry-date": _iso_date(row.get("entry_date")),
        "start-date": _iso_date(row.get("nomination_date")),
        "end-date": _iso_date(row.get("end_date")),
    }


def to_planning_data_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PLANNING_DATA_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(planning_data_row(row))
    return out.getvalue()


# ------------------------------------------------------------------ each authority's decisions, for its Atom feed

DECISION_ACTIONS = (
    "list", "decline", "reject_nomination", "uphold_listing", "remove_on_review", "remove", "expire",
    "appeal_dismissed", "appeal_allowed", "receive_notice", "request_to_bid", "record_exempt_disposal",
    "accept", "reject", "propose_modification", "approve_in_principle", "refuse", "formal_decision", "complete",
    "decline_eoi",
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
        out.append({**row, "label": step.label if step else row["action"],
                    "state_label": process.state_label(row["to_state"]), "process_label": process.label})
    return out

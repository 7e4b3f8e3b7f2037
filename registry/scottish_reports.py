"""Scottish statutory outputs generated from the register (issue 15 item 4; domain §5.3, §5.4).

- The s.94 register of land (CE(S)A 2015 s.94): the land a Scottish relevant authority owns or leases,
  from its asset register, in the Improvement Service Spatial Hub "Community Asset Transfer Register"
  field names (``LAND_REGISTER_COLUMNS``). Withheld assets and assets the authority no longer holds
  (transferred, disposed, withdrawn from its register) are left out. ``sh_classification`` is the
  address classification code of the row's asset type (``SH_CLASSIFICATIONS``), empty when it has none.
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

from . import audit, config, db
from .errors import InvalidInput, NotFound
from .vocabulary import ASSET_TYPES

PROCESS = "scottish_atr"
NOT_HELD = ("transferred", "disposed", "withdrawn")

LAND_REGISTER_COLUMNS = (
    "la_s_code", "local_authority", "site_ref", "uprn", "address", "type", "sh_classification", "status",
    "tenure", "site_name", "postcode", "asset_id",
)

# Our asset types (registry/vocabulary.py ASSET_TYPES) -> (code, description) in the address classification
# scheme the One Scotland Gazetteer shares with AddressBase (the Spatial Hub's sh_classification is "a
# classification based on the One Scotland Gazetteer using the (type) field"). Codes and descriptions as in
# Ordnance Survey's code list, https://docs.os.uk/osngd/code-lists/code-lists-overview/addressclassificationcodevalue
# (also GeoPlace's DEC-Addresses guidance, appendix "BLPU classification cross references",
# https://guidance.geoplace.co.uk/dec-addresses/appendices/blpu-classification-cross-references-to-third-party-classification-schemes).
# A type that names no one class is left out, so its rows are left unclassified rather than guessed:
# former_school (a school no longer used as one: its use now is not known), depot (CI04 storage depot or CI08
# maintenance depot) and other. A council can add or change entries: REGISTRY_SH_CLASSIFICATION (Settings).
SH_CLASSIFICATIONS = {
    "community_centre": ("CC04", "Public / Village Hall / Other Community Facility"),
    "library": ("CL03", "Library"),
    "park_pavilion": ("LB99PI", "Pavilion / Changing Room"),
    "public_toilet": ("CC05", "Public Convenience"),
    "office": ("CO01", "Office / Work Studio"),
    "land": ("L", "Land"),
    "public_house": ("CR06", "Public House / Bar / Nightclub"),
    "sports_ground": ("CL06", "Indoor / Outdoor Leisure / Sporting Activity / Centre"),
    "youth_centre": ("CC04YR", "Youth Recreational / Social Club"),
    "museum": ("CL04", "Museum / Gallery"),
    "swimming_pool": ("CL06DS", "Diving / Swimming Facility"),
    "allotments": ("LL", "Allotment"),
    "car_park": ("CT03", "Car / Coach / Commercial Vehicle / Taxi Parking / Park And Ride Site"),
    "church_hall": ("CC07", "Church Hall / Religious Meeting Place / Hall"),
}


def classification_table(overrides: tuple = ()) -> dict[str, str]:
    """Asset type -> classification code: ``SH_CLASSIFICATIONS`` with the configured overrides applied. Pure.

    ``overrides`` are (asset type, code) pairs (Settings.sh_classification_overrides); an empty code removes
    the type's entry. An asset type that is not one of ours is refused (ValueError), so a typo cannot
    silently leave rows unclassified.
    """
    table = {asset_type: code for asset_type, (code, _) in SH_CLASSIFICATIONS.items()}
    for asset_type, code in overrides:
        if asset_type not in ASSET_TYPES:
            raise ValueError(f"REGISTRY_SH_CLASSIFICATION: {asset_type!r} is not an asset type "
                             f"(one of {', '.join(ASSET_TYPES)}).")
        if code:
            table[asset_type] = code
        else:
            table.pop(asset_type, None)
    return table


def sh_classification(asset_type: str | None, table: dict[str, str]) -> str | None:
    """The row's classification code from its own asset type; None when the type has no entry. Pure."""
    return table.get(asset_type) if asset_type else None


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
    table = classification_table(config.current().sh_classification_overrides)
    out = []
    for r in rows:
        item = dict(r)
        # The authority's own type: the council's label from its file, else our type in words, never a code.
        if not r["type"] or r["type"] == r["asset_type"]:
            item["type"] = ASSET_TYPES.get(r["asset_type"], r["type"])
        item["sh_classification"] = sh_classification(r["asset_type"], table)
        declared = SH_CLASSIFICATIONS.get(r["asset_type"] or "")
        # For the page only (not a Spatial Hub field): the scheme's words for a code we declared.
        item["sh_classification_description"] = (declared[1] if declared and declared[0] == item["sh_classification"]
                                                  else None)
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

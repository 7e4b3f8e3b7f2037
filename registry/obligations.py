"""The live-obligations registers: clawback conditions still in force, per authority or organisation.

Public rows (for the page, and for the CSV, GeoJSON and map layer that
registry/formats/obligations.py writes) come from one allow-list, `PUBLIC_FIELDS`: the beneficiary is a public body, the recipient an
organisation, and no person's name or contact is ever selected. Withheld assets
(safeguarding) never appear.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from . import conditions, db
from .assets import Asset
from .authorities import Authority
from .errors import InvalidInput
from .organisations import Organisation
from .conditions import ClawbackCondition
from .transfers import Transfer

PUBLIC_FIELDS = (
    "condition_id", "asset_id", "asset_name", "authority_code", "authority_name", "organisation_id",
    "organisation_name", "transfer_id", "completion_date", "tenure", "beneficiary", "instrument",
    "registered_ref", "method", "principal_gbp", "start_date", "end_date", "triggers", "status",
    "due_if_triggered_today_gbp",
)
MAP_FIELDS = ("asset_id", "asset_name", "authority_code", "authority_name", "organisation_names",
              "live_conditions", "principal_total_gbp", "latest_end_date",
              # what the browsable map (static/js/asset-map.js) reads for markers and popups
              "id", "name", "status", "status_label", "asset_type_label", "url")


def parse_filters(authority: str | None, organisation: str | None) -> dict:
    filters = {}
    if authority:
        code = authority.strip().upper()
        if db.session.get(Authority, code) is None:
            raise InvalidInput(f"No authority has the code {code}.", field="authority")
        filters["authority_code"] = code
    if organisation:
        if not organisation.strip().isdigit() or int(organisation) > 2**31 - 1:
            raise InvalidInput("organisation must be an organisation's number.", field="organisation")
        filters["organisation_id"] = int(organisation)
    return filters


def _live_query(authority_code: str | None = None, organisation_id: int | None = None):
    query = (
        select(ClawbackCondition, func.ST_X(Asset.point).label("lon"), func.ST_Y(Asset.point).label("lat"))
        .join(Asset, Asset.id == ClawbackCondition.asset_id)
        .outerjoin(Transfer, Transfer.id == ClawbackCondition.transfer_id)
        .where(ClawbackCondition.status.in_(conditions.LIVE_STATUSES), Asset.withheld.is_(False))
        .options(joinedload(ClawbackCondition.asset),
                 joinedload(ClawbackCondition.transfer).joinedload(Transfer.organisation))
        .order_by(ClawbackCondition.end_date, ClawbackCondition.id)
    )
    if authority_code is not None:
        query = query.where(Asset.authority_code == authority_code)
    if organisation_id is not None:
        query = query.where(Transfer.organisation_id == organisation_id)
    return query


def live(today: date, *, authority_code: str | None = None, organisation_id: int | None = None) -> list[dict]:
    """One public row per live condition (active or triggered), soonest end first, plus lon/lat."""
    names = dict(db.session.execute(select(Authority.code, Authority.name)).all())
    rows = []
    for condition, lon, lat in db.session.execute(_live_query(authority_code, organisation_id)).unique():
        transfer, asset = condition.transfer, condition.asset
        organisation: Organisation | None = transfer.organisation if transfer else None
        record = {
            "condition_id": condition.id,
            "asset_id": asset.id,
            "asset_name": asset.name,
            "authority_code": asset.authority_code,
            "authority_name": names.get(asset.authority_code),
            "organisation_id": organisation.id if organisation else None,
            "organisation_name": organisation.name if organisation else None,
            "transfer_id": transfer.id if transfer else None,
            "completion_date": transfer.completion_date if transfer else None,
            "tenure": transfer.tenure if transfer else None,
            "beneficiary": condition.beneficiary,
            "instrument": condition.instrument,
            "registered_ref": condition.registered_ref,
            "method": condition.method,
            "principal_gbp": condition.principal_gbp,
            "start_date": condition.start_date,
            "end_date": condition.end_date,
            "triggers": list(condition.triggers or []),
            "status": condition.status,
            "due_if_triggered_today_gbp": (conditions.due_if_triggered(condition, today)
                                           if condition.status == "active" else None),
        }
        assert tuple(record) == PUBLIC_FIELDS
        rows.append({**record, "lon": lon, "lat": lat})
    return rows


def map_entries(today: date, *, authority_code: str | None = None) -> list[dict]:
    """Assets with live conditions: one entry per asset (MAP_FIELDS plus lon/lat), the map layer's source."""
    by_asset: dict[int, dict] = {}
    for row in live(today, authority_code=authority_code):
        entry = by_asset.setdefault(row["asset_id"], {
            "row": row, "organisation_names": [], "live_conditions": 0, "principal_total_gbp": Decimal(0),
            "latest_end_date": row["end_date"]})
        entry["live_conditions"] += 1
        entry["principal_total_gbp"] += row["principal_gbp"] or 0
        entry["latest_end_date"] = max(entry["latest_end_date"], row["end_date"])
        if row["organisation_name"] and row["organisation_name"] not in entry["organisation_names"]:
            entry["organisation_names"].append(row["organisation_name"])
    features = []
    for asset_id, entry in by_asset.items():
        row = entry["row"]
        properties = {"asset_id": asset_id, "asset_name": row["asset_name"],
                      "authority_code": row["authority_code"], "authority_name": row["authority_name"],
                      "organisation_names": entry["organisation_names"],
                      "live_conditions": entry["live_conditions"],
                      "principal_total_gbp": entry["principal_total_gbp"],
                      "latest_end_date": entry["latest_end_date"],
                      "id": asset_id, "name": row["asset_name"], "status": "transferred",
                      "status_label": f"Transferred: {entry['live_conditions']} live condition"
                                      f"{'' if entry['live_conditions'] == 1 else 's'} until "
                                      f"{entry['latest_end_date']:%-d %B %Y}",
                      "asset_type_label": row["authority_name"], "url": f"/assets/{asset_id}"}
        assert tuple(properties) == MAP_FIELDS
        features.append({**properties, "lon": row["lon"], "lat": row["lat"]})
    return features

"""Assets: public buildings and land, with their point and optional footprint.

Validation of an asset record is a pure function (`validate_record`) shared by
the importer, the API and the forms; `upsert` writes one validated record.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import shapely
from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Numeric,
    String,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from . import db, places
from .errors import InvalidInput, NotFound
from .vocabulary import ASSET_TYPES, CONDITIONS, OCCUPANCY, SURPLUS_STATUSES

TITLE_NUMBER = re.compile(r"^[A-Z]{0,3}[0-9]+$")
UPRN_MAX = 999_999_999_999


class Asset(db.Base):
    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authority.code"))
    reference: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    uprn: Mapped[int | None] = mapped_column(BigInteger)
    title_numbers: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default="{}")
    asset_type: Mapped[str] = mapped_column(String(40))
    current_use: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str] = mapped_column(String(20), server_default="unknown")
    occupancy: Mapped[str] = mapped_column(String(20), server_default="in_use")
    occupancy_since: Mapped[date | None] = mapped_column(Date)
    surplus_status: Mapped[str] = mapped_column(String(40), server_default="operational")
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    site_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    market_value_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # NULL only when location_source is 'none' (a CHECK in migration 0006).
    point = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    footprint = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True)
    area_code: Mapped[str | None] = mapped_column(String(9))
    # Maintained by the workflow engine: listed, in_moratorium, ... (None: no live case).
    live_status: Mapped[str | None] = mapped_column(String(40))
    # Every live process on the asset (migration 0012); live_status is the strongest of them.
    live_statuses: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}", default=list)
    # Safeguarding: a withheld asset never appears in a public output.
    withheld: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Transparency Code fields (migration 0006). tenure is public; tenure_detail, other_detail and
    # extra (the file's unmapped columns) are private unless an officer sets published_details.
    tenure: Mapped[str | None] = mapped_column(String(100))
    tenure_detail: Mapped[str | None] = mapped_column(Text)
    other_detail: Mapped[str | None] = mapped_column(Text)
    published_details: Mapped[bool] = mapped_column(Boolean, server_default="false")
    holding_type: Mapped[str | None] = mapped_column(String(20))
    street_number: Mapped[str | None] = mapped_column(String(50))
    street: Mapped[str | None] = mapped_column(String(200))
    post_town: Mapped[str | None] = mapped_column(String(100))
    asset_type_label: Mapped[str | None] = mapped_column(String(200))  # the council's own label
    source_effective_date: Mapped[date | None] = mapped_column(Date)
    extra: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    location_source: Mapped[str] = mapped_column(String(20), server_default="surveyed")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @property
    def type_label(self) -> str:
        return ASSET_TYPES.get(self.asset_type, self.asset_type)

    @property
    def status_label(self) -> str:
        return SURPLUS_STATUSES.get(self.surplus_status, self.surplus_status)


class AssetStatusChange(db.Base):
    """One change of an asset's surplus status or occupancy (or its first values, ``from_*`` None).

    Written only by statement triggers on ``asset`` (migration 0027), whatever code path made the
    change; read by the surplus alerts. ``withheld`` is the asset's safeguarding flag at the time.
    """

    __tablename__ = "asset_status_change"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    from_surplus_status: Mapped[str | None] = mapped_column(String(40))
    to_surplus_status: Mapped[str] = mapped_column(String(40))
    from_occupancy: Mapped[str | None] = mapped_column(String(20))
    to_occupancy: Mapped[str] = mapped_column(String(20))
    withheld: Mapped[bool] = mapped_column(Boolean)
    at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


def status_changes(asset_id: int) -> list[AssetStatusChange]:
    """Every recorded status change of one asset, oldest first."""
    return list(db.session.scalars(select(AssetStatusChange).where(AssetStatusChange.asset_id == asset_id)
                                   .order_by(AssetStatusChange.id)))


@dataclass
class AssetRecord:
    """One validated asset, ready to write. Geometry is WGS84 shapely."""

    authority_code: str
    reference: str
    name: str
    asset_type: str
    point: shapely.Point | None
    footprint: shapely.MultiPolygon | None = None
    description: str | None = None
    address: str | None = None
    postcode: str | None = None
    uprn: int | None = None
    title_numbers: tuple[str, ...] = ()
    current_use: str | None = None
    condition: str = "unknown"
    occupancy: str = "in_use"
    occupancy_since: date | None = None
    surplus_status: str = "operational"
    floor_area_m2: Decimal | None = None
    site_area_m2: Decimal | None = None
    market_value_gbp: Decimal | None = None
    tenure: str | None = None
    tenure_detail: str | None = None
    other_detail: str | None = None
    holding_type: str | None = None
    street_number: str | None = None
    street: str | None = None
    post_town: str | None = None
    asset_type_label: str | None = None
    location_source: str = "surveyed"
    effective_date: date | None = None
    extra: dict = field(default_factory=dict)


def reference_key(reference: str) -> str:
    """The reference as re-imports match it: case and runs of white space do not count.

    The same rule as the asset table's generated reference_key column (migration 0006).
    """
    return " ".join(reference.split()).lower()


def _text(raw, field, *, required=False, max_length=None):
    value = (raw or "").strip() if isinstance(raw, str) or raw is None else str(raw).strip()
    if required and not value:
        raise InvalidInput(f"Enter the {field.replace('_', ' ')}.", field=field)
    if max_length and len(value) > max_length:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be {max_length} characters or fewer.",
                           field=field)
    return value or None


def vocabulary_choice(raw, field, vocabulary, default=None):
    value = _text(raw, field) or default
    if value is None:
        raise InvalidInput(f"Choose the {field.replace('_', ' ')}.", field=field)
    value = value.lower().replace(" ", "_").replace("-", "_") if value not in vocabulary else value
    if value not in vocabulary:
        allowed = ", ".join(vocabulary)
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be one of: {allowed}.", field=field)
    return value


def _decimal(raw, field):
    value = _text(raw, field)
    if value is None:
        return None
    try:
        number = Decimal(value.replace(",", "").lstrip("£"))
    except InvalidOperation:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be a number.", field=field) from None
    if not number.is_finite() or number < 0:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be zero or more.", field=field)
    return number


def parse_uprn(raw) -> int | None:
    value = _text(raw, "uprn")
    if value is None:
        return None
    if value.endswith(".0"):  # spreadsheets turn UPRNs into floats
        value = value[:-2]
    if not value.isdigit() or not 0 < int(value) <= UPRN_MAX:
        raise InvalidInput("UPRN must be a whole number of up to 12 digits.", field="uprn")
    return int(value)


def parse_title_numbers(raw) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    items = raw if isinstance(raw, (list, tuple)) else re.split(r"[;,\s]+", str(raw))
    numbers = tuple(str(item).strip().upper() for item in items if str(item).strip())
    for number in numbers:
        if not TITLE_NUMBER.match(number):
            raise InvalidInput(
                f"Title number {number!r} is not valid: use letters then numbers, like TGL312172.",
                field="title_numbers",
            )
    return numbers


def parse_date(raw, field) -> date | None:
    value = _text(raw, field)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be a date like 2024-03-31.",
                           field=field) from None


def field_problems(raw: dict) -> list[InvalidInput]:
    """Every field's problem at once (for a form's error summary); validate_record raises the first."""
    checks = [
        lambda: _text(raw.get("reference"), "reference", required=True, max_length=100),
        lambda: _text(raw.get("name"), "name", required=True, max_length=300),
        lambda: vocabulary_choice(raw.get("asset_type"), "asset_type", ASSET_TYPES),
        lambda: _text(raw.get("description"), "description", max_length=5000),
        lambda: _text(raw.get("address"), "address", max_length=500),
        lambda: _postcode(raw.get("postcode")),
        lambda: parse_uprn(raw.get("uprn")),
        lambda: parse_title_numbers(raw.get("title_numbers")),
        lambda: _text(raw.get("current_use"), "current_use", max_length=500),
        lambda: _decimal(raw.get("floor_area_m2"), "floor_area_m2"),
        lambda: _decimal(raw.get("site_area_m2"), "site_area_m2"),
        lambda: _decimal(raw.get("market_value_gbp"), "market_value_gbp"),
    ]
    problems = []
    for check in checks:
        try:
            check()
        except InvalidInput as error:
            problems.append(error)
    return problems


def _postcode(raw) -> str | None:
    postcode = _text(raw, "postcode")
    if postcode is None:
        return None
    normalised = places.normalise_postcode(postcode)
    if normalised is None:
        raise InvalidInput(f"Enter a real postcode, like LS1 1UR: {postcode} is not in the form of a UK postcode.",
                           field="postcode")
    return normalised


def postcode_known(postcode: str) -> bool:
    """Is the (normalised) postcode in the postcode directory the registry holds?"""
    return db.session.execute(text("SELECT EXISTS (SELECT 1 FROM postcode WHERE postcode = :p)"),
                              {"p": postcode}).scalar()


def point_in_area(authority_code: str, point: shapely.Point) -> bool:
    """Is the point inside the council's area? True when the registry has no boundary for the council."""
    inside = db.session.execute(
        text("SELECT boundary IS NULL OR ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) "
             "FROM authority WHERE code = :code"),
        {"x": point.x, "y": point.y, "code": authority_code}).scalar()
    return inside is not False


def validate_record(raw: dict, *, point: shapely.Point, footprint=None) -> AssetRecord:
    """Check one asset's fields; raise InvalidInput naming the first bad field."""
    postcode = _postcode(raw.get("postcode"))
    return AssetRecord(
        authority_code=_text(raw.get("authority_code"), "authority_code", required=True).upper(),
        reference=_text(raw.get("reference"), "reference", required=True, max_length=100),
        name=_text(raw.get("name"), "name", required=True, max_length=300),
        asset_type=vocabulary_choice(raw.get("asset_type"), "asset_type", ASSET_TYPES),
        point=point,
        footprint=footprint,
        description=_text(raw.get("description"), "description", max_length=5000),
        address=_text(raw.get("address"), "address", max_length=500),
        postcode=postcode,
        uprn=parse_uprn(raw.get("uprn")),
        title_numbers=parse_title_numbers(raw.get("title_numbers")),
        current_use=_text(raw.get("current_use"), "current_use", max_length=500),
        condition=vocabulary_choice(raw.get("condition"), "condition", CONDITIONS, default="unknown"),
        occupancy=vocabulary_choice(raw.get("occupancy"), "occupancy", OCCUPANCY, default="in_use"),
        occupancy_since=parse_date(raw.get("occupancy_since"), "occupancy_since"),
        surplus_status=vocabulary_choice(raw.get("surplus_status"), "surplus_status", SURPLUS_STATUSES,
                               default="operational"),
        floor_area_m2=_decimal(raw.get("floor_area_m2"), "floor_area_m2"),
        site_area_m2=_decimal(raw.get("site_area_m2"), "site_area_m2"),
        market_value_gbp=_decimal(raw.get("market_value_gbp"), "market_value_gbp"),
    )


UPSERT_SQL = text(
    """
    INSERT INTO asset (authority_code, reference, name, description, address, postcode, uprn,
        title_numbers, asset_type, current_use, condition, occupancy, occupancy_since, surplus_status,
        floor_area_m2, site_area_m2, market_value_gbp, point, footprint, area_code, location_source)
    VALUES (:authority_code, :reference, :name, :description, :address, :postcode, :uprn,
        :title_numbers, :asset_type, :current_use, :condition, :occupancy, :occupancy_since,
        :surplus_status, :floor_area_m2, :site_area_m2, :market_value_gbp,
        ST_GeomFromText(:point_wkt, 4326), ST_GeomFromText(:footprint_wkt, 4326),
        district_code_at(ST_GeomFromText(:point_wkt, 4326)), :location_source)
    ON CONFLICT (authority_code, reference_key) DO UPDATE SET
        reference = EXCLUDED.reference, location_source = EXCLUDED.location_source,
        name = EXCLUDED.name, description = EXCLUDED.description, address = EXCLUDED.address,
        postcode = EXCLUDED.postcode, uprn = EXCLUDED.uprn, title_numbers = EXCLUDED.title_numbers,
        asset_type = EXCLUDED.asset_type, current_use = EXCLUDED.current_use,
        condition = EXCLUDED.condition, occupancy = EXCLUDED.occupancy,
        occupancy_since = EXCLUDED.occupancy_since, surplus_status = EXCLUDED.surplus_status,
        floor_area_m2 = EXCLUDED.floor_area_m2, site_area_m2 = EXCLUDED.site_area_m2,
        market_value_gbp = EXCLUDED.market_value_gbp, point = EXCLUDED.point,
        footprint = EXCLUDED.footprint, area_code = EXCLUDED.area_code, updated_at = now()
    RETURNING id, (xmax = 0) AS inserted
    """
)


def record_params(record: AssetRecord) -> dict:
    return {
        "authority_code": record.authority_code,
        "reference": record.reference,
        "name": record.name,
        "description": record.description,
        "address": record.address,
        "postcode": record.postcode,
        "uprn": record.uprn,
        "title_numbers": list(record.title_numbers),
        "asset_type": record.asset_type,
        "current_use": record.current_use,
        "condition": record.condition,
        "occupancy": record.occupancy,
        "occupancy_since": record.occupancy_since,
        "surplus_status": record.surplus_status,
        "floor_area_m2": record.floor_area_m2,
        "site_area_m2": record.site_area_m2,
        "market_value_gbp": record.market_value_gbp,
        "point_wkt": record.point.wkt if record.point is not None else None,
        "location_source": record.location_source if record.point is not None else "none",
        "footprint_wkt": record.footprint.wkt if record.footprint is not None else None,
    }


def upsert(record: AssetRecord) -> tuple[int, bool]:
    """Insert or update by (authority, reference). Returns (id, inserted)."""
    row = db.session.execute(UPSERT_SQL, record_params(record)).one()
    return row.id, row.inserted


def get(asset_id: int, *, include_withheld: bool = False) -> Asset:
    asset = db.session.get(Asset, asset_id)
    if asset is None or (asset.withheld and not include_withheld):
        raise NotFound(f"There is no asset {asset_id}.")
    return asset


def geometry_of(asset_id: int) -> dict:
    """The asset's point and footprint as GeoJSON text, plus its bounds."""
    row = db.session.execute(
        text(
            """
            SELECT ST_AsGeoJSON(point, 6) AS point, ST_AsGeoJSON(footprint, 6) AS footprint,
                   ST_X(point) AS lon, ST_Y(point) AS lat,
                   ST_Area(footprint::geography) AS footprint_area_m2
            FROM asset WHERE id = :id
            """
        ),
        {"id": asset_id},
    ).mappings().one()
    return dict(row)


# ---------------------------------------------------------------- edits by id (forms and the write API)

UPDATE_SQL = text(
    """
    UPDATE asset SET authority_code = :authority_code, reference = :reference, name = :name,
        description = :description, address = :address, postcode = :postcode, uprn = :uprn,
        title_numbers = :title_numbers, asset_type = :asset_type, current_use = :current_use,
        condition = :condition, occupancy = :occupancy, occupancy_since = :occupancy_since,
        surplus_status = :surplus_status, floor_area_m2 = :floor_area_m2, site_area_m2 = :site_area_m2,
        market_value_gbp = :market_value_gbp, point = ST_GeomFromText(:point_wkt, 4326),
        location_source = :location_source,
        footprint = ST_GeomFromText(:footprint_wkt, 4326),
        area_code = district_code_at(ST_GeomFromText(:point_wkt, 4326)), updated_at = now()
    WHERE id = :id
    """
)

# The fields of an asset a form or PATCH may start from (no geometry: see geometry_of).
EDITABLE_FIELDS = ("authority_code", "reference", "name", "description", "address", "postcode", "uprn",
                   "title_numbers", "asset_type", "current_use", "condition", "occupancy", "occupancy_since",
                   "surplus_status", "floor_area_m2", "site_area_m2", "market_value_gbp")


def editable_values(asset: Asset) -> dict:
    values = {name: getattr(asset, name) for name in EDITABLE_FIELDS}
    values["title_numbers"] = list(values["title_numbers"] or [])
    for name in ("occupancy_since",):
        values[name] = values[name].isoformat() if values[name] else None
    for name in ("floor_area_m2", "site_area_m2", "market_value_gbp"):
        values[name] = str(values[name]) if values[name] is not None else None
    return values


def current_shapes(asset_id: int) -> tuple[shapely.Point, shapely.MultiPolygon | None]:
    row = db.session.execute(
        text("SELECT ST_AsText(point) AS point, ST_AsText(footprint) AS footprint FROM asset WHERE id = :id"),
        {"id": asset_id},
    ).one()
    return shapely.from_wkt(row.point), shapely.from_wkt(row.footprint) if row.footprint else None


def _duplicate_reference(record: AssetRecord, asset_id: int | None) -> bool:
    found = db.session.execute(
        text("SELECT id FROM asset WHERE authority_code = :a AND reference_key = :k"),
        {"a": record.authority_code, "k": reference_key(record.reference)},
    ).scalar()
    return found is not None and found != asset_id


def create(record: AssetRecord) -> int:
    """A new asset; refuses a reference its authority already uses (unlike upsert)."""
    from .errors import Conflict

    if _duplicate_reference(record, None):
        raise Conflict(f"Your authority already has an asset with reference {record.reference!r}.",
                       field="reference")
    asset_id, _ = upsert(record)
    return asset_id


def update(asset_id: int, record: AssetRecord) -> None:
    """Replace every field of one asset (its authority may not change)."""
    from .errors import Conflict

    if _duplicate_reference(record, asset_id):
        raise Conflict(f"Your authority already has an asset with reference {record.reference!r}.",
                       field="reference")
    db.session.execute(UPDATE_SQL, {**record_params(record), "id": asset_id})
    db.session.expire_all()


def set_status(asset_id: int, surplus_status: str) -> None:
    status = vocabulary_choice(surplus_status, "surplus_status", SURPLUS_STATUSES)
    db.session.execute(text("UPDATE asset SET surplus_status = :s, updated_at = now() WHERE id = :id"),
                       {"s": status, "id": asset_id})
    db.session.expire_all()


def delete(asset_id: int) -> None:
    """Remove an asset. One that cases or transfers refer to cannot be removed."""
    from sqlalchemy.exc import IntegrityError

    from .errors import Conflict

    try:
        with db.session.begin_nested():
            db.session.execute(text("DELETE FROM asset WHERE id = :id"), {"id": asset_id})
    except IntegrityError:
        raise Conflict("This asset has cases or transfers recorded against it, so it cannot be deleted. "
                       "Withhold it or change its status instead.") from None
    db.session.expire_all()

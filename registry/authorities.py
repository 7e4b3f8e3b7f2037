"""Authorities: councils and other public bodies that own land, with their areas.

Boundaries loaded by the demo set-up are approximate (derived from postcode
points, `boundary_source = 'approximate-postcodes'`); importing official ONS
boundaries replaces them (`boundary_source = 'ons'`). `name` is the ONS name
("Bristol, City of"), kept for data outputs; `display_name` is the council's
everyday name ("Bristol City Council") for pages (registry/place_names.py).
Wards and parishes, once imported, live in `area_boundary` (see places.py).
"""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import DateTime, String, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .errors import NotFound
from .place_names import council_display_name
from .vocabulary import GSS_PREFIX_KIND

GSS_CODE_PATTERN = r"^[ENSW][0-9]{8}$"


class Authority(db.Base):
    __tablename__ = "authority"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str]
    display_name: Mapped[str | None]
    kind: Mapped[str]
    nation: Mapped[str]
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True)
    boundary_source: Mapped[str | None]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def everyday_name(self) -> str:
        return self.display_name or council_display_name(self.code, self.name)


def kind_and_nation(code: str) -> tuple[str, str]:
    return GSS_PREFIX_KIND.get(code[:3], ("other", "england"))


def get(code: str) -> Authority:
    authority = db.session.get(Authority, code)
    if authority is None:
        raise NotFound(f"No authority has the code {code}.")
    return authority


def all_with_asset_counts() -> list[dict]:
    rows = db.session.execute(
        text(
            """
            SELECT a.code, a.name, coalesce(a.display_name, a.name) AS display_name, a.nation, a.kind,
                   count(x.id) AS asset_count
            FROM authority a LEFT JOIN asset x ON x.authority_code = a.code AND NOT x.withheld
            GROUP BY a.code ORDER BY a.name
            """
        )
    ).mappings()
    return [dict(r) for r in rows]


def summary(code: str) -> dict:
    """Public facts about one authority: its name, area and what it owns."""
    authority = get(code)
    row = db.session.execute(
        text(
            """
            SELECT ST_AsGeoJSON(boundary, 5) AS boundary_geojson,
                   ST_XMin(boundary) AS minx, ST_YMin(boundary) AS miny,
                   ST_XMax(boundary) AS maxx, ST_YMax(boundary) AS maxy
            FROM authority WHERE code = :code
            """
        ),
        {"code": code},
    ).mappings().one()
    counts = db.session.execute(
        text(
            """
            SELECT s.status, count(*) AS n
            FROM asset a CROSS JOIN LATERAL unnest(asset_statuses(a.surplus_status, a.live_statuses)) AS s(status)
            WHERE a.authority_code = :code AND NOT a.withheld GROUP BY s.status
            """
        ),
        {"code": code},
    ).all()
    bbox = None
    if row["minx"] is not None:
        bbox = [row["minx"], row["miny"], row["maxx"], row["maxy"]]
    return {
        "authority": authority,
        "bbox": bbox,
        "boundary_geojson": row["boundary_geojson"],
        "counts_by_status": {status: n for status, n in counts},
        "counts_by_ward": counts_by_area(code, "ward"),
        "counts_by_parish": counts_by_area(code, "parish"),
    }


def counts_by_area(code: str, kind: str) -> list[dict]:
    """Public assets of this council in each of its imported wards or parishes ([] when none are imported).

    An asset is counted in an area when its point lies in the area's official
    boundary (an asset on a shared edge counts in both).
    """
    rows = db.session.execute(
        text(
            """
            SELECT b.code, b.name,
                   (SELECT count(*) FROM asset x WHERE x.authority_code = :code AND NOT x.withheld
                      AND EXISTS (SELECT 1 FROM area_boundary_part p
                                  WHERE p.area_code = b.code AND ST_Intersects(p.geom, x.point))) AS asset_count
            FROM area_boundary b
            WHERE b.kind = :kind AND b.district_code = :code
            ORDER BY b.name
            """
        ),
        {"code": code, "kind": kind},
    ).mappings()
    return [dict(r) for r in rows]


def codes() -> set[str]:
    return set(db.session.scalars(select(Authority.code)))


FEATURE_SQL = """
    SELECT a.code, a.name, a.kind, a.nation, a.boundary_source,
           ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.boundary, 0.0005), 5)::json AS geometry,
           (SELECT count(*) FROM asset x WHERE x.authority_code = a.code AND NOT x.withheld) AS asset_count
    FROM authority a
"""


def features_page(*, limit: int, offset: int, bbox=None, bbox_wkt=None) -> dict:
    clauses, params = ["a.boundary IS NOT NULL"], {"limit": limit, "offset": offset}
    if bbox is not None:
        clauses.append("a.boundary && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)")
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox))
    if bbox_wkt is not None:
        clauses.append("ST_Intersects(a.boundary, (SELECT ST_GeomFromText(:wkt, 4326)))")
        params["wkt"] = bbox_wkt
    where = " AND ".join(clauses)
    rows = db.session.execute(text(f"{FEATURE_SQL} WHERE {where} ORDER BY a.code LIMIT :limit OFFSET :offset"),
                              params).mappings().all()
    matched = db.session.execute(text(f"SELECT count(*) FROM authority a WHERE {where}"), params).scalar_one()
    return {"rows": [dict(r) for r in rows], "matched": matched}


def feature(code: str) -> dict:
    row = db.session.execute(text(f"{FEATURE_SQL} WHERE a.code = :code"), {"code": code}).mappings().first()
    if row is None:
        raise NotFound(f"No authority has the code {code}.")
    return dict(row)

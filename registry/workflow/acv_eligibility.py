"""Who may nominate land as an asset of community value, and the checks an officer makes at validation.

SI 2012/2421 reg 5 (and reg 12 for moratorium bidders, which reads `listed_form`): a pure function of
the organisation's typed facts (domain §0.3), `nominating_body_eligibility`; the local connection to
confirm where parish boundaries are not loaded; the parish a site lies in; and `validation_checks`,
what the validation page shows. The ACV declaration is workflow/acv.py, which reads these.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..organisations import organisation_facts
from . import cases

# ------------------------------------------------------------------ eligibility (reg 5), pure

#: reg 5(1): bodies that can nominate without further tests (beyond local connection / non-distribution).
#: A ``trust`` is not among them: reg 5 lists a charity, not a trust as such (see ``listed_form``).
NOMINATING_FORMS_ANY = {"parish_council", "neighbourhood_forum", "charity", "CIO", "CIC"}


def listed_form(org: Mapping) -> str | None:
    """The reg 5 / reg 12 form a body counts as: its legal form, except that a ``trust`` counts only
    as what it also is. A trust registered as a charity (a registered charity number) is a charity
    (reg 5(1)(b)); any other trust is none of the listed forms (SI 2012/2421 reg 5)."""
    form = org.get("legal_form")
    if form == "trust":
        return "charity" if (org.get("charity_number") or "").strip() else None
    return form
#: reg 5(1)(d)-(e): eligible only if they do not distribute any surplus to members.
NOMINATING_FORMS_NON_DISTRIBUTING = {"CLG_non_distributing", "community_benefit_society", "cooperative_society"}
UNINCORPORATED_MIN_LOCAL_MEMBERS = 21  # reg 5(1)(c)


def is_parish_code(code: str | None) -> bool:
    """An ONS civil parish (England E04…) or community (Wales W04…) code. Pure."""
    return bool(code) and len(code) == 9 and code[:3] in ("E04", "W04")


def nominating_body_eligibility(org: Mapping, authority_code: str, neighbours: set[str] | frozenset = frozenset(),
                                *, parish_boundaries: bool = False, site_parish: Mapping | None = None
                                ) -> list[str]:
    """Why this body may NOT nominate land in ``authority_code``: an empty list means eligible.

    ``org`` carries ``legal_form``, ``local_member_count``, ``non_distribution_of_surplus`` and
    ``area_code`` (where its activities are concerned; None when not recorded). Local connection
    (reg 4): its activities are concerned with the authority's area or a neighbouring one.

    A parish council whose ``parish_code`` is recorded is checked against the parish the land
    lies in (``site_parish``, ``{code, name}``) when ``parish_boundaries`` are loaded for the council;
    otherwise :func:`local_connection_to_confirm` says what the officer must confirm.
    """
    problems = []
    form = listed_form(org)
    if org.get("legal_form") == "trust" and form is None:
        problems.append("a trust can nominate only if it is also one of the bodies reg 5 lists, for example a "
                        "charitable trust registered as a charity: record its charity number, or its legal form "
                        "as a charity (SI 2012/2421 reg 5)")
    elif form in NOMINATING_FORMS_ANY:
        pass
    elif form in NOMINATING_FORMS_NON_DISTRIBUTING:
        if not org.get("non_distribution_of_surplus"):
            problems.append("it may distribute a surplus to its members (reg 5(1)(d)-(e))")
    elif form == "unincorporated_association":
        local = org.get("local_member_count") or 0
        if local < UNINCORPORATED_MIN_LOCAL_MEMBERS:
            problems.append(f"an unincorporated body needs at least {UNINCORPORATED_MIN_LOCAL_MEMBERS} members "
                            f"who are local electors; it has {local} (reg 5(1)(c))")
        if not org.get("non_distribution_of_surplus"):
            problems.append("an unincorporated body must not distribute any surplus to its members (reg 5(1)(c))")
    else:
        problems.append(f"a body of this kind ({form}) cannot nominate land (s.89(2), reg 5)")
    area = org.get("area_code")
    parish = org.get("parish_code")
    if form == "parish_council":
        if is_parish_code(parish) and parish_boundaries and (site_parish is None
                                                             or site_parish.get("code") != parish):
            where = (f"in {site_parish.get('name') or site_parish['code']} ({site_parish['code']})"
                     if site_parish else "in no parish")
            problems.append(f"a parish council can nominate only land in its own parish ({parish}); this land "
                            f"lies {where} (s.89(2)(b)(i))")
        if area and area != authority_code and area not in neighbours:
            problems.append("a parish council can nominate only land in its own area (s.89(2)(b)(i))")
    elif area and area != authority_code and area not in neighbours:
        problems.append("it has no local connection: its activities are not concerned with this council's area "
                        "or a neighbouring one (reg 4)")
    return problems


def local_connection_to_confirm(org: Mapping, parish_boundaries: bool) -> str | None:
    """What an officer must confirm because no boundary can decide it (None: the data decide). Pure.

    A parish council nominates land in its own area (s.89(2)(b)(i)): only parish boundaries show that.
    Any other body needs a local connection with the council's area or a neighbouring one (reg 4),
    which its recorded area (a district) shows; with no area recorded, the officer confirms.
    """
    area = org.get("area_code")
    if org.get("legal_form") == "parish_council":
        if not is_parish_code(org.get("parish_code")):
            return ("the parish council's record gives no parish code, so no boundary shows that the land lies in "
                    "its parish: confirm that it does (s.89(2)(b)(i))")
        if not parish_boundaries:
            return ("parish boundaries are not loaded for this council: confirm that the land lies in the parish "
                    "council's own parish (s.89(2)(b)(i))")
        return None
    if not area:
        return ("the body's record does not say where its activities are: confirm its local connection with this "
                "council's area or a neighbouring one (reg 4)")
    return None


def _area_boundary_table() -> bool:
    from sqlalchemy import text

    from .. import db

    return bool(db.session.execute(text("SELECT to_regclass('area_boundary') IS NOT NULL")).scalar())


def parish_boundaries_loaded(district_code: str) -> bool:
    """Whether official parish boundaries are loaded for this council (``places.has_boundaries`` when present)."""
    from .. import places

    if hasattr(places, "has_boundaries"):
        return bool(places.has_boundaries("parish", district_code))
    if not _area_boundary_table():
        return False
    from sqlalchemy import text

    from .. import db

    return bool(db.session.execute(
        text("SELECT EXISTS (SELECT 1 FROM area_boundary WHERE kind = 'parish' AND district_code = :d)"),
        {"d": district_code}).scalar())


def parish_at_site(case) -> dict | None:
    """The parish {code, name} holding the case's site (its boundary's point on surface, else the asset's point)."""
    from sqlalchemy import text

    from .. import db, places

    point = db.session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT coalesce(ST_PointOnSurface(c.site), a.point) AS p FROM \"case\" c "
        "LEFT JOIN asset a ON a.id = c.asset_id WHERE c.id = :id) q WHERE p IS NOT NULL"
    ) if case.id is not None else text("SELECT ST_X(point), ST_Y(point) FROM asset WHERE id = :asset_id"),
        {"id": case.id, "asset_id": case.asset_id}).first()
    if point is None:
        return None
    lon, lat = point
    if hasattr(places, "parish_at"):
        found = places.parish_at(lon, lat)
        return dict(found) if found else None
    if not _area_boundary_table():
        return None
    row = db.session.execute(text(
        "SELECT code, name FROM area_boundary WHERE kind = 'parish' "
        "AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) ORDER BY code LIMIT 1"),
        {"lon": lon, "lat": lat}).mappings().first()
    return dict(row) if row else None


def validation_checks(case) -> dict:
    """Reg 5 eligibility, the spatial check and completeness, as recorded on the case."""
    facts = organisation_facts(case.organisation_id)
    neighbours = cases.neighbouring_authorities(case.authority_code) if facts.get("area_code") else set()
    parish_boundaries = site_parish = None
    if facts.get("legal_form") == "parish_council" and is_parish_code(facts.get("parish_code")):
        parish_boundaries = parish_boundaries_loaded(case.authority_code)
        site_parish = parish_at_site(case) if parish_boundaries else None
    eligibility = (nominating_body_eligibility(facts, case.authority_code, neighbours,
                                               parish_boundaries=bool(parish_boundaries), site_parish=site_parish)
                   if facts else ["no nominating body is recorded"])
    to_confirm = local_connection_to_confirm(facts, bool(parish_boundaries)) if facts else None
    site_authority = cases.authority_at_site(case)
    within = cases.site_within_authority(case)
    in_area = []
    if site_authority is not None and site_authority != case.authority_code:
        in_area.append(f"the site lies in another council's area ({site_authority})")
    if within is False:
        in_area.append("the site boundary extends outside the council's area")
    missing = [label for name, label in (("land_description", "a description of the land"),
                                         ("community_value_reasons", "the reasons it is of community value"))
               if not case.data.get(name)]
    return {"eligibility": eligibility, "in_area": in_area, "missing": missing,
            "site_authority": site_authority, "site_parish": site_parish,
            "confirm_local_connection": to_confirm,
            "passed": not (eligibility or in_area or missing)}

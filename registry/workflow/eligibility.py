"""Who is a community interest group (Assets of Community Value (England) Regulations 2012, reg 12). Pure.

The moratorium (a request to be treated as a potential bidder) and the disposal prohibitions (a sale to a
community interest group during a moratorium) both ask this, so it lives in neither.
"""

from __future__ import annotations

from collections.abc import Mapping

from .acv import listed_form

# [P] domain §2.3 / §11 item 1: reg 12 list as summarised by councils; confirm against reg 12.
# A trust counts only as what it also is (a trust registered as a charity is a charity): acv.listed_form.
CIG_FORMS = {"charity", "CIO", "CLG_non_distributing", "community_benefit_society", "cooperative_society", "CIC",
             "parish_council"}
CIG_NON_DISTRIBUTING = {"CLG_non_distributing", "community_benefit_society", "cooperative_society"}


def cig_eligibility(org: Mapping, authority_code: str, neighbours=frozenset()) -> list[str]:
    """Why this body may NOT ask to be treated as a potential bidder (reg 12): empty means it may. Pure."""
    form = listed_form(org)
    problems = []
    if org.get("legal_form") == "trust" and form is None:
        problems.append("a trust is a community interest group only if it is also one of the listed bodies, "
                        "for example a charitable trust registered as a charity (reg 12)")
    elif form not in CIG_FORMS:
        problems.append(f"a body of this kind ({form}) is not a community interest group: unincorporated groups "
                        "and neighbourhood forums can nominate but cannot trigger the full moratorium (reg 12)")
    elif form in CIG_NON_DISTRIBUTING and not org.get("non_distribution_of_surplus"):
        problems.append("it may distribute a surplus to its members (reg 12)")
    area = org.get("area_code")
    if area and area != authority_code and area not in neighbours:
        problems.append("it has no local connection with the council's area (reg 12)")
    return problems

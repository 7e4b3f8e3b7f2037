"""Everyday names of councils, from the ONS names, and names normalised for matching.

ONS writes "Bristol, City of" and "Leeds"; people say "Bristol City Council" and
"Leeds City Council". `council_display_name` applies the usual rules (an
inverted ", City of" or ", County of", "City" in the name, a district with
city status) and then the explicit exceptions. The ONS name stays in the data
(authority.name) and in every data output; the display name is for pages.
Pure functions: no database, table-tested in tests/unit/test_place_names.py.
"""

import re
import unicodedata

# Districts whose council is a "City Council" although ONS gives only the place name.
CITY_COUNCILS = {
    "E06000010",  # Kingston upon Hull (see exceptions)
    "E06000014",  # York
    "E06000015",  # Derby
    "E06000016",  # Leicester
    "E06000018",  # Nottingham
    "E06000021",  # Stoke-on-Trent
    "E06000023",  # Bristol
    "E06000026",  # Plymouth
    "E06000031",  # Peterborough
    "E06000033",  # Southend-on-Sea
    "E06000042",  # Milton Keynes
    "E06000043",  # Brighton and Hove
    "E06000044",  # Portsmouth
    "E06000045",  # Southampton
    "E07000008",  # Cambridge
    "E07000041",  # Exeter
    "E07000070",  # Chelmsford
    "E07000071",  # Colchester
    "E07000081",  # Gloucester
    "E07000094",  # Winchester
    "E07000106",  # Canterbury
    "E07000121",  # Lancaster
    "E07000123",  # Preston
    "E07000138",  # Lincoln
    "E07000148",  # Norwich
    "E07000178",  # Oxford
    "E07000240",  # St Albans
    "E07000237",  # Worcester
    "E08000003",  # Manchester
    "E08000006",  # Salford
    "E08000012",  # Liverpool
    "E08000019",  # Sheffield (old code)
    "E08000039",  # Sheffield
    "E08000021",  # Newcastle upon Tyne
    "E08000024",  # Sunderland
    "E08000025",  # Birmingham
    "E08000026",  # Coventry
    "E08000031",  # Wolverhampton
    "E08000032",  # Bradford
    "E08000035",  # Leeds
    "E08000036",  # Wakefield
    "W06000022",  # Newport
    "N09000003",  # Belfast
}

# Whole names where the rules would be wrong or not what the council calls itself.
EXCEPTIONS = {
    "E06000010": "Hull City Council",
    "E06000019": "Herefordshire Council",
    "E06000052": "Cornwall Council",
    "E06000053": "Council of the Isles of Scilly",
    "E08000017": "City of Doncaster Council",
    "E09000001": "City of London Corporation",
    "E09000033": "Westminster City Council",
    "E09000020": "Royal Borough of Kensington and Chelsea",
    "E09000021": "Royal Borough of Kingston upon Thames",
    "E09000011": "Royal Borough of Greenwich",
    "E06000040": "Royal Borough of Windsor and Maidenhead",
    "S12000013": "Comhairle nan Eilean Siar",
    "S12000017": "The Highland Council",
    "S12000036": "City of Edinburgh Council",
    "W06000011": "Swansea Council",
    "W06000015": "Cardiff Council",
    "N09000002": "Armagh City, Banbridge and Craigavon Borough Council",
    "N09000005": "Derry City and Strabane District Council",
}

_INVERTED = re.compile(r"^(?P<place>.+),\s*(?P<kind>City|County|City and County) of$", re.IGNORECASE)


def council_display_name(code: str, ons_name: str) -> str:
    """The name a council uses for itself: 'Leeds' -> 'Leeds City Council'."""
    if code in EXCEPTIONS:
        return EXCEPTIONS[code]
    name = (ons_name or code).strip()
    inverted = _INVERTED.match(name)
    if inverted:
        place, kind = inverted.group("place"), inverted.group("kind").lower()
        return f"{place} City Council" if kind == "city" else f"{place} Council"
    if name.endswith(" City") or code in CITY_COUNCILS:
        base = name.removesuffix(" City")
        return f"{base} City Council"
    if name.lower().endswith("council"):
        return name
    return f"{name} Council"


def council_aliases(code: str, ons_name: str) -> set[str]:
    """Names people type for a council, normalised: 'Edinburgh' for 'City of Edinburgh'."""
    display = council_display_name(code, ons_name)
    names = {ons_name, display}
    inverted = _INVERTED.match(ons_name or "")
    if inverted:
        names.add(inverted.group("place"))
    for candidate in sorted(names):
        names.add(re.sub(r"^The ", "", candidate))
        stripped = re.sub(r"^(The |City of |City and County of |Royal Borough of |London Borough of )", "",
                          candidate)
        stripped = re.sub(r"( City)?( Borough| District| County)? Council$| Corporation$", "", stripped)
        stripped = re.sub(r" City$", "", stripped)
        names.add(stripped)
    return {normalise(n) for n in names if n and normalise(n)}


def normalise(name: str) -> str:
    """Lower case, accents and punctuation dropped, '&' as 'and', single spaces."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def place_kind(population: int | None) -> str:
    """A GeoNames populated place's kind from its population (the data set has no finer class)."""
    if population is None or population <= 0:
        return "locality"
    if population >= 100_000:
        return "city"
    if population >= 10_000:
        return "town"
    if population >= 1_000:
        return "village"
    return "hamlet"


# Lower sorts first: councils, then cities and towns, then wards, villages, parishes, hamlets.
KIND_RANK = {"district": 0, "city": 1, "town": 2, "ward": 3, "village": 4, "parish": 5, "suburb": 6,
             "hamlet": 7, "locality": 8}

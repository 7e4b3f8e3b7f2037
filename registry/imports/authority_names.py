"""Which authority a file's organisation column names, in any of the forms councils use.

A GSS code (`E08000009`), a name in its usual forms (`Cheltenham Borough Council`, `Trafford Council`,
`City of Edinburgh Council`), an opendatacommunities.org URI, a planning.data CURIE
(`local-authority:TRF`, or `statistical-geography:E07000078` as the planning.data ACV CSV writes it)
or an old ONS code (`23UB`). Pure: the tables are data files and the ONS district names package.

`data/english_authority_codes.csv` (GSS, CURIE, old ONS code, opendatacommunities URI, official name)
was built from digital-land's public organisation data (Open Government Licence v3.0):
github.com/digital-land/organisation-collection `data/local-authority.csv` (commit 94533fd, 2025-02-20)
for the CURIEs, URIs and names, and github.com/digital-land/organisation-dataset
`collection/opendatacommunities/localgov.csv` (commit 6f3d27f, 2020-06-19) for the old ONS
(census area) codes. Scottish, Welsh and Northern Irish councils are found by GSS code or name.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from .mapping import clean_text

DATA = Path(__file__).resolve().parent / "data" / "english_authority_codes.csv"
GSS = re.compile(r"\b([ENSW](?:06|07|08|09|10|12)\d{6}|N09\d{6})\b", re.IGNORECASE)
OLD_ONS = re.compile(r"^\d{2}[A-Z]{2}$|^00[A-Z]{2}$", re.IGNORECASE)
CURIE = re.compile(r"^\s*(local-authority(?:-eng)?|statistical-geography)\s*:\s*([A-Z0-9]+)\s*$", re.IGNORECASE)
URI = re.compile(r"opendatacommunities\.org/id/[a-z-]+/([a-z0-9-]+)", re.IGNORECASE)

# Words councils put around their place name.
_NAME_NOISE = re.compile(
    r"\b(the|metropolitan|borough|district|county|city|royal|of|and|council|councils|unitary|authority|"
    r"london|mbc|bc|dc|cc|lb|rb|comhairle|nan|cyngor|sir|bwrdeistref|sirol|dinas|a|chyngor)\b")


def _name_key(name: str) -> str:
    text = clean_text(name).lower().replace("&", " and ")
    text = re.sub(r"[.,'’()]", " ", text)
    text = re.sub(r"\bst\b", "saint", text)
    text = re.sub(r"-", " ", text)
    return " ".join(_NAME_NOISE.sub(" ", text).split())


@functools.cache
def _tables() -> dict[str, dict[str, str]]:
    by_curie, by_old, by_slug, by_name = {}, {}, {}, {}
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            gss = row["gss"]
            current = not row["end_date"]
            code = row["curie"].split(":", 1)[1].upper()
            if current or code not in by_curie:
                by_curie[code] = gss
            if row["old_ons_code"]:
                by_old.setdefault(row["old_ons_code"].upper(), gss)
            match = URI.search(row["opendatacommunities_uri"] or "")
            if match and (current or match.group(1) not in by_slug):
                by_slug[match.group(1).lower()] = gss
            if current:
                by_name.setdefault(_name_key(row["official_name"]), gss)
    from .. import places

    for gss, name in places.district_names().items():
        by_name.setdefault(_name_key(name), gss)
    # Council names that differ from the ONS district names once the noise words are gone.
    by_name.update({_name_key(k): v for k, v in NAME_ALIASES.items()})
    return {"curie": by_curie, "old": by_old, "slug": by_slug, "name": by_name}


NAME_ALIASES = {
    "Comhairle nan Eilean Siar": "S12000013", "Western Isles Council": "S12000013",
    "Edinburgh Council": "S12000036", "Glasgow Council": "S12000049", "Dundee Council": "S12000042",
    "Aberdeen Council": "S12000033", "Hull City Council": "E06000010", "Kingston upon Hull": "E06000010",
}


def resolve(value) -> str | None:
    """The GSS code the value names, or None when it names no authority we know."""
    text = clean_text(value)
    if not text:
        return None
    match = CURIE.match(text)
    if match:
        scheme, code = match.group(1).lower(), match.group(2).upper()
        if scheme == "statistical-geography":
            return code if GSS.fullmatch(code) else None
        return _tables()["curie"].get(code)
    match = GSS.search(text)
    if match:
        return match.group(1).upper()
    match = URI.search(text)
    if match:
        return _tables()["slug"].get(match.group(1).lower())
    if OLD_ONS.match(text):
        return _tables()["old"].get(text.upper())
    key = _name_key(text)
    return _tables()["name"].get(key) if key else None


@functools.cache
def _curies_by_gss() -> dict[str, str]:
    found: dict[str, str] = {}
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["end_date"] or row["gss"] not in found:
                found[row["gss"]] = row["curie"]
    return found


def curie_for(gss: str | None) -> str | None:
    """The planning.data organisation CURIE (``local-authority:CMD``) of an English council's GSS code, or None.

    From digital-land's organisation data (see the module docstring); a council it does not hold has none.
    """
    return _curies_by_gss().get((gss or "").strip().upper())

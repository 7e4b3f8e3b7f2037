"""A council's columns and values onto asset fields: pure functions, no database, no files but the mapping file.

Headers are compared as planning.data compares them: case, spaces, underscores, dots and hyphens do
not count, so `StartDate`, `Start Date`, `START_DATE` and `start.date` are one name (`startdate`).
Out of the box this knows the Local Government Transparency Code 2015 land and building assets
fields, our own field names, the planning.data asset-of-community-value fields and the Scottish
community asset transfer register fields; a mapping file (column -> field) overrides them.

Values are mapped, not refused: a free-text asset type goes through keyword rules (unknown ->
`other`, the council's label kept), a holding type becomes land / building / land_and_building,
areas become square metres (hectares, acres or square feet where the header says so), numbers
lose their thousands separators and may use a decimal comma, and text is trimmed with non-breaking
spaces cleaned.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..vocabulary import ASSET_TYPES

# ------------------------------------------------------------------ headers


def header_key(name) -> str:
    """`Start Date`, `StartDate`, `START_DATE`, `start.date` -> `startdate`."""
    text = unicodedata.normalize("NFKC", str(name or "")).replace("\ufeff", "")
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _keys(*names: str) -> tuple[str, ...]:
    return tuple(header_key(n) for n in names)


# Field -> the header names that mean it, in order of preference (the first column found wins).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "reference": _keys(
        "reference", "ref", "AssetCode", "asset code", "asset ref", "asset reference", "asset id", "asset no",
        "asset number", "unique asset id", "unique asset identifier", "property reference", "property ref",
        "property id", "local reference", "PSRN", "site reference", "acv reference", "case reference",
        "request reference", "reference number", "id"),
    "name": _keys(
        "name", "PropertyName", "asset name", "property name", "site name", "building name", "name of asset",
        "asset", "property", "land or building", "name of land or building", "site", "property name and address"),
    "authority_code": _keys(
        "authority code", "authority", "council code", "gss code", "gss", "la code", "lad code", "lad",
        "owner code", "organisation code", "authority gss code", "statistical geography", "organisation",
        "OrganisationURI", "organisation uri", "OrganisationLabel", "organisation label", "organisation name",
        "council", "local authority", "relevant authority", "authority name"),
    "asset_type": _keys("asset type", "type", "property type", "category", "asset category", "asset class",
                        "property category", "type of asset", "use type", "primary use", "classification"),
    "holding_type": _keys("HoldingType", "holding type", "holding"),
    "description": _keys("description", "notes", "details", "description of asset", "description of land"),
    "address": _keys("address", "full address", "site address", "property address", "street address",
                     "address text", "asset address", "location address", "address of land or building",
                     "location of land"),
    "street_number": _keys("StreetNumber", "street number", "street no", "building number", "house number",
                           "number", "no"),
    "street": _keys("StreetName", "street name", "street", "road", "thoroughfare"),
    "post_town": _keys("PostTown", "post town", "town", "city", "locality"),
    "postcode": _keys("PostCode", "postcode", "post code", "postal code", "zip", "pcd"),
    "uprn": _keys("UPRN", "unique property reference number"),
    "title_numbers": _keys("title numbers", "title number", "title number(s)", "title nos", "title no",
                           "land registry title", "land registry titles", "title", "titles"),
    "current_use": _keys("current use", "use", "present use"),
    "condition": _keys("condition", "building condition"),
    "occupancy": _keys("occupancy", "occupation", "occupancy status"),
    "occupancy_since": _keys("occupancy since", "vacant since", "occupancy date", "since"),
    "surplus_status": _keys("surplus status", "status", "disposal status"),
    "tenure": _keys("TenureType", "tenure type", "tenure"),
    "tenure_detail": _keys("TenureDetail", "tenure detail", "tenure details", "tenure category"),
    "other_detail": _keys("OtherDetail", "other detail", "other details"),
    "floor_area_m2": _keys("floor area m2", "floor area", "floor area m", "floor area sqm", "gia", "gia m2",
                           "gross internal area", "gross internal area m2", "BuildingSize", "building size",
                           "building size m2", "building size sqm", "building area"),
    "site_area_m2": _keys("site area m2", "site area", "site area m", "site area sqm", "LandArea", "land area",
                          "land area m2", "land area sqm", "site area ha", "site area hectares", "land area ha",
                          "land area hectares", "hectares", "area ha", "area hectares", "area"),
    "market_value_gbp": _keys("market value gbp", "market value", "estimated market value", "value",
                              "estimated value", "valuation", "market value £"),
    "effective_date": _keys("EffectiveDate", "effective date", "entry date", "date of data", "data date",
                            "as at date", "as at"),
}
# Coordinates: in pairs; the ambiguous pair may hold either system (decided by --crs, a CRS column or the numbers).
LON_ALIASES = _keys("longitude", "lon", "long", "lng", "wgs84 longitude")
LAT_ALIASES = _keys("latitude", "lat", "wgs84 latitude")
EASTING_ALIASES = _keys("easting", "eastings", "east", "x bng", "bng x", "os easting", "grid easting",
                        "os x", "osgb easting", "x coordinate bng")
NORTHING_ALIASES = _keys("northing", "northings", "north", "y bng", "bng y", "os northing", "grid northing",
                         "os y", "osgb northing", "y coordinate bng")
AMBIGUOUS_X = _keys("x", "GeoX", "geo x", "x coordinate", "x co-ordinate", "xcoord", "x coord", "map x")
AMBIGUOUS_Y = _keys("y", "GeoY", "geo y", "y coordinate", "y co-ordinate", "ycoord", "y coord", "map y")
CRS_ALIASES = _keys("CoordinateReferenceSystem", "coordinate reference system", "crs", "coordinate system",
                    "srs", "spatial reference", "srid", "epsg")
WKT_POINT_ALIASES = _keys("point", "wkt point")
WKT_GEOMETRY_ALIASES = _keys("geometry", "wkt", "geom", "the geom", "shape")
LAT_LON_PAIR_ALIASES = _keys("location", "lat lon", "latlon", "lat long", "coordinates", "lat lng")

# What a mapping file may name as a column's field.
MAPPABLE = (set(FIELD_ALIASES) | {"longitude", "latitude", "easting", "northing", "x", "y", "crs", "point",
                                   "geometry", "location", "extra"})

_ALIAS_TO_FIELD: dict[str, str] = {}
for _field, _aliases in FIELD_ALIASES.items():
    for _alias in _aliases:
        _ALIAS_TO_FIELD.setdefault(_alias, _field)
_COORDINATE_ALIASES = {
    **{a: "longitude" for a in LON_ALIASES}, **{a: "latitude" for a in LAT_ALIASES},
    **{a: "easting" for a in EASTING_ALIASES}, **{a: "northing" for a in NORTHING_ALIASES},
    **{a: "x" for a in AMBIGUOUS_X}, **{a: "y" for a in AMBIGUOUS_Y}, **{a: "crs" for a in CRS_ALIASES},
    **{a: "point" for a in WKT_POINT_ALIASES}, **{a: "geometry" for a in WKT_GEOMETRY_ALIASES},
    **{a: "location" for a in LAT_LON_PAIR_ALIASES},
}


def field_of(header: str) -> str | None:
    """The field (or coordinate) a header names by the standard names, if any."""
    key = header_key(header)
    return _ALIAS_TO_FIELD.get(key) or _COORDINATE_ALIASES.get(key)


@dataclass
class ColumnMap:
    """Which column (by index) holds which field, and what is left over."""

    headers: list[str]
    fields: dict[str, int] = field(default_factory=dict)  # asset field -> column index
    authority_columns: list[int] = field(default_factory=list)  # every column that may name the owner
    coordinates: dict[str, int] = field(default_factory=dict)  # longitude/latitude/easting/... -> index
    extra: list[int] = field(default_factory=list)  # unmapped, non-empty headers: kept with the row
    area_factors: dict[str, float] = field(default_factory=dict)  # area field -> multiplier to m²

    def label(self, name: str) -> str:
        """The file's own name for a field (or the field's name when the file has no such column)."""
        index = self.fields.get(name, self.coordinates.get(name))
        return self.headers[index] if index is not None else name

    @property
    def present_fields(self) -> set[str]:
        present = set(self.fields)
        if self.authority_columns:
            present.add("authority_code")
        return present

    @property
    def unmapped(self) -> list[str]:
        return [self.headers[i] for i in self.extra]


def area_factor(header: str) -> float:
    """Square metres per unit of an area column, from its header: hectares, acres, sq ft, else m²."""
    text = unicodedata.normalize("NFKC", str(header)).lower()
    words = re.findall(r"[a-z0-9²]+", text)
    if "hectare" in text or "hectares" in words or "ha" in words:
        return 10_000.0
    if "acre" in text:
        return 4_046.8564224
    if re.search(r"sq\.?\s*ft|square\s*f(ee|oo)t|sqft|ft²|ft2", text):
        return 0.09290304
    return 1.0


def map_columns(headers: list[str], overrides: dict[str, str] | None = None) -> ColumnMap:
    """The file's headers -> fields: the mapping file first, then the standard names (first column wins)."""
    overrides = {header_key(k): v for k, v in (overrides or {}).items()}
    result = ColumnMap(headers=list(headers))
    taken: set[str] = set()
    pending = []
    for index, header in enumerate(headers):
        key = header_key(header)
        target = overrides.get(key)
        if target is None and key in overrides:
            target = "extra"
        if target is None:
            pending.append((index, key))
            continue
        _assign(result, index, target, taken)
    # Standard names: where several columns could be a field, the most specific name wins (AssetCode
    # before id), then the leftmost column.
    candidates: dict[str, list[tuple[int, int]]] = {}
    for index, key in pending:
        target = _ALIAS_TO_FIELD.get(key) or _COORDINATE_ALIASES.get(key)
        if target == "authority_code":
            result.authority_columns.append(index)
        elif target and target not in taken:
            candidates.setdefault(target, []).append((_rank(target, key), index))
        elif key:
            result.extra.append(index)
    for target, options in candidates.items():
        options.sort()
        _assign(result, options[0][1], target, taken)
        result.extra.extend(index for _, index in options[1:])
    # The authority's columns in order of how surely they name it: codes, URIs, then names.
    order = {a: n for n, a in enumerate(FIELD_ALIASES["authority_code"])}
    result.authority_columns.sort(key=lambda i: order.get(header_key(headers[i]), -1))
    for name in ("floor_area_m2", "site_area_m2"):
        if name in result.fields:
            result.area_factors[name] = area_factor(headers[result.fields[name]])
    result.extra.sort()
    return result


def _rank(target: str, key: str) -> int:
    aliases = FIELD_ALIASES.get(target)
    if aliases is None:
        return 0
    return aliases.index(key) if key in aliases else len(aliases)


def _assign(result: ColumnMap, index: int, target: str, taken: set[str]) -> None:
    if target == "extra" or target in taken:
        result.extra.append(index)
        return
    taken.add(target)
    if target == "authority_code":
        result.authority_columns.insert(0, index)
    elif target in FIELD_ALIASES:
        result.fields[target] = index
    else:
        result.coordinates[target] = index


# ------------------------------------------------------------------ the mapping file


class MappingError(ValueError):
    pass


def parse_mapping(text: str, suffix: str) -> dict[str, str]:
    """A column -> field map from CSV (two columns), JSON or YAML (an object); field names checked."""
    suffix = suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as error:
                raise MappingError(f"The mapping file cannot be read as YAML: {error}.") from None
        else:
            rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
            if rows and {header_key(c) for c in rows[0][:2]} <= {"column", "field", "header", "source", "target"}:
                rows = rows[1:]
            if any(len(r) < 2 for r in rows):
                raise MappingError("Each line of a CSV mapping must be: the file's column, the field.")
            data = {r[0].strip(): r[1].strip() for r in rows}
    except (json.JSONDecodeError, ValueError) as error:
        if isinstance(error, MappingError):
            raise
        raise MappingError(f"The mapping file cannot be read: {error}.") from None
    if not isinstance(data, dict):
        raise MappingError("The mapping must map each column name to a field name.")
    mapping = {}
    for column, target in data.items():
        target = "extra" if target in (None, "") else header_key(target) if header_key(target) == "extra" else \
            str(target).strip()
        normal = _FIELD_BY_KEY.get(header_key(target))
        if normal is None:
            raise MappingError(f"The mapping sends {column!r} to {target!r}, which is not a field: use one of "
                               + ", ".join(sorted(MAPPABLE)) + ".")
        mapping[str(column)] = normal
    return mapping


_FIELD_BY_KEY = {header_key(name): name for name in MAPPABLE}


def load_mapping(path: Path | str) -> dict[str, str]:
    path = Path(path)
    return parse_mapping(path.read_text(encoding="utf-8-sig"), path.suffix)


# ------------------------------------------------------------------ values

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009\u200a\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\ufffd]")


def clean_text(value) -> str:
    """Trimmed, non-breaking and odd spaces made plain, runs of space collapsed (line breaks too)."""
    if value is None:
        return ""
    if type(value) is str and value.isascii() and value.isprintable():  # the common case, fast
        value = value.strip()
        if "  " not in value:
            return value
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", str(value)))
    return _SPACES.sub(" ", text).strip()


def parse_number(value, *, decimal_comma: bool = False) -> float | None:
    """'1,234.5' / '1.234,5' / '1 234,5' / '£450,000' / '415,05' -> a float; None for blank; ValueError if not."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if type(value) is str and "," not in value and value.isascii():
        plain = value.strip()
        if plain and (plain[0].isdigit() or plain[0] in "-.") and plain[-1].isdigit() and "_" not in plain:
            try:
                return float(plain)
            except ValueError:
                pass
    text = clean_text(value).replace(" ", "").replace("'", "")
    text = re.sub(r"^[£$€]|(m2|m²|sqm|ha|hectares|acres?)$", "", text, flags=re.IGNORECASE)
    if text in ("", "-", "n/a", "N/A", "NA", "na"):
        return None
    negative = text.startswith("-")
    text = text.lstrip("+-")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):  # 1.234,56
            text = text.replace(".", "").replace(",", ".")
        else:  # 1,234.56
            text = text.replace(",", "")
    elif "," in text:
        groups = text.split(",")
        thousands = len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
        if decimal_comma and len(groups) == 2 or not thousands:
            if len(groups) != 2:
                raise ValueError(value)
            text = text.replace(",", ".")
        else:
            text = text.replace(",", "")
    if not re.fullmatch(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ValueError(value)
    number = float(text)
    return -number if negative else number


def number_text(number: float) -> str:
    """A float as validate_record's decimal parser reads it, without float noise."""
    return format(round(number, 6), "f").rstrip("0").rstrip(".") if number != int(number) else str(int(number))


HOLDING_TYPES = {"land": "Land", "building": "Building", "land_and_building": "Land and building"}


def holding_type(value) -> str | None:
    """'Land and Building', 'Land/Buildings', 'Buildings', 'LAND' -> land_and_building / building / land."""
    text = clean_text(value).lower()
    if not text:
        return None
    land = bool(re.search(r"\bland\b", text))
    building = bool(re.search(r"\bbuild(ing)?s?\b|\bproperty\b|\bpremises\b", text))
    if land and building:
        return "land_and_building"
    if building and re.fullmatch(r"(the\s+)?(building|buildings|property|premises)", text):
        return "building"
    if land and re.fullmatch(r"(the\s+)?land( only)?", text):
        return "land"
    return None


# Keyword rules for asset types, tried in order on the council's label (then on the asset's name).
TYPE_RULES: list[tuple[str, re.Pattern]] = [(code, re.compile(pattern, re.IGNORECASE)) for code, pattern in [
    ("library", r"\blibrar(y|ies)\b"),
    ("church_hall", r"\bchurch\s+hall"),
    ("youth_centre", r"\byouth\s+(centre|center|club|hub)"),
    ("community_centre", (r"\b(community|village|neighbourhood|neighborhood|parish)\s+(centre|center|hall|hub|"
                         r"building|house|room)s?\b|\bcommunity\s+hubs?\b")),
    ("swimming_pool", r"\bswimming\b|\b(pool|baths|lido)s?\b"),
    ("park_pavilion", r"\bpavilions?\b"),
    ("public_toilet", r"\btoilets?\b|\bconv[ei]{1,2}n[ei]{1,2}nces?\b|\bw\.?c\.?s?\b"),
    ("car_park", r"\bcar\s*parks?\b|\bparking\b|\bmulti[-\s]?stor(e)?y\b"),
    ("museum", r"\bmuseums?\b|\bgaller(y|ies)\b|\bheritage\s+centre"),
    ("public_house", r"\bpublic\s+houses?\b|\bpubs?\b|\binns?\b|\btaverns?\b"),
    ("former_school", r"\b(former|old|closed|disused)\s+(\w+\s+)?schools?\b"),
    ("depot", r"\bdepots?\b|\bworkshops?\b|\bworks\s+yard|\bstores?\s+yard"),
    ("office", r"\boffices?\b|\bcivic\s+(centre|center)\b|\btown\s+hall\b|\bcouncil\s+house\b"),
    ("sports_ground", (r"\bsports?\s+(ground|field|pitch|club|centre)s?\b|\bplaying\s+fields?\b|"
                      r"\brecreation\s+grounds?\b|\bbowling\s+greens?\b|\bstadium\b|\bcricket\b|\bfootball\b")),
    ("land", (r"\bopen\s+spaces?\b|\bparks?\b|\bgardens?\b|\bgreens?\b|\bcommons?\b|\bwoodlands?\b|"
             r"\bverges?\b|\bamenity\s+land\b|\bgrazing\b|\bfarm\s*land\b|\bvacant\s+land\b|\bplots?\b")),
    ("allotments", r"\ballot+ments?\b"),
    ("land", r"^\s*land\s*$|^\s*land\s+(only|parcel|site)s?\s*$|\bundeveloped\s+land\b"),
]]
_VOCABULARY_BY_KEY = {header_key(code): code for code in ASSET_TYPES} | \
    {header_key(label): code for code, label in ASSET_TYPES.items()}


def asset_type(label, name=None, holding: str | None = None) -> tuple[str, str | None]:
    """(our type, the council's own label to keep): vocabulary first, then keyword rules, else `other`."""
    text = clean_text(label)
    exact = _VOCABULARY_BY_KEY.get(header_key(text)) if text else None
    if exact:
        return exact, None
    for candidate in (text, clean_text(name)):
        if not candidate:
            continue
        for code, pattern in TYPE_RULES:
            if pattern.search(candidate):
                return code, text or None
    if holding == "land":
        return "land", text or None
    return "other", text or None


def merge_case_variants(values: list[str | None], counts: Counter | None = None) -> list[str | None]:
    """Values that differ only in case or spacing become the file's most common spelling of them.

    `counts`: how often the file has each value, when `values` are only some of its rows.
    """
    best = case_variant_choices(Counter(v for v in values if v) if counts is None else counts)
    return [best[" ".join(v.split()).casefold()] if v else v for v in values]


def case_variant_choices(counts: Counter) -> dict[str, str]:
    """Each spelling key (case and spacing folded) -> the most common value with that key (ties: the greater)."""
    best: dict[str, tuple[int, str]] = {}
    for value, count in counts.items():
        key = " ".join(value.split()).casefold()
        if key not in best or (count, value) > best[key]:
            best[key] = (count, value)
    return {key: value for key, (_, value) in best.items()}

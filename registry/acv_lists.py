"""A council's list of assets of community value, imported into the register (issue 10 item 10).

`import_list` takes a council's own file (CSV, TSV, XLSX or ODS: the readers of `registry.imports`), in
its own columns (Camden's `Property name and address`, `Nominated By`, `Date Nomination Received`, …;
Stockport's `status`, `full_moratorium_end_date`, …; see `COLUMNS`), listed and unsuccessful entries
alike. Each row

1. is matched to an asset already in the register: by UPRN, by the council's reference, or by a point
   within 25 m whose name is similar (pg_trgm's `similarity` when the extension is installed, else
   difflib); otherwise an asset is created through `assets.create` (at the row's coordinates; without
   them, at the centre of the postcode its address gives, marked approximate as issue 10 item 6 says), or,
   with no location at all, the case has no asset;
2. becomes a case in its recorded state, made through the workflow engine with the council's dates as
   the steps' effective dates: `record_nomination`, `begin_validation`, then `accept_nomination` and
   `list` or `decline`, or `reject_nomination`; a disposal notice opens a moratorium case
   (`receive_notice`) and a group that triggered the full moratorium is a `request_to_bid`; the periods
   that have ended are then closed by the clock's own steps, dated the day after they ended;
3. keeps the council's reference exactly as written (`CAMACV17 (2nd moratorium)`), which the
   planning.data CSV publishes as `reference`.

Dates the council gives win over the ones the engine computes (listing expiry, interim and full
moratorium and protected period ends): the deadline row takes the council's date and the report lists
every difference. A council date before its period began cannot be right (a typed year: Oxford's list
ends a full moratorium that began on 20/08/2015 on "20/02/2015"): it is not used, and the report says so. Facts the engine needs that a list does not give (the owner notice date, the kind of
disposal, the date of the request to bid) are assumed as stated in the report. Columns it cannot map
are reported. A nominator who is a person is kept private (`nominator_name`); only a name recognised
as an organisation's is published as the nominating group.

It writes all rows or none: any row it cannot read, or a step the engine refuses, leaves the database
as it was and is reported with its spreadsheet row. It flushes; the CLI (or the page) commits.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, text

from . import assets, db
from .errors import Conflict, InvalidInput, TransitionRefused
from .imports import mapping, reading
from .imports.report import FileProblem
from .workflow import cases, engine
from .workflow.cases import Case, Deadline

MATCH_METRES = 25
TRIGRAM_SIMILAR = 0.3  # pg_trgm similarity of two names that are the same place's
DIFFLIB_SIMILAR = 0.85  # the fallback: difflib's ratio (spelling variants) …
SHARED_WORDS_SIMILAR = 0.5  # … or the share of words the two names have in common
_NAME_STOPWORDS = {"the", "and", "of", "at", "a"}

#: Our field -> the council headers it is read from (compared as `mapping.header_key` does).
COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("Reference", "Ref", "ACV Reference", "ACV Ref", "Reference Number", "ACV Number", "ID"),
    "name_address": ("Property name and address", "Name and address", "Asset name and address"),
    "name": ("Name", "Asset Name", "Property Name", "Asset", "Site Name", "Name of Asset"),
    "address": ("Address", "Asset Address", "Property Address", "Site Address", "Address of Asset"),
    "postcode": ("Postcode", "Post Code"),
    "uprn": ("UPRN",),
    "nominator": ("Nominated By", "Nominating Organisation", "Nominating Group", "Nominator",
                  "Nominating Body", "nominating-group"),
    "nomination_date": ("Date Nomination Received", "Nomination Date", "Date Nominated", "Date Received",
                        "Date nomination requested", "nomination-date"),
    "status": ("Status",),
    "decision": ("Decision", "Outcome"),
    "decision_date": ("Decision Date", "Date of Decision", "Date Listed", "Listing Date", "Date Added To List",
                      "decision-date"),
    "reasons": ("Decision Rationale", "Reasons", "Reason For Decision"),
    "unsuccessful_reason": ("Reason For Unsuccessful Nomination", "Reason Not Listed", "Reason Unsuccessful"),
    "expiry_date": ("Listing Expiry Date", "Expiry Date", "Date Listing Expires", "Date Listing Ends",
                    "expiry-date"),
    "notice_date": ("Notice To Dispose Received By Council Date", "Notification Of Intention To Sell Received",
                    "Notice Of Intention To Dispose", "Date Notice Received",
                    "Date owner announced intention to dispose", "notification-to-sell-date"),
    "interested_group": ("Community Group Which Triggered Full Moratorium", "Name Of Community Interest Group",
                         "Interested Group", "interested-group"),
    # Oxford's "Date full moratorium triggered": a written request to be treated as a bidder is what triggers it.
    "request_date": ("Intention To Bid Received", "Date Request To Bid Received", "Request To Bid Received",
                     "Date full moratorium triggered"),
    "interim_end": ("Interim Moratorium Period", "Interim Moratorium End Date", "Interim Moratorium Ends",
                    "Date interim moratorium will end"),
    "full_end": ("Full Moratorium End Date", "Full Moratorium Ends", "full_moratorium_end_date",
                 "Date full moratorium will end"),
    "protected_end": ("Protection Period End Date", "Protected Period End Date", "protection_period_end_date",
                      "End of protected period"),
    "location": ("Location", "Lat Lon", "Coordinates", "point"),
    "latitude": ("Latitude", "Lat"),
    "longitude": ("Longitude", "Lon", "Long", "Lng"),
    "description": ("Description", "description"),
}
_FIELD_BY_KEY = {mapping.header_key(h): f for f, headers in COLUMNS.items() for h in headers}

#: Which engine deadline each council date overrides, with its label for the report.
COUNCIL_DATES = {
    "expiry_date": ("acv_listing_expires", "listing expiry date"),
    "interim_end": ("acv_interim_moratorium_end", "interim moratorium end"),
    "full_end": ("acv_full_moratorium_end", "full moratorium end"),
    "protected_end": ("acv_protected_period_end", "protected period end"),
}


# ------------------------------------------------------------------ pure helpers (table-tested)


_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}")


def parse_date_text(value) -> date | None:
    """A council's date: `2014-03-05`, `05/03/2014` (day first, as UK lists write it), `5 March 2014`.

    None for an empty cell; ValueError for text that is not a date. A period (`01/02/2020 - 14/03/2020`)
    gives its last date.
    """
    text = mapping.clean_text(value)
    if not text:
        return None
    found = _DATE_TEXT.findall(text)
    if not found:
        raise ValueError(text)
    last = found[-1]
    try:
        return date.fromisoformat(last)
    except ValueError:
        pass
    from dateutil import parser

    try:
        parsed = parser.parse(last, dayfirst=True).date()
    except (ValueError, OverflowError):
        raise ValueError(text) from None
    if parsed.year < 1900:
        raise ValueError(text)
    return parsed


_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"^\(?\s*({_NUMBER})\s*[,; ]\s*({_NUMBER})\s*\)?$")
_WKT_POINT = re.compile(rf"^POINT\s*\(\s*({_NUMBER})\s+({_NUMBER})\s*\)$", re.IGNORECASE)


def parse_location(value) -> tuple[float, float] | None:
    """(lon, lat) from Camden's `(lat, lon)`, or from WKT `POINT (lon lat)`. None when empty; ValueError when
    it is not a point in the UK."""
    text = mapping.clean_text(value)
    if not text:
        return None
    wkt = _WKT_POINT.match(text)
    if wkt:
        lon, lat = float(wkt.group(1)), float(wkt.group(2))
    else:
        pair = _PAIR.match(text)
        if not pair:
            raise ValueError(text)
        lat, lon = float(pair.group(1)), float(pair.group(2))
    if not (49 <= lat <= 61.5 and -9 <= lon <= 2.5):
        raise ValueError(text)
    return lon, lat


_POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b")


def postcode_in(value) -> str | None:
    """The last full postcode written in an address (`16 Glebelands, Oxford, OX3 7EN` -> `OX3 7EN`). Pure."""
    found = _POSTCODE_IN_TEXT.findall(mapping.clean_text(value).upper())
    return f"{found[-1][0]} {found[-1][1]}" if found else None


def split_name_address(value: str) -> tuple[str, str | None]:
    """Camden's `Property name and address` as (name, address): the name is the part before the first comma."""
    text = mapping.clean_text(value)
    if "," not in text:
        return text, None
    name, rest = text.split(",", 1)
    return name.strip(), rest.strip() or None


_ORGANISATION_WORDS = re.compile(
    r"\b(society|association|assoc|forum|trust|council|club|group|groups|cic|ltd|limited|plc|llp|friends|"
    r"residents|tenants|church|charity|charitable|community|communities|campaign|network|partnership|"
    r"federation|committee|alliance|union|league|co-?operative|co-?op|foundation|camra|action|centre|center|"
    r"institute|guild|coalition|collective|project|parish|neighbourhood|neighborhood|cooperative|mosque|"
    r"synagogue|temple|school|college|university|academy|supporters|members|users|watch|heritage|"
    r"conservation|preservation|amenity|village|town|hall|board|organisation|organization|company|"
    r"incorporated|inc|cio|scio|bencom)\b", re.IGNORECASE)


def is_organisation_name(name: str | None) -> bool:
    """Whether a nominator's name is recognised as an organisation's (published) rather than maybe a person's
    (kept private). Unsure means private: a person's name is never published. Pure."""
    text = mapping.clean_text(name)
    if not text:
        return False
    if _ORGANISATION_WORDS.search(text):
        return True
    letters = re.sub(r"[^A-Za-z]", "", text)
    return len(letters) >= 3 and text.upper() == text and " " not in text.strip()  # an acronym: CAMRA, KTNF


_INVALID_PATTERNS = (
    ("not_eligible", re.compile(r"eligib|not a (valid|qualifying) (body|group)|local connection|fewer than 21|"
                                r"not (a )?constituted|invalid nominat", re.IGNORECASE)),
    ("outside_area", re.compile(r"outside (the )?(borough|district|council|area)|not in (the )?borough",
                                re.IGNORECASE)),
    ("incomplete", re.compile(r"incomplete|insufficient information|missing information|not complete",
                              re.IGNORECASE)),
    ("land_not_identified", re.compile(r"not (properly )?identified|boundar(y|ies) (unclear|not)", re.IGNORECASE)),
)
_EXCLUDED = re.compile(r"residen|dwelling|caravan|statutory undertak|excluded", re.IGNORECASE)


def unsuccessful_step(reason: str | None) -> tuple[str, str, str]:
    """(engine action, its reason field, the code) for an unsuccessful nomination's stated reason. Pure.

    An invalid nomination (not eligible, outside the area, incomplete) is `reject_nomination`; any other
    refusal is `decline`: excluded land (Sch 1) when the reason says so, else not of community value.
    """
    text = reason or ""
    for code, pattern in _INVALID_PATTERNS:
        if pattern.search(text):
            return "reject_nomination", "invalid_reason", code
    if _EXCLUDED.search(text):
        return "decline", "decline_reason", "excluded_land"
    return "decline", "decline_reason", "not_community_value"


_UNSUCCESSFUL = re.compile(r"unsuccess|not listed|not\s+accepted|rejected|refused|declined|invalid", re.IGNORECASE)
_SUCCESSFUL = re.compile(r"\blisted\b|success|accepted|approved|moratorium|on (the )?list", re.IGNORECASE)
_PENDING = re.compile(r"pending|under consideration|awaiting|received|nominated", re.IGNORECASE)


def decision_of(status: str | None, decision: str | None, unsuccessful_reason: str | None) -> str | None:
    """`successful`, `unsuccessful` or None (not decided yet) from what the council's row says. Pure.

    A row with a reason for an unsuccessful nomination is unsuccessful; a row on a list with neither a status
    nor a decision is a listing (councils publish the two lists).
    """
    if mapping.clean_text(unsuccessful_reason):
        return "unsuccessful"
    for value in (decision, status):
        text = mapping.clean_text(value)
        if not text:
            continue
        if _UNSUCCESSFUL.search(text):
            return "unsuccessful"
        if _SUCCESSFUL.search(text):
            return "successful"
        if _PENDING.search(text):
            return None
    return "successful"


def map_headers(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """({our field: column index}, the headers it cannot map). The first column for a field wins. Pure."""
    found: dict[str, int] = {}
    unmapped = []
    for index, header in enumerate(headers):
        name = _FIELD_BY_KEY.get(mapping.header_key(header))
        if name is None or name in found:
            if header.strip():
                unmapped.append(header)
            continue
        found[name] = index
    return found, unmapped


# ------------------------------------------------------------------ the report


@dataclass
class DateDifference:
    reference: str
    what: str
    council: date
    computed: date

    def words(self) -> str:
        return (f"the council's {self.what} is {self.council.isoformat()}, the computed one "
                f"{self.computed.isoformat()}; the council's date is used.")

    def line(self) -> str:
        return f"{self.reference}: {self.words()}"


@dataclass
class ImportReport:
    path: str
    authority_code: str
    dry_run: bool = False
    rows: int = 0
    cases_created: list[str] = field(default_factory=list)  # council references
    unchanged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # a decision or a disposal notice added to an earlier import
    assets_created: list[str] = field(default_factory=list)
    placed_at_postcode: dict[str, str] = field(default_factory=dict)  # council reference -> postcode (approximate)
    matched: dict[str, str] = field(default_factory=dict)  # council reference -> how (uprn, reference, nearby)
    without_asset: list[str] = field(default_factory=list)
    moratoria_created: list[str] = field(default_factory=list)
    date_differences: list[DateDifference] = field(default_factory=list)
    dates_not_used: list[str] = field(default_factory=list)  # a council date that cannot be right
    assumptions: list[str] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    private_nominators: int = 0
    written: bool = False
    case_ids: set[int] = field(default_factory=set, repr=False)
    row_numbers: dict[str, int] = field(default_factory=dict)  # council reference -> its spreadsheet row

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "new cases": len(self.cases_created), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "moratoria": len(self.moratoria_created),
                "new assets": len(self.assets_created), "problems": len(self.problems)}

    def row_report(self) -> list[dict]:
        """One line per entry (and per problem) for the import's CSV, as an asset import's report has them."""
        notes: dict[str, list[str]] = {}
        for reference, how in self.matched.items():
            notes.setdefault(reference, []).append(f"matched to an asset in the register by {how}")
        for reference in self.assets_created:
            where = self.placed_at_postcode.get(reference)
            notes.setdefault(reference, []).append(
                f"new asset at the centre of {where} (approximate)" if where else "new asset")
        for reference in self.without_asset:
            notes.setdefault(reference, []).append("no location: the case has no asset")
        for difference in self.date_differences:
            notes.setdefault(difference.reference, []).append(difference.words())
        for line in self.dates_not_used:
            reference, _, rest = line.partition(": ")
            notes.setdefault(reference, []).append(rest)
        outcomes = ([(r, "new case") for r in self.cases_created] + [(r, "updated") for r in self.updated]
                    + [(r, "unchanged") for r in self.unchanged])
        rows = [{"row": self.row_numbers.get(reference), "reference": reference, "outcome": outcome,
                 "message": "; ".join(notes.get(reference, []))} for reference, outcome in outcomes]
        rows += [{"row": None, "reference": None, "outcome": "problem", "message": problem}
                 for problem in self.problems]
        return sorted(rows, key=lambda r: (r["row"] is None, r["row"] or 0))

    def lines(self) -> list[str]:
        verb = "Would import" if self.dry_run else "Imported"
        out = []
        if self.problems:
            out.append(f"Nothing was written: {len(self.problems)} problem(s) in {self.path}.")
            out.extend(f"  {p}" for p in self.problems)
        else:
            out.append(f"{verb} {self.rows} row(s) for {self.authority_code}: {len(self.cases_created)} new case(s), "
                       f"{len(self.unchanged)} already in the register (unchanged), {len(self.updated)} updated, "
                       f"{len(self.moratoria_created)} moratorium case(s), {len(self.assets_created)} new asset(s), "
                       f"{len(self.matched)} matched to existing assets, {len(self.without_asset)} without a "
                       "location or asset.")
        if self.placed_at_postcode:
            out.append("No coordinates: placed at the centre of the postcode in the address (approximate, "
                       "left out of radius searches): " + "; ".join(f"{r} at {p}" for r, p in
                                                             self.placed_at_postcode.items()))
        if self.matched:
            out.append("Matched: " + "; ".join(f"{r} by {how}" for r, how in self.matched.items()))
        if self.date_differences:
            out.append(f"Council dates that differ from the computed ones ({len(self.date_differences)}):")
            out.extend(f"  {d.line()}" for d in self.date_differences)
        if self.dates_not_used:
            out.append(f"Council dates not used ({len(self.dates_not_used)}): the computed date stands:")
            out.extend(f"  {line}" for line in self.dates_not_used)
        if self.assumptions:
            out.append("Assumed (the list does not say):")
            out.extend(f"  {a}" for a in self.assumptions)
        if self.private_nominators:
            out.append(f"{self.private_nominators} nominator name(s) may be a person's: kept private, not published.")
        if self.unmapped_columns:
            out.append("Columns not mapped (not imported): " + ", ".join(self.unmapped_columns))
        return out


# ------------------------------------------------------------------ who records it


class ListImporter:
    """The actor that enters a council's published decisions: an officer of that council (or the CLI).

    It records the council's own validation and decisions (``records_published_decisions``), so the
    engine's eligibility checks, which need facts a list does not give, are not run again.
    """

    records_published_decisions = True
    organisation_ids = frozenset()

    def __init__(self, authority_code: str, user=None):
        self.authority_code = authority_code
        self.user = user
        self.id = getattr(user, "id", None)
        self.roles = frozenset({"council_officer", "council_decision_maker"})
        self.display_name = getattr(user, "display_name", None) or "Import of the council's list"


# ------------------------------------------------------------------ reading


@dataclass
class Row:
    number: int  # spreadsheet row
    values: dict

    def get(self, name: str) -> str:
        return self.values.get(name) or ""


def read_rows(path: Path) -> tuple[list[Row], list[str], list[str]]:
    """(rows, unmapped headers, problems) of a council's file; the council's reference exactly as written."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
            table = reading.read_spreadsheet(path)
        else:
            content, encoding = reading.decode(path.read_bytes())
            table = reading.read_text_table(content, encoding)
    except FileProblem as problem:
        return [], [], [str(problem)]
    except OSError as error:
        return [], [], [f"The file cannot be read: {error.strerror or error}."]
    columns, unmapped = map_headers(table.headers)
    problems = []
    if "reference" not in columns:
        problems.append("The file has no reference column (for example 'Reference'): each entry needs the "
                        "council's own reference.")
    if "name" not in columns and "name_address" not in columns:
        problems.append("The file has no name column (for example 'Property name and address').")
    rows = []
    for cells, number in zip(table.rows, table.numbers, strict=True):
        values = {}
        for name, index in columns.items():
            raw = cells[index] if index < len(cells) else ""
            # The reference is kept byte for byte (only the spaces around it trimmed); the rest is cleaned.
            values[name] = str(raw).strip() if name == "reference" else mapping.clean_text(raw)
        rows.append(Row(number, values))
    return rows, unmapped, problems


# ------------------------------------------------------------------ matching


def _trigram_available() -> bool:
    return bool(db.session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar())


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", (name or "").lower().replace("&", " and ")).split())


def names_similar(a: str, b: str) -> bool:
    """The fallback when pg_trgm is not installed: half their words shared, or nearly the same spelling. Pure."""
    left, right = _name_key(a), _name_key(b)
    if not left or not right:
        return False
    words_a, words_b = set(left.split()) - _NAME_STOPWORDS, set(right.split()) - _NAME_STOPWORDS
    shared = len(words_a & words_b) / len(words_a | words_b) if words_a | words_b else 0
    return shared >= SHARED_WORDS_SIMILAR or difflib.SequenceMatcher(None, left, right).ratio() >= DIFFLIB_SIMILAR


def match_asset(authority_code: str, *, uprn: int | None, reference: str, name: str,
                point: tuple[float, float] | None) -> tuple[int | None, str | None]:
    """(asset id, how it matched): by UPRN, by the council's reference, or within 25 m with a similar name."""
    if uprn is not None:
        found = db.session.execute(text(
            "SELECT id FROM asset WHERE authority_code = :a AND uprn = :u ORDER BY id LIMIT 1"),
            {"a": authority_code, "u": uprn}).scalar()
        if found is not None:
            return found, "UPRN"
    found = db.session.execute(text(
        "SELECT id FROM asset WHERE authority_code = :a AND reference = :r"),
        {"a": authority_code, "r": reference}).scalar()
    if found is not None:
        return found, "reference"
    if point is None:
        return None, None
    params = {"a": authority_code, "lon": point[0], "lat": point[1], "m": MATCH_METRES, "name": name}
    near = """FROM asset WHERE authority_code = :a AND ST_DWithin(point::geography,
                   ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :m)"""
    if _trigram_available():
        found = db.session.execute(text(
            f"SELECT id {near} AND similarity(lower(name), lower(:name)) >= :s "
            "ORDER BY similarity(lower(name), lower(:name)) DESC, id LIMIT 1"),
            {**params, "s": TRIGRAM_SIMILAR}).scalar()
        return (found, f"a point within {MATCH_METRES} m with a similar name") if found else (None, None)
    candidates = db.session.execute(text(
        f"SELECT id, name {near} ORDER BY ST_Distance(point::geography, "
        "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography), id"), params).all()
    for candidate in candidates:
        if names_similar(candidate.name, name):
            return candidate.id, f"a point within {MATCH_METRES} m with a similar name"
    return None, None


# ------------------------------------------------------------------ import


def find_imported_case(authority_code: str, council_reference: str) -> Case | None:
    return db.session.scalar(select(Case).where(
        Case.process == "acv", Case.authority_code == authority_code,
        Case.data["council_reference"].astext == council_reference).order_by(Case.id).limit(1))


def _dates(row: Row, report: ImportReport) -> dict[str, date | None] | None:
    out: dict[str, date | None] = {}
    bad = []
    for name in ("nomination_date", "decision_date", "expiry_date", "notice_date", "request_date", "interim_end",
                 "full_end", "protected_end"):
        try:
            out[name] = parse_date_text(row.get(name))
        except ValueError:
            bad.append(f"{name.replace('_', ' ')} {row.get(name)!r}")
    if bad:
        report.problems.append(f"Row {row.number}: not a date: {'; '.join(bad)} (write 05/03/2014 or 2014-03-05).")
        return None
    return out


def _override(case: Case, key: str, council: date | None, reference: str, report: ImportReport) -> None:
    """The council's date wins over the engine's: the deadline row takes it, and a difference is reported."""
    if council is None:
        return
    rule_code, label = COUNCIL_DATES[key]
    row = db.session.scalar(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == rule_code, Deadline.status != "superseded")
        .order_by(Deadline.anchor_date.desc(), Deadline.id.desc()).limit(1))
    if row is None:
        return
    if council < row.anchor_date:  # e.g. Oxford's "20/02/2015" for a moratorium that began on 20/08/2015
        report.dates_not_used.append(
            f"{reference}: the council's {label} {council.isoformat()} is before the period began "
            f"({row.anchor_date.isoformat()}); the computed {row.due_date.isoformat()} is kept.")
        return
    if row.due_date != council:
        report.date_differences.append(DateDifference(reference, label, council, row.due_date))
        differences = dict(case.data.get("council_dates") or {})
        differences[rule_code] = {"council": council.isoformat(), "computed": row.due_date.isoformat()}
        case.data = {**case.data, "council_dates": differences}
        row.due_date = council
        db.session.flush()


#: The clock's steps an import takes for periods already over, and the period each one waits for.
CATCH_UP_RULES = {"expire": "acv_listing_expires", "end_interim": "acv_interim_moratorium_end",
                  "end_full": "acv_full_moratorium_end", "expire_protected": "acv_protected_period_end"}


def _catch_up(case: Case, actions: tuple[str, ...], today: date) -> None:
    """Take the clock's own steps for periods already over, each dated the day after its period ended."""
    for _ in range(len(actions)):
        process = engine.get_process(case.process)
        for action in actions:
            step = process.get(action)
            if case.state not in step.from_states:
                continue
            rows = cases.open_deadlines(case)
            rule = CATCH_UP_RULES[action]
            due = rows[rule].effective_due if rule in rows else None
            if due is None or due >= today:
                continue
            try:
                engine.transition(case.id, action, engine.SYSTEM,
                                  {"effective_date": (due + timedelta(days=1)).isoformat()}, today)
            except TransitionRefused:
                continue
            break
        else:
            return


def _import_row(row: Row, authority_code: str, actor, today: date, report: ImportReport) -> None:
    reference = row.get("reference")
    if not reference:
        report.problems.append(f"Row {row.number}: enter the council's reference.")
        return
    if row.get("name_address"):
        name, address = split_name_address(row.get("name_address"))
    else:
        name, address = row.get("name"), row.get("address") or None
    if not name:
        report.problems.append(f"Row {row.number} ({reference}): enter the asset's name.")
        return
    dates = _dates(row, report)
    if dates is None:
        return
    try:
        point = parse_location(row.get("location"))
        if point is None and row.get("latitude") and row.get("longitude"):
            point = parse_location(f"{row.get('latitude')}, {row.get('longitude')}")
        uprn = assets.parse_uprn(row.get("uprn")) if row.get("uprn") else None
    except ValueError:
        report.problems.append(f"Row {row.number} ({reference}): the location {row.get('location')!r} is not a "
                               "point in the UK: write it as (latitude, longitude), for example (51.5416, -0.1433).")
        return
    except InvalidInput as error:
        report.problems.append(f"Row {row.number} ({reference}): {error}")
        return

    decision = decision_of(row.get("status"), row.get("decision"), row.get("unsuccessful_reason"))
    existing = find_imported_case(authority_code, reference)
    if existing is not None:
        if _update(existing, row, dates, decision, actor, today, reference, report):
            report.updated.append(reference)
        else:
            report.unchanged.append(reference)
        return

    # No coordinates: the postcode column, or the last postcode in the address, places it (approximately).
    postcode = postcode_in(row.get("postcode")) or postcode_in(address or row.get("name_address"))
    location_source = "surveyed"
    if point is None and postcode:
        from .imports.checking import postcode_points

        centre = postcode_points([postcode]).get(postcode)
        if centre is not None:
            point, location_source = (centre.x, centre.y), "postcode"
    asset_id, how = match_asset(authority_code, uprn=uprn, reference=reference, name=name, point=point)
    if asset_id is not None:
        report.matched[reference] = how
    elif point is not None:
        asset_type, _ = mapping.asset_type(None, name)
        record = assets.AssetRecord(authority_code=authority_code, reference=reference[:100], name=name[:300],
                                    asset_type=asset_type, point=_shapely_point(point), address=address,
                                    postcode=postcode, uprn=uprn, location_source=location_source)
        asset_id = assets.create(record)
        report.assets_created.append(reference)
        if location_source == "postcode":
            report.placed_at_postcode[reference] = postcode
    else:
        report.without_asset.append(reference)

    nominated = dates["nomination_date"] or dates["decision_date"]
    if nominated is None:
        report.problems.append(f"Row {row.number} ({reference}): the list gives no date the nomination was "
                               "received (Date Nomination Received) nor a decision date.")
        return
    if dates["nomination_date"] is None:
        report.assumptions.append(f"{reference}: nomination received on the decision date, {nominated.isoformat()}.")
    nominator = row.get("nominator")
    opening = {"nomination_received_on": nominated.isoformat(), "council_reference": reference,
               "land_description": ", ".join(p for p in (name, address) if p)}
    if row.get("description"):
        opening["community_value_reasons"] = row.get("description")
    if nominator and is_organisation_name(nominator):
        opening["nominating_group"] = nominator
    elif nominator:
        opening["nominator_name"] = nominator
        report.private_nominators += 1
    case = engine.open_case("acv", "record_nomination", actor, opening, today, authority_code=authority_code,
                            asset_id=asset_id, title=name)
    report.case_ids.add(case.id)
    engine.transition(case.id, "begin_validation", actor, {"effective_date": nominated.isoformat()}, today)
    report.cases_created.append(reference)
    if decision is not None:
        _decide(case, row, dates, decision, nominated, actor, today, reference, report)


def _update(case: Case, row: Row, dates: dict, decision: str | None, actor, today: date, reference: str,
            report: ImportReport) -> bool:
    """What a newer copy of the list adds to a case imported before: its decision, or a new disposal notice.
    Anything else already recorded stays as it is (corrections go through the case's own steps)."""
    if case.state == "validation" and decision is not None:
        nominated = date.fromisoformat(case.data["nomination_date"])
        _decide(case, row, dates, decision, nominated, actor, today, reference, report)
        return True
    notice = dates["notice_date"]
    if case.state in ("listed", "under_review", "under_appeal") and notice is not None:
        known = {c.data.get("notice_received_on") for c in cases.children_of(case.id) if c.process == "moratorium"}
        if notice.isoformat() not in known:
            _moratorium(case, row, dates, actor, today, reference, report)
            return True
    return False


def _decide(case: Case, row: Row, dates: dict, decision: str, nominated: date, actor, today: date,
            reference: str, report: ImportReport) -> None:
    decided = dates["decision_date"]
    if decided is None:
        decided = min(nominated + timedelta(weeks=8) - timedelta(days=1), today)
        report.assumptions.append(f"{reference}: decided on {decided.isoformat()}, the last day of the 8 weeks "
                                  "(the list gives no decision date).")
    reasons = row.get("unsuccessful_reason") or row.get("reasons")
    if decision == "unsuccessful":
        action, reason_field, code = unsuccessful_step(reasons)
        if action == "decline":
            _accept(case, actor, decided, today, reference, report)
        engine.transition(case.id, action, actor, {
            "effective_date": decided.isoformat(), reason_field: code,
            "reasons": reasons or "Not listed (the council's list gives no reason)."}, today)
        return
    _accept(case, actor, decided, today, reference, report)
    engine.transition(case.id, "list", actor, {
        "effective_date": decided.isoformat(),
        "reasons": reasons or "Listed by the council (its published list of assets of community value)."}, today)
    _override(case, "expiry_date", dates["expiry_date"], reference, report)
    if dates["notice_date"] is not None:
        _moratorium(case, row, dates, actor, today, reference, report)
    _catch_up(case, ("expire",), today)


def _accept(case: Case, actor, decided: date, today: date, reference: str, report: ImportReport) -> None:
    engine.transition(case.id, "accept_nomination", actor, {
        "effective_date": case.data["nomination_date"], "owner_notified_on": decided.isoformat()}, today)
    report.assumptions.append(f"{reference}: the owner was notified on the decision date, {decided.isoformat()}.")


def _moratorium(case: Case, row: Row, dates: dict, actor, today: date, reference: str,
                report: ImportReport) -> None:
    notice = dates["notice_date"]
    moratorium = engine.open_case("moratorium", "receive_notice", actor,
                                  {"notice_received_on": notice.isoformat(), "disposal_type": "freehold_sale"},
                                  today, authority_code=case.authority_code, asset_id=case.asset_id,
                                  parent_case_id=case.id, title=case.title)
    report.case_ids.add(moratorium.id)
    moratorium.data = {**moratorium.data, "council_reference": reference}
    report.moratoria_created.append(reference)
    report.assumptions.append(f"{reference}: the owner's notice of {notice.isoformat()} is for a freehold sale.")
    _override(moratorium, "interim_end", dates["interim_end"], reference, report)
    _override(moratorium, "protected_end", dates["protected_end"], reference, report)
    group = row.get("interested_group")
    if group or dates["request_date"]:  # a named group, or (Oxford) only the date the full moratorium began
        requested = dates["request_date"] or notice
        if dates["request_date"] is None:
            report.assumptions.append(f"{reference}: the request to be treated as a bidder was received on the "
                                      f"day of the notice, {notice.isoformat()}.")
        if not group:
            shown = "A community interest group (the council's list does not name it)"
            report.assumptions.append(f"{reference}: a community interest group asked to be treated as a "
                                      f"bidder on {requested.isoformat()} (the list gives the date, not the group).")
        else:
            shown = group if is_organisation_name(group) else "A community interest group (name not published)"
        engine.transition(moratorium.id, "request_to_bid", actor, {
            "effective_date": requested.isoformat(), "request_received_on": requested.isoformat(),
            "interested_group": shown}, today)
        _override(moratorium, "full_end", dates["full_end"], reference, report)
    _catch_up(moratorium, ("end_interim", "end_full", "expire_protected"), today)


def _shapely_point(point: tuple[float, float]):
    import shapely

    return shapely.Point(round(point[0], 7), round(point[1], 7))


def import_list(path: Path | str, *, authority_code: str, today: date, actor=None, dry_run: bool = False
                ) -> ImportReport:
    """Import a council's ACV list (see the module docstring). All or nothing; flushes, never commits.

    ``actor`` is the officer doing it (an import page passes the signed-in user), or None from the CLI.
    """
    from . import authorities, permissions

    report = ImportReport(path=str(path), authority_code=authority_code, dry_run=dry_run)
    try:
        authority = authorities.get(authority_code)
    except Exception:  # noqa: BLE001  (NotFound, or a code that is not one)
        report.problems.append(f"There is no council {authority_code!r}: give its GSS code, like E09000007.")
        return report
    if authority.nation != "england":
        report.problems.append(f"{authority.name} is not in England: assets of community value are English only.")
        return report
    if actor is not None:
        permissions.require(actor, "acv.validate", authority_code)
    importer = ListImporter(authority_code, actor)
    rows, report.unmapped_columns, problems = read_rows(Path(path))
    report.problems.extend(problems)
    report.rows = len(rows)
    if not rows and not problems:
        report.problems.append("The file has no rows to import.")
    if report.problems:
        return report
    seen: dict[str, int] = {}
    for row in rows:
        ref = row.get("reference")
        if ref and ref in seen:
            report.problems.append(f"Row {row.number}: the reference {ref!r} is also on row {seen[ref]}.")
        seen.setdefault(ref, row.number)
    if report.problems:
        return report
    report.row_numbers = {row.get("reference"): row.number for row in rows if row.get("reference")}
    savepoint = db.session.begin_nested()
    try:
        for row in rows:
            try:
                _import_row(row, authority_code, importer, today, report)
            except (Conflict, InvalidInput) as error:  # a refused step (TransitionRefused is a Conflict)
                where = f" [{error.field}]" if getattr(error, "field", None) else ""
                report.problems.append(f"Row {row.number} ({row.get('reference')}){where}: {error}")
    except BaseException:
        savepoint.rollback()
        raise
    if report.problems or dry_run:
        savepoint.rollback()
        db.session.expire_all()
        return report
    savepoint.commit()
    report.written = True
    _no_notices_for(report.case_ids)
    return report


def _no_notices_for(case_ids: set[int]) -> None:
    """An imported list records what already happened: nobody is sent a notice of it (in a page request the
    engine queues them; see workflow/notify.py)."""
    from flask import g, has_app_context

    if has_app_context() and g.get("workflow_notices"):
        g.workflow_notices = [(c, e) for c, e in g.workflow_notices if c not in case_ids]


def count_upload_rows(upload) -> int:
    """The entries of an uploaded list (for `uploads.store`'s row count)."""
    from .imports import uploads

    with uploads.local_file(upload) as path:
        rows, _unmapped, _problems = read_rows(path)
    return len(rows)


def import_upload(upload, *, actor, today: date, dry_run: bool):
    """A list uploaded on the import page (`imports.uploads`, kind "acv"): its preview (a dry run) or its
    import, from the very bytes uploaded. Returns (report, run): a real run, written or refused, is recorded
    as an import run with its row report, and the upload keeps what happened (`status`, `result`)."""
    from sqlalchemy import func

    from .imports import uploads

    with uploads.local_file(upload) as path:
        report = import_list(path, authority_code=upload.authority_code, today=today, actor=actor,
                             dry_run=dry_run)
    report.path = upload.file_name
    if dry_run:
        return report, None
    run = record_run(report, upload=upload, actor=actor, via="web")
    upload.status = "done" if report.written else "failed"
    upload.import_run_id = run.id
    upload.result = {"written": report.written, "counts": report.counts(), "lines": report.lines()}
    upload.updated_at = func.now()
    db.session.flush()
    return report, run


def record_run(report: ImportReport, *, upload=None, path: Path | None = None, actor, via: str):
    """The import_run row (who, when, the file's name and SHA-256, counts, row report) and its audit entry."""
    from . import audit
    from .import_runs import ImportRun
    from .imports.runs import sha256_of

    run = ImportRun(
        actor_user_id=getattr(actor, "id", None), actor=getattr(actor, "email", None) or via, via=via,
        file_name=upload.file_name if upload is not None else Path(path).name,
        sha256=upload.sha256 if upload is not None else sha256_of(Path(path)),
        authority_codes=[report.authority_code], mapping={}, dry_run=False, written=report.written,
        counts=report.counts(), report=report.row_report())
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "acv.import_list" if report.written else "acv.import_list_refused", "import_run", run.id,
                 {"file_name": run.file_name, "sha256": run.sha256, "counts": run.counts}, via=via)
    return run

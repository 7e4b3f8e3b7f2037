"""Under load and through a fault: 50 clients write through the HTTP API and the forms while PostgreSQL restarts.

Not part of CI: it stops and starts a PostgreSQL cluster. It uses a SEPARATE cluster (default
15/zfault on port 5499, made once with ``pg_createcluster 15 zfault --port 5499``) so the
shared server is never touched, and its own database there (registry_fault_security).

    .venv/bin/python -m bench.fault [--clients 50] [--seconds 60] [--down-at 25] [--down-seconds 5]

What the clients do, each in a loop for --seconds, every write with a fresh Idempotency-Key
that is reused for every retry of that write (a 503, a refused connection, a reset or a timeout
is retried after a short pause until answered, for up to --grace seconds after the end):
- create an asset (POST /api/collections/assets/items, unique reference);
- edit one of its own assets (PATCH .../items/<id>, a new name);
- record the next step of its own ACV case (POST /api/cases/<id>/transitions: begin_validation,
  accept_nomination, list), prepared beforehand: "recording case steps".

Before the run every client signs in three times through /sign-in (requests.Session, the page's
CSRF token): as the officer, as the decision-maker and as the group's representative. About 40% of its turns then go
through the FORMS, each page fetched for its form (CSRF token, version, every field as shown)
and posted back as a browser does, retried with the same fields on a 503 or no answer:
- a Right to Challenge expression of interest (/authorities/<code>/challenge, a unique service);
- an asset edit (/assets/<id>/edit, a new name) of one of its API-created assets that nothing
  else touches, so its audit row and its name show it exactly once;
- the next step of its own ACV cases (half of the cases are form-only) from the case page's form
  (/cases/<id>/steps/<action>), confirming the publication preview where the step shows one: the
  officer validates and accepts, the decision-maker lists (her session, her form, her preview).
Form answers during the outage must be 503 (the HTML error page, no stack trace).

A probe asks GET /api/collections/assets/items?limit=1 every 0.1 s. Afterwards, as the owner
role, every acknowledged write is looked up: found exactly once, duplicated, or lost; every
asset is checked to have its audit row and every audit row its asset (nothing half there).
Results go to bench/results/fault.md (and .json).
"""

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE = "registry_fault_security"
ITEMS = "/api/collections/assets/items"
LEEDS = "E08000035"
KINDS = {"create": "asset created (API)", "patch": "asset edited (API)", "step": "case step recorded (API)",
         "eoi": "Right to Challenge EOI lodged (form)", "form_edit": "asset edited (form)",
         "form_step": "case step recorded (form)"}
STEPS = [("begin_validation", "officer", {}),
         ("accept_nomination", "officer", {"owner_notified_on": None}),
         ("list", "decider", {"reasons": "Furthers social wellbeing (s.88)."})]


def log(message: str) -> None:
    print(f"[fault {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- the cluster


def psql_admin(port: int, sql: str, database: str = "postgres") -> str:
    result = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-d", database, "-qtAX",
                             "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def pg_ready(port: int) -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], check=False).returncode == 0


def prepare_cluster(version: str, cluster: str, port: int) -> None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False).stdout.split("\n")
    mine = [line.split() for line in listed if line.split()[:2] == [version, cluster]]
    if not mine:
        raise SystemExit(f"No cluster {version}/{cluster}: make one with "
                         f"pg_createcluster {version} {cluster} --port {port}")
    if mine[0][2] != str(port):
        raise SystemExit(f"Cluster {version}/{cluster} listens on {mine[0][2]}, not {port}.")
    if mine[0][3] != "online":
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"], check=True)
    for _ in range(30):
        if pg_ready(port):
            break
        time.sleep(0.5)
    # The same two roles as bin/setup: an owner, and the app with only row grants.
    for role in ("registry_owner", "registry"):
        if psql_admin(port, f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'") != "1":
            psql_admin(port, f"CREATE ROLE {role} LOGIN PASSWORD '{role}'")
        psql_admin(port, f"ALTER ROLE {role} NOSUPERUSER NOCREATEDB NOCREATEROLE")
    if psql_admin(port, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'") != "1":
        psql_admin(port, f"CREATE DATABASE {DATABASE} OWNER registry_owner")
    psql_admin(port, "CREATE EXTENSION IF NOT EXISTS postgis", DATABASE)
    psql_admin(port, f"GRANT CONNECT, TEMPORARY ON DATABASE {DATABASE} TO registry", DATABASE)


def urls(port: int) -> tuple[str, str]:
    return (f"postgresql+psycopg://registry_owner:registry_owner@127.0.0.1:{port}/{DATABASE}",
            f"postgresql+psycopg://registry:registry@127.0.0.1:{port}/{DATABASE}")


# ---------------------------------------------------------------- the world


@dataclass
class World:
    officer_token: str
    decider_token: str
    cases: list[int]
    officer_id: int
    run: str


def prepare_world(owner_url: str, cases: int) -> World:
    """Migrate and load as the owner; make an officer, a decision-maker (with API tokens) and ACV cases."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from registry import accounts, create_app, db
    from registry.config import Settings
    from registry.organisations import Organisation
    from tests.conftest import migrate

    migrate(owner_url, "registry")
    app = create_app(Settings(database_url=owner_url, secret_key="fault", tile_url="", testing=True))
    with app.app_context():
        from fixtures import demo
        from registry import places
        from registry.workflow import engine

        if not db.session.execute(text("SELECT EXISTS (SELECT 1 FROM postcode)")).scalar():
            log("loading the demo postcodes (once)")
            places.load_postcodes(demo.DEMO_POSTCODE_AREAS)
            places.load_authorities()
            db.session.commit()
        if not db.session.execute(text("SELECT EXISTS (SELECT 1 FROM asset)")).scalar():
            log("loading demo assets (once)")
            demo.load(per_council=300)
            db.session.commit()
        run = uuid.uuid4().hex[:6]
        password = accounts.hash_password("fault bench password")

        def user(label, roles=()):
            u = accounts.User(email=f"{label}.{run}@fault.example", display_name=label, password_hash=password,
                              stored_roles=list(roles), authority_code=LEEDS if roles else None,
                              email_confirmed_at=datetime.now(UTC))
            db.session.add(u)
            db.session.flush()
            return u

        officer = user("officer", ["council_officer"])
        decider = user("decider", ["council_decision_maker"])
        rep = user("rep")
        group = Organisation(name=f"Fault Friends {run}", legal_form="unincorporated_association", member_count=40,
                             local_member_count=30, non_distribution_of_surplus=True, area_code=LEEDS)
        db.session.add(group)
        db.session.flush()
        accounts.add_membership(rep, group.id)
        _, officer_token = accounts.create_api_token(officer, f"fault {run}")
        _, decider_token = accounts.create_api_token(decider, f"fault {run}")
        asset_ids = db.session.execute(text(
            "SELECT id FROM asset WHERE authority_code = :a AND area_code = :a AND NOT withheld "
            "AND live_status IS NULL AND surplus_status NOT IN ('transferred', 'disposed') "
            "AND NOT EXISTS (SELECT 1 FROM \"case\" c WHERE c.asset_id = asset.id) ORDER BY id LIMIT :n"),
            {"a": LEEDS, "n": cases}).scalars().all()
        today = engine.today_uk()
        case_ids = []
        for asset_id in asset_ids:
            case = engine.open_case("acv", "start_draft", rep, {
                "land_description": "The hall and its yard.", "community_value_reasons": "Weekly clubs.",
                "current_use": "Community hall", "owners_known": "The council"}, today,
                authority_code=LEEDS, asset_id=asset_id, organisation_id=group.id)
            engine.transition(case.id, "submit", rep, {}, today)
            case_ids.append(case.id)
        db.session.commit()
        world = World(officer_token, decider_token, case_ids, officer.id, run)
        db.session.remove()
    db.engine().dispose()
    return world


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app_url, "RATE_LIMITS": "0", "SECRET_KEY": "fault-bench-secret",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "TILE_URL": "", "SMTP_HOST": "log"}
    env.pop("DATABASE_OWNER_URL", None)
    log_file = open(RESULTS / "fault-gunicorn.log.tmp", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning", "app:app"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited; see bench/results/fault-gunicorn.log.tmp")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/conformance")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 90 s")


# ---------------------------------------------------------------- the clients


@dataclass
class Write:
    kind: str  # create, patch, step
    key: str
    target: str  # the reference, the asset id, or "case:action"
    attempts: int = 0
    status: int | None = None  # the final answer, None if never answered
    acknowledged: bool = False
    replayed: bool = False
    acked_at: float | None = None


@dataclass
class Shared:
    errors: Counter = field(default_factory=Counter)
    writes: list[Write] = field(default_factory=list)
    stack_traces: int = 0
    non_problem_5xx: int = 0
    failures_at: list = field(default_factory=list)  # when each 5xx or unanswered attempt ended
    lock: threading.Lock = field(default_factory=threading.Lock)


def send(port: int, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def keyed_write(shared: Shared, port: int, write: Write, method: str, path: str, document: dict, token: str,
                give_up_at: float) -> None:
    body = json.dumps(document).encode()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": write.key,
               "Content-Type": "application/geo+json" if "items" in path else "application/json"}
    pause = 0.2
    while True:
        write.attempts += 1
        retry_after = None
        try:
            status, answer_headers, answer = send(port, method, path, body, headers)
        except (ConnectionError, OSError, http.client.HTTPException) as error:
            kind = type(error).__name__
            with shared.lock:
                shared.errors[f"no answer: {kind}"] += 1
                shared.failures_at.append(time.monotonic())
        else:
            if status >= 500:
                retry_after = answer_headers.get("Retry-After")
                with shared.lock:
                    shared.failures_at.append(time.monotonic())
                    shared.errors[f"{status} {answer_headers.get('Content-Type', '')}"] += 1
                    if b"Traceback" in answer:
                        shared.stack_traces += 1
                    if answer_headers.get("Content-Type") != "application/problem+json":
                        shared.non_problem_5xx += 1
            else:
                write.status = status
                write.acknowledged = status < 300
                write.acked_at = time.monotonic() if write.acknowledged else None
                write.replayed = answer_headers.get("Idempotent-Replayed") == "true"
                if not write.acknowledged:
                    with shared.lock:
                        shared.errors[f"{status} refused"] += 1
                write.answer = answer  # type: ignore[attr-defined]
                return
        if time.monotonic() > give_up_at:
            return
        # Back off as a well-behaved client does: doubling, with jitter, within the server's Retry-After.
        ceiling = min(float(retry_after), 2.0) if retry_after else 2.0
        time.sleep(min(pause, ceiling) * (0.5 + random.random()))
        pause *= 2


# ---------------------------------------------------------------- the forms (a real session and CSRF token)


class _Forms(HTMLParser):
    """Every <form> of a page: its action and its fields' current values (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1]["fields"].setdefault(a["name"], None)
                return
            if kind in ("submit", "button", "file"):
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["fields"].setdefault(a["name"], None)
        elif tag == "option" and self._select:
            fields = self.forms[-1]["fields"]
            if fields.get(self._select) is None or "selected" in a:
                fields[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1]["fields"][a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def page_form(html: str, action: str) -> dict | None:
    """The fields of the page's form that posts to `action` ("" for a form that posts to its own page)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["action"] == action:
            return {k: v for k, v in form["fields"].items() if v is not None}
    return None


def sign_in(port: int, email: str, password: str):
    import requests

    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    page = session.get(f"{base}/sign-in", timeout=60)
    fields = page_form(page.text, "") or {}
    fields.update({"email": email, "password": password})
    answer = session.post(f"{base}/sign-in", data=fields, timeout=60, allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"sign-in as {email} answered {answer.status_code}")
    return session


def form_write(shared: Shared, session, port: int, write: Write, path: str, fields: dict, give_up_at: float,
               ok=lambda answer: answer.status_code in (302, 303)):
    """POST a form as a browser does (its CSRF token in it), retried like the API writes until answered."""
    import requests

    url = f"http://127.0.0.1:{port}{path}"
    pause = 0.2
    while True:
        write.attempts += 1
        try:
            answer = session.post(url, data=fields, timeout=30, allow_redirects=False)
        except requests.RequestException as error:
            with shared.lock:
                shared.errors[f"form, no answer: {type(error).__name__}"] += 1
                shared.failures_at.append(time.monotonic())
        else:
            if answer.status_code >= 500:
                with shared.lock:
                    shared.failures_at.append(time.monotonic())
                    shared.errors[f"form {answer.status_code} {answer.headers.get('Content-Type', '')}"] += 1
                    if "Traceback" in answer.text:
                        shared.stack_traces += 1
                    if answer.status_code != 503:
                        shared.non_problem_5xx += 1
            else:
                write.status = answer.status_code
                write.acknowledged = ok(answer)
                write.acked_at = time.monotonic() if write.acknowledged else None
                if not write.acknowledged:
                    with shared.lock:
                        shared.errors[f"form {answer.status_code} refused: {refusal(answer.text)}"] += 1
                write.answer = answer  # type: ignore[attr-defined]
                return
        if time.monotonic() > give_up_at:
            return
        time.sleep(min(pause, 2.0) * (0.5 + random.random()))
        pause *= 2


def refusal(html: str) -> str:
    """The first line of the page's GOV.UK error summary (what the person would read)."""
    import re

    found = re.search(r'govuk-error-summary__list.*?<a[^>]*>(.*?)</a>', html, re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip()[:120] if found else "(no error summary)"


def form_get(session, port: int, path: str, give_up_at: float):
    """GET a page for its form, through the outage (a 503 or no answer is asked again)."""
    import requests

    while time.monotonic() < give_up_at:
        try:
            answer = session.get(f"http://127.0.0.1:{port}{path}", timeout=30)
            if answer.status_code == 200:
                return answer.text
        except requests.RequestException:
            pass
        time.sleep(0.3 + random.random() * 0.3)
    return None


def form_eoi(shared, session, port, world, index, n, give_up):
    """A Right to Challenge expression of interest lodged through /authorities/<code>/challenge."""
    path = f"/authorities/{LEEDS}/challenge"
    html = form_get(session, port, path, give_up)
    fields = page_form(html or "", "")
    if fields is None:
        return None
    service = f"FaultSvc-{world.run}-{index}-{n}"
    fields.update({"service_name": service, "relevant_body_type": "community_body",
                   "outcomes": "A longer opening day and a cafe run by volunteers.",
                   "financial_resources": "Reserves of 12,000 pounds.", "capability_evidence": "Ten years running it."})
    write = Write("eoi", f"eoi-{world.run}-{index}-{n}", service)
    form_write(shared, session, port, write, path, fields, give_up,
               ok=lambda a: a.status_code == 302 and "/cases/" in a.headers.get("Location", ""))
    return write


def form_edit(shared, session, port, world, asset_id, index, n, give_up):
    """An asset's name changed through /assets/<id>/edit (the whole form posted back, as a browser does)."""
    path = f"/assets/{asset_id}/edit"
    html = form_get(session, port, path, give_up)
    fields = page_form(html or "", "")
    if fields is None:
        return None
    name = f"Form Hall {world.run}-{index}-{n}"
    fields["name"] = name
    write = Write("form_edit", f"form-edit-{world.run}-{index}-{n}", f"{asset_id}:{name}")
    form_write(shared, session, port, write, path, fields, give_up)
    return write


def form_step(shared, sessions, port, world, case_id, form_steps, give_up):
    """The case's next step recorded from the case page's form (with the publication preview confirmed),
    by the person whose step it is (the officer, or the decision-maker for the listing)."""
    action, who, data = STEPS[form_steps[case_id]]
    session = sessions[who]
    path = f"/cases/{case_id}/steps/{action}"
    html = form_get(session, port, f"/cases/{case_id}", give_up)
    fields = page_form(html or "", path)
    if fields is None:
        with shared.lock:
            shared.errors["form step not offered"] += 1
        form_steps[case_id] = len(STEPS)
        return None
    for k, v in data.items():
        if v is None:  # a date: the GOV.UK pattern, three boxes (day, month, year)
            fields.update({f"{k}-day": time.strftime("%d"), f"{k}-month": time.strftime("%m"),
                           f"{k}-year": time.strftime("%Y")})
        else:
            fields[k] = v
    write = Write("form_step", f"form-step-{world.run}-{case_id}-{action}", f"{case_id}:{action}")
    form_write(shared, session, port, write, path, fields, give_up,
               ok=lambda a: a.status_code in (200, 302))
    answer = getattr(write, "answer", None)
    if write.acknowledged and answer is not None and answer.status_code == 200:
        # The step publishes text: the page shows it first and asks to confirm (a second POST, its digest).
        confirm = page_form(answer.text, path)
        write.acknowledged = False
        if confirm and confirm.get("confirm_publication"):
            form_write(shared, session, port, write, path, confirm, give_up)
    if write.acknowledged:
        form_steps[case_id] += 1
    return write



def client_loop(index: int, shared: Shared, port: int, world: World, cases: list[int], stop_at: float,
                grace_s: float, sessions=None, form_cases: list[int] = ()) -> None:
    rng = random.Random(index)
    mine: list[int] = []  # acknowledged assets of this client, edited through the API
    form_pool: list[int] = []  # acknowledged assets of this client, each edited once through the form
    steps = {case_id: 0 for case_id in cases}
    form_steps = {case_id: 0 for case_id in form_cases}
    officer, rep, decider = sessions or (None, None, None)
    n = 0
    while time.monotonic() < stop_at:
        n += 1
        give_up = stop_at + grace_s
        open_cases = [c for c, i in steps.items() if i < len(STEPS)]
        open_form_cases = [c for c, i in form_steps.items() if i < len(STEPS)]
        roll = rng.random()
        if officer is not None and roll < 0.4:
            # Through the forms: an EOI, a case step or an asset edit, each a real page's form and CSRF token.
            form_roll = rng.random()
            if open_form_cases and form_roll < 0.35:
                write = form_step(shared, {"officer": officer, "decider": decider}, port, world,
                                  open_form_cases[0], form_steps, give_up)
            elif form_pool and form_roll < 0.65:
                write = form_edit(shared, officer, port, world, form_pool.pop(0), index, n, give_up)
            else:
                write = form_eoi(shared, rep, port, world, index, n, give_up)
            if write is not None:
                with shared.lock:
                    shared.writes.append(write)
            continue
        if open_cases and roll < 0.6:
            case_id = open_cases[0]
            action, who, data = STEPS[steps[case_id]]
            if "owner_notified_on" in data:
                data = {"owner_notified_on": time.strftime("%Y-%m-%d")}
            write = Write("step", f"step-{world.run}-{case_id}-{action}", f"{case_id}:{action}")
            keyed_write(shared, port, write, "POST", f"/api/cases/{case_id}/transitions",
                        {"action": action, "data": data},
                        world.officer_token if who == "officer" else world.decider_token, give_up)
            if write.acknowledged:
                steps[case_id] += 1
        elif mine and roll < 0.8:
            asset_id = rng.choice(mine)
            write = Write("patch", f"patch-{world.run}-{index}-{n}", str(asset_id))
            keyed_write(shared, port, write, "PATCH", f"{ITEMS}/{asset_id}",
                        {"type": "Feature", "properties": {"name": f"Fault Hall {index}-{n}"}},
                        world.officer_token, give_up)
        else:
            reference = f"FLT-{world.run}-{index}-{n}"
            write = Write("create", f"create-{world.run}-{index}-{n}", reference)
            lon, lat = -1.55 + rng.random() * 0.05, 53.78 + rng.random() * 0.04
            keyed_write(shared, port, write, "POST", ITEMS, {
                "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"reference": reference, "name": f"Fault Hall {index}-{n}",
                               "asset_type": "community_centre"}}, world.officer_token, give_up)
            if write.acknowledged:
                created = int(json.loads(write.answer)["id"])  # type: ignore[attr-defined]
                (form_pool if officer is not None and n % 2 else mine).append(created)
        with shared.lock:
            shared.writes.append(write)


def probe_loop(port: int, stop: threading.Event, samples: list) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, headers, body = send(port, "GET", f"{ITEMS}?limit=1", None, {})
            samples.append((started, status, headers.get("Content-Type", ""), b"Traceback" in body,
                            time.monotonic()))
        except OSError as error:
            samples.append((started, None, type(error).__name__, False, time.monotonic()))
        time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))


# ---------------------------------------------------------------- verification


def verify(owner_url: str, world: World, writes: list[Write]) -> dict:
    import psycopg

    conninfo = owner_url.replace("postgresql+psycopg://", "postgresql://", 1)
    result: dict = {}
    with psycopg.connect(conninfo) as conn:
        creates = [w for w in writes if w.kind == "create"]
        counts = dict(conn.execute("SELECT reference, count(*) FROM asset WHERE reference LIKE %s GROUP BY 1",
                                   (f"FLT-{world.run}-%",)).fetchall())
        acknowledged = [w for w in creates if w.acknowledged]
        result["create"] = {
            "sent": len(creates), "acknowledged": len(acknowledged),
            "found": sum(1 for w in acknowledged if counts.get(w.target) == 1),
            "duplicated": sum(1 for n in counts.values() if n > 1),
            "lost": sum(1 for w in acknowledged if counts.get(w.target, 0) == 0),
            "unacknowledged_but_written": sum(1 for w in creates if not w.acknowledged and counts.get(w.target)),
        }
        # Nothing half there: each bench asset has its audit row, each audit row its asset.
        orphans = conn.execute(
            "SELECT (SELECT count(*) FROM asset a WHERE a.reference LIKE %(p)s AND NOT EXISTS (SELECT 1 FROM "
            "audit_entry e WHERE e.action = 'asset.create' AND e.target_id = a.id::text)), "
            "(SELECT count(*) FROM audit_entry e WHERE e.action = 'asset.create' AND e.detail->>'reference' "
            "LIKE %(p)s AND NOT EXISTS (SELECT 1 FROM asset a WHERE a.id::text = e.target_id))",
            {"p": f"FLT-{world.run}-%"}).fetchone()
        result["half_written"] = {"assets_without_audit": orphans[0], "audit_without_asset": orphans[1]}

        patches = [w for w in writes if w.kind == "patch"]
        keys = dict(conn.execute("SELECT key, count(*) FROM idempotency_key WHERE scope = %s AND key LIKE %s "
                                 "GROUP BY 1", (f"api:{world.officer_id}", f"patch-{world.run}-%")).fetchall())
        audited = conn.execute(
            "SELECT count(*) FROM audit_entry WHERE action = 'asset.patch' AND actor_user_id = %s",
            (world.officer_id,)).fetchone()[0]
        acknowledged = [w for w in patches if w.acknowledged]
        result["patch"] = {
            "sent": len(patches), "acknowledged": len(acknowledged),
            "found": sum(1 for w in acknowledged if keys.get(w.key) == 1),
            # Each committed patch leaves one key row and one audit row: more audit rows means a patch applied twice.
            "duplicated": max(0, audited - len(keys)),
            "lost": sum(1 for w in acknowledged if w.key not in keys),
            "unacknowledged_but_written": sum(1 for w in patches if not w.acknowledged and w.key in keys),
        }

        steps = [w for w in writes if w.kind == "step"]
        events = Counter()
        for case_id, action in conn.execute("SELECT case_id, action FROM case_event WHERE case_id = ANY(%s)",
                                            (world.cases,)).fetchall():
            events[f"{case_id}:{action}"] += 1
        acknowledged = [w for w in steps if w.acknowledged]
        result["step"] = {
            "sent": len(steps), "acknowledged": len(acknowledged),
            "found": sum(1 for w in acknowledged if events[w.target] == 1),
            "duplicated": sum(1 for target, n in events.items() if n > 1),
            "lost": sum(1 for w in acknowledged if events[w.target] == 0),
            "unacknowledged_but_written": sum(1 for w in steps if not w.acknowledged and events[w.target]),
        }
        form_steps = [w for w in writes if w.kind == "form_step"]
        acknowledged = [w for w in form_steps if w.acknowledged]
        targets = {w.target for w in form_steps}
        result["form_step"] = {
            "sent": len(form_steps), "acknowledged": len(acknowledged),
            "found": sum(1 for w in acknowledged if events[w.target] == 1),
            "duplicated": sum(1 for target in targets if events[target] > 1),
            "lost": sum(1 for w in acknowledged if events[w.target] == 0),
            "unacknowledged_but_written": sum(1 for w in form_steps if not w.acknowledged and events[w.target]),
            # The decision-maker's listing is the last step: it shows the forms ran the whole ACV case.
            "acknowledged_by_action": dict(Counter(w.target.split(":", 1)[1] for w in acknowledged)),
        }

        # EOIs: each has its own service name, the first part of the case's title.
        eois = [w for w in writes if w.kind == "eoi"]
        titles = Counter(t.split(":", 1)[0] for (t,) in conn.execute(
            "SELECT title FROM \"case\" WHERE process = 'right_to_challenge' AND title LIKE %s",
            (f"FaultSvc-{world.run}-%",)).fetchall())
        acknowledged = [w for w in eois if w.acknowledged]
        result["eoi"] = {
            "sent": len(eois), "acknowledged": len(acknowledged),
            "found": sum(1 for w in acknowledged if titles[w.target] == 1),
            "duplicated": sum(1 for n in titles.values() if n > 1),
            "lost": sum(1 for w in acknowledged if titles[w.target] == 0),
            "unacknowledged_but_written": sum(1 for w in eois if not w.acknowledged and titles[w.target]),
        }
        # An EOI without its first event would be half there.
        result["half_written"]["eoi_without_event"] = conn.execute(
            "SELECT count(*) FROM \"case\" c WHERE c.process = 'right_to_challenge' AND c.title LIKE %s AND NOT "
            "EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = c.id)", (f"FaultSvc-{world.run}-%",)).fetchone()[0]

        # Form edits: each edits an asset no other write touches, once; it leaves one audit row and the name.
        edits = [w for w in writes if w.kind == "form_edit"]
        ids = [int(w.target.split(":", 1)[0]) for w in edits]
        audits = dict(conn.execute("SELECT target_id, count(*) FROM audit_entry WHERE action = 'asset.edit' AND "
                                   "target_id = ANY(%s) GROUP BY 1", ([str(i) for i in ids],)).fetchall())
        names = dict(conn.execute("SELECT id, name FROM asset WHERE id = ANY(%s)", (ids,)).fetchall())

        def written(w):
            asset_id, name = w.target.split(":", 1)
            return names.get(int(asset_id)) == name and audits.get(asset_id, 0) >= 1

        acknowledged = [w for w in edits if w.acknowledged]
        result["form_edit"] = {
            "sent": len(edits), "acknowledged": len(acknowledged),
            "found": sum(1 for w in acknowledged if written(w) and audits.get(w.target.split(":")[0]) == 1),
            "duplicated": sum(1 for n in audits.values() if n > 1),
            "lost": sum(1 for w in acknowledged if not written(w)),
            "unacknowledged_but_written": sum(1 for w in edits if not w.acknowledged and written(w)),
        }
        # Half there: a new name without its audit row, or an audit row without the new name.
        result["half_written"]["form_edit_half"] = sum(
            1 for w in edits if (names.get(int(w.target.split(":")[0])) == w.target.split(":", 1)[1])
            != (audits.get(w.target.split(":")[0], 0) >= 1))
    return result


# ---------------------------------------------------------------- the run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--down-at", type=float, default=25, help="seconds into the run to stop PostgreSQL")
    parser.add_argument("--down-seconds", type=float, default=5, help="how long PostgreSQL stays down")
    parser.add_argument("--grace", type=float, default=30, help="retries may go on this long after the end")
    parser.add_argument("--cluster", default="zfault")
    parser.add_argument("--version", default="15")
    parser.add_argument("--port", type=int, default=5499)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--cases", type=int, default=100)
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    prepare_cluster(args.version, args.cluster, args.port)
    owner_url, app_url = urls(args.port)
    world = prepare_world(owner_url, args.cases)
    log(f"run {world.run}: {len(world.cases)} ACV cases ready")
    http_port = free_port()
    server = start_gunicorn(app_url, http_port, args.workers, args.threads)
    shared, samples, stop_probe = Shared(), [], threading.Event()
    api_cases, form_cases = world.cases[::2], world.cases[1::2]
    case_shares = [api_cases[i::args.clients] for i in range(args.clients)]
    form_shares = [form_cases[i::args.clients] for i in range(args.clients)]
    password = "fault bench password"
    sessions = [(sign_in(http_port, f"officer.{world.run}@fault.example", password),
                 sign_in(http_port, f"rep.{world.run}@fault.example", password),
                 sign_in(http_port, f"decider.{world.run}@fault.example", password)) for _ in range(args.clients)]
    log(f"{3 * args.clients} browser sessions signed in")
    started = time.monotonic()
    stop_at = started + args.seconds
    threads = [threading.Thread(target=client_loop, args=(i, shared, http_port, world, case_shares[i], stop_at,
                                                          args.grace, sessions[i], form_shares[i]), daemon=True)
               for i in range(args.clients)]
    probe = threading.Thread(target=probe_loop, args=(http_port, stop_probe, samples), daemon=True)
    probe.start()
    for thread in threads:
        thread.start()
    log(f"{args.clients} clients writing for {args.seconds:.0f} s; PostgreSQL goes down at {args.down_at:.0f} s")
    time.sleep(max(0.0, started + args.down_at - time.monotonic()))
    down_at = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", args.version, args.cluster, "stop", "-m", "fast"],
                   check=True)
    stopped_at = time.monotonic()
    log(f"PostgreSQL stopped ({stopped_at - down_at:.1f} s); down for {args.down_seconds:.0f} s")
    time.sleep(args.down_seconds)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", args.version, args.cluster, "start"], check=True)
    while not pg_ready(args.port):
        time.sleep(0.05)
    back_at = time.monotonic()
    log(f"PostgreSQL back after {back_at - down_at:.1f} s")
    for thread in threads:
        thread.join()
    ended = time.monotonic()
    stop_probe.set()
    probe.join()
    server.terminate()
    server.wait(timeout=30)

    during = [s for s in samples if down_at <= s[0] < back_at]
    after = sorted(s for s in samples if s[0] >= back_at)
    first_ok_probe = next((s for s in after if s[1] == 200), None)
    # Sent after the database was back and still failing: when did the app stop failing new requests?
    # The app has recovered when it stops failing: the last 5xx (or unanswered) attempt of any client or
    # the probe, measured from the database's return.
    probe_failures = [s[4] for s in samples if s[1] != 200]
    last_failure = max(shared.failures_at + probe_failures, default=back_at)
    acks_after = sorted(w.acked_at for w in shared.writes if w.acked_at and w.acked_at >= back_at)
    latencies = sorted(s[4] - s[0] for s in samples if s[1] == 200 and s[0] < down_at)
    result = verify(owner_url, world, shared.writes)
    totals = {k: sum(result[kind][k] for kind in KINDS)
              for k in ("sent", "acknowledged", "found", "duplicated", "lost", "unacknowledged_but_written")}
    report = {
        "when_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "clients": args.clients, "seconds": round(ended - started, 1), "load_seconds": args.seconds,
        "gunicorn": f"-w {args.workers} --threads {args.threads}", "cpus": os.cpu_count(),
        "database_down_s": round(back_at - down_at, 2),
        "probe": {
            "during_outage": dict(Counter(f"{s[1]} {s[2]}" for s in during)),
            "stack_traces": sum(1 for s in samples if s[3]),
            "recovery_s": round(max(0.0, last_failure - back_at), 2),
            "first_200_sent_after_return_s": round(first_ok_probe[0] - back_at, 2) if first_ok_probe else None,
            "first_200_answered_after_return_s": round(first_ok_probe[4] - back_at, 2) if first_ok_probe else None,
            "median_latency_before_fault_s": round(latencies[len(latencies) // 2], 2) if latencies else None,
        },
        "first_write_acknowledged_after_return_s": round(acks_after[0] - back_at, 2) if acks_after else None,
        "writes_per_second": round(totals["acknowledged"] / (ended - started), 1),
        "errors_by_kind": dict(shared.errors.most_common()),
        "stack_traces_in_write_answers": shared.stack_traces,
        "non_problem_json_5xx": shared.non_problem_5xx,
        "replayed_answers": sum(1 for w in shared.writes if w.replayed),
        "retried_writes": sum(1 for w in shared.writes if w.attempts > 1),
        "result": result, "totals": totals,
    }
    write_report(report)
    first_ack = report["first_write_acknowledged_after_return_s"]
    ok = totals["duplicated"] == 0 and totals["lost"] == 0 and report["probe"]["recovery_s"] <= 5 \
        and first_ack is not None and first_ack <= 5 and report["probe"]["stack_traces"] == 0 \
        and report["stack_traces_in_write_answers"] == 0 and report["non_problem_json_5xx"] == 0 \
        and sum(result["half_written"].values()) == 0
    log("PASS" if ok else "FAIL")
    return 0 if ok else 1


def write_report(report: dict) -> None:
    (RESULTS / "fault.json").write_text(json.dumps(report, indent=2) + "\n")
    t = report["totals"]
    lines = [
        "# Load and fault: writes through a PostgreSQL restart", "",
        f"Run {report['when_utc']}: {report['clients']} concurrent clients for {report['load_seconds']:.0f} s "
        f"(all done, retries included, after {report['seconds']} s) against gunicorn {report['gunicorn']} on "
        f"loopback, {report['cpus']} CPUs shared with other work; PostgreSQL 15 (a separate cluster) stopped "
        f"(`pg_ctlcluster ... stop -m fast`) and started again, away for {report['database_down_s']} s.",
        "", "Every write carries an Idempotency-Key, reused for each retry of that write "
        "(`.venv/bin/python -m bench.fault`; bench/fault.py says what each client does).", "",
        "| | sent | acknowledged | found once | duplicated | lost | unacknowledged but written |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, label in KINDS.items():
        r = report["result"][kind]
        lines.append(f"| {label} | {r['sent']} | {r['acknowledged']} | {r['found']} | {r['duplicated']} | "
                     f"{r['lost']} | {r['unacknowledged_but_written']} |")
    lines.append(f"| **all** | {t['sent']} | {t['acknowledged']} | {t['found']} | **{t['duplicated']}** | "
                 f"**{t['lost']}** | {t['unacknowledged_but_written']} |")
    half = report["result"]["half_written"]
    probe = report["probe"]
    lines += [
        "", f"- Throughput: {report['writes_per_second']} acknowledged writes/s over the whole run.",
        f"- Recovery: the last failed answer (503, or none) to any client or the probe came **{probe['recovery_s']} s** "
        "after PostgreSQL answered again; nothing was restarted but the database. The first probe (a GET every "
        "0.1 s) sent after "
        f"the return that got a 200 was sent {probe['first_200_sent_after_return_s']} s and answered "
        f"{probe['first_200_answered_after_return_s']} s after it; the first write acknowledged after the return "
        f"came {report['first_write_acknowledged_after_return_s']} s after it. The gap between sending and "
        "answering is the queue in front of gunicorn: the median probe latency before the fault was already "
        f"{probe['median_latency_before_fault_s']} s on this shared machine.",
        f"- While the database was away the probe got: {probe['during_outage']}; stack traces in any answer: "
        f"{probe['stack_traces'] + report['stack_traces_in_write_answers']}; 5xx answers that were not "
        f"problem+json: {report['non_problem_json_5xx']}.",
        f"- Errors by kind (each retried with the same key): {report['errors_by_kind']}.",
        "- Case steps through the forms, acknowledged by step (the officer validates and accepts, the "
        f"decision-maker lists): {report['result']['form_step'].get('acknowledged_by_action', {})}.",
        f"- Retried writes: {report['retried_writes']}; answers replayed from the idempotency store: "
        f"{report['replayed_answers']}.",
        f"- Half written: assets without their audit row {half['assets_without_audit']}, audit rows without "
        f"their asset {half['audit_without_asset']}, EOIs without their first event {half['eoi_without_event']}, "
        f"form edits with the name but no audit row or the reverse {half['form_edit_half']}.",
        "", "\"Found once\" counts acknowledged writes found exactly once afterwards (assets by reference, edits by "
        "their stored key and audit rows, case steps as case events). \"Unacknowledged but written\" are writes "
        "whose every answer was lost (e.g. a commit that reached the database just before it stopped): they are "
        "whole, not half, and a retry with their key would be answered from the store.",
        "",
    ]
    (RESULTS / "fault.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())

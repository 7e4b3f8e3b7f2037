"""Read replicas: public reads from PostgreSQL streaming standbys, everything else from the primary.

The one place that decides which server answers a request (``DATABASE_REPLICA_URLS``).

Which requests a replica may answer (``choose_read``, pure)
    A GET or HEAD to a public, GET-only endpoint (the ones a shared cache may keep:
    search, OGC API, tiles, registers, asset pages), with no ``Authorization`` header
    (a token's holder writes through the API and reads its writes back at once; its
    writes cannot be followed by a cookie), by a person whose own last write has
    already been replayed there. Everything else, every write above all, goes to the
    primary.

Read-your-own-writes
    After a request commits a transaction that wrote (PostgreSQL assigned it a
    transaction id), the primary's WAL position (``pg_current_wal_lsn()``, at or past
    that commit) is kept in the person's signed session. A replica answers that
    person again only once its ``pg_last_wal_replay_lsn()`` has reached it; until
    then, the primary does. LSNs keep counting across a failover, so the rule holds
    after Patroni promotes a standby.

The lag guard
    Each replica is probed at most once every ``REPLICA_CHECK_SECONDS`` (one short
    query on it and one on the primary, under a lock, so a busy process does not
    probe once per request). A replica is skipped while it is unreachable, not in
    recovery (promoted: reading it would split the register), or further behind than
    ``REPLICA_MAX_LAG_SECONDS``; every change of a replica's health is logged, and
    the primary answers while none is usable. A replica that fails when a request
    connects is marked unreachable at once and that request falls back to the
    primary.
"""

import itertools
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from . import db

log = logging.getLogger(__name__)

PRIMARY = "primary"
READ_METHODS = frozenset({"GET", "HEAD"})
WRITTEN_LSN_KEY = "_written_lsn"  # in the signed Flask session: the person's last write, as 'X/Y'
REPLICA_APPLICATION_NAME = "registry-replica-read"


# ------------------------------------------------------------------ rules (pure)


def parse_lsn(lsn: str | None) -> int | None:
    """PostgreSQL's 'X/Y' (two hex halves of a 64-bit WAL position) as an integer."""
    if not lsn:
        return None
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


@dataclass(frozen=True)
class ReplicaState:
    """What one probe of a replica found (``reachable=False``: it did not answer)."""

    reachable: bool
    standby: bool = False
    replay_lsn: int | None = None
    # Seconds since the last transaction it replayed was committed on the primary (None: none yet).
    replay_age_s: float | None = None
    # The primary's WAL position, read just before this replica was probed.
    primary_lsn: int | None = None
    error: str = ""


def lag_seconds(state: ReplicaState) -> float:
    """How far behind the primary a replica is, in seconds (``inf`` when unknown).

    Caught up (replayed at least what the primary had written just before the probe): 0,
    however long ago the last transaction was. Otherwise the age of the last transaction it
    replayed: an overestimate after an idle spell, which errs on the primary's side.
    """
    if not state.reachable or state.replay_lsn is None:
        return math.inf
    if state.primary_lsn is not None and state.replay_lsn >= state.primary_lsn:
        return 0.0
    return math.inf if state.replay_age_s is None else max(state.replay_age_s, 0.0)


def unusable_because(state: ReplicaState, max_lag_s: float, must_be_standby: bool = True) -> str:
    """Why a replica may not answer reads now ('' when it may)."""
    if not state.reachable:
        return f"unreachable ({state.error})" if state.error else "unreachable"
    if must_be_standby and not state.standby:
        return "not in recovery (promoted, or not a standby)"
    lag = lag_seconds(state)
    if lag > max_lag_s:
        return "lag unknown" if math.isinf(lag) else f"replay lag {lag:.1f} s > {max_lag_s:g} s"
    return ""


@dataclass(frozen=True)
class ReadRequest:
    method: str
    public_read: bool  # a GET-only public endpoint (web.caching.cacheable_endpoint)
    has_authorization: bool
    written_lsn: int | None = None  # the person's last write, from their session


@dataclass(frozen=True)
class Choice:
    target: str  # PRIMARY or a replica's name
    reason: str


def choose_read(request: ReadRequest, states: Sequence[tuple[str, ReplicaState]], turn: int,
                max_lag_s: float, must_be_standby: bool = True) -> Choice:
    """Which server answers this request: the rules in the module docstring, in order."""
    if request.method.upper() not in READ_METHODS:
        return Choice(PRIMARY, "a write")
    if not request.public_read:
        return Choice(PRIMARY, "not a public read")
    if request.has_authorization:
        return Choice(PRIMARY, "a token's request")
    if not states:
        return Choice(PRIMARY, "no replicas")
    healthy = [(name, state) for name, state in states if not unusable_because(state, max_lag_s, must_be_standby)]
    if not healthy:
        return Choice(PRIMARY, "no replica usable")
    if request.written_lsn is not None:
        healthy = [(name, state) for name, state in healthy
                   if state.replay_lsn is not None and state.replay_lsn >= request.written_lsn]
        if not healthy:
            return Choice(PRIMARY, "own write not yet replayed")
    name, _ = healthy[turn % len(healthy)]
    return Choice(name, "public read")


# ------------------------------------------------------------------ probing


PROBE_PRIMARY_SQL = "SELECT pg_current_wal_lsn()::text"
PROBE_REPLICA_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE(pg_last_wal_replay_lsn(), CASE WHEN NOT pg_is_in_recovery() THEN pg_current_wal_lsn() END)::text,
       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
"""


@dataclass(frozen=True)
class ReadTarget:
    """The server one request reads from: its name, SQLAlchemy engine and plain libpq URL."""

    name: str
    engine: object
    dsn: str


def _libpq_dsn(engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def replica_engine(url: str):
    """An engine for a standby: read-only transactions, a short connect timeout, a name in pg_stat_activity."""
    parsed = make_url(url)
    extra = {"connect_timeout": 2}
    if "application_name" not in parsed.query:
        extra["application_name"] = REPLICA_APPLICATION_NAME
    return db.make_engine(url, options="-c default_transaction_read_only=on", **extra)


class ReplicaSet:
    """The primary and its replicas in one process: health (probed at most once per interval) and the choice."""

    def __init__(self, primary_engine, replica_urls: Sequence[str], max_lag_s: float = 5.0,
                 check_interval_s: float = 1.0, must_be_standby: bool = True, engine_factory=replica_engine):
        self.primary = ReadTarget(PRIMARY, primary_engine, _libpq_dsn(primary_engine))
        self.replicas = []
        for number, url in enumerate(replica_urls, start=1):
            engine = engine_factory(url)
            self.replicas.append(ReadTarget(f"replica{number}", engine, _libpq_dsn(engine)))
        self.max_lag_s = max_lag_s
        self.check_interval_s = check_interval_s
        self.must_be_standby = must_be_standby
        self._states = {target.name: ReplicaState(reachable=False, error="not probed yet") for target in self.replicas}
        self._reasons = {target.name: None for target in self.replicas}  # last logged health, to log changes only
        self._checked_at = -math.inf
        self._lock = threading.Lock()
        self._turns = itertools.count()
        # A test or the bench may replace how a replica is probed (ReadTarget, primary LSN -> ReplicaState).
        self.probe_replica: Callable[[ReadTarget, int | None], ReplicaState] = self._probe_replica

    # -- health
    def _primary_lsn(self) -> int | None:
        try:
            with self.primary.engine.connect() as connection:
                return parse_lsn(connection.execute(text(PROBE_PRIMARY_SQL)).scalar())
        except DBAPIError:
            return None  # the primary is away: replicas are judged on their own replay age

    def _probe_replica(self, target: ReadTarget, primary_lsn: int | None) -> ReplicaState:
        try:
            with target.engine.connect() as connection:
                standby, replay, age = connection.execute(text(PROBE_REPLICA_SQL)).one()
        except DBAPIError as error:
            return ReplicaState(reachable=False, error=type(error.orig).__name__ if error.orig else "error")
        return ReplicaState(reachable=True, standby=bool(standby), replay_lsn=parse_lsn(replay),
                            replay_age_s=age, primary_lsn=primary_lsn)

    def refresh(self) -> None:
        primary_lsn = self._primary_lsn()  # first: a replica at or past it has replayed all of it
        for target in self.replicas:
            self._record(target.name, self.probe_replica(target, primary_lsn))
        self._checked_at = time.monotonic()

    def _record(self, name: str, state: ReplicaState) -> None:
        self._states[name] = state
        reason = unusable_because(state, self.max_lag_s, self.must_be_standby)
        kind = _kind_of(reason)
        if kind != self._reasons[name]:  # log each change of health once, not every new lag figure
            if reason:
                log.warning("read replica %s skipped, reads go to the primary: %s", name, reason)
            elif self._reasons[name] is not None:
                log.warning("read replica %s is back in use", name)
            self._reasons[name] = kind

    def states(self) -> list[tuple[str, ReplicaState]]:
        """Each replica's last probe; re-probed when older than the interval (one thread probes, the rest wait)."""
        if time.monotonic() - self._checked_at >= self.check_interval_s:
            with self._lock:
                if time.monotonic() - self._checked_at >= self.check_interval_s:
                    self.refresh()
        return [(target.name, self._states[target.name]) for target in self.replicas]

    def report_unreachable(self, target: ReadTarget, error: str = "connection failed") -> None:
        if target.name in self._states:
            self._record(target.name, ReplicaState(reachable=False, error=error))

    # -- the choice
    def choose(self, request: ReadRequest) -> tuple[ReadTarget, Choice]:
        choice = choose_read(request, self.states() if request_may_use_replica(request) else [],
                             next(self._turns), self.max_lag_s, self.must_be_standby)
        if choice.target == PRIMARY:
            return self.primary, choice
        return next(target for target in self.replicas if target.name == choice.target), choice

    def target_named(self, name: str) -> ReadTarget:
        return self.primary if name == PRIMARY else next(t for t in self.replicas if t.name == name)

    def dispose(self) -> None:
        for target in self.replicas:
            target.engine.dispose()


def _kind_of(reason: str) -> str:
    """A skip reason without its figures ("replay lag 6.2 s > 5 s" -> "replay lag")."""
    return "replay lag" if reason.startswith("replay lag") else reason


def request_may_use_replica(request: ReadRequest) -> bool:
    """Cheap pre-check so writes and private pages never pay for a probe."""
    return request.method.upper() in READ_METHODS and request.public_read and not request.has_authorization


# ------------------------------------------------------------------ the request (Flask)


def _replica_set():
    from flask import current_app, has_app_context

    return current_app.extensions.get("replicas") if has_app_context() else None


def read_target() -> ReadTarget:
    """The server this request reads from: a replica or the primary (always the primary without replicas)."""
    from flask import g, has_request_context

    replicas = _replica_set()
    if replicas is None:
        return primary_target()
    if has_request_context() and g.get("_read_target") is not None:
        return g._read_target
    return replicas.primary


def primary_target() -> ReadTarget:
    replicas = _replica_set()
    if replicas is not None:
        return replicas.primary
    engine = db.engine()
    return ReadTarget(PRIMARY, engine, _libpq_dsn(engine))


def report_unreachable(target: ReadTarget, error: str = "connection failed") -> None:
    replicas = _replica_set()
    if replicas is not None:
        replicas.report_unreachable(target, error)


def _route_request():
    """before_request, first of all: pick the server, bind this request's session to it, connect early."""
    from flask import current_app, g, request, session

    replicas = current_app.extensions["replicas"]
    is_public = current_app.extensions["replicas_public_read"]
    read = ReadRequest(method=request.method, public_read=is_public(request.endpoint),
                       has_authorization="Authorization" in request.headers,
                       written_lsn=_written_lsn(session))
    target, choice = replicas.choose(read)
    g._read_target = target
    g._read_choice = choice
    if target.name == PRIMARY:
        return None
    db.session.info["read_engine"] = target.engine
    try:
        db.session.connection()  # the first query would connect anyway; a dead replica is found here, not mid-view
    except DBAPIError as error:
        replicas.report_unreachable(target, type(error.orig).__name__ if error.orig else "error")
        log.warning("read replica %s failed on connect, this request reads from the primary", target.name)
        db.session.rollback()
        db.session.info.pop("read_engine", None)
        g._read_target = replicas.primary
        g._read_choice = Choice(PRIMARY, "replica failed on connect")
    return None


def _written_lsn(session) -> int | None:
    try:
        return parse_lsn(session.get(WRITTEN_LSN_KEY))
    except ValueError:
        return None


def _note_transaction(db_session, transaction, connection):
    db_session.info["began"] = True


def _before_commit(db_session):
    """A request's transaction on the primary that wrote (it has a transaction id) marks the person."""
    from flask import current_app, has_request_context, request

    if not has_request_context() or current_app.extensions.get("replicas") is None:
        return
    if "read_engine" in db_session.info or not db_session.info.get("began"):
        return
    if "Authorization" in request.headers:
        return  # a token's requests always read from the primary: no cookie to keep
    wrote = db_session.execute(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")).scalar()
    db_session.info["wrote"] = bool(wrote)


def _after_commit(db_session):
    from flask import current_app, has_request_context, session

    if not has_request_context() or not db_session.info.pop("wrote", False):
        return
    replicas = current_app.extensions.get("replicas")
    if replicas is None:
        return
    lsn = replicas._primary_lsn()  # after the commit: at or past its commit record
    if lsn is not None:
        session[WRITTEN_LSN_KEY] = format_lsn(lsn)


def _after_end(db_session, transaction):
    if transaction.parent is None:
        db_session.info.pop("began", None)


_listening = False


def init_app(app, settings, public_read: Callable[[object, str | None], bool]) -> None:
    """Call right after db.init_app, before anything that queries in before_request (caching's 304 check).

    ``public_read(app, endpoint)`` says whether an endpoint is a GET-only public read.
    """
    global _listening
    urls = tuple(settings.database_replica_urls)
    if not urls:
        app.extensions["replicas"] = None
        return
    app.extensions["replicas"] = ReplicaSet(
        db.engine(), urls, max_lag_s=settings.replica_max_lag_seconds,
        check_interval_s=settings.replica_check_seconds, must_be_standby=settings.replica_must_be_standby)
    known: dict = {}

    def is_public(endpoint):
        if endpoint not in known:
            known[endpoint] = endpoint is not None and public_read(app, endpoint)
        return known[endpoint]

    app.extensions["replicas_public_read"] = is_public
    app.before_request(_route_request)
    if not _listening:
        event.listen(db.SessionFactory, "after_begin", _note_transaction)
        event.listen(db.SessionFactory, "before_commit", _before_commit)
        event.listen(db.SessionFactory, "after_commit", _after_commit)
        event.listen(db.SessionFactory, "after_transaction_end", _after_end)
        _listening = True

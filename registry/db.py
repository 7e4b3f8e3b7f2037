"""The engine, a session per request, and the naming convention for constraints.

Domain code may flush but never commits: the request (after a 2xx/3xx) or the
CLI command commits once, and rolls back otherwise.
"""

import re
import threading
from functools import lru_cache

import psycopg
from psycopg.rows import dict_row, tuple_row
from sqlalchemy import Connection, MetaData, create_engine, make_url, text
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RoutingSession(Session):
    """A session that reads from the server a request was routed to (registry/replicas.py).

    SQLAlchemy's documented way to spread one session over several engines: ``get_bind``.
    A request routed to a replica sets ``info["read_engine"]`` for its whole life, so every
    statement of one page reads one server; otherwise the configured bind (the primary).
    """

    def get_bind(self, mapper=None, **kwargs):
        read_engine = self.info.get("read_engine")
        if read_engine is not None:
            return read_engine
        return super().get_bind(mapper, **kwargs)


SessionFactory = sessionmaker(class_=RoutingSession, expire_on_commit=False)
session = scoped_session(SessionFactory)
_engine = None


def make_engine(database_url: str, options: str = "", **connect_args):
    """The engine for one server; ``options`` adds server settings (``-c name=value``), e.g. a replica's."""
    return create_engine(
        database_url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        # Prepared statements keep the planner on the GiST index for dense bboxes
        # (performance.md, "planner traps").
        connect_args={"prepare_threshold": 1, "options": f"-c jit=off {options}".strip(), **connect_args},
    )


def init_app(app, database_url: str):
    global _engine
    if _engine is None or _engine.url.render_as_string(hide_password=False) != database_url:
        _engine = make_engine(database_url)
    SessionFactory.configure(bind=_engine)
    app.extensions["engine"] = _engine

    @app.after_request
    def commit_once(response):
        # The one commit of a request: only a successful or redirecting answer keeps its writes.
        if not session_in_use():
            return response  # a public read on the short path: no ORM session, nothing to commit (issue 14)
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
        return response

    @app.teardown_appcontext
    def remove_session(exc=None):
        if exc is not None:
            session.rollback()
        session.remove()


def engine():
    return _engine


def session_in_use() -> bool:
    """Has this request (or command) made its ORM session and begun, or queued, anything in it?

    Asking never makes the session: a public read that only used the short path below has none, and
    committing one would build a Session and a SessionTransaction for nothing (issue 14).
    """
    if not session.registry.has():
        return False
    current = session()
    return current.in_transaction() or bool(current.new or current.dirty or current.deleted)


def _session_info() -> dict:
    return session().info if session.registry.has() else {}


# ---------------------------------------------------------------- public reads: the short path
#
# THE connection pool for read-only public queries (issue 14 item 1), in this one place
# (read-replica routing, DATABASE_REPLICA_URLS, belongs here too). A public GET that has not
# written takes a pooled psycopg connection in autocommit: one round trip per statement, no
# BEGIN/COMMIT, no ORM objects, rows as dicts straight to the serialisers. A request that is
# already inside a transaction (it has written, or a test has bound the session to its own
# rolled-back connection) reads on that transaction's connection instead, so it sees its own writes.

_read_pools: dict = {}  # one pool per engine (server): a request routed to a replica reads from that replica
_read_pool_lock = threading.Lock()
_read_listeners: list = []  # the benchmark records every statement here (bench/run.py)
READ_POOL_MAX = 10


def _conninfo(database_url: str) -> str:
    """The libpq form of the app's SQLAlchemy URL (postgresql+psycopg://… → postgresql://…)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pool():
    # The server this request reads from: the replica it was routed to (registry/replicas.py sets
    # info["read_engine"]), else the primary.
    engine = _session_info().get("read_engine") or _engine
    pool = _read_pools.get(engine)
    if pool is None:
        with _read_pool_lock:
            pool = _read_pools.get(engine)
            if pool is None:
                from psycopg_pool import ConnectionPool

                # Opened lazily, in the process that serves (after gunicorn forks), like the engine's pool.
                # A replica's connections are read-only, as its engine's are (registry/replicas.py).
                kwargs = {"autocommit": True, "prepare_threshold": 1, "options": "-c jit=off"}
                if engine is not _engine:
                    kwargs["options"] += " -c default_transaction_read_only=on"
                    if "application_name" not in engine.url.query:
                        kwargs["application_name"] = "registry-replica-read"  # replicas.REPLICA_APPLICATION_NAME
                pool = ConnectionPool(
                    _conninfo(engine.url.render_as_string(hide_password=False)), min_size=1,
                    max_size=READ_POOL_MAX, open=True, name="public-reads", kwargs=kwargs)
                _read_pools[engine] = pool
    return pool


def _bound_to_connection() -> bool:
    """Is the session bound to one connection (a test's outer transaction) rather than the engine?"""
    return isinstance(SessionFactory.kw.get("bind"), Connection)


@lru_cache(maxsize=512)
def _psycopg_style(sql: str) -> str:
    """`:name` binds (as in sqlalchemy.text) to psycopg's `%(name)s`; `::type` casts are left alone."""
    return _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))


_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")  # sqlalchemy.text's own rule


def _run(conn, sql: str, params: dict, fetch: str):
    with conn.cursor(row_factory=dict_row if fetch == "rows" else tuple_row) as cursor:
        cursor.execute(sql, params)
        if fetch == "rows":
            return cursor.fetchall()
        row = cursor.fetchone()
        return None if row is None else row[0]


def _read(sql: str, params: dict | None, fetch: str):
    statement, params = _psycopg_style(sql), params or {}
    for listener in _read_listeners:
        listener(statement, params)
    if _bound_to_connection() or (session.registry.has() and session().in_transaction()):
        session.flush()  # this request's pending writes are part of what it reads
        # Through SQLAlchemy here, not the raw driver: the transaction's own statement events
        # (replica routing's per-server counts, the tests' checks) see this read too.
        result = session.execute(text(sql), params)
        if fetch == "rows":
            return [dict(row) for row in result.mappings()]
        row = result.first()
        return None if row is None else row[0]
    pool = _pool()
    try:
        with pool.connection() as conn:
            return _run(conn, statement, params, fetch)
    except psycopg.OperationalError:
        # A pooled connection the server has dropped (a restart, an idle timeout): the pool
        # discards it; a read has no effect, so ask once more on a fresh one.
        pool.check()
        with pool.connection() as conn:
            return _run(conn, statement, params, fetch)


def read_rows(sql: str, params: dict | None = None) -> list[dict]:
    """Every row of a read-only statement, as dicts (`:name` binds)."""
    return _read(sql, params, "rows")


def read_value(sql: str, params: dict | None = None):
    """The first column of the first row of a read-only statement, or None."""
    return _read(sql, params, "value")


def on_read(listener) -> None:
    """Call listener(statement, params) before each public read (the benchmark's capture)."""
    _read_listeners.append(listener)


def off_read(listener) -> None:
    _read_listeners.remove(listener)

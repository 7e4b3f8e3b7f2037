"""The engine, a session per request, and the naming convention for constraints.

Domain code may flush but never commits: the request (after a 2xx/3xx) or the
CLI command commits once, and rolls back otherwise.
"""

from sqlalchemy import MetaData, create_engine
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

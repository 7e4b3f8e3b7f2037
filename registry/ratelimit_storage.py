"""Rate-limit counters in PostgreSQL, shared by every worker and every host (a `limits` storage).

Flask-Limiter counts in a `limits` storage. ``memory://`` counts per process, so two gunicorn
workers gave an attacker twice the sign-in attempts; this storage keeps fixed-window counters
in the table ``rate_limit_counter`` (migration 0009), one upsert per counted request, on its own
small autocommit engine: a request that answers 400 (a failed sign-in) rolls back its own work
but not the count.

URI: ``registry-postgresql://user:password@host:port/database`` (security.py builds it from
DATABASE_URL when RATELIMIT_STORAGE_URI is unset). Redis (``redis://``) and ``memory://`` are
the library's own storages.
"""

import time
from typing import ClassVar

from limits.storage import Storage
from sqlalchemy import create_engine, text

SCHEME = "registry-postgresql"

_INCR = text(
    """
    INSERT INTO rate_limit_counter AS c (key, count, expires_at)
    VALUES (:key, :amount, clock_timestamp() + make_interval(secs => :expiry))
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN c.expires_at <= clock_timestamp() THEN :amount ELSE c.count + :amount END,
        expires_at = CASE WHEN c.expires_at <= clock_timestamp()
                          THEN clock_timestamp() + make_interval(secs => :expiry) ELSE c.expires_at END
    RETURNING count
    """
)


def uri_for(database_url: str) -> str:
    """registry-postgresql://… from a SQLAlchemy or libpq URL."""
    rest = database_url.split("://", 1)[1]
    return f"{SCHEME}://{rest}"


class PostgresStorage(Storage):
    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        url = "postgresql+psycopg://" + uri.split("://", 1)[1]
        self.engine = create_engine(
            url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=4, pool_pre_ping=True,
            pool_timeout=2, connect_args={"connect_timeout": 2, "options": "-c statement_timeout=2000"},
        )
        self._last_sweep = 0.0

    @property
    def base_exceptions(self):
        from sqlalchemy.exc import SQLAlchemyError

        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.engine.connect() as connection:
            count = connection.execute(_INCR, {"key": key, "amount": amount, "expiry": float(expiry)}).scalar_one()
            self._sweep(connection)
        return int(count)

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            count = connection.execute(text(
                "SELECT count FROM rate_limit_counter WHERE key = :key AND expires_at > clock_timestamp()"),
                {"key": key}).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as connection:
            expires = connection.execute(text(
                "SELECT extract(epoch FROM expires_at) FROM rate_limit_counter WHERE key = :key"),
                {"key": key}).scalar()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1 FROM rate_limit_counter LIMIT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False

    def reset(self) -> int | None:
        with self.engine.connect() as connection:
            return connection.execute(text("DELETE FROM rate_limit_counter")).rowcount

    def clear(self, key: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("DELETE FROM rate_limit_counter WHERE key = :key"), {"key": key})

    def _sweep(self, connection) -> None:
        """Drop long-expired windows now and then, so the table stays small."""
        now = time.monotonic()
        if now - self._last_sweep > 300:
            self._last_sweep = now
            connection.execute(text(
                "DELETE FROM rate_limit_counter WHERE expires_at < clock_timestamp() - interval '1 hour'"))

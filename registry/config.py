"""Settings, read from the environment once when the app is created.

Statutory periods and thresholds that the domain specification marks as
unverified ([U]) live here too, so an authority can change them without a
code change.
"""

import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

DEFAULT_DATABASE_URL = "postgresql+psycopg://registry:registry@127.0.0.1:5432/registry"


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


@dataclass
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # The role that owns the schema: migrations and bulk loads (CLI) use it; the app never does.
    database_owner_url: str = ""
    # Streaming replicas for public reads (DATABASE_REPLICA_URLS, comma-separated; registry/replicas.py):
    # a replica further behind than replica_max_lag_seconds, down, or not in recovery is skipped; each is
    # probed at most once every replica_check_seconds. replica_must_be_standby=False lets a second
    # connection to the primary itself stand in for a replica (the tests: CI has no standby).
    database_replica_urls: tuple = ()
    replica_max_lag_seconds: float = 5.0
    replica_check_seconds: float = 1.0
    replica_must_be_standby: bool = True
    secret_key: str = ""
    # Base map: empty means the app's own vector base map (/tiles/base, registry/basemap.py), so no
    # request leaves the host; a raster tile URL template (or BASEMAP_PMTILES, a local PMTiles
    # archive of vector tiles served at /tiles/base) replaces it.
    tile_url: str = ""
    tile_attribution: str = "Natural Earth; ONS postcode data, Crown copyright"
    basemap_pmtiles: str = ""
    public_base_url: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    mail_from: str = "registry@localhost"
    session_cookie_secure: bool = False
    session_lifetime_minutes: int = 120
    rate_limits_enabled: bool = True
    # Where rate-limit counters live, shared by every process: "" means this database (PostgreSQL),
    # or redis://host:port/db, or memory:// (one process only).
    ratelimit_storage_uri: str = ""
    # FLASK_DEBUG=1: a missing SECRET_KEY or PUBLIC_BASE_URL is made up instead of refused.
    debug: bool = False
    # General Disposal Consent 2003 (England, Wales): an undervalue up to this needs no specific consent.
    general_disposal_consent_limit_gbp: int = 2_000_000
    # Councils (GSS codes) that let a community asset transfer skip the business case stage
    # (REGISTRY_CAT_NO_BUSINESS_CASE, comma-separated).
    cat_no_business_case: tuple = ()
    # Statutory periods (registry/workflow/rules.py): REGISTRY_PERIOD_OVERRIDES (JSON), local closure
    # days (REGISTRY_LOCAL_CLOSURE_DAYS: ISO dates, comma-separated) and the working-day rules whose
    # definition includes them (REGISTRY_CLOSURE_DAY_RULES: rule codes). Checked by rules.configure.
    period_overrides: str = ""
    # The s.94 register's sh_classification (registry/scottish_reports.py SH_CLASSIFICATIONS): entries added or
    # changed, REGISTRY_SH_CLASSIFICATION="depot=CI08, former_school=" (asset type=code; an empty code removes
    # the entry). Checked at start-up by scottish_reports.classification_table.
    sh_classification_overrides: tuple = ()
    local_closure_days: tuple = ()
    closure_day_rules: tuple = ()
    # Imports from the page and the API: a file of more rows than this is queued for `flask imports work`.
    import_sync_rows: int = 2000
    # Statements of community support: a signature never confirmed is deleted this many days after it was
    # last signed (`flask support purge`). [U] A retention decision for the council's privacy notice, not a
    # statute; at least the confirmation link's 14 days.
    support_unconfirmed_retention_days: int = 30
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "Settings":
        env = os.environ
        return cls(
            database_url=normalise_database_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
            database_owner_url=normalise_database_url(env["DATABASE_OWNER_URL"]) if env.get("DATABASE_OWNER_URL")
            else "",
            database_replica_urls=tuple(normalise_database_url(url.strip()) for url in
                                        env.get("DATABASE_REPLICA_URLS", "").split(",") if url.strip()),
            replica_max_lag_seconds=float(env.get("REPLICA_MAX_LAG_SECONDS", cls.replica_max_lag_seconds)),
            replica_check_seconds=float(env.get("REPLICA_CHECK_SECONDS", cls.replica_check_seconds)),
            replica_must_be_standby=env.get("REPLICA_MUST_BE_STANDBY", "1") != "0",
            secret_key=env.get("SECRET_KEY", ""),
            tile_url=env.get("TILE_URL", cls.tile_url),
            tile_attribution=env.get("TILE_ATTRIBUTION", cls.tile_attribution),
            basemap_pmtiles=env.get("BASEMAP_PMTILES", ""),
            public_base_url=env.get("PUBLIC_BASE_URL", ""),
            smtp_host=env.get("SMTP_HOST", cls.smtp_host),
            smtp_port=int(env.get("SMTP_PORT", cls.smtp_port)),
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            session_cookie_secure=env.get("SESSION_COOKIE_SECURE", "0") == "1",
            session_lifetime_minutes=int(env.get("SESSION_LIFETIME_MINUTES", cls.session_lifetime_minutes)),
            import_sync_rows=int(env.get("IMPORT_SYNC_ROWS", cls.import_sync_rows)),
            support_unconfirmed_retention_days=int(env.get("SUPPORT_UNCONFIRMED_RETENTION_DAYS",
                                                           cls.support_unconfirmed_retention_days)),
            rate_limits_enabled=env.get("RATE_LIMITS", "1") != "0",
            period_overrides=env.get("REGISTRY_PERIOD_OVERRIDES", ""),
            sh_classification_overrides=_classification_pairs(env.get("REGISTRY_SH_CLASSIFICATION", "")),
            local_closure_days=_dates(env.get("REGISTRY_LOCAL_CLOSURE_DAYS", "")),
            closure_day_rules=_words(env.get("REGISTRY_CLOSURE_DAY_RULES", "")),
            cat_no_business_case=tuple(code.upper() for code in _words(env.get("REGISTRY_CAT_NO_BUSINESS_CASE", ""))),
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", ""),
            debug=env.get("FLASK_DEBUG", "0").lower() in ("1", "true", "yes"),
        )

    def check_for_production(self) -> None:
        """Outside debug and testing, refuse to start without a secret key or a public address.

        A key made up per process breaks sessions and CSRF tokens across workers; links in emails
        built from the request's Host header can be pointed at another site (host-header poisoning).
        """
        if self.debug or self.testing:
            if not self.secret_key:
                self.secret_key = secrets.token_hex(32)
            return
        if not self.secret_key:
            raise SystemExit("SECRET_KEY is not set: refusing to start (bin/serve keeps one in .secret_key).")
        if not self.public_base_url:
            raise SystemExit("PUBLIC_BASE_URL is not set: refusing to start (links in emails need it, "
                             "e.g. PUBLIC_BASE_URL=https://registry.example.gov.uk).")


def current() -> Settings:
    """The running app's settings (read once, when it was created); the defaults outside an app."""
    from flask import current_app, has_app_context

    return current_app.config["SETTINGS"] if has_app_context() else Settings()


def _words(text: str) -> tuple:
    return tuple(word for word in text.replace(",", " ").split() if word)


def _dates(text: str) -> tuple:
    try:
        return tuple(date.fromisoformat(word) for word in _words(text))
    except ValueError as error:
        raise ValueError(f"REGISTRY_LOCAL_CLOSURE_DAYS must be dates written YYYY-MM-DD: {error}") from None


# An address classification code: primary letter, then optionally the secondary letter, the two-digit
# tertiary level and the two-letter quaternary level (C, CL, CL03, CL03RR; LB99PI).
_CLASSIFICATION_CODE = re.compile(r"[A-Z](?:[A-Z](?:[0-9]{2}(?:[A-Z]{2})?)?)?")


def _classification_pairs(text: str) -> tuple:
    """"depot=CI08, former_school=" -> (("depot", "CI08"), ("former_school", "")). Pure; ValueError when malformed."""
    pairs = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        asset_type, sep, code = (piece.strip() for piece in item.partition("="))
        code = code.upper()
        if not sep or not asset_type or (code and not _CLASSIFICATION_CODE.fullmatch(code)):
            raise ValueError(f"REGISTRY_SH_CLASSIFICATION must be asset type=classification code pairs, "
                             f"comma-separated (for example depot=CI08): {item!r}")
        pairs.append((asset_type, code))
    return tuple(pairs)

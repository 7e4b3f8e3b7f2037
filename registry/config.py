"""Settings, read from the environment once when the app is created.

Statutory periods and thresholds that the domain specification marks as
unverified ([U]) live here too, so an authority can change them without a
code change.
"""

import os
import secrets
from dataclasses import dataclass, field

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
    # General Disposal Consent 2003 (England, Wales): an undervalue up to this needs no specific consent.
    general_disposal_consent_limit_gbp: int = 2_000_000
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "Settings":
        env = os.environ
        return cls(
            database_url=normalise_database_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
            secret_key=env.get("SECRET_KEY") or secrets.token_hex(32),
            tile_url=env.get("TILE_URL", cls.tile_url),
            tile_attribution=env.get("TILE_ATTRIBUTION", cls.tile_attribution),
            basemap_pmtiles=env.get("BASEMAP_PMTILES", ""),
            public_base_url=env.get("PUBLIC_BASE_URL", ""),
            smtp_host=env.get("SMTP_HOST", cls.smtp_host),
            smtp_port=int(env.get("SMTP_PORT", cls.smtp_port)),
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            session_cookie_secure=env.get("SESSION_COOKIE_SECURE", "0") == "1",
            session_lifetime_minutes=int(env.get("SESSION_LIFETIME_MINUTES", cls.session_lifetime_minutes)),
            rate_limits_enabled=env.get("RATE_LIMITS", "1") != "0",
        )

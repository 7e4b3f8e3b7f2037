"""The register's change counter: one number that moves whenever anything a public page shows changes.

Triggers keep it (migrations 0001, 0005 and 0015): every committed write to an
asset, case, case event, deadline, transfer, condition, authority, organisation
or postcode bumps `map_version.version` once, at commit, and stamps
`changed_at`. The HTTP validators of public answers are made from it.
"""

from dataclasses import dataclass
from datetime import datetime

from . import db


@dataclass(frozen=True)
class RegisterVersion:
    version: int
    changed_at: datetime  # timezone-aware, UTC


def register_version() -> RegisterVersion:
    row = db.read_rows("SELECT version, changed_at FROM map_version")[0]
    return RegisterVersion(row["version"], row["changed_at"])

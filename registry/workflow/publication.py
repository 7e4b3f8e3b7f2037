"""What a step publishes, and the check that keeps contact details out of it (issue 12 item 1).

Pure rules: no session, no request. A step's free text is published only where
its declaration says so (``Field(public=True)``, and the reasons of a step
declared ``reasons=True``); everything else is private by default.

Published text that holds an email address or a UK phone number is refused,
naming the field, unless a council officer publishes it deliberately: the form
(or the API's ``data``) then carries ``publish_personal_data`` and a
``publish_personal_data_reason``, which is recorded with the step (in the
event's private data, never published).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import phonenumbers

from ..errors import InvalidInput
from ..permissions import OFFICER_ROLES

FREE_TEXT_KINDS = frozenset({"text", "textarea"})
OVERRIDE = "publish_personal_data"
OVERRIDE_REASON = "publish_personal_data_reason"

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# How a UK number starts when a person writes it: 0…, (0…), +44…, 0044…
_UK_START = re.compile(r"^(?:\+\s*44|0044|\(?0)")


def published_texts(transition, values: Mapping, reasons: str | None) -> list[tuple[str, str, str]]:
    """(field name, label, text) of every piece of free text this step would publish, in form order."""
    out = []
    for f in transition.fields:
        if f.public and f.kind in FREE_TEXT_KINDS and values.get(f.name):
            out.append((f.name, f.label, str(values[f.name])))
    if transition.reasons and reasons:
        out.append(("reasons", "Reasons", reasons))
    return out


def phone_numbers(text: str) -> list[str]:
    """UK phone numbers written in the text (libphonenumber's matcher, UK-style starts only)."""
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        if _UK_START.match(match.raw_string.strip()):
            found.append(match.raw_string)
    return found


def contact_details(text: str) -> list[str]:
    """Email addresses and UK phone numbers in the text, as written."""
    return EMAIL.findall(text) + phone_numbers(text)


def _what(found: list[str], text: str) -> str:
    emails = EMAIL.findall(text)
    kinds = []
    if emails:
        kinds.append("an email address")
    if len(found) > len(emails):
        kinds.append("a phone number")
    return " and ".join(kinds)


def screen(transition, values: Mapping, reasons: str | None, data: Mapping, *, roles=frozenset()) -> dict:
    """Refuse published text holding contact details; returns what to record privately with the step.

    Returns ``{}`` when nothing needs recording, or the officer's deliberate decision
    ``{"personal_data_published": {"fields": [...], "reason": "..."}}``.
    """
    officer = bool(set(roles) & OFFICER_ROLES)
    flagged = [(name, label, text) for name, label, text in published_texts(transition, values, reasons)
               if contact_details(text)]
    if not flagged:
        return {}
    override = str(data.get(OVERRIDE) or "").strip().lower() in ("1", "yes", "true", "on", "y")
    reason = str(data.get(OVERRIDE_REASON) or "").strip()
    name, label, text = flagged[0]
    if override and officer and reason:
        return {"personal_data_published": {"fields": [n for n, _, _ in flagged], "reason": reason}}
    if override and officer:
        raise InvalidInput("Say why this contact detail must be published.", field=OVERRIDE_REASON)
    detail = (f"{label} contains {_what(contact_details(text), text)}. This text is published, so remove it: "
              "contact details belong in the private fields.")
    if officer:
        detail += " If it must be published, tick “Publish it anyway” and say why."
    raise InvalidInput(detail, field=name)

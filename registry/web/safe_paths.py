"""Which ``next`` targets are paths on this site: one check, shared by the sign-in, the sign-up and the
error pages' links (its own module, so the templates' helpers reach it without importing the views)."""

from urllib.parse import unquote, urlsplit


def is_same_site_path(target: str | None) -> bool:
    """True only for a path on this site: "/cases/3?tab=x", never "//evil", "/\\evil", "https://evil".

    Our own check, not a parser's opinion: browsers read a backslash as a slash and drop tabs and
    newlines, so "/\\evil.example", "/\t/evil.example" and their percent-encoded forms ("/%5Cevil",
    "/%2F/evil", "%2F%2Fevil", doubly encoded too) all mean another host. The target is decoded
    until it stops changing, and refused if any form of it has a backslash, a control character,
    or a second leading slash, or does not start with one.
    """
    if not target or len(target) > 2000:
        return False
    forms = [target]
    for _ in range(5):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    for form in forms:
        if not form.startswith("/") or form.startswith("//"):
            return False
        if "\\" in form or any(ord(c) < 0x20 or ord(c) == 0x7F for c in form):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
    return True

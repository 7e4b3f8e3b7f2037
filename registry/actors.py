"""The actors that are not a user: the public (not signed in) and the registry's own clock.

One shape for both, so permissions, audit and the engine read the same attributes of every actor:
``id`` None (audit rows name no user), no authority, no organisations. A `User` (accounts.py) is the
third kind. Flask-Login builds `AnonymousActor()` itself for a request without a signed-in user.
"""


class NotAUser:
    """What every actor that is not a user has."""

    id = None
    roles: frozenset[str] = frozenset()
    authority_code = None
    organisation_ids: frozenset[int] = frozenset()
    display_name = ""
    is_authenticated = False
    is_active = False
    is_anonymous = True

    def get_id(self):  # Flask-Login's name
        return None


class AnonymousActor(NotAUser):
    """The public: not signed in."""

    roles = frozenset({"public"})
    display_name = "Public"


class SystemActor(NotAUser):
    """The registry's own clock: takes only transitions declared ``system=True``."""

    roles = frozenset({"system"})
    display_name = "The registry (automatic)"


ANONYMOUS = AnonymousActor()
SYSTEM = SystemActor()

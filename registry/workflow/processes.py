"""Which processes there are, and the declaration of each (its module's ``PROCESS``).

The engine, the notices and the pages look a process up here; the declarations are imported when
first asked for, so this module imports none of them (and nothing of the engine).
"""

import importlib
from functools import cache

from ..errors import NotFound

PROCESS_MODULES = {
    "acv": "registry.workflow.acv",
    "moratorium": "registry.workflow.moratorium",
    "right_to_challenge": "registry.workflow.right_to_challenge",
    "cat": "registry.workflow.cat",
    "compensation": "registry.workflow.compensation",
    "scottish_atr": "registry.workflow.scottish_atr",
    "community_right_to_buy": "registry.workflow.community_right_to_buy",
    "abandoned_land_right_to_buy": "registry.workflow.abandoned_land",
    "sustainable_development_right_to_buy": "registry.workflow.sustainable_development",
}


@cache
def get_process(code: str):
    """The declared ``Process`` for a code ("acv", "cat", ...); NotFound for any other."""
    if code not in PROCESS_MODULES:
        raise NotFound(f"There is no process {code!r}.")
    return importlib.import_module(PROCESS_MODULES[code]).PROCESS


def all_processes() -> list:
    return [get_process(code) for code in PROCESS_MODULES]

"""The shape of a process declaration: `Process`, its `Transition` s and their `Field` s, and the
`Context` a guard or an effect sees.

A process module (acv.py, cat.py, …) builds its `PROCESS` from these and imports nothing of the
engine; the engine (engine.py) reads them. `Process.step` says, purely, whether an action may be
taken from a state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import permissions
from ..errors import TransitionRefused
from . import rules
from .cases import Case, CaseEvent, Deadline

NEW = "new"  # the pseudo-state before a case exists



@dataclass(frozen=True)
class Field:
    """A value a transition records. ``private`` values never reach a public page."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | date | choice | choices | integer | boolean | geojson
    required: bool = True
    choices: Mapping[str, str] | None = None
    private: bool = False
    hint: str = ""
    public: bool = False  # free text that is published (registers, feeds, case pages); private is the default


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    from_states: tuple[str, ...]
    to_state: str
    permission: str
    fields: tuple[Field, ...] = ()
    reasons: bool = False  # reasons are required (and published)
    starts: str | None = None  # a rules.EVENTS code: its deadlines are created
    anchor: str | None = None  # the date field that anchors them (default: today)
    meets: tuple[str, ...] = ()  # deadline rule codes this step meets
    closes: tuple[str, ...] = ()  # deadline rule codes this step makes not applicable
    guard: Callable[[Context], None] | None = None
    effect: Callable[[Context], None] | None = None
    different_person: bool = False  # may not be taken by whoever took the case's last decision
    records_decision: bool = False  # the actor becomes the case's decision-maker
    target: Callable[[Case, dict], Any] | None = None  # what the permission scope is checked against
    system: bool = False  # the registry's clock may take it
    anchor_may_be_future: bool = False  # e.g. the close of a submission window
    hint: str = ""

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Process:
    code: str
    label: str
    reference_prefix: str
    states: Mapping[str, str]  # code -> label
    terminal: frozenset[str]
    transitions: tuple[Transition, ...]
    live_status: Mapping[str, str] = field(default_factory=dict)
    regimes: tuple[str, ...] = ("LA2011",)
    public_states_hidden: frozenset[str] = frozenset({"draft"})
    # Completion hooks: state -> "module:function", called by the engine when a step reaches that state,
    # with (case, case data, actor, today). A process reaches another noun (transfers) this way, never
    # by importing it.
    on_complete: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        known = set(self.states) | {NEW}
        for state, hook in self.on_complete.items():
            if state not in known or hook.count(":") != 1:
                raise ValueError(f"{self.code}: completion hook {state!r} -> {hook!r} must name a state and "
                                 "a 'module:function'")
        for t in self.transitions:
            unknown = (set(t.from_states) | {t.to_state}) - known
            if unknown:
                raise ValueError(f"{self.code}.{t.action}: unknown state(s) {sorted(unknown)}")
            permissions.rule(t.permission)  # fails on an undeclared permission
            if t.starts:
                rules.get_event(t.starts)

    def get(self, action: str) -> Transition | None:
        return next((t for t in self.transitions if t.action == action), None)

    def available(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.from_states]

    def state_label(self, state: str) -> str:
        return self.states.get(state, state.replace("_", " "))

    def step(self, state: str, action: str) -> Transition:
        """The declared transition for ``action`` from ``state``, or TransitionRefused saying why. Pure."""
        allowed = [x.action for x in self.available(state)]
        now = f"Steps allowed now: {', '.join(allowed)}." if allowed else "No step is allowed now."
        t = self.get(action)
        if t is None:
            raise TransitionRefused(f"{self.label} has no step called {action!r}. {now}",
                                    from_state=state, action=action, allowed=allowed)
        if state not in t.from_states:
            why = (f"the case is closed ('{self.state_label(state)}')" if state in self.terminal
                   else f"the case is '{self.state_label(state)}'")
            starts = ", ".join(f"'{self.state_label(s)}'" for s in t.from_states)
            raise TransitionRefused(
                f"You cannot {t.label[0].lower() + t.label[1:]} now: {why}. "
                f"That step is allowed only from {starts}. {now}",
                from_state=state, action=action, allowed=allowed)
        return t


# ------------------------------------------------------------------ the context a guard sees


@dataclass
class Context:
    case: Case
    process: Process
    transition: Transition
    actor: Any
    today: date
    values: dict  # parsed public field values (JSON-ready)
    private: dict  # parsed private field values
    reasons: str | None
    open_deadlines: dict[str, Deadline]
    anchor_date: date | None = None
    effective_date: date | None = None  # the day the step happened in law (defaults to today)
    supersedes: CaseEvent | None = None  # the automatic step this in-time, late-entered step supersedes
    late_reason: str | None = None  # why it was keyed late (private)

    def refuse(self, detail: str) -> None:
        raise TransitionRefused(
            detail,
            from_state=self.case.state,
            action=self.transition.action,
            allowed=[t.action for t in self.process.available(self.case.state)],
        )

    def value(self, name: str, default=None):
        if name in self.values:
            return self.values[name]
        if name in self.private:
            return self.private[name]
        return self.case.data.get(name, default)

    def date_value(self, name: str) -> date | None:
        raw = self.value(name)
        return date.fromisoformat(raw) if raw else None

    def deadline(self, rule_code: str) -> Deadline | None:
        return self.open_deadlines.get(rule_code)

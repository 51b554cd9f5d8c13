"""The warning a converted function gives when it keeps being traced (`RetraceWarning`).

Each new signature (shapes, dtypes, static values) is a trace and a compilation. Past a
limit, which is a setting (`convert(..., max_traces=N)`, else the environment variable
`AUTOGRAPH_MAX_TRACES`, else `DEFAULT_MAX_TRACES`; 0 turns the warning off), the function
warns once, naming what differs between the latest signature and the one before.
"""

from __future__ import annotations

import os
import types

from autograph.errors import AutographError
from autograph.staging import tracing

DEFAULT_MAX_TRACES = 10
ENVIRONMENT_VARIABLE = "AUTOGRAPH_MAX_TRACES"


class RetraceWarning(UserWarning):
    """A converted function was traced many times: its signatures keep changing."""


def max_traces(setting: int | None) -> int:
    """The limit: `setting` when given, else the environment variable, else the default."""
    return whole_number_setting(setting, "max_traces", ENVIRONMENT_VARIABLE,
                                DEFAULT_MAX_TRACES, 0, "a whole number of traces (0: never warn)")


def whole_number_setting(setting, name: str, variable: str, default: int, least: int,
                         what: str) -> int:
    """An int option of `convert`: `setting` when given, else the environment `variable`,
    else `default`; an AutographError naming where it came from if not an int >= least."""
    where = name
    if setting is None:
        text = os.environ.get(variable, "").strip()
        if not text:
            return default
        where = variable
        try:
            setting = int(text)
        except ValueError:
            setting = text
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < least:
        raise AutographError(f"{where} must be {what}, got {setting!r}")
    return setting


def describe_each(bound, static) -> dict[str, str]:
    """Per argument, its part of the signature (`f32[3]`, `int (weak)`, `'fast' (static)`)."""
    out = {}
    for name, value in bound.arguments.items():
        one = types.SimpleNamespace(arguments={name: value})
        out[name] = tracing.describe_key(one, static).split(": ", 1)[-1]
    return out


class Retraces:
    """Counts one function's traces; says, once, when they pass the limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.warned = False
        self.previous: dict[str, str] | None = None

    def record(self, count: int, signature: dict[str, str], reason: str) -> str | None:
        """The warning's text (without the function's name) when this trace, the
        `count`-th, is the first past the limit; else None."""
        previous, self.previous = self.previous, signature
        if self.warned or not self.limit or count <= self.limit:
            return None
        self.warned = True
        if previous is None:
            changed = "its arguments"
        else:
            changed = "; ".join(
                f"{name}: {previous.get(name, 'absent')} -> {signature.get(name, 'absent')}"
                for name in [*previous, *(n for n in signature if n not in previous)]
                if previous.get(name) != signature.get(name)) or "the captured values"
        return (f"has been traced {count} times, more than max_traces={self.limit}; the "
                f"latest signature differs from the one before in {changed} ({reason}). "
                f"Pass arrays of stable shapes or mark changing arguments static; if the "
                f"shapes are meant to vary, raise the limit with convert(..., max_traces=N) "
                f"or {ENVIRONMENT_VARIABLE}=N (0: never warn). This warning is given once "
                f"per function.")


def changed(previous: dict[str, str] | None, signature: dict[str, str]) -> str:
    """`x: f32[3] -> f32[4]; mode: 'a' (static) -> 'b' (static)`: what differs."""
    if previous is None:
        return ""
    return "; ".join(
        f"{name}: {previous.get(name, 'absent')} -> {signature.get(name, 'absent')}"
        for name in [*previous, *(n for n in signature if n not in previous)]
        if previous.get(name) != signature.get(name))


class History:
    """One function's traces, for explain() and the warning: the latest `keep` of them
    as (signature, reason), how many there were, and what the last one was traced for."""

    def __init__(self, limit: int, keep: int):
        self.retraces = Retraces(limit)
        self.keep = keep
        self.entries: list[tuple[str, str]] = []
        self.count = 0
        self.last: dict[str, str] | None = None

    def __len__(self) -> int:
        return self.count

    def reason(self, bound, key, latest) -> str:
        """Why `key` is traced: "first call", or the arguments whose part of the key
        differs from `latest`'s (the most recently used specialisation)."""
        if not self.count:
            return "first call"
        if latest is None or len(key) != len(latest.key):
            return "new signature"
        names = [name for name, new, old in zip(bound.arguments, key, latest.key) if new != old]
        return f"new {', '.join(names)}" if names else "new signature"

    def record(self, description: str, reason: str, signature: dict[str, str],
               notes: list[str]) -> str | None:
        """Records a trace; puts "what changed" first in `notes`; returns the warning's
        text when this trace is the first past the limit."""
        difference = changed(self.last, signature)
        if difference:
            notes.insert(0, f"what changed: {difference}")
        self.last = signature
        self.count += 1
        self.entries.append((description, reason))
        del self.entries[:-self.keep]
        return self.retraces.record(self.count, signature, reason)

"""`f.explain()`: what autograph did with a converted function, and what it cost.

A user who wonders why a call was slow, or why a function keeps recompiling, should not
have to set environment variables and read logs: every specialisation keeps how it was
made (a `Build`: seconds per phase and the optimiser's `Report`), and `explain` turns a
function's trace history into a few lines per trace —

    mandelbrot: 1 trace(s), backend 'cpu'
      1. (height: 4 (static), ...) — `width` made static: an integer is needed at line 11
         time: trace 41.2 ms, optimise 6.3 ms, import numba 480.3 ms, codegen 9.8 ms,
               Numba compile 812.5 ms
         parallel: the for loop at line 9 (400 independent iterations, ~12.8 ms of work)
         passes: 58 -> 54 ops in 2 round(s)
           constant_folding (round 1): 58 -> 56 ops; folded 2 constants
           unchanged: simplify, cse, licm, dce (round 1); all 5 (round 2)

With `optimize=False` or a list of names, a last line says what was switched on.

The phases (`PHASES`) are timed apart by runtime/compiling.py: importing Numba (once per
process), writing the program text ("codegen"), and either Numba compiling the program,
loading its machine code from Numba's disk cache ("Numba cache load"), or finding the
same program text already loaded in this process ("program in memory"). Programs built some
other way show Numba's own measurement (the time its compiler lock was held). Then come
the notes: what changed since the previous trace, loops left unrolled, which loops run in
parallel and why (the cost model of ir/analysis/parallel.py), objects keyed by identity.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Sequence

from autograph.passes.report import Report

PHASES = ("trace", "optimise", "import numba", "codegen", "Numba compile", "Numba cache load",
          "program in memory")


class Stopwatch:
    """Seconds between successive `lap(name)` calls, kept in `laps` by name."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now


@dataclasses.dataclass
class Build:
    """How one specialisation was made: seconds per phase, the optimiser's report (None
    when the function was converted with `optimize=False`), and what `optimize=` switched
    on (`Optimization.describe()`: empty for the default; otherwise the report alone
    would not say which code-generation features were off)."""

    seconds: dict[str, float]
    report: Report | None = None
    optimize: str | None = None
    notes: tuple[str, ...] = ()  # from tracing: loops left unrolled, and why


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def numba_compile(program) -> str | None:
    """What Numba did for `program` (a compiled CPU program), or None if it is not Numba's."""
    dispatcher = getattr(program, "function", None)
    overloads = getattr(dispatcher, "overloads", None)
    if overloads is None:
        return None
    if not overloads:
        return "Numba compile on the first call (not called yet)"
    seconds = 0.0
    for result in overloads.values():
        timers = (getattr(result, "metadata", None) or {}).get("timers") or {}
        seconds += timers.get("compiler_lock", 0.0)
    if seconds:
        return f"Numba compile {_ms(seconds)}"
    stats = getattr(dispatcher, "stats", None)
    if stats is not None and sum(stats.cache_hits.values()):
        return "Numba compile: loaded from Numba's disk cache"
    return "Numba compile: time unknown"


def _passes_lines(report: Report | None) -> list[str]:
    if report is None:
        return ["passes: none (optimize=False)"]
    if not report.records:
        return ["passes: none ran"]
    first, last = report.records[0], report.records[-1]
    rounds = max(r.round for r in report.records)
    lines = [f"passes: {first.ops_before} -> {last.ops_after} ops in {rounds} round(s), "
             f"{_ms(report.seconds)}"]
    unchanged: dict[int, list[str]] = {}
    for record in report.records:
        if record.changed or record.changes:
            what = "; ".join(record.changes) or "changed"
            lines.append(f"  {record.name} (round {record.round}): "
                         f"{record.ops_before} -> {record.ops_after} ops; {what}")
        else:
            unchanged.setdefault(record.round, []).append(record.name)
    per_round = {r.round: 0 for r in report.records}
    for record in report.records:
        per_round[record.round] += 1
    groups = []
    for round_, names in unchanged.items():
        everything = len(names) == per_round[round_] and len(names) > 1
        groups.append(f"all {len(names)} (round {round_})" if everything
                      else f"{', '.join(names)} (round {round_})")
    if groups:
        lines.append(f"  unchanged: {'; '.join(groups)}")
    return lines


def describe_build(build: Build | None, program) -> list[str]:
    """The lines about one specialisation's build: times, then passes."""
    if build is None:
        return []
    times = [f"{phase} {_ms(build.seconds[phase])}" for phase in PHASES if phase in build.seconds]
    compiled = None if set(PHASES[4:]) & set(build.seconds) \
        else numba_compile(program)
    if compiled:
        times.append(compiled)
    lines = ["time: " + ", ".join(times)] + list(build.notes) + _passes_lines(build.report)
    return lines + [build.optimize] if build.optimize else lines


def explain(name: str, backend: str, history: Sequence[tuple[str, str]], specs,
            total: int | None = None, evicted: int = 0, threads: int | None = None) -> str:
    """The text of `f.explain()`: each trace in `history` ((signature, reason) pairs, in
    order: the latest of `total`), with the build of the matching specialisation from
    `specs` (by signature); `evicted` specialisations the trace cache dropped."""
    if not history:
        return f"{name}: not traced yet"
    total = len(history) if total is None else total
    by_description = {}
    for spec in specs:
        by_description.setdefault(getattr(spec, "description", None), spec)
    lines = [f"{name}: {total} trace(s), backend {backend!r}"
             + (f", threads={threads}" if threads is not None else "")]
    if evicted:
        lines.append(f"  {evicted} least recently used specialisation(s) dropped "
                     f"(convert(cache_size=), AUTOGRAPH_CACHE_SIZE)")
    first = total - len(history) + 1
    if first > 1:
        lines.append(f"  (traces 1-{first - 1} not shown)")
    for i, (description, reason) in enumerate(history, first):
        lines.append(f"  {i}. ({description}) — {reason}")
        spec = by_description.get(description)
        if spec is not None:
            details = describe_build(getattr(spec, "build", None), getattr(spec, "program", None))
            lines.extend(" " * (len(str(i)) + 4) + line for line in details)
    return "\n".join(lines)

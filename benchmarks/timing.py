"""Timing: medians of repeated blocks of calls, interleaved across systems.

The machine these numbers come from is shared and noisy, so every figure is a median
and every comparison is a ratio of medians taken in the same run. Two choices make the
ratios honest:

- Repeats are interleaved (round robin over the systems of one case): a burst of noise
  lands on every system alike instead of on whichever happened to run then.
- One sample is the mean per-call time of a block of `calls` back-to-back calls, with the
  garbage collector off (as `timeit` does); calls are only reduced, never raised, to keep
  a slow system (plain Python) within its time budget.

`per_call` is what the tables quote; `Timing.samples` keeps every sample for the JSON.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence


@dataclass
class Timing:
    """Per-call seconds of each repeat, and how they were taken."""

    samples: list[float] = field(default_factory=list)
    calls: int = 1

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Half the interquartile range, relative to the median (0.05 reads "±5%"): how
        far typical samples stray, not swayed by one outlier as the range would be."""
        if len(self.samples) < 2 or self.median == 0:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.samples, n=4, method="inclusive")
        return (q3 - q1) / 2 / self.median

    def to_json(self) -> dict:
        return {"median_s": self.median, "spread": self.spread, "calls": self.calls,
                "repeats": len(self.samples), "samples_s": self.samples}


def time_block(fn: Callable, args: Sequence, calls: int) -> float:
    """Mean seconds per call of `calls` calls of `fn(*args)`, garbage collector off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / calls


@dataclass
class Plan:
    """How one system is timed: `calls` per sample, `repeats` samples at most."""

    fn: Callable
    args: Sequence
    calls: int
    repeats: int


def plan(fn: Callable, args: Sequence, *, calls: int, repeats: int, warmup: int,
         budget_s: float, estimate: float | None = None) -> Plan:
    """Warms `fn` up and fits calls x repeats into about `budget_s` seconds.

    The warm-up calls (at least one, unless the caller has a per-call `estimate` of a
    warm call already) estimate the per-call time: calls per sample are cut first, down
    to one, then repeats, down to one.
    """
    if estimate is None or warmup > 0:
        best = math.inf if estimate is None else estimate
        for _ in range(max(1, warmup)):
            best = min(best, time_block(fn, args, 1))
        estimate = best
    estimate = max(estimate, 1e-9)
    fit_calls = int(budget_s / repeats / estimate)
    calls = max(1, min(calls, fit_calls))
    if calls == 1:
        repeats = max(1, min(repeats, int(budget_s / estimate)))
    return Plan(fn, args, calls, repeats)


def measure(plans: dict[str, Plan]) -> dict[str, Timing]:
    """Times every plan, repeats interleaved round robin; returns a Timing per name."""
    timings = {name: Timing(calls=p.calls) for name, p in plans.items()}
    rounds = max((p.repeats for p in plans.values()), default=0)
    for r in range(rounds):
        for name, p in plans.items():
            if r < p.repeats:
                timings[name].samples.append(time_block(p.fn, p.args, p.calls))
    return timings


def format_seconds(seconds: float | None) -> str:
    """`14.2 µs`, `5.51 ms`, `1.20 s`: three significant digits, a readable unit."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            digits = 0 if value >= 100 else 1 if value >= 10 else 2
            return f"{value:.{digits}f} {unit}"
    raise AssertionError("unreachable")


def format_ratio(ratio: float | None) -> str:
    """`0.43×`, `12.1×`, `1520×`."""
    if ratio is None or not math.isfinite(ratio):
        return "—"
    digits = 0 if ratio >= 100 else 1 if ratio >= 10 else 2
    return f"{ratio:.{digits}f}×"

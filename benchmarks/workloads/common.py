"""What a workload declares: cases, the systems that run them, and the bars they must meet.

A workload module (w1_mlp.py, ...) holds the function as a user writes it, a hand-written
`numba.njit` version and optional peer versions, and `cases(size, peers)` returns its
`Case`s. The runner (benchmarks/run.py) and the smoke test (tests/test_benchmarks_smoke.py)
both go through `check_system`, so "correct before timed" means the same in both places.

Sizes: "full" (the issue's sizes), "quick" (smaller, fewer calls: the CI smoke run) and
"test" (tiny, correctness only).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

SIZES = ("full", "quick", "test")

# System kinds: what a system stands for in ratios and bars.
BASELINE = "baseline"    # the user's function run as written (NumPy, or plain Python)
AUTOGRAPH = "autograph"  # autograph.convert(the same function, backend="cpu")
NUMBA = "numba"          # hand-written numba.njit
PEER = "peer"            # JAX, PyTorch, TensorFlow
FLOOR = "floor"          # a lower bound such as a memory copy; not checked
OTHER = "other"          # any other reference (a vectorised NumPy rewrite, ...)

AUTOGRAPH_NAME = "autograph"


def identity(value):
    return value


@dataclass
class System:
    """One way of computing a case.

    `make()` builds the callable (conversion, jit compilation: errors there are recorded,
    not raised); `convert_args(args)` turns the case's NumPy arguments into this system's
    own (tensors, device arrays); `to_numpy(out)` brings the result back for the check.
    A system with `sample` is not called in a loop: `sample(repeats)` returns its
    samples in seconds itself (the first-call latency measurements).
    """

    name: str
    kind: str
    make: Callable[[], Callable] | None = None
    convert_args: Callable[[tuple], tuple] | None = None
    to_numpy: Callable[[Any], Any] = identity
    check: bool = True
    sample: Callable[[int], list[float]] | None = None
    note: str = ""


@dataclass
class Medians:
    """Medians (seconds per call) of the systems that ran correctly, for judging bars."""

    seconds: dict[str, float]
    kinds: dict[str, str]

    def get(self, name: str) -> float | None:
        return self.seconds.get(name)

    def fastest(self, kind: str) -> tuple[str, float] | None:
        found = [(t, n) for n, t in self.seconds.items() if self.kinds.get(n) == kind]
        if not found:
            return None
        t, n = min(found)
        return n, t


@dataclass
class Verdict:
    status: str  # "PASS", "MISS" or "n/a"
    detail: str


@dataclass
class Bar:
    """A target from the issue: `judge(medians)` gives PASS/MISS, or n/a without data."""

    label: str
    judge: Callable[[Medians], Verdict]
    subject: str = AUTOGRAPH_NAME


def _reference(medians: Medians, ref: str) -> tuple[str, float] | None:
    """`ref` names a system, or is "peer": the fastest correct peer."""
    if ref == PEER:
        return medians.fastest(PEER)
    t = medians.get(ref)
    return None if t is None else (ref, t)


def ratio_bar(label: str, ref: str, limit: float, subject: str = AUTOGRAPH_NAME) -> Bar:
    """subject's time ≤ `limit` × ref's time (ref "peer": the fastest peer)."""

    def judge(m: Medians) -> Verdict:
        t, found = m.get(subject), _reference(m, ref)
        if t is None:
            return Verdict("MISS", f"{subject} did not run correctly")
        if found is None:
            return Verdict("n/a", f"no {ref} measured")
        name, t_ref = found
        ratio = t / t_ref
        return Verdict("PASS" if ratio <= limit else "MISS", f"{ratio:.2f}× {name}")

    return Bar(label, judge, subject)


def speedup_bar(label: str, ref: str, at_least: float, subject: str = AUTOGRAPH_NAME) -> Bar:
    """ref's time / subject's time ≥ `at_least`."""

    def judge(m: Medians) -> Verdict:
        t, t_ref = m.get(subject), m.get(ref)
        if t is None:
            return Verdict("MISS", f"{subject} did not run correctly")
        if t_ref is None:
            return Verdict("n/a", f"no {ref} measured")
        speedup = t_ref / t
        return Verdict("PASS" if speedup >= at_least else "MISS", f"{speedup:.0f}× faster than {ref}")

    return Bar(label, judge, subject)


def absolute_bar(label: str, limit_s: float, subject: str) -> Bar:
    """subject's time < `limit_s` seconds."""

    def judge(m: Medians) -> Verdict:
        t = m.get(subject)
        if t is None:
            return Verdict("MISS", f"{subject} did not run correctly")
        return Verdict("PASS" if t < limit_s else "MISS", f"{t:.3g} s")

    return Bar(label, judge, subject)


def overhead_bar(label: str, ref: str, factor: float, extra_s: float,
                 subject: str = AUTOGRAPH_NAME) -> Bar:
    """subject ≤ `factor` × ref, or subject ≤ ref + `extra_s`: either one passes."""

    def judge(m: Medians) -> Verdict:
        t, t_ref = m.get(subject), m.get(ref)
        if t is None:
            return Verdict("MISS", f"{subject} did not run correctly")
        if t_ref is None:
            return Verdict("n/a", f"no {ref} measured")
        ok = t <= factor * t_ref or t - t_ref <= extra_s
        return Verdict("PASS" if ok else "MISS",
                       f"{t / t_ref:.2f}×, {(t - t_ref) * 1e6:+.2f} µs vs {ref}")

    return Bar(label, judge, subject)


@dataclass
class Case:
    """One measured configuration of a workload (W1 at batch 64, W2 in float32, ...).

    The first BASELINE system's output is the expected value every checked system is
    compared with (values within rtol/atol, same shape, same dtype when it has one).
    `calls` is the number of calls per timed sample (fewer for a system that would
    blow its budget). `bytes_moved` adds a GB/s column; `floor` names a system the
    table shows a "vs floor" ratio against.
    """

    workload: str
    name: str
    args: tuple
    systems: list[System]
    calls: int
    rtol: float = 1e-7
    atol: float = 0.0
    bars: list[Bar] = field(default_factory=list)
    bytes_moved: int | None = None
    floor: str | None = None
    note: str = ""
    details: Callable[[], dict] | None = None  # more numbers for the report, after timing

    @property
    def title(self) -> str:
        return f"{self.workload} {self.name}"

    def system(self, name: str) -> System:
        for s in self.systems:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def baseline(self) -> System | None:
        return next((s for s in self.systems if s.kind == BASELINE), None)

    @property
    def numba_reference(self) -> str | None:
        return next((s.name for s in self.systems if s.kind == NUMBA), None)


# ---- building systems -------------------------------------------------------------------


def baseline(fn: Callable, name: str = "NumPy") -> System:
    """The user's function, run by CPython as written."""
    return System(name, BASELINE, make=lambda: fn)


def autograph_system(fn: Callable, **convert_kwargs) -> System:
    """The same function through `autograph.convert(fn, backend="cpu")`."""

    def make():
        import autograph

        return autograph.convert(fn, backend="cpu", **convert_kwargs)

    return System(AUTOGRAPH_NAME, AUTOGRAPH, make=make)


def numba_system(fn: Callable, name: str = "hand Numba", note: str = "") -> System:
    return System(name, NUMBA, make=lambda: fn, note=note)


# ---- running one system once: the correctness check -----------------------------------


def first_line(error: BaseException) -> str:
    """`TypeName: first line of the message`, what tables and reports quote."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def compare(result, expected, rtol: float, atol: float) -> str | None:
    """None if `result` matches `expected`, else what differs (one line)."""
    if isinstance(expected, (np.ndarray, np.generic)):
        got = np.asarray(result)
        if got.shape != expected.shape:
            return f"shape {got.shape} ≠ {expected.shape}"
        if got.dtype != expected.dtype:
            return f"dtype {got.dtype} ≠ {expected.dtype}"
    else:
        got = np.asarray(result)
    want = np.asarray(expected)
    if got.shape != want.shape:
        return f"shape {got.shape} ≠ {want.shape}"
    if want.dtype.kind in "fc":
        if np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            return None
        error = np.abs(got.astype(np.float64) - want.astype(np.float64))
        return f"max abs error {np.nanmax(error):.3g} (rtol {rtol:g}, atol {atol:g})"
    if np.array_equal(got, want):
        return None
    mismatches = int(np.count_nonzero(got != want))
    return f"{mismatches} of {want.size} values differ"


@dataclass
class Checked:
    """A system after its first call: the callable and arguments to time, or why not."""

    system: System
    fn: Callable | None = None
    args: tuple = ()
    output: Any = None
    first_call_s: float | None = None
    error: str | None = None     # it raised: the exception's first line
    mismatch: str | None = None  # it ran, and the result is wrong

    @property
    def ran(self) -> bool:
        return self.fn is not None and self.error is None

    @property
    def ok(self) -> bool:
        return self.ran and self.mismatch is None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "FAILED"
        if self.mismatch is not None:
            return "WRONG"
        return "ok" if self.system.check else "—"


def check_system(case: Case, system: System, expected) -> Checked:
    """Builds `system`, calls it once on the case's arguments and compares with `expected`."""
    checked = Checked(system)
    if system.sample is not None:
        checked.fn = system.sample
        return checked
    try:
        fn = system.make()
        args = system.convert_args(case.args) if system.convert_args else case.args
        start = time.perf_counter()
        out = fn(*args)
        checked.first_call_s = time.perf_counter() - start
        checked.output = system.to_numpy(out)
    except Exception as error:  # any failure is a result to report, not a crash
        checked.error = first_line(error)
        return checked
    checked.fn, checked.args = fn, args
    if system.check and system.kind != BASELINE:
        checked.mismatch = ("not checked: the baseline failed" if expected is None
                            else compare(checked.output, expected, case.rtol, case.atol))
    return checked


def check_case(case: Case, names: Sequence[str] | None = None) -> dict[str, Checked]:
    """Checks the baseline, then every system (or those in `names`) against its output."""
    results, expected = {}, None
    if case.baseline is not None:
        base = results[case.baseline.name] = check_system(case, case.baseline, None)
        expected = base.output if base.ok else None
    for system in case.systems:
        if system.kind == BASELINE or (names is not None and system.name not in names):
            continue
        results[system.name] = check_system(case, system, expected)
    return results


def scaled(full: int, size: str, quick: int, test: int) -> int:
    """`full`, `quick` or `test` by size: sizes and call counts per mode."""
    return {"full": full, "quick": quick, "test": test}[size]


"""How many threads a program with parallel loops runs on: the count that has been faster
lately, measured on the calls themselves.

Why: Numba's parallel regions end in a barrier, so a region is as slow as its slowest
thread. When another process holds a core — a browser, a CI neighbour, another Dask task
— the thread scheduled there waits a scheduler slice, and the whole call with it. Measured
on the 2-core machine this project runs on, with one busy process: W2 (a float32
elementwise chain over 10^6 elements) took 10.9 ms with two threads against 3.5 ms with
one. No static rule knows what the machine will be doing when a call runs, and `load
average` lags by a minute; the calls' own durations do not.

`AdaptiveThreads` wraps a program's jitted function. It times each call (two
`perf_counter` reads), keeps a moving average per thread count — Numba's default and 1 —
and runs on the faster one, trying the other every `EXPLORE_EVERY` calls so that a change
in load is noticed. The count is set through Numba's thread mask, which is per calling
thread, and put back after the call. Programs without parallel loops are not wrapped.

`AUTOGRAPH_THREADS=N` pins the count (no measuring): `1` runs every program serially;
`convert(f, threads=N)` pins it for one function's programs (`AdaptiveThreads.pin`), and
beats the variable. Either way the count is at most Numba's (`NUMBA_NUM_THREADS`).

Which loops are parallel at all is decided earlier, when the program is written, by the
cost model of `ir/analysis/parallel.py`: a program whose loops are all too small to be
worth a parallel region has no prange and is not wrapped here.
"""

from __future__ import annotations

import os
import time

import numba
from numba.np.ufunc import parallel as _parallel

from autograph.errors import AutographError

EXPLORE_EVERY = 32   # calls between two tries of the count not chosen, at least ...
MAX_EXPLORE_EVERY = 4096  # ... and at most: the interval grows with how much slower the
# other count was, as EXPLORE_EVERY * (slower / faster / 3)^2, so that trying it costs
# under 10% of the calls' time even when it is 40x slower (two threads under load: a
# Mandelbrot call of 0.6 ms took 45 ms when the second thread's core was busy).
WEIGHT = 0.25        # of the newest call in the moving average
_FIRST_CALLS = 2     # calls that compile or fault in pages: not measured


def _thread_mask():
    """(get, set) of the calling thread's thread count: Numba's ctypes entry points, which
    cost a fraction of a microsecond, where `numba.set_num_threads` validates for ~3 µs."""
    numba.get_num_threads()  # launches Numba's threads once
    get, put = getattr(_parallel, "_get_num_threads", None), getattr(_parallel, "_set_num_threads",
                                                                      None)
    if get is None or put is None:
        return numba.get_num_threads, numba.set_num_threads
    return get, put


def pinned() -> int | None:
    """The thread count AUTOGRAPH_THREADS pins, or None."""
    value = os.environ.get("AUTOGRAPH_THREADS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise AutographError(f"AUTOGRAPH_THREADS={value!r}: expected a positive integer")
    return min(int(value), numba.config.NUMBA_NUM_THREADS)


def check_count(threads, where: str = "threads") -> int | None:
    """`threads` as given to `convert(threads=)`: None, or a positive int."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise AutographError(f"{where} must be a positive whole number of threads or None, "
                             f"got {threads!r}")
    return threads


class AdaptiveThreads:
    """A jitted program run on the thread count that has been faster lately."""

    __slots__ = ("function", "calls", "seconds", "choice", "pinned", "next_try", "_get",
                 "_set", "__weakref__")

    def __init__(self, function):
        self.function = function
        self.calls = 0
        self.seconds = {}  # thread count -> moving average of a call's duration
        self.choice = None  # None: Numba's default count
        self.pinned = None  # set by `pin`: this function's own count, no measuring
        self.next_try = EXPLORE_EVERY  # the call that tries the count not chosen
        self._get, self._set = _thread_mask()

    def pin(self, threads: int | None) -> None:
        """Runs every call on `threads` threads (at most Numba's count); None: adaptive."""
        self.pinned = None if threads is None else min(check_count(threads),
                                                       numba.config.NUMBA_NUM_THREADS)

    def __call__(self, *args):
        self.calls += 1
        default = self._get()
        if default <= 1:
            return self.function(*args)
        count = self._count(default)
        if count != default:
            self._set(count)
        started = time.perf_counter()
        try:
            return self.function(*args)
        finally:
            elapsed = time.perf_counter() - started
            if count != default:
                self._set(default)
            self._record(count, default, elapsed)

    def _count(self, default: int) -> int:
        pinned_count = self.pinned if self.pinned is not None else _PINNED
        if pinned_count is not None:
            return min(pinned_count, default)
        best = self.choice or default
        if self.calls <= _FIRST_CALLS + 2:  # one measured call of each, alternately
            return default if self.calls % 2 else 1
        if self.calls >= self.next_try:
            return 1 if best != 1 else default
        return best

    def _record(self, count: int, default: int, elapsed: float) -> None:
        if self.calls <= _FIRST_CALLS or _PINNED is not None or self.pinned is not None:
            return
        old = self.seconds.get(count)
        self.seconds[count] = elapsed if old is None else old + WEIGHT * (elapsed - old)
        if len(self.seconds) == 2:
            self.choice = min(self.seconds, key=self.seconds.get)
            if self.choice == default:
                self.choice = None
        if self.calls >= self.next_try:  # this call tried the other count: when again
            slower = max(self.seconds.values()) / max(min(self.seconds.values()), 1e-9)
            self.next_try = self.calls + int(min(MAX_EXPLORE_EVERY, EXPLORE_EVERY * max(
                1.0, (slower / 3) ** 2)))

    def describe(self) -> str:
        """What has been measured, for explain(): `2 threads 3.1 ms, 1 thread 1.2 ms`."""
        pinned_count = self.pinned if self.pinned is not None else _PINNED
        if pinned_count is not None:
            return f"pinned to {pinned_count} thread{'s' if pinned_count > 1 else ''}"
        parts = [f"{n} thread{'s' if n > 1 else ''} {s * 1e3:.3g} ms"
                 for n, s in sorted(self.seconds.items(), reverse=True)]
        return ", ".join(parts) or "not measured yet"


_PINNED = pinned()

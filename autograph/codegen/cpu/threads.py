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

`AUTOGRAPH_THREADS=N` pins the count (no measuring): `1` runs every program serially.
"""

from __future__ import annotations

import os
import time

import numba
from numba.np.ufunc import parallel as _parallel

from autograph.errors import AutographError

EXPLORE_EVERY = 32   # calls between two tries of the count not chosen
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


class AdaptiveThreads:
    """A jitted program run on the thread count that has been faster lately."""

    __slots__ = ("function", "calls", "seconds", "choice", "_get", "_set", "__weakref__")

    def __init__(self, function):
        self.function = function
        self.calls = 0
        self.seconds = {}  # thread count -> moving average of a call's duration
        self.choice = None  # None: Numba's default count
        self._get, self._set = _thread_mask()

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
        pinned_count = _PINNED
        if pinned_count is not None:
            return min(pinned_count, default)
        best = self.choice or default
        if self.calls <= _FIRST_CALLS + 2:  # one measured call of each, alternately
            return default if self.calls % 2 else 1
        if self.calls % EXPLORE_EVERY == 0:
            return 1 if best != 1 else default
        return best

    def _record(self, count: int, default: int, elapsed: float) -> None:
        if self.calls <= _FIRST_CALLS or _PINNED is not None:
            return
        old = self.seconds.get(count)
        self.seconds[count] = elapsed if old is None else old + WEIGHT * (elapsed - old)
        if len(self.seconds) == 2:
            self.choice = min(self.seconds, key=self.seconds.get)
            if self.choice == default:
                self.choice = None

    def describe(self) -> str:
        """What has been measured, for explain(): `2 threads 3.1 ms, 1 thread 1.2 ms`."""
        parts = [f"{n} thread{'s' if n > 1 else ''} {s * 1e3:.3g} ms"
                 for n, s in sorted(self.seconds.items(), reverse=True)]
        return ", ".join(parts) or "not measured yet"


_PINNED = pinned()

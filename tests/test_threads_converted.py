"""One converted function, many threads: traced once per signature however the threads
race, compiled programs release the GIL, and concurrent calls give serial results."""

from __future__ import annotations

import threading
import time

import numba
import numpy as np
import pytest

import autograph

pytest.importorskip("autograph.codegen.cpu.backend", reason="the Numba CPU backend is missing")


def _run_threads(n, target):
    """Starts `n` threads running `target(i)`, joins them, re-raises the first error."""
    errors, results = [], [None] * n

    def run(i):
        try:
            results[i] = target(i)
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]
    return results


def test_sixteen_threads_racing_on_a_new_signature_trace_it_once():
    traced = []

    @autograph.convert
    def f(x, y):
        traced.append(1)  # a Python side effect: runs once per trace
        if np.sum(x) > 0:
            return np.tanh(x) * y
        return x - y

    x, y = np.linspace(-1.0, 2.0, 257), np.full(257, 0.5)
    start = threading.Barrier(16)

    def call(_):
        start.wait()
        return f(x, y)

    results = _run_threads(16, call)
    assert len(traced) == 1
    assert f.explain().splitlines()[0].endswith("1 trace(s), backend 'cpu'")
    for result in results:
        np.testing.assert_array_equal(result, results[0])
    np.testing.assert_allclose(results[0], np.tanh(x) * y, rtol=1e-12)


def test_threads_calling_at_once_get_the_serial_results():
    @autograph.convert
    def f(x, n):
        total = x * 0.0
        for i in range(n):
            total = total + np.sin(x + i)
        return total

    inputs = [np.random.default_rng(i).standard_normal((64, 64)) for i in range(8)]
    serial = [f(x, 20) for x in inputs]
    start = threading.Barrier(8)

    def call(i):
        start.wait()
        return [f(inputs[i], 20) for _ in range(5)]

    for i, outs in enumerate(_run_threads(8, call)):
        for out in outs:
            np.testing.assert_array_equal(out, serial[i])


def test_two_functions_traced_on_two_threads_at_once_stay_apart():
    """Tracing state is per thread: two traces recorded at the same time do not mix."""
    @autograph.convert
    def grow(x):
        while np.max(x) < 100.0:
            x = x * 2.0
        return x

    @autograph.convert
    def shrink(x):
        while np.max(x) > 1.0:
            x = x / 3.0
        return x

    start = threading.Barrier(2)

    def call(i):
        start.wait()
        return (grow, shrink)[i](np.array([1.5, 3.0]))

    grown, shrunk = _run_threads(2, call)
    np.testing.assert_array_equal(grown, grow.__wrapped__(np.array([1.5, 3.0])))
    np.testing.assert_array_equal(shrunk, shrink.__wrapped__(np.array([1.5, 3.0])))


def _progress_while(call) -> int:
    """How many times this thread ran a Python loop while another thread ran `call()`."""
    done = threading.Event()

    def worker():
        call()
        done.set()

    count = 0
    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.01)  # let the worker enter the call
    while not done.is_set():
        count += 1
    thread.join()
    return count


@numba.njit(cache=False)
def _holds_the_gil(x, n):
    total = 0.0
    for _ in range(n):
        for v in x:
            total += np.sin(v)
    return total


def test_compiled_programs_release_the_gil():
    @autograph.convert
    def busy(x, n):
        total = x * 0.0
        for i in range(n):
            total = total + np.sin(x * i)
        return total

    x = np.linspace(0.0, 1.0, 20_000)
    busy(x, 400)  # trace and compile first: only the program's run is watched
    assert "nogil=True" in busy.lower(x, 400).source
    started = time.perf_counter()
    free = _progress_while(lambda: busy(x, 400))
    seconds = time.perf_counter() - started
    _holds_the_gil(x, 1)
    held = _progress_while(lambda: _holds_the_gil(x, 400))
    # While a program holds the GIL this thread cannot run at all (the control shows the
    # measurement can tell); while ours runs, it spins freely.
    assert held < 10_000 <= free, (held, free, seconds)

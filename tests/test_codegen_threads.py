"""codegen/cpu/threads.py: programs with parallel loops run on the thread count that has
been faster on their own recent calls, and put the caller's count back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from autograph.codegen import compile_graph
from autograph.codegen.cpu import threads
from autograph.ir import Builder, Op, TensorType


class FakeMask:
    """A thread mask of 2 threads whose program takes `seconds[count]` per call."""

    def __init__(self, seconds):
        self.count = 2
        self.seconds = seconds
        self.seen = []

    def get(self):
        return self.count

    def set(self, n):
        self.count = n

    def program(self, x):
        self.seen.append(self.count)
        threads.time.sleep(self.seconds[self.count])
        return x


def _adaptive(seconds):
    mask = FakeMask(seconds)
    site = threads.AdaptiveThreads(mask.program)
    site._get, site._set = mask.get, mask.set
    return site, mask


def test_a_slower_default_count_gives_way_to_one_thread():
    site, mask = _adaptive({2: 0.004, 1: 0.001})
    for _ in range(12):
        assert site(7) == 7
        assert mask.count == 2  # the caller's count is back after every call
    assert site.choice == 1
    assert mask.seen[-4:] == [1, 1, 1, 1]
    assert "1 thread" in site.describe() and "2 threads" in site.describe()


def test_a_faster_default_count_is_kept_and_one_thread_is_tried_now_and_then():
    site, mask = _adaptive({2: 0.001, 1: 0.003})
    for _ in range(2 * threads.EXPLORE_EVERY):
        site(0)
    assert site.choice is None
    tries = [k for k, n in enumerate(mask.seen, 1) if n == 1 and k > 4]
    assert tries == [threads.EXPLORE_EVERY, 2 * threads.EXPLORE_EVERY]


def test_exceptions_still_restore_the_count():
    mask = FakeMask({2: 0.0, 1: 0.0})
    site = threads.AdaptiveThreads(lambda: 1 / 0)
    site._get, site._set = mask.get, mask.set
    site.calls = 10
    site.choice = 1
    try:
        site()
    except ZeroDivisionError:
        pass
    assert mask.count == 2


def test_serial_programs_are_not_wrapped(tmp_path):
    b = Builder("serial_probe")
    x = b.add_input(TensorType((8,), np.float64), "x")
    program = compile_graph(b.finish([b.emit(Op.NEG, [x])]), tmp_path)
    assert not isinstance(program.function, threads.AdaptiveThreads)


def _big_graph():
    b = Builder("adaptive_probe")
    x = b.add_input(TensorType((1 << 18,), np.float64), "x")
    y = b.emit(Op.TANH, [b.emit(Op.MUL, [x, x])])
    return b.finish([y])


def test_parallel_programs_are_wrapped_and_give_numpy_results(tmp_path):
    program = compile_graph(_big_graph(), tmp_path)
    x = np.linspace(-2, 2, 1 << 18)
    assert "numba.prange" in program.source
    assert isinstance(program.function, threads.AdaptiveThreads)
    for _ in range(8):  # both thread counts run
        (y,) = program(x)
        np.testing.assert_allclose(y, np.tanh(x * x), rtol=1e-12)


def test_autograph_threads_pins_the_count():
    script = ("import os; os.environ['AUTOGRAPH_THREADS'] = '1'\n"
              "from autograph.codegen.cpu import threads\n"
              "print(threads.pinned())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).parents[1], timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1"

"""`f.explain()`: traces with their reasons, passes with their effect, and phase times."""

from __future__ import annotations

import re

import numpy as np

import autograph
from autograph.views import explanation
from autograph.passes.report import PassRecord, Report


def scaled(x, n):
    y = x * 1.0
    for i in range(n):
        y = y + x
    return y


def test_not_traced_yet():
    assert autograph.convert(scaled).explain() == "scaled: not traced yet"


def test_traces_reasons_passes_and_times():
    f = autograph.convert(scaled, backend="python")
    f(np.ones(3), 2)
    f(np.ones(4), 2)
    text = f.explain()
    lines = text.splitlines()
    assert lines[0] == "scaled: 2 trace(s), backend 'python'"
    assert lines[1] == "  1. (x: f64[3], n: int (weak)) — first call"
    assert re.fullmatch(r"     time: trace [\d.]+ ms, optimise [\d.]+ ms, codegen [\d.]+ ms",
                        lines[2])
    assert re.fullmatch(r"     passes: \d+ -> \d+ ops in \d round\(s\), [\d.]+ ms", lines[3])
    assert "simplify (round 1)" in text and "x*1 -> x" in text
    assert "unchanged:" in text
    assert "  2. (x: f64[4], n: int (weak)) — new x" in lines
    assert "Numba" not in text  # the python backend compiles nothing


def test_auto_static_reason():
    def zeros(n):
        return np.zeros(n) + 1.0

    f = autograph.convert(zeros, backend="python")
    f(3)
    assert "`n` made static" in f.explain()


def test_optimize_false():
    f = autograph.convert(scaled, backend="python", optimize=False)
    f(np.ones(3), 1)
    assert "passes: none (optimize=False)" in f.explain()


def test_numba_compile_time_after_the_first_call():
    f = autograph.convert(lambda x: x * 3.0 - 1.0)
    x = np.ones(5, np.float32)
    f.lower(x)
    # Programs with an explicit signature compile when lowered (cold) or load from Numba's
    # cache; either way explain() says which, timed (runtime/compiling.py).
    assert re.search(r"Numba (compile|cache load) \d+\.\d ms", f.explain())
    f(x)
    assert re.search(r"Numba (compile|cache load) \d+\.\d ms", f.explain())


def test_build_lines_group_unchanged_passes():
    report = Report([
        PassRecord("fold", False, 5, 5, [], 0.001, 1),
        PassRecord("dce", True, 5, 3, ["removed 2 dead nodes"], 0.001, 1),
        PassRecord("fold", False, 3, 3, [], 0.001, 2),
        PassRecord("dce", False, 3, 3, [], 0.001, 2),
    ])
    build = explanation.Build({"trace": 0.002, "optimise": 0.001, "codegen": 0.003}, report)
    lines = explanation.describe_build(build, program=None)
    assert lines == [
        "time: trace 2.0 ms, optimise 1.0 ms, codegen 3.0 ms",
        "passes: 5 -> 3 ops in 2 round(s), 4.0 ms",
        "  dce (round 1): 5 -> 3 ops; removed 2 dead nodes",
        "  unchanged: fold (round 1); all 2 (round 2)",
    ]


def test_stopwatch_accumulates_laps():
    clock = explanation.Stopwatch()
    clock.lap("a")
    clock.lap("b")
    clock.lap("a")
    assert set(clock.laps) == {"a", "b"} and all(v >= 0 for v in clock.laps.values())

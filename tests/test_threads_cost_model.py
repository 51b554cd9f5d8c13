"""Which loops run in parallel (issue 17): a cost model estimates each loop nest's serial
work from the graph, and only nests worth a parallel region (300 µs by default) get a
prange; `convert(threads=N)` pins the thread count of one function's programs; explain()
says which loops run in parallel and why."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import autograph
from autograph.codegen.cpu import backend as numba_cpu, threads
from autograph.codegen.cpu.options import CpuOptions
from autograph.errors import AutographError
from autograph.ir import Builder, Op, TensorType
from autograph.ir.analysis import parallel

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
IDX = TensorType((), np.dtype(np.int64))


def _grid(rows: int, cols: int, transcendental: bool = False):
    """out[i, j] = f(i + j) in two staged FOR loops: iterations of `i` independent."""
    b = Builder("grid")
    x = b.add_input(TensorType((rows, cols), F64), "x")
    i, outer = b.open_region([IDX, x.type], ["i", "outer"])
    j, inner = b.open_region([IDX, x.type], ["j", "inner"])
    value = b.emit(Op.CAST, [b.emit(Op.ADD, [i, j])], dtype=F64, weak=False)
    if transcendental:
        value = b.emit(Op.EXP, [value])
    store = b.emit(Op.SET_INDEX, [inner, value, i, j], index=(("dyn", 0), ("dyn", 1)))
    bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, cols, 1)]
    row = b.emit(Op.FOR, bounds + [outer], regions=[b.close_region([store])])
    bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, rows, 1)]
    image = b.emit(Op.FOR, bounds + [x], regions=[b.close_region([row])])
    return b.finish([image])


def _outer_parallel(graph, notes=None) -> bool:
    chosen = parallel.plan_parallel(graph, notes=notes)
    return any(n.op is Op.FOR and n in chosen for n in graph.body.nodes)


def test_work_is_elements_times_op_costs_times_trips():
    small, big = _grid(200, 200), _grid(2000, 1000)
    per_element = parallel.node_ns(small.body.nodes[-1]) / (200 * 200)
    assert per_element == pytest.approx(3 * parallel.ARITHMETIC_NS)  # add, cast, store
    exp = _grid(200, 200, transcendental=True)
    assert parallel.node_ns(exp.body.nodes[-1]) > 3 * parallel.node_ns(small.body.nodes[-1])
    notes: list[str] = []
    assert not _outer_parallel(small, notes)  # ~30 µs: a 200x200 stencil-sized loop
    assert notes and notes[0].startswith("serial: the for loop") and "µs of work" in notes[0]
    notes.clear()
    assert _outer_parallel(big, notes)  # ~1.5 ms
    assert notes[0].startswith("parallel: the for loop") and "2000 independent" in notes[0]


def test_a_while_loop_counts_unknown_trips():
    b = Builder("w")
    x = b.add_input(TensorType((10000,), F64), "x")
    zero, three, one = (b.emit(Op.CONSTANT, [], value=np.int64(v)) for v in (0, 3, 1))
    k, v = b.open_region([IDX, x.type], ["k", "v"])
    cond = b.close_region([b.emit(Op.LT, [k, three])])
    k2, v2 = b.open_region([IDX, x.type], ["k", "v"])
    body = b.close_region([b.emit(Op.ADD, [k2, one]), b.emit(Op.EXP, [v2])])
    outs = b.emit(Op.WHILE, [zero, x], regions=[cond, body])
    loop = outs[0].producer
    assert parallel.node_ns(loop) == pytest.approx(parallel.UNKNOWN_TRIPS * (
        10000 * parallel.TRANSCENDENTAL_NS + 2 * parallel.ARITHMETIC_NS))


def _w2(n):
    b = Builder("w2")
    x = b.add_input(TensorType((n,), F32), "x")
    y = b.add_input(TensorType((n,), F32), "y")
    half = b.emit(Op.CONSTANT, [], value=0.5)
    t = b.emit(Op.TANH, [b.emit(Op.ADD, [b.emit(Op.MUL, [x, half]), y])])
    e = b.emit(Op.EXP, [b.emit(Op.MUL, [b.emit(Op.NEG, [x]), x])])
    return b.finish([b.emit(Op.ADD, [b.emit(Op.MUL, [t, e]), b.emit(Op.CONSTANT, [],
                                                                    value=1.0)])])


def test_elementwise_nests_are_parallel_only_above_the_threshold():
    assert "prange" not in numba_cpu.generate(_w2(1 << 14))  # ~90 µs of work
    assert "numba.prange" in numba_cpu.generate(_w2(1 << 17))  # ~750 µs
    lowered = numba_cpu.generate(_w2(1 << 14), CpuOptions(parallel_threshold=1000))
    assert "numba.prange" in lowered  # the threshold is an option (ns)


def test_pinning_runs_every_call_on_that_count():
    seen = []
    site = threads.AdaptiveThreads(lambda: seen.append(state["count"]))
    state = {"count": 2}
    site._get, site._set = (lambda: state["count"]), (lambda n: state.update(count=n))
    site.pin(1)
    for _ in range(40):
        site()
    assert seen == [1] * 40 and state["count"] == 2 and site.seconds == {}
    assert site.describe() == "pinned to 1 thread"
    site.pin(None)
    for _ in range(4):
        site()
    assert 2 in seen[40:]  # adaptive again: the default count is tried


def w2(x, y):
    return np.tanh(x * 0.5 + y) * np.exp(-x * x) + 1.0


def test_convert_threads_pins_the_function_and_explain_says_why():
    x = np.linspace(-1, 1, 10 ** 6).astype(np.float32)
    y = x[::-1].copy()
    f = autograph.convert(w2, threads=1)
    got = f(x, y)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, w2(x, y), rtol=2e-6, atol=2e-6)
    program = f.lower(x, y)._spec.program
    assert program.function.pinned == 1
    text = f.explain()
    assert "threads=1" in text and "parallel: mul, add, tanh" in text
    assert "threads: 1 (convert(threads=))" in text
    restored = pickle.loads(pickle.dumps(f))
    assert restored._threads == 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_threads_must_be_a_positive_int(bad):
    with pytest.raises(AutographError, match="threads must be a positive whole number"):
        autograph.convert(w2, threads=bad)


def test_a_much_slower_count_is_tried_rarely(monkeypatch):
    """Two threads 40x slower (a busy core): trying them again costs < 10% of the time."""
    clock = {"now": 0.0}
    monkeypatch.setattr(threads, "time", type("Clock", (), {
        "perf_counter": staticmethod(lambda: clock["now"])}))
    state, seen = {"count": 2}, []
    cost = {2: 0.040, 1: 0.001}

    def program():
        seen.append(state["count"])
        clock["now"] += cost[state["count"]]

    site = threads.AdaptiveThreads(program)
    site._get, site._set = (lambda: state["count"]), (lambda n: state.update(count=n))
    for _ in range(2000):
        site()
    assert site.choice == 1 and state["count"] == 2
    tries = [k for k, n in enumerate(seen, 1) if n == 2 and k > 4]
    assert len(tries) <= 3 and all(b - a > 1000 for a, b in zip(tries, tries[1:]))
    spent = sum(cost[n] for n in seen[4:])
    assert spent <= 1.1 * cost[1] * len(seen[4:])

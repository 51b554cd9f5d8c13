"""Loops that stay loops: a `for` over a static `range` / `np.ndindex` whose body turns its
state into tensors is staged, even when the state starts as Python values (issue 15).

Differential first (converted vs. original, same values, types and dtypes), then the shape
of the graphs (one loop, whatever the trip count), the loops that must stay unrolled, the
unrolling budget, and programs of thousands of ops that the CPU writer must still write.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from autograph.ir import Op
from backends import BACKENDS, check


def sum_sq(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return s


def sum_sq_np_scalar(x):
    s = np.float64(0.0)
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return s


def argmax_loop(x):
    best = -np.inf
    idx = 0
    for i in range(x.shape[0]):
        if x[i] > best:
            best = x[i]
            idx = i
    return idx


def argmax_both(x):
    best = -np.inf
    idx = 0
    for i in range(x.shape[0]):
        if x[i] > best:
            best = x[i]
            idx = i
    return idx, best


def count_positive(x):
    c = 0
    for i in range(x.shape[0]):
        if x[i] > 0:
            c += 1
    return c


def weighted_grid(x):
    s = 0.0
    h, w = x.shape
    for i, j in np.ndindex(h, w):
        s += x[i, j] * (i - j)
    return s


def nested_ranges(x):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            s += x[i, j] * (i + 1)
    return s


def enumerate_loop(x):
    s = 0.0
    for i, v in enumerate(x):
        s += v * i
    return s


def rows_loop(x):
    total = 0.0
    for row in x:
        total += row.sum()
    return total


def strided_range(x):
    s = 0
    for i in range(1, x.shape[0], 2):
        s = s + x[i]
    return s


def list_of_arrays(x):
    parts = [x, x * 2.0, x * 3.0]
    s = 0.0
    for i in range(3):
        s = s + parts[i].sum()
    return s


def python_only(x):
    n = 0
    for i in range(5):
        n += i
    return np.zeros(n) + x[0]


def fills_array(x):
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = x[i] * i
    return out


RNG = np.random.default_rng(15)


def _values(n, dtype=np.float64):
    return RNG.standard_normal(n).astype(dtype)


# ---- differential ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [0, 1, 10, 100_000])
def test_sum_sq(backend, n):
    check(sum_sq, _values(n), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [0, 1, 10])
def test_sum_sq_numpy_scalar_start(backend, n):
    check(sum_sq_np_scalar, _values(n), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [0, 1, 10])
def test_float32_input_python_float_accumulator_stays_float32(backend, n):
    x = _values(n, np.float32)
    converted = check(sum_sq, x, backend=backend)
    got, want = converted(x), sum_sq(x)
    assert type(got) is type(want)  # np.float32 after >= 1 iteration (NEP 50), float for 0
    if n:
        assert type(got) is np.float32


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("x", [np.array([3.0, -1.0, 7.0, 7.0, 2.0]), np.array([-5.0]),
                               np.sin(np.arange(50.0))])
def test_argmax_loop(backend, x):
    check(argmax_loop, x, backend=backend)
    check(argmax_both, x, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_int_accumulator(backend, dtype):
    x = (np.arange(-4, 9) % 5 - 2).astype(dtype)
    converted = check(count_positive, x, backend=backend)
    assert type(converted(x)) is int


@pytest.mark.parametrize("backend", BACKENDS)
def test_ndindex_30x30(backend):
    check(weighted_grid, _values(900).reshape(30, 30), backend=backend)
    check(nested_ranges, _values(900).reshape(30, 30), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [0, 1, 7])
def test_enumerate_and_rows(backend, n):
    check(enumerate_loop, _values(n), backend=backend)
    check(rows_loop, _values(3 * n).reshape(n, 3), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_strided_range_with_int_start(backend):
    check(strided_range, _values(9, np.float32), backend=backend)
    check(strided_range, np.arange(9, dtype=np.int16), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_loop_that_must_stay_unrolled(backend):
    converted = check(list_of_arrays, _values(4), backend=backend)
    graph = converted.lower(_values(4)).graph
    assert not any(node.op in (Op.FOR, Op.WHILE) for node in graph.walk())
    assert "the loop at line" in converted.explain() and "unrolled" in converted.explain()


@pytest.mark.parametrize("backend", BACKENDS)
def test_python_loops_stay_python(backend):
    converted = check(python_only, _values(3), backend=backend)
    graph = converted.lower(_values(3)).graph
    assert not any(node.op in (Op.FOR, Op.WHILE) for node in graph.walk())
    check(fills_array, _values(6), backend=backend)


# ---- graphs stay small ------------------------------------------------------------------------


def _ops(fn, x):
    graph = autograph.convert(fn, backend="python", optimize=False).lower(x).graph
    return [node.op for node in graph.walk()]


@pytest.mark.parametrize("fn, shape", [
    (sum_sq, (10,)), (sum_sq_np_scalar, (10,)), (argmax_loop, (10,)),
    (count_positive, (10,)), (weighted_grid, (5, 6)), (nested_ranges, (5, 6)),
])
def test_staged_graph_size_does_not_depend_on_trip_count(fn, shape):
    small = _ops(fn, _values(int(np.prod(shape))).reshape(shape))
    big_shape = tuple(d * 20 for d in shape)
    big = _ops(fn, _values(int(np.prod(big_shape))).reshape(big_shape))
    assert len(small) == len(big) < 40
    assert Op.FOR in big


def test_first_iteration_probe_leaves_no_ops_behind():
    ops = _ops(sum_sq, _values(100))
    assert ops.count(Op.MUL) == 1 and ops.count(Op.FOR) == 1


# ---- budget -----------------------------------------------------------------------------------


def over_budget(x):
    weights = [float(k) for k in range(4000)]
    s = 0.0
    for i in range(4000):
        s = s + weights[i] * x
    return s


def over_budget_list(x):
    s = 0.0
    for w in [0.5] * 4000:
        s = s + w * x
    return s


@pytest.mark.parametrize("fn, text", [(over_budget, "for i in range(4000)"),
                                      (over_budget_list, "for w in [0.5] * 4000")])
def test_unrolling_budget_names_the_loop_and_the_fix(fn, text):
    with pytest.raises(AutographError, match=r"unrolled while tracing.*static_range") as info:
        autograph.convert(fn, backend="python")(_values(3))
    assert info.value.origin is not None
    assert info.value.origin.source_line.strip().startswith(text)


def long_static_chain(x):
    s = x
    for i in autograph.static_range(1000):
        s = s * 1.0001 + 0.5
    return s


def long_static_scalar_chain(x):
    s = x[0]
    for i in autograph.static_range(1000):
        s = s * 0.999 + x[1]
    return s


def test_static_range_has_no_budget():
    x = _values(3)
    converted = check(long_static_chain, x, backend="python")
    assert len(converted.lower(x).graph.body.nodes) >= 2000


# ---- programs of thousands of ops ------------------------------------------------------------


@pytest.mark.skipif("cpu" not in BACKENDS, reason="the Numba backend is not available")
@pytest.mark.parametrize("fn", [long_static_chain, long_static_scalar_chain])
def test_cpu_writer_handles_2000_op_chains(fn):
    x = _values(5)
    converted = check(fn, x, backend="cpu")
    source = converted.lower(x).source
    compile(source, "<generated>", "exec")  # parses (no "too many nested parentheses")
    assert max(line.count("(") for line in source.splitlines()) < 100


# ---- Python side effects of the probing iteration ---------------------------------------------


def prints_in_loop(x):
    s = 0.0
    for i in range(3):
        s += x[i]
        print("step", i)
    return s


@pytest.mark.parametrize("backend", BACKENDS)
def test_first_iteration_probe_prints_nothing_at_trace_time(backend, capfd):
    x = _values(3)
    prints_in_loop(x)
    want = capfd.readouterr().out
    converted = check(prints_in_loop, x, backend=backend)
    capfd.readouterr()
    converted(x)
    assert capfd.readouterr().out == want  # staged prints, every call, no trace-time extra
    converted = autograph.convert(prints_in_loop, backend=backend)
    converted(x)
    assert capfd.readouterr().out == want  # the first call (trace + run) prints it once

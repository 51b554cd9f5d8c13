"""Loop product batching: which row-by-row products become one product in front of the
loop, and which must stay (rows not all used, weights that change, products in a branch)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import autograph
from autograph.ir import Builder, Op
from autograph.passes import batch_products
from backends import BACKENDS, check
from passes_support import F32, I64, T, const, optimize


def test_docstring_example():
    result = doctest.testmod(batch_products)
    assert result.attempted > 0 and result.failed == 0


def _ints(shape, seed):
    """Small integers as float32: every sum is exact, so batched and row-by-row products
    agree to the bit and the comparison can be exact."""
    return np.random.default_rng(seed).integers(-3, 4, shape).astype(np.float32)


def _rnn_graph(x_shape, w_shape, start=0, stop=None, index_cast=True, in_cond=False):
    b = Builder("rnn")
    x = b.add_input(T(x_shape, F32), "x")
    w = b.add_input(T(w_shape, F32), "w")
    row_shape = x_shape[1:-1] + w_shape[1:]
    h = b.add_input(T(row_shape, F32), "h")
    t, acc = b.open_region([T((), I64), h.type], ["t", "acc"])
    index = b.emit(Op.CAST, [t], dtype=np.dtype(I64), weak=True) if index_cast else t
    row = b.emit(Op.INDEX, [x, index], index=(("dyn", 0),))
    if in_cond:
        then = b.open_region([], [])
        then = b.close_region([b.emit(Op.MATMUL, [row, w])])
        b.open_region([], [])
        other = b.close_region([acc])
        product = b.emit(Op.COND, [b.emit(Op.GT, [t, const(b, 1)])], regions=[then, other])
    else:
        product = b.emit(Op.MATMUL, [row, w])
    body = b.close_region([b.emit(Op.TANH, [b.emit(Op.ADD, [acc, product])])])
    stop = x_shape[0] if stop is None else stop
    loop = b.emit(Op.FOR, [const(b, start), const(b, stop), const(b, 1), h], regions=[body])
    return b.finish([loop])


def _args(graph, seed=0):
    return [_ints(v.type.shape, seed + k) for k, v in enumerate(graph.inputs)]


@pytest.mark.parametrize("x_shape,w_shape", [((6, 3), (3, 4)), ((6, 2, 3), (3, 4)),
                                             ((5, 2, 2, 3), (3, 4)), ((6, 2, 3), (3,))])
def test_row_products_become_one_product(x_shape, w_shape):
    graph = _rnn_graph(x_shape, w_shape)
    after, report = optimize(graph, "batch_products", "dce", args=_args(graph))
    top = [n.op for n in after.body.nodes if n.op is not Op.CONSTANT]
    assert top.count(Op.MATMUL) == 1 and top[-1] is Op.FOR
    loop = after.body.nodes[-1]
    assert Op.MATMUL not in [n.op for n in loop.regions[0].nodes]
    assert report.records[0].changes == ["batched 1 row product of a loop into one"]


@pytest.mark.parametrize("why,options", [
    ("rows not all used", dict(stop=4)),
    ("does not start at row 0", dict(start=1)),
    ("only in one branch", dict(in_cond=True)),
])
def test_what_stays_in_the_loop(why, options):
    graph = _rnn_graph((6, 2, 3), (3, 4), **options)
    after, report = optimize(graph, "batch_products", args=_args(graph))
    assert not report.records[0].changed, why


def test_weights_that_change_in_the_loop_stay():
    b = Builder("f")
    x = b.add_input(T((4, 3), F32), "x")
    w = b.add_input(T((3, 3), F32), "w")
    t, acc, wt = b.open_region([T((), I64), T((3,), F32), w.type], ["t", "acc", "wt"])
    row = b.emit(Op.INDEX, [x, t], index=(("dyn", 0),))
    body = b.close_region([b.emit(Op.ADD, [acc, b.emit(Op.MATMUL, [row, wt])]),
                           b.emit(Op.MUL, [wt, const(b, 0.5)])])
    h0 = b.emit(Op.INDEX, [x], index=(("int", 0),))
    acc_out, _ = b.emit(Op.FOR, [const(b, 0), const(b, 4), const(b, 1), h0, w], regions=[body])
    graph = b.finish([acc_out])
    after, report = optimize(graph, "batch_products",
                             args=(_ints((4, 3), 1), _ints((3, 3), 2)))
    assert not report.records[0].changed


def rnn(xs, h, wx, wh, b):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ wx + h @ wh + b)
    return h


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("batch", [1, 3])
def test_the_rnn_batches_its_input_product(backend, batch):
    rng = np.random.default_rng(batch)
    args = [rng.standard_normal(s).astype(np.float32) * 0.5 for s in
            [(7, batch, 4), (batch, 5), (4, 5), (5, 5), (5,)]]
    check(rnn, *args, backend=backend)
    graph = autograph.convert(rnn, backend=backend).lower(*args).graph
    loop = [n for n in graph.body.nodes if n.op is Op.FOR][0]
    assert [n.op for n in loop.regions[0].nodes].count(Op.MATMUL) == 1  # h @ wh only
    assert any(n.op is Op.MATMUL for n in graph.body.nodes)              # xs @ wx, once


def test_a_row_of_a_c_array_is_indexed_as_one_so_it_stays_c_contiguous():
    """`d[t]`, not `d[t, :, :]`: Numba types the first C-contiguous and the second 'A'
    (no vectorised loop over it, and a copy before BLAS)."""
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(s).astype(np.float32) for s in
            [(7, 3, 4), (3, 5), (4, 5), (5, 5), (5,)]]
    names = ["constant_folding", "simplify", "cse", "licm", "dce", "fusion",
             "memory_planning"]  # without batch_products: xs[t] @ wx stays in the loop
    source = autograph.convert(rnn, optimize=names).lower(*args).source
    assert "d = xs[t0]" in source and "xs[t0, :" not in source  # (t0: the checked index)
    assert "np.dot(d, wx)" in source  # no np.ascontiguousarray copy of the row
    check(rnn, *args, backend="cpu")

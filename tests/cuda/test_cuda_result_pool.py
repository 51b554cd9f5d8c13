"""Recycled result buffers (`rt.Pool.take_result`): a result's device memory is handed out
again only once the caller holds nothing of it — not the array, not a reshape or a slice
of it — and results held across calls stay intact."""

from __future__ import annotations

import numpy as np

from autograph.codegen.cuda import runtime as cuda_runtime
from autograph.ir import Builder, Op, TensorType, run
from cuda_support import assert_same


def test_a_result_is_reused_only_once_let_go():
    pool = cuda_runtime.Pool()
    first = pool.take_result((4,), np.float32)
    second = pool.take_result((4,), np.float32)
    assert second is not first  # the caller still holds the first
    kept = id(first)
    del first
    third = pool.take_result((4,), np.float32)
    assert id(third) == kept  # let go of: handed out again


def test_views_and_slices_keep_a_result_busy():
    pool = cuda_runtime.Pool()
    for make_view in (lambda a: a.reshape(2, 2), lambda a: a[1:]):
        pool.clear()
        result = pool.take_result((4,), np.float32)
        kept = id(result)
        view = make_view(result)
        del result
        other = pool.take_result((4,), np.float32)
        assert id(other) != kept  # a view of it is still alive
        del view, other


def test_held_results_stay_intact_across_calls(compile_cuda):
    from numba import cuda

    b = Builder("scale")
    x = b.add_input(TensorType((6,), np.float32), "x")
    s = b.add_input(TensorType((), np.float32), "s")
    graph = b.finish([b.emit(Op.MUL, [x, s])])
    program = compile_cuda(graph)
    assert "_pool.take_result((6,), np.float32)" in program.source
    x_host = np.arange(6, dtype=np.float32)
    x_device = cuda.to_device(x_host)
    held = [program(x_device, np.float32(k))[0] for k in range(4)]
    for k, result in enumerate(held):  # four live results: four buffers, none overwritten
        assert_same(result.copy_to_host(), run(graph, x_host, np.float32(k))[0])
    del held
    again = [program(x_host, np.float32(k))[0] for k in range(3)]  # host results: copied out
    for k, result in enumerate(again):
        assert_same(result, run(graph, x_host, np.float32(k))[0])

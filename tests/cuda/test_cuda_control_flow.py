"""COND, WHILE and FOR driven from the host, regions capturing outer values, the loop
index in kernels, staged print, and agreement with the CPU backend."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.ir import Builder, Op, TensorType, run
from cuda_support import assert_all_same, collatz_graph, loops_graph

I32, I64, F32, F64, BOOL = (np.dtype(n) for n in ("i4", "i8", "f4", "f8", "b1"))


@pytest.mark.parametrize("n", [1, 6, 27])
def test_while_collatz(n, check_graph):
    check_graph(collatz_graph(), np.int64(n))


@pytest.mark.parametrize("flag", [True, False])
def test_for_cond_while_nested(flag, check_graph, compile_cuda):
    args = [np.array([0.5, -1.0, 2.0, 3.5], np.float32), np.int32(3), np.bool_(flag)]
    check_graph(loops_graph(), *args)
    source = compile_cuda(loops_graph()).source
    assert "for i in range(9, -1, -2):" in source
    assert "rt.truth(" in source  # the while's predicate is read back


def test_cond_returns_inputs_constants_and_new_arrays(check_graph):
    b = Builder("cond")
    x = b.add_input(TensorType((3,), F64), "x")
    p = b.add_input(TensorType((), BOOL), "p")
    b.open_region([])
    then = b.close_region([b.emit(Op.NEG, [x]),
                           b.emit(Op.CONSTANT, [], value=np.array(1.5, np.float32))])
    b.open_region([])
    total = b.emit(Op.SUM, [x], axes=(0,))
    orelse = b.close_region([x, b.emit(Op.CAST, [total], dtype=F32)])
    graph = b.finish(list(b.emit(Op.COND, [p], regions=[then, orelse])))
    for flag in (True, False):
        check_graph(graph, np.arange(3.0), np.bool_(flag))


def test_loop_carried_array_updated_with_set_index(check_graph):
    """out[i] = i * i for i in range(n): a dynamic host index into a device array."""
    b = Builder("squares")
    x = b.add_input(TensorType((6,), I64), "x")
    stop = b.add_input(TensorType((), I64), "stop")
    i, acc = b.open_region([TensorType((), I64), x.type], ["i", "acc"])
    sq = b.emit(Op.MUL, [i, i])
    body = b.close_region([b.emit(Op.SET_INDEX, [acc, sq, i], index=(("dyn", 0),))])
    zero, one = (b.emit(Op.CONSTANT, [], value=np.array(v, np.int64)) for v in (0, 1))
    graph = b.finish([b.emit(Op.FOR, [zero, stop, one, x], regions=[body])])
    check_graph(graph, np.full(6, -1, np.int64), np.int64(4))


def test_loop_index_as_a_result(check_graph):
    b = Builder("last_index")
    i, last = b.open_region([TensorType((), I64), TensorType((), I64)], ["i", "last"])
    body = b.close_region([i])
    c = [b.emit(Op.CONSTANT, [], value=np.array(v, np.int64)) for v in (0, 4, 1, -1)]
    graph = b.finish([b.emit(Op.FOR, [c[0], c[1], c[2], c[3]], regions=[body])])
    check_graph(graph)


def test_print_every_call(compile_cuda, capfd):
    b = Builder("printing")
    x = b.add_input(TensorType((3,), F32), "x")
    s = b.add_input(TensorType((), F32), "s")
    n = b.add_input(TensorType.scalar(I64, weak=True), "n")
    b.emit_node(Op.PRINT, [x, s, n, b.emit(Op.SUM, [x], axes=(0,))],
                template=("x =", 0, "s =", 1, 2, 3))
    b.emit_node(Op.PRINT, [s, b.emit(Op.CONSTANT, [], value=0.25)], template=(0, 1, "done"),
                sep="|", end="!\n")
    graph = b.finish([])
    args = [np.array([0.25, 2.0, -3.5], np.float32), np.float32(0.1), 7]
    run(graph, *args)
    want = capfd.readouterr().out
    program = compile_cuda(graph)
    assert program(*args) == ()
    assert program(*args) == ()
    assert capfd.readouterr().out == want * 2


def test_agrees_with_the_cpu_backend(compile_cuda, cuda_cache):
    numba_cpu = pytest.importorskip("autograph.codegen.cpu.backend")
    graph = loops_graph()
    args = [np.array([0.5, -1.0, 2.0, 3.5], np.float32), np.int32(2), np.bool_(True)]
    assert_all_same(compile_cuda(graph)(*args), numba_cpu.compile_graph(graph, cuda_cache)(*args),
                    "cuda vs cpu")

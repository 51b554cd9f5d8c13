"""The CUDA backend's code generation, checked without a GPU or the simulator: the op
tables, fusion planning, the program text (golden), and the "no CUDA device" error.

Running kernels is `tests/cuda/` (simulator or GPU); compiling them for a real device
is `test_codegen_cuda_ptx.py`.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from autograph.codegen.cuda import (backend as numba_cuda, runtime as cuda_runtime,
                                    scalars as ck)
from autograph.errors import AutographError
from autograph.ir import Builder, Op, TensorType, ops


def test_every_op_has_an_emitter():
    assert [op for op in Op if op not in numba_cuda.EMITTERS] == []


def test_every_elementwise_op_has_a_scalar_formula():
    assert set(ck.SCALAR) == ops.ELEMENTWISE


def _chain():
    b = Builder("chain")
    x = b.add_input(TensorType((5, 4), np.float32), "x")
    y = b.add_input(TensorType((4,), np.float32), "y")
    a = b.emit(Op.MUL, [x, b.emit(Op.CONSTANT, [], value=0.5)])   # used once: fused
    c = b.emit(Op.ADD, [a, y])
    d = b.emit(Op.TANH, [c])
    e = b.emit(Op.SUM, [d], axes=(1,))                              # not elementwise
    f = b.emit(Op.EXP, [y])                                          # shape differs from g
    g = b.emit(Op.MUL, [x, f])
    return b, [d, e, g]


def test_plan_fusion_groups_single_use_chains():
    b, results = _chain()
    graph = b.finish(results)
    groups = numba_cuda.plan_fusion(graph.body)
    by_root = {root.op: [n.op for n in members] for root, members in groups.items()}
    assert by_root[Op.TANH] == [Op.MUL, Op.ADD, Op.TANH]
    assert by_root[Op.EXP] == [Op.EXP]          # y-shaped value broadcast into g: not fused
    assert by_root[Op.MUL] == [Op.MUL]


def test_values_used_twice_or_in_regions_or_as_results_are_not_fused():
    b = Builder("pinned")
    x = b.add_input(TensorType((3,), np.float64), "x")
    p = b.add_input(TensorType((), np.bool_), "p")
    twice = b.emit(Op.SIN, [x])
    both = b.emit(Op.ADD, [b.emit(Op.COS, [twice]), b.emit(Op.EXP, [twice])])
    captured = b.emit(Op.NEG, [x])
    b.open_region([])
    then = b.close_region([b.emit(Op.ABS, [captured])])
    b.open_region([])
    orelse = b.close_region([x])
    chosen = b.emit(Op.COND, [p], regions=[then, orelse])
    graph = b.finish([both, chosen, captured])
    groups = numba_cuda.plan_fusion(graph.body)
    roots = {root.op for root in groups}
    assert {Op.SIN, Op.NEG, Op.ADD} <= roots
    members = {n.op for group in groups.values() for n in group[:-1]}
    assert members == {Op.COS, Op.EXP}


def test_program_text_is_readable_and_stable(golden):
    b, results = _chain()
    graph = b.finish(results)
    text = numba_cuda.generate(graph, cuda_runtime.DEVICE_TARGET)
    assert text == numba_cuda.generate(graph, cuda_runtime.DEVICE_TARGET)
    golden.check("codegen_cuda/chain", text)


def test_loops_and_reductions_text(golden):
    b = Builder("loop")
    x = b.add_input(TensorType((1000,), np.float32), "x")
    n = b.add_input(TensorType((), np.int64), "n")
    zero, one = (b.emit(Op.CONSTANT, [], value=np.array(v, np.int64)) for v in (0, 1))
    i, acc = b.open_region([TensorType((), np.int64), x.type], ["i", "acc"])
    scaled = b.emit(Op.MUL, [acc, b.emit(Op.CAST, [i], dtype=np.float32)])
    body = b.close_region([b.emit(Op.SUB, [scaled, b.emit(Op.MEAN, [scaled], axes=(0,))])])
    out = b.emit(Op.FOR, [zero, n, one, x], regions=[body])
    graph = b.finish([out, b.emit(Op.ARGMAX, [out], axis=None)])
    golden.check("codegen_cuda/loop", numba_cuda.generate(graph))


def test_identical_kernels_are_written_once():
    b = Builder("twice")
    x = b.add_input(TensorType((8,), np.float32), "x")
    y = b.add_input(TensorType((8,), np.float32), "y")
    graph = b.finish([b.emit(Op.SIN, [x]), b.emit(Op.SIN, [y])])
    program = numba_cuda.generate_program(graph, fuse=False)
    assert len(program.kernels) == 1
    assert program.text.count("= rt.Launch(_k0_sin, 8)") == 2  # two launch sites, one kernel


def test_complex_dtypes_are_refused_with_the_op_named():
    b = Builder("complex")
    x = b.add_input(TensorType((2,), np.complex64), "x")
    graph = b.finish([b.emit(Op.NEG, [x])])
    with pytest.raises(AutographError, match="neg: complex dtypes are not supported"):
        numba_cuda.generate(graph)


def test_target_validation():
    with pytest.raises(AutographError, match="power of two"):
        cuda_runtime.Target(block=12)


def test_importing_the_backend_does_not_import_numba_cuda():
    code = ("import sys, autograph, autograph.codegen.cuda.backend\n"
            "print('numba.cuda' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_compile_without_a_device_raises():
    if cuda_runtime.unavailable_reason() is None:
        pytest.skip("kernels can run here (a GPU or the simulator)")
    b = Builder("g")
    x = b.add_input(TensorType((3,), np.float32), "x")
    with pytest.raises(AutographError, match="no CUDA device: "):
        numba_cuda.compile_graph(b.finish([b.emit(Op.NEG, [x])]))

"""Device-array calls: inputs taken without copying, outputs left on the device; argument
checks; and (on a real GPU) `__cuda_array_interface__` objects such as CuPy arrays and
PyTorch CUDA tensors."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.codegen.cuda import runtime as cuda_runtime
from autograph.errors import AutographError
from autograph.ir import Builder, Op, TensorType, run
from cuda_support import assert_all_same, assert_same


def _graph():
    b = Builder("affine")
    x = b.add_input(TensorType((4, 3), np.float32), "x")
    w = b.add_input(TensorType((3, 2), np.float32), "w")
    s = b.add_input(TensorType((), np.float32), "s")
    y = b.emit(Op.MUL, [b.emit(Op.MATMUL, [x, w]), s])
    return b.finish([y, b.emit(Op.SUM, [y], axes=(0, 1))])


def _args():
    rng = np.random.default_rng(12)
    return (rng.standard_normal((4, 3)).astype(np.float32),
            rng.standard_normal((3, 2)).astype(np.float32), np.float32(0.5))


def test_device_inputs_give_device_outputs(compile_cuda):
    from numba import cuda

    graph = _graph()
    x, w, s = _args()
    got = compile_cuda(graph)(cuda.to_device(x), cuda.to_device(w), s)
    assert all(cuda_runtime.is_device_array(g) for g in got)
    assert got[1].shape == ()  # 0-d results are 0-d device arrays
    assert_all_same([g.copy_to_host() for g in got], run(graph, x, w, s))


def test_mixed_host_and_device_inputs(compile_cuda):
    from numba import cuda

    graph = _graph()
    x, w, s = _args()
    d = cuda.to_device(np.array([s]))  # a 0-d input given as a 1-element device array
    got = compile_cuda(graph)(x, cuda.to_device(w), d)
    assert cuda_runtime.is_device_array(got[0])
    assert_same(got[0].copy_to_host(), run(graph, x, w, s)[0])


def test_host_inputs_give_numpy_results(compile_cuda):
    graph = _graph()
    got = compile_cuda(graph)(*_args())
    assert isinstance(got[0], np.ndarray) and isinstance(got[1], np.float32)


def test_outputs_that_are_inputs_stay_device_arrays(compile_cuda):
    from numba import cuda

    b = Builder("identity")
    x = b.add_input(TensorType((3,), np.int32), "x")
    graph = b.finish([x, b.emit(Op.NEG, [x])])
    d = cuda.to_device(np.arange(3, dtype=np.int32))
    got = compile_cuda(graph)(d)
    np.testing.assert_array_equal(got[1].copy_to_host(), -np.arange(3))


def test_wrong_device_argument_is_an_autograph_error(compile_cuda):
    from numba import cuda

    program = compile_cuda(_graph())
    x, w, s = _args()
    with pytest.raises(AutographError, match="argument x: device array of float64"):
        program(cuda.to_device(x.astype(np.float64)), w, s)
    with pytest.raises(AutographError, match="argument w has shape"):
        program(x, w.T, s)
    with pytest.raises(AutographError, match="takes 3 argument"):
        program(x, w)


@pytest.mark.skipif(cuda_runtime.simulating(), reason="the simulator has no "
                    "__cuda_array_interface__")
def test_cuda_array_interface_objects(compile_cuda):
    from numba import cuda

    class Exported:  # what CuPy and PyTorch expose, nothing more
        def __init__(self, array):
            self.array = array
            self.__cuda_array_interface__ = array.__cuda_array_interface__

    graph = _graph()
    x, w, s = _args()
    got = compile_cuda(graph)(Exported(cuda.to_device(x)), Exported(cuda.to_device(w)), s)
    assert_all_same([g.copy_to_host() for g in got], run(graph, x, w, s))


@pytest.mark.skipif(cuda_runtime.simulating(), reason="needs a GPU")
@pytest.mark.parametrize("library", ["cupy", "torch"])
def test_cupy_and_torch_inputs(library, compile_cuda):
    lib = pytest.importorskip(library)
    graph = _graph()
    x, w, s = _args()
    if library == "cupy":
        xs, ws = lib.asarray(x), lib.asarray(w)
    else:
        xs, ws = lib.from_numpy(x).cuda(), lib.from_numpy(w).cuda()
    got = compile_cuda(graph)(xs, ws, s)
    assert_all_same([g.copy_to_host() for g in got], run(graph, x, w, s))

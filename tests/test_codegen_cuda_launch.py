"""Direct kernel launches (`codegen/cuda_launch.py`) without a GPU: how arguments are
packed into the parameter block numba-cuda's kernels expect, what is refused, and that a
site without the driver takes numba-cuda's own path. (The launches themselves run in
tests/cuda on a real device, `benchmarks/gpu_check.sh`.)"""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
from numba.core import types

from autograph.codegen.cuda import launch as cuda_launch
from autograph.codegen.cuda.launch import Launch, _Packed


class FakeDeviceArray:
    """What `_Packed` reads from a numba device array."""

    __cuda_ndarray__ = True

    def __init__(self, host: np.ndarray, pointer: int = 0x7000):
        self.dtype, self.ndim, self.shape = host.dtype, host.ndim, host.shape
        self.strides, self.size = host.strides, host.size
        self.device_ctypes_pointer = ctypes.c_void_p(pointer)


def _fields(packed: _Packed) -> list[int]:
    """Each kernel parameter's value, read through the void* table as cuLaunchKernel will."""
    values = []
    for address in packed.table:
        values.append(ctypes.c_int64.from_address(address).value)
    return values


def test_an_array_is_its_fields_and_a_scalar_its_own_slot():
    packed = _Packed((types.Array(types.float32, 2, "C"), types.int64))
    array = FakeDeviceArray(np.zeros((3, 5), np.float32), pointer=0x1234)
    assert packed.write(packed.slots[0], array)
    assert packed.write(packed.slots[1], 42)
    # meminfo, parent, nitems, itemsize, data, shape..., strides..., then the int64
    assert _fields(packed) == [0, 0, 15, 4, 0x1234, 3, 5, 20, 4, 42]


def test_float_scalars_are_passed_at_their_own_width():
    packed = _Packed((types.float32, types.float64))
    assert packed.write(packed.slots[0], 1.5) and packed.write(packed.slots[1], -2.25)
    first, second = packed.table
    assert ctypes.c_float.from_address(first).value == 1.5
    assert ctypes.c_double.from_address(second).value == -2.25


@pytest.mark.parametrize("host,why", [
    (np.zeros((3, 5), np.float64), "dtype"),
    (np.zeros(15, np.float32), "rank"),
    (np.zeros((5, 3), np.float32).T, "layout"),
])
def test_arrays_the_kernel_was_not_compiled_for_are_refused(host, why):
    packed = _Packed((types.Array(types.float32, 2, "C"),))
    assert not packed.write(packed.slots[0], FakeDeviceArray(host)), why


def test_a_host_array_is_refused():
    packed = _Packed((types.Array(types.float32, 1, "C"),))
    assert not packed.write(packed.slots[0], np.zeros(4, np.float32))


def test_unsupported_parameter_types_refuse_the_direct_path():
    with pytest.raises(TypeError):
        _Packed((types.complex64,))


class FakeKernel:
    """`kernel[grid, block](*args)` as numba-cuda's dispatcher, recording launches."""

    def __init__(self):
        self.launches = []
        self.overloads = {}

    def __getitem__(self, config):
        return lambda *args: self.launches.append((config, args))


def test_without_a_direct_path_every_launch_goes_through_numba(monkeypatch):
    monkeypatch.setattr(cuda_launch, "_cu_launch_kernel", lambda: None)
    kernel = FakeKernel()
    site = Launch(kernel, ((4, 1, 1), (8, 8)))
    site(1, 2)
    site(3, 4)
    assert kernel.launches == [(((4, 1, 1), (8, 8)), (1, 2)), (((4, 1, 1), (8, 8)), (3, 4))]
    assert site.why == "no driver library"


def test_a_site_repacks_only_new_objects_and_keeps_none_alive(monkeypatch):
    """Packed once per object: the same array again is not rewritten; a new one is; and
    the site holds no strong reference (a result it packed can be recycled)."""
    import gc
    import weakref

    packed = _Packed((types.Array(types.float32, 1, "C"),))
    site = Launch(FakeKernel(), ((1,), (1,)))
    site._packed, site._held = packed, [None]
    site._launch = (lambda *args: 0, 0, 1, 1, 1, 1, 1, 1)
    writes = []
    original = packed.write
    monkeypatch.setattr(packed, "write", lambda slot, value: writes.append(value) or
                        original(slot, value))
    first = FakeDeviceArray(np.zeros(4, np.float32), pointer=0x100)
    assert site._direct((first,)) and site._direct((first,))
    assert writes == [first]  # the second call reused the packed fields
    second = FakeDeviceArray(np.zeros(4, np.float32), pointer=0x200)
    assert site._direct((second,))
    assert writes == [first, second] and _fields(packed)[4] == 0x200
    alive = weakref.ref(second)
    del second, writes[:]
    gc.collect()
    assert alive() is None  # the site did not keep it

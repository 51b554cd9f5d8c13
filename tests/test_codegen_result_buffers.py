"""CPU programs return one result bare, and write big results into recycled buffers.

`cpu_runtime.ResultBuffers` is tested on its own (its refcount rule, views, its cap,
threads), then through compiled programs: the generated text (`return h`, `out0`), the
raw-call rule the API's guards follow, and that a buffer is never handed out again while
the caller holds the previous result or any view of it.
"""

from __future__ import annotations

import itertools
import re
import threading

import numba
import numpy as np
import pytest

from autograph.codegen import compile_graph, generate
from autograph.codegen.cpu import runtime as cpu_runtime
from autograph.codegen.cpu.options import CpuOptions
from autograph.codegen.cpu.runtime import ResultBuffers
from autograph.ir import Builder, Op, TensorType, run

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
BIG = cpu_runtime.THRESHOLD // 4  # float32 elements in the smallest recycled result


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


# ---- the pool on its own -----------------------------------------------------------------

def test_take_gives_a_c_contiguous_array_of_the_shape_and_dtype():
    pool = ResultBuffers((3, 4), F64)
    a = pool.take()
    assert a.shape == (3, 4) and a.dtype == F64 and a.flags.c_contiguous
    assert a.flags.writeable


def test_a_held_buffer_is_never_handed_out_again():
    pool = ResultBuffers((8,), F32)
    r1 = pool.take()
    r2 = pool.take()
    assert r2 is not r1 and not np.shares_memory(r1, r2)


def test_a_dropped_buffer_is_reused():
    pool = ResultBuffers((8,), F32)
    r1 = pool.take()
    address = _address(r1)
    del r1
    r2 = pool.take()
    assert _address(r2) == address


def test_a_view_of_a_dropped_buffer_keeps_it_busy():
    pool = ResultBuffers((8,), F32)
    r1 = pool.take()
    view = r1[2:]
    del r1
    r2 = pool.take()
    assert not np.shares_memory(r2, view)
    del r2
    view2 = view.reshape(2, 3)  # a view of a view: NumPy's .base is still the buffer
    del view
    assert not np.shares_memory(pool.take(), view2)
    del view2
    assert len(pool) == 2


def test_an_array_numba_derived_from_the_buffer_keeps_it_busy():
    """Numba returns an argument array as the same object, and a view of it as a new
    array whose MemInfo references the argument: either way the refcount sees it."""
    @numba.njit
    def tail(out):
        out[:] = 1.0
        return out[1:]

    @numba.njit
    def same(out):
        return out

    pool = ResultBuffers((8,), F64)
    buffer = pool.take()
    address = _address(buffer)
    assert same(buffer) is buffer
    view = tail(buffer)
    del buffer
    assert _address(pool.take()) != address
    del view
    assert _address(pool.take()) == address


def test_at_most_two_buffers_are_kept():
    pool = ResultBuffers((8,), F32)
    held = [pool.take() for _ in range(4)]
    assert len(pool) == ResultBuffers.KEEP == 2
    assert len({_address(a) for a in held}) == 4
    del held
    a, b = pool.take(), pool.take()
    assert len(pool) == 2 and not np.shares_memory(a, b)


def test_a_caller_holding_the_previous_result_alternates_two_buffers():
    pool = ResultBuffers((8,), F32)
    seen = []
    r = None
    for _ in range(6):
        r = pool.take()  # the previous result is still held while taking
        seen.append(_address(r))
    assert len(set(seen)) == 2
    assert all(a != b for a, b in itertools.pairwise(seen))


def test_threads_never_share_a_buffer():
    pool = ResultBuffers((16,), np.dtype(np.int64))
    errors = []
    start = threading.Barrier(4)

    def work(tid):
        start.wait()
        for k in range(300):
            a = pool.take()
            a[:] = tid
            if k % 7 == 0:
                threading.Event().wait(0.0001)  # let the others run while this one holds a
            if not (a == tid).all():
                errors.append(tid)
            del a

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(pool) <= 2


# ---- graphs -------------------------------------------------------------------------------

def _plus_one(n: int, dtype=F32, name="plus_one"):
    b = Builder(name)
    x = b.add_input(TensorType((n,), dtype), "x")
    return b.finish([b.emit(Op.ADD, [x, b.emit(Op.CONSTANT, [], value=np.array(1, dtype))])])


def _double_and_total(n: int):
    """(x * 2, sum(x)): one big output, one 0-d."""
    b = Builder("double_and_total")
    x = b.add_input(TensorType((n,), F32), "x")
    two = b.emit(Op.CONSTANT, [], value=np.array(2, F32))
    return b.finish([b.emit(Op.MUL, [x, two]), b.emit(Op.SUM, [x], axes=(0,))])


def _total(n: int):
    b = Builder("total")
    x = b.add_input(TensorType((n,), F64), "x")
    return b.finish([b.emit(Op.SUM, [x], axes=(0,))])


def _column_sums(n: int):
    """sum over axis 0 of (2, n): a reduction's result, allocated by its own emitter."""
    b = Builder("column_sums")
    x = b.add_input(TensorType((2, n), F32), "x")
    return b.finish([b.emit(Op.SUM, [x], axes=(0,))])


def _chosen(n: int):
    """cond(p, -x, x + 1): the big output is made inside the branches."""
    b = Builder("chosen")
    x = b.add_input(TensorType((n,), F32), "x")
    p = b.add_input(TensorType((), np.dtype(np.bool_)), "p")
    b.open_region([])
    then = b.close_region([b.emit(Op.NEG, [x])])
    b.open_region([])
    one = b.emit(Op.CONSTANT, [], value=np.array(1, F32))
    orelse = b.close_region([b.emit(Op.ADD, [x, one])])
    return b.finish([b.emit(Op.COND, [p], regions=[then, orelse])])


@pytest.fixture(scope="session")
def cache_dir(request, tmp_path_factory):
    """The session's program folder, kept between runs (as test_codegen_numba_cpu's)."""
    folder = request.config.rootpath / ".autograph_cache" / "tests"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return tmp_path_factory.mktemp("autograph-result-buffers")
    return folder


@pytest.fixture(scope="module")
def big(cache_dir):
    return compile_graph(_plus_one(BIG), cache_dir)


# ---- generated text -----------------------------------------------------------------------

def test_one_output_is_returned_bare_and_several_in_a_tuple():
    assert re.search(r"\n    return a\n$", generate(_plus_one(8)))
    assert re.search(r"\n    return \(a, b\)\n$", generate(_double_and_total(8)))


def test_big_top_level_results_are_written_into_a_passed_buffer():
    text = generate(_plus_one(BIG))
    assert '@numba.njit("(float32[::1], float32[::1])"' in text
    assert "def plus_one(x, out0):" in text
    assert f'if out0.shape != ({BIG},):' in text
    assert re.search(r"\n    a = out0 +# add\n", text)
    assert "np.empty" not in text


def test_results_below_the_threshold_are_allocated():
    text = generate(_plus_one(BIG - 1))
    assert "def plus_one(x):" in text and "np.empty" in text


def test_a_reductions_big_result_is_recycled_too():
    text = generate(_column_sums(BIG))
    assert "def column_sums(x, out0):" in text and "    a = out0" in text


def test_results_made_inside_regions_are_not_recycled():
    text = generate(_chosen(BIG))
    assert "def chosen(x, p):" in text and "out0" not in text


def test_recycling_is_a_knob_off_in_plain():
    for options in (CpuOptions(recycle_results=False), CpuOptions.plain()):
        text = generate(_plus_one(BIG), options)
        assert "def plus_one(x):" in text and "out0" not in text


def test_a_value_named_out0_keeps_its_name():
    b = Builder("named")
    x = b.add_input(TensorType((BIG,), F32), "out0")
    graph = b.finish([b.emit(Op.NEG, [x])])
    assert "def named(out0, out0_1):" in generate(graph)


# ---- compiled programs --------------------------------------------------------------------

def test_bare_programs_still_return_tuples(cache_dir):
    program = compile_graph(_plus_one(8), cache_dir)
    x = np.arange(8, dtype=F32)
    assert program.bare and program.result_buffers == ()
    raw = program.function(x)
    assert isinstance(raw, np.ndarray)
    (got,) = program(x)
    np.testing.assert_array_equal(got, x + 1)


def test_zero_d_outputs_are_numpy_scalars_bare_or_not(cache_dir):
    x = np.arange(8.0)
    single = compile_graph(_total(8), cache_dir)
    assert single.bare
    (got,) = single(x)
    assert type(got) is np.float64 and got == 28.0
    pair = compile_graph(_double_and_total(8), cache_dir)
    assert not pair.bare
    doubled, total = pair(x.astype(F32))
    assert type(total) is np.float32 and total == 28.0
    np.testing.assert_array_equal(doubled, 2 * x.astype(F32))


def test_a_result_is_never_handed_out_while_held(big):
    x = np.arange(BIG, dtype=F32)
    assert big.bare and len(big.result_buffers) == 1
    (r1,) = big(x)
    np.testing.assert_array_equal(r1, x + 1)
    (r2,) = big(x * 2)
    assert r2 is not r1 and not np.shares_memory(r1, r2)
    np.testing.assert_array_equal(r1, x + 1)  # the second call did not write into r1
    np.testing.assert_array_equal(r2, x * 2 + 1)


def test_a_dropped_result_is_reused(big):
    x = np.arange(BIG, dtype=F32)
    (r1,) = big(x)
    address = _address(r1)
    (r2,) = big(x)
    del r1
    (r3,) = big(x * 3)
    assert _address(r3) == address and not np.shares_memory(r2, r3)
    np.testing.assert_array_equal(r3, x * 3 + 1)


def test_a_view_of_a_dropped_result_is_not_reused(big):
    x = np.arange(BIG, dtype=F32)
    (r1,) = big(x)
    view = r1[::2]
    del r1
    seen = [big(x + k)[0] for k in range(3)]  # held: each call needs a free buffer
    assert not any(np.shares_memory(view, r) for r in seen)
    np.testing.assert_array_equal(view, (x + 1)[::2])


def test_the_raw_call_rule(big):
    """What the API's guards do: inputs, then one taken buffer per recycled output."""
    x = np.arange(BIG, dtype=F32)
    r = big.function(x, *(b.take() for b in big.result_buffers))
    np.testing.assert_array_equal(r, x + 1)
    with pytest.raises(TypeError):
        big.function(x)  # the buffer is not optional
    with pytest.raises(ValueError, match="out0"):
        big.function(x, np.empty(BIG + 1, F32))  # checked: no write past its end


def test_converted_arguments_get_buffers_too(big):
    x = np.arange(BIG, dtype=F64)  # float64: converted to the program's float32
    (r,) = big(x)
    assert r.dtype == F32
    np.testing.assert_array_equal(r, x.astype(F32) + 1)
    (s,) = big(np.arange(2 * BIG, dtype=F32)[::2])  # not contiguous: converted
    np.testing.assert_array_equal(s, np.arange(2 * BIG, dtype=F32)[::2] + 1)
    assert not np.shares_memory(r, s)


def test_a_big_reduction_and_a_tuple_with_a_buffer(cache_dir):
    x = np.arange(2 * BIG, dtype=F32).reshape(2, BIG) % 1000
    sums = compile_graph(_column_sums(BIG), cache_dir)
    assert len(sums.result_buffers) == 1
    (got,) = sums(x)
    np.testing.assert_array_equal(got, run(_column_sums(BIG), x)[0])
    pair = compile_graph(_double_and_total(BIG), cache_dir)
    assert not pair.bare and len(pair.result_buffers) == 1
    y = x[0].copy()
    first = pair(y)
    second = pair(y)
    assert not np.shares_memory(first[0], second[0])
    np.testing.assert_array_equal(second[0], 2 * y)
    assert type(second[1]) is np.float32

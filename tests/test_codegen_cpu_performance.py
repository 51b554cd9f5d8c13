"""The CPU backend's performance features (cpu_options.CpuOptions) against the reference
interpreter: vectorisable math, in-place item assignment and loops carrying one buffer,
buffer reuse, prange loops, proven-in-bounds indices. Every feature is checked with it
on and off, and the program text is checked for what the feature should (not) write."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import numba
import numpy as np
import pytest

import autograph
from autograph.codegen.cpu import backend as numba_cpu
from autograph.codegen.cpu.options import CpuOptions
from autograph.ir import Builder, Op, TensorType, run

F32, F64, I32, I64 = (np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64))
IDX = TensorType((), I64)
PLAIN = CpuOptions.plain()
SMALL = CpuOptions(parallel_threshold=16)  # prange even on the small test arrays
OPTIONS = {"default": None, "plain": PLAIN, "small-prange": SMALL}


@pytest.fixture(scope="session")
def cache_dir(request, tmp_path_factory):
    """Programs are kept between runs in `.autograph_cache/tests` (named by their text's
    hash, so nothing stale is used), as tests/test_codegen_numba_cpu.py does."""
    folder = request.config.rootpath / ".autograph_cache" / "tests"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return tmp_path_factory.mktemp("autograph-cpu-performance")
    return folder


def _const(b, value):
    return b.emit(Op.CONSTANT, [], value=value)


def _close(got, want, what=""):
    """Equal ints; floats within a few ulps relative to their size, or to 1 where a
    result like tanh(a) * exp(b) + 1 cancels (the +1 sets the absolute error)."""
    want = np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (what, got, want)
    if want.dtype.kind == "f":
        eps = float(np.finfo(want.dtype).eps)
        rtol = 1e-6 if want.dtype == F32 else 1e-14
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=4 * eps,
                                       equal_nan=True, err_msg=what)
            zeros = (got == 0) & (want == 0)
            np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def check(graph, args, cache_dir, options=None):
    """Compiles `graph` with `options`, runs it and the interpreter on `args`, compares."""
    program = numba_cpu.compile_graph(graph, cache_dir, options)
    got = program(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = run(graph, *args)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        _close(np.asarray(g), w, f"{graph.name} output {k}")
    return program


# ---- vectorisable math in fused loops -------------------------------------------------------

def w2_graph(dtype, x_shape, y_shape, name="elementwise"):
    """tanh(x * 0.5 + y) * exp(-x * x) + 1.0, the W2 benchmark, with weak constants."""
    b = Builder(name)
    x = b.add_input(TensorType(x_shape, dtype), "x")
    y = b.add_input(TensorType(y_shape, dtype), "y")
    t = b.emit(Op.TANH, [b.emit(Op.ADD, [b.emit(Op.MUL, [x, _const(b, 0.5)]), y])])
    e = b.emit(Op.EXP, [b.emit(Op.MUL, [b.emit(Op.NEG, [x]), x])])
    return b.finish([b.emit(Op.ADD, [b.emit(Op.MUL, [t, e]), _const(b, 1.0)])])


def _data(shape, dtype, rng, special=True):
    a = (rng.normal(size=shape) * 4).astype(dtype)
    if special and a.size >= 6:
        flat = a.reshape(-1)
        flat[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 100.0]
        rng.shuffle(flat)
    return a if shape else dtype.type(a)


@pytest.mark.parametrize("options", list(OPTIONS), ids=str)
@pytest.mark.parametrize("dtype", [F32, F64], ids=str)
@pytest.mark.parametrize("shapes", [((3, 1, 5), (4, 5)), ((0,), (0,)), ((), ()), ((7,), ())],
                         ids=lambda s: f"{s[0]}-{s[1]}")
def test_w2_expression_matches_the_interpreter(shapes, dtype, options, cache_dir):
    rng = np.random.default_rng(1)
    graph = w2_graph(dtype, *shapes)
    args = [_data(s, dtype, rng) for s in shapes]
    program = check(graph, args, cache_dir, OPTIONS[options])
    uses_vecmath = "_vm.tanh_" in program.source
    assert uses_vecmath is (options != "plain")
    assert ("np.tanh" in program.source) is (options == "plain")


def _math_graph(dtype, shape):
    b = Builder("math")
    x = b.add_input(TensorType(shape, dtype), "x")
    outs = [b.emit(op, [x]) for op in (Op.EXP, Op.TANH, Op.LOG, Op.EXPM1, Op.LOG1P)]
    return b.finish(outs)


@pytest.mark.parametrize("dtype", [F32, F64], ids=str)
@pytest.mark.parametrize("shape", [(40,), ()], ids=str)
def test_every_vecmath_function_in_a_program(dtype, shape, cache_dir):
    graph = _math_graph(dtype, shape)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, -2.0, 1e-30, 88.8, 710.0, -750.0,
                float(np.finfo(dtype).smallest_subnormal)]
    x = np.concatenate([specials, np.linspace(-20, 20, 40 - len(specials))]).astype(dtype)
    for value in (x if not shape else [x]):
        program = check(graph, [value if shape else dtype.type(value)], cache_dir)
    assert all(f"_vm.{name}_f{dtype.itemsize * 8}(" in program.source
               for name in ("exp", "tanh", "log", "expm1", "log1p"))


def test_complex_and_unsupported_math_stay_with_numpy(cache_dir):
    b = Builder("other")
    x = b.add_input(TensorType((3,), np.dtype(np.complex128)), "x")
    y = b.add_input(TensorType((3,), F32), "y")
    g = b.finish([b.emit(Op.EXP, [x]), b.emit(Op.SIN, [y])])
    program = check(g, [np.array([1 + 1j, -2j, 0]), np.array([0.5, -1, 3], np.float32)],
                    cache_dir)
    assert "_vm" not in program.source and "np.exp(" in program.source


W2_GOLDEN = '''\
# generated by autograph from graph 'elementwise' \u2014 do not edit
import numpy as np
import numba
from autograph.codegen.cpu import vecmath as _vm  # version <hash>

@numba.njit("(float32[::1], float32[::1])", nogil=True, cache=True, parallel=True, error_model="numpy")
def elementwise(x, y):
    if x.shape != (65536,):
        raise ValueError("x: the program is compiled for shape (65536,)")
    if y.shape != (65536,):
        raise ValueError("y: the program is compiled for shape (65536,)")
    h = np.empty((65536,), np.float32)      # mul, add, tanh, neg, mul, exp, mul, add
    for i0 in numba.prange(65536):
        h[i0] = (_vm.tanh_f32((x[i0] * np.float32(0.5)) + y[i0]) * _vm.exp_f32((-x[i0]) * x[i0])) + np.float32(1.0)
    return h
'''


def test_golden_program_of_the_fused_w2_graph():
    """One loop, no temporaries, vectorisable math, a prange at 2^16 elements (the cost
    model's estimate, ~380 µs, is over its threshold; 2^14 elements are not)."""
    text = numba_cpu.generate(w2_graph(F32, (1 << 16,), (1 << 16,)))
    assert re.sub(r"# version [0-9a-f]{12}", "# version <hash>", text) == W2_GOLDEN
    smaller = numba_cpu.generate(w2_graph(F32, (1 << 14,), (1 << 14,)))
    assert "prange" not in smaller and "parallel=True" not in smaller


def test_a_fused_reduction_makes_no_temporary(cache_dir):
    b = Builder("dot_by_hand")
    x = b.add_input(TensorType((50,), F32), "x")
    y = b.add_input(TensorType((50,), F32), "y")
    g = b.finish([b.emit(Op.SUM, [b.emit(Op.MUL, [x, y])], axes=(0,), keepdims=False)])
    rng = np.random.default_rng(2)
    program = check(g, [_data((50,), F32, rng, False), _data((50,), F32, rng, False)], cache_dir)
    assert "np.empty" not in program.source
    assert len(re.findall(r"^\s+for ", program.source, re.M)) == 1


# ---- in place, loops carrying one buffer ----------------------------------------------------

def mandelbrot_graph(h, w, max_iter=20):
    """Mandelbrot as autograph traces it: out[i, j] = n inside two staged FOR loops,
    the image a graph input (a captured np.zeros)."""
    b = Builder("mandelbrot")
    re_ = b.add_input(TensorType((w,), F64), "re")
    im = b.add_input(TensorType((h,), F64), "im")
    out0 = b.add_input(TensorType((h, w), I32), "capture0")
    i, out = b.open_region([IDX, out0.type], ["i", "out"])
    j, out_1 = b.open_region([IDX, out0.type], ["j", "out"])
    c_re = b.emit(Op.INDEX, [re_, j], index=(("dyn", 0),))
    c_im = b.emit(Op.INDEX, [im, i], index=(("dyn", 0),))
    weak = TensorType((), I64, True)
    n, zr, zi = b.open_region([weak, TensorType((), F64), TensorType((), F64)], ["n", "zr", "zi"])
    mag = b.emit(Op.ADD, [b.emit(Op.MUL, [zr, zr]), b.emit(Op.MUL, [zi, zi])])
    go = b.emit(Op.LOGICAL_AND, [b.emit(Op.LT, [n, _const(b, max_iter)]),
                                 b.emit(Op.LE, [mag, _const(b, 4.0)])])
    cond = b.close_region([go])
    n, zr, zi = b.open_region([weak, TensorType((), F64), TensorType((), F64)], ["n", "zr", "zi"])
    new_re = b.emit(Op.ADD, [b.emit(Op.SUB, [b.emit(Op.MUL, [zr, zr]), b.emit(Op.MUL, [zi, zi])]),
                             c_re])
    new_im = b.emit(Op.ADD, [b.emit(Op.MUL, [b.emit(Op.MUL, [_const(b, 2.0), zr]), zi]), c_im])
    body = b.close_region([b.emit(Op.ADD, [n, _const(b, 1)]), new_re, new_im])
    zero = b.emit(Op.CAST, [_const(b, 0.0)], dtype=F64, weak=False)
    count, _, _ = b.emit(Op.WHILE, [_const(b, 0), zero, zero], regions=[cond, body])
    store = b.emit(Op.SET_INDEX, [out_1, b.emit(Op.CAST, [count], dtype=I32, weak=False), i, j],
                   index=(("dyn", 0), ("dyn", 1)))
    inner = b.close_region([store])
    row = b.emit(Op.FOR, [_const(b, 0), _const(b, w), _const(b, 1), out], regions=[inner])
    outer = b.close_region([row])
    image = b.emit(Op.FOR, [_const(b, 0), _const(b, h), _const(b, 1), out0], regions=[outer])
    return b.finish([image])


def _mandelbrot_args(h, w):
    return [np.linspace(-2, 1, w), np.linspace(-1.5, 1.5, h), np.zeros((h, w), np.int32)]


@pytest.mark.parametrize("options", ["small-prange", "plain"])
def test_mandelbrot_writes_in_place_in_a_parallel_loop(options, cache_dir):
    graph = mandelbrot_graph(9, 11)
    args = _mandelbrot_args(9, 11)
    before = args[2].copy()
    program = check(graph, args, cache_dir, OPTIONS[options])
    source = program.source
    if options == "small-prange":  # 9 rows are worth a prange only below the default
        assert source.count(".copy()") == 1  # once on entry: capture0 is the caller's
        assert "in numba.prange(9)" in source and "parallel=True" in source
        assert "in place" in source and "raise IndexError" not in source
    else:
        assert "prange" not in source and "raise IndexError" in source
        assert re.search(r"= \w+\.copy\(\)\s+# set_index", source)  # a copy per pixel
    result = program(*args)[0]
    assert np.array_equal(args[2], before)  # the caller's array is never written
    result[0, 0] = 99  # the result is a new array, not shared with the next call
    assert program(*args)[0][0, 0] != 99


def test_the_parallel_loop_really_runs_in_parallel(tmp_path):
    """Numba falls back to a serial loop, with a NumbaPerformanceWarning, when a prange
    body may raise or exit early; a fresh cache folder makes it compile here."""
    graph = mandelbrot_graph(6, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", numba.NumbaPerformanceWarning)
        program = numba_cpu.compile_graph(graph, tmp_path, SMALL)
    assert "prange" in program.source
    want = run(graph, *_mandelbrot_args(6, 5))[0]
    assert np.array_equal(program(*_mandelbrot_args(6, 5))[0], want)


_TWICE = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from autograph.codegen.cpu import backend as numba_cpu
from benchmarks.workloads import w5_mandelbrot as w5
import autograph
args = w5.inputs(200, 200)  # big enough for the cost model to run it in parallel
f = autograph.convert(w5.mandelbrot)
graph = f.lower(*args).graph  # compiled in the default cache folder ...
program = numba_cpu.compile_graph(graph, sys.argv[2])  # ... and imported from another
assert "prange" in program.source
image = program.function(args[0], args[1], args[2])
assert program.bare  # one result: returned as it is, no 1-tuple
assert np.array_equal(image, w5.mandelbrot(*args)), "wrong image"
print("ok")
"""


def test_parallel_programs_work_in_later_processes(tmp_path):
    """A parallel program compiled in one process and loaded from Numba's disk cache in
    the next (from two cache folders, as a test suite and the default folder do) still
    runs and gives the right image."""
    import os
    import subprocess

    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"), NUMBA_NUM_THREADS="2")
    script = tmp_path / "twice.py"
    script.write_text(_TWICE)
    for _ in range(2):
        done = subprocess.run([sys.executable, str(script), root, str(tmp_path / "other")],
                              env=env, cwd=root,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
    assert list(tmp_path.glob("other/__pycache__/*.mandelbrot-*.nbi"))  # it was cached


def _prefix_graph(n):
    """acc[i] = acc[i - 1] + x[i]: each iteration reads the previous one's write."""
    b = Builder("prefix")
    x = b.add_input(TensorType((n,), F64), "x")
    i, acc = b.open_region([IDX, x.type], ["i", "acc"])
    prev = b.emit(Op.INDEX, [acc, b.emit(Op.SUB, [i, _const(b, 1)])], index=(("dyn", 0),))
    value = b.emit(Op.ADD, [prev, b.emit(Op.INDEX, [x, i], index=(("dyn", 0),))])
    body = b.close_region([b.emit(Op.SET_INDEX, [acc, value, i], index=(("dyn", 0),))])
    return b.finish([b.emit(Op.FOR, [_const(b, 1), _const(b, n), _const(b, 1), x],
                            regions=[body])])


def test_a_loop_reading_its_own_writes_stays_serial_but_in_place(cache_dir):
    program = check(_prefix_graph(300), [np.arange(300.0)], cache_dir, SMALL)
    assert "prange" not in program.source
    assert program.source.count(".copy()") == 1  # x is the caller's: copied on entry
    # i - 1 over range(1, 300) is provably in [0, 299): no check for it either.
    assert "raise IndexError" not in program.source


def test_old_value_still_needed_is_copied(cache_dir):
    """y = e.copy() with e[1] = 0, while e is read afterwards (also by a producer the
    code generator fuses into a consumer that runs after the assignment)."""
    b = Builder("keep")
    x = b.add_input(TensorType((5,), F64), "x")
    e = b.emit(Op.EXP, [x])
    doubled = b.emit(Op.MUL, [e, _const(b, 2.0)])  # fused into `later`, after the write
    y = b.emit(Op.SET_INDEX, [e, _const(b, 0.0)], index=(("int", 1),))
    later = b.emit(Op.ADD, [doubled, _const(b, 1.0)])
    z = b.emit(Op.SET_INDEX, [y, _const(b, 7.0)], index=(("int", 2),))
    g = b.finish([z, later])
    program = check(g, [np.linspace(-1, 1, 5)], cache_dir)
    assert program.source.count(".copy()") == 1  # the first assignment copies ...
    assert "in place" in program.source  # ... the second writes into its copy


def test_graph_inputs_are_never_written(cache_dir):
    b = Builder("inputs")
    x = b.add_input(TensorType((4,), F64), "x")
    g = b.finish([b.emit(Op.SET_INDEX, [x, _const(b, 5.0)], index=(("int", 0),))])
    x0 = np.arange(4.0)
    program = check(g, [x0], cache_dir)
    program(x0)
    assert np.array_equal(x0, np.arange(4.0)) and ".copy()" in program.source


@pytest.mark.parametrize("n", [0, 1], ids=["empty", "one"])
def test_loops_over_empty_and_tiny_arrays(n, cache_dir):
    program = check(_prefix_graph(n + 1), [np.arange(n + 1.0)], cache_dir)
    b = Builder("fill")
    x = b.add_input(TensorType((n,), F64), "x")
    i, acc = b.open_region([IDX, x.type], ["i", "acc"])
    body = b.close_region([b.emit(Op.SET_INDEX, [acc, b.emit(Op.CAST, [i], dtype=F64, weak=False),
                                                 i], index=(("dyn", 0),))])
    g = b.finish([b.emit(Op.FOR, [_const(b, 0), _const(b, n), _const(b, 1),
                                  b.emit(Op.EXP, [x])], regions=[body])])
    check(g, [np.ones(n)], cache_dir)
    assert program.source


def test_negative_loop_indices_keep_their_wrap_around(cache_dir):
    """for i in range(-3, 0): acc[i] = i -- not provably in [0, n), so wrapped."""
    b = Builder("wrap")
    x = b.add_input(TensorType((5,), F64), "x")
    i, acc = b.open_region([IDX, x.type], ["i", "acc"])
    body = b.close_region([b.emit(Op.SET_INDEX, [acc, b.emit(Op.CAST, [i], dtype=F64, weak=False),
                                                 i], index=(("dyn", 0),))])
    g = b.finish([b.emit(Op.FOR, [_const(b, -3), _const(b, 0), _const(b, 1), x],
                         regions=[body])])
    program = check(g, [np.zeros(5)], cache_dir)
    assert "+= 5" in program.source


# ---- buffer reuse ------------------------------------------------------------------------------

def test_matmul_bias_activation_reuses_the_product_buffer(cache_dir):
    """The product stays in BLAS (np.dot); bias and tanh are one pass over its output."""
    b = Builder("dense")
    x = b.add_input(TensorType((6, 8), F32), "x")
    w = b.add_input(TensorType((8, 5), F32), "w")
    bias = b.add_input(TensorType((5,), F32), "bias")
    h = b.emit(Op.TANH, [b.emit(Op.ADD, [b.emit(Op.MATMUL, [x, w]), bias])])
    g = b.finish([h])
    rng = np.random.default_rng(3)
    args = [_data(t.type.shape, F32, rng, False) for t in g.inputs]
    program = check(g, args, cache_dir)
    assert "np.dot(" in program.source and "np.empty" not in program.source
    assert re.search(r"^    (\w+) = (\w+)\s+# add, tanh, into \2$", program.source, re.M)
    plain = check(g, args, cache_dir, PLAIN)
    assert "np.empty" in plain.source


# ---- the knobs through the public API ------------------------------------------------------------

def test_convert_with_optimize_false_still_matches(cache_dir):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.workloads import w2_elementwise, w5_mandelbrot

    x = np.linspace(-3, 3, 64).astype(np.float32)
    y = x[::-1].copy()
    for optimize in (True, False):
        f = autograph.convert(w2_elementwise.elementwise, optimize=optimize)
        _close(f(x, y), w2_elementwise.elementwise(x, y))
        m = autograph.convert(w5_mandelbrot.mandelbrot, optimize=optimize)
        args = w5_mandelbrot.inputs(7, 6)
        np.testing.assert_array_equal(m(*args), w5_mandelbrot.mandelbrot(*args))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise hints are Linux's")
def test_big_results_are_advised_onto_huge_pages(cache_dir):
    graph = w2_graph(F32, (1 << 20,), (1 << 20,), name="big")
    text = numba_cpu.generate(graph, CpuOptions(recycle_results=False))
    assert "= _rt.huge_pages(np.empty((1048576,), np.float32))" in text
    assert "from autograph.codegen.cpu import runtime as _rt  # version " in text
    assert "huge_pages" not in numba_cpu.generate(graph, CpuOptions(huge_pages=False,
                                                                    recycle_results=False))
    assert "huge_pages" not in numba_cpu.generate(w2_graph(F32, (1 << 19,), (1 << 19,)))
    rng = np.random.default_rng(4)
    check(graph, [_data((1 << 20,), F32, rng), _data((1 << 20,), F32, rng)], cache_dir)


def test_programs_name_the_runtime_versions_they_were_built_with():
    """Numba's disk cache is keyed by the program file; the version hashes in its text
    make a changed vecmath.py produce a new file instead of stale machine code."""
    from autograph.codegen.cpu import vecmath

    text = numba_cpu.generate(w2_graph(F64, (3,), (3,)))
    assert f"import vecmath as _vm  # version {vecmath.VERSION}" in text

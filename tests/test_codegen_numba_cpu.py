"""The Numba CPU backend against the reference interpreter, op by op and dtype by dtype.

Every test builds graphs with `ir.Builder`, compiles them with `compile_graph` and compares
values, shapes and dtypes with `ir.interpreter.run`. Numba compiles slowly (about 0.05 s
per loop nest, 2 minutes for this file from scratch), so many ops share one program, not
every dtype gets every shape, and compiled programs are kept between runs in
`.autograph_cache/tests` (see `cache_dir`).

`GRAPH_BUILDERS` lists every graph the differential tests run; the coverage test checks
that together they use every op, so an op added to the IR fails here until it has an
emitter and a differential test.
"""

from __future__ import annotations

import glob
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograph.codegen import EMITTERS, CodegenError, cache, compile_graph, generate
from autograph.errors import AutographError, StagingError
from autograph.ir import Builder, Op, TensorType, ops as irops, run

F32, F64, I32, I64 = (np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64))
BOOL, U8, I8, U64, C128 = (np.dtype(t) for t in (np.bool_, np.uint8, np.int8, np.uint64,
                                                  np.complex128))


@pytest.fixture(scope="session")
def cache_dir(request, tmp_path_factory):
    """One folder for the whole session, kept between runs: `.autograph_cache/tests` in
    the checkout (git-ignored, removed by `make clean`). Programs are named by the hash
    of their text and Numba checks its own cache, so nothing stale is ever used."""
    folder = request.config.rootpath / ".autograph_cache" / "tests"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return tmp_path_factory.mktemp("autograph-numba-cpu")
    return folder


def _is_compiled(graph, folder: Path) -> bool:
    source = generate(graph)
    name = re.search(r"^def (\w+)\(", source, re.MULTILINE).group(1)
    stem = cache.program_path(source, folder).stem
    return bool(glob.glob(str(folder / "__pycache__" / f"{stem}.{name}-*.nbi")))


_WORKER = """
import sys, json
sys.path.insert(0, sys.argv[3])
import test_codegen_numba_cpu as T
from autograph.codegen import compile_graph
for k in json.loads(sys.argv[2]):
    graph = T.GRAPH_BUILDERS[k]()
    try:
        compile_graph(graph, sys.argv[1])  # compiles, and fills the disk cache
    except Exception:
        pass  # the test itself will report it
"""


@pytest.fixture(scope="module", autouse=True)
def compile_in_background(cache_dir):
    """Numba compiles one program at a time and this file has about fifty: when the
    cache is cold, a second process compiles them from the end of `GRAPH_BUILDERS` while
    the tests run from its start. Both fill the same disk cache (Numba writes it
    atomically, program files are never rewritten), so a cold run takes about half as
    long on two cores; with a warm cache nothing is started."""
    missing = [k for k, build in enumerate(GRAPH_BUILDERS)
               if not _is_compiled(build(), Path(cache_dir))]
    if len(missing) < 4:
        yield
        return
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(cache_dir), json.dumps(missing[::-1]),
         str(Path(__file__).parent)],
        cwd=Path(__file__).parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield
    if worker.poll() is None:
        worker.kill()
    worker.wait()


# ---- helpers ------------------------------------------------------------------------------

def sample(ttype: TensorType, rng, *, nonzero: bool = False, special: bool = True):
    """Test data of `ttype`: small mixed-sign numbers, floats with nan/inf/-0.0."""
    shape, dt = ttype.shape, ttype.dtype
    if dt.kind == "b":
        a = rng.random(shape) > 0.5
    elif dt.kind == "u":
        a = rng.integers(1 if nonzero else 0, 10, shape).astype(dt)
    elif dt.kind == "i":
        a = rng.integers(-9, 10, shape).astype(dt)
        if nonzero:
            a[a == 0] = 3
    elif dt.kind == "f":
        a = (rng.normal(size=shape) * 3).astype(dt)
        if special and a.size >= 5:
            flat = a.reshape(-1)
            flat[:5] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
            rng.shuffle(flat)
    else:
        a = (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dt)
    if ttype.weak:
        return a.item()
    return np.asarray(a)[()] if not shape else a


def assert_same(got, want, what=""):
    want = np.asarray(want)
    assert isinstance(got, (np.ndarray, np.generic)), f"{what}: got {type(got)}"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    if want.dtype.kind in "fc":
        single = want.dtype in (np.float32, np.complex64)
        rtol = 1e-5 if single else 1e-12  # libm and NumPy's SIMD kernels differ by ulps
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def check(graph, args, cache_dir, labels=None):
    """Runs `graph` compiled and interpreted on `args`; compares every output."""
    program = compile_graph(graph, cache_dir)
    got = program(*args)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's warnings (complex -> real, empty mean)
        want = run(graph, *args)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        label = labels[k] if labels else f"output {k}"
        assert_same(g, w, f"{graph.name}: {label}")
    return program


def try_emit(b: Builder, op: Op, inputs, **attrs):
    """`op(inputs)`, or None where NumPy itself rejects it or it yields float16."""
    try:
        node = b.emit_node(op, inputs, **attrs)
    except StagingError:
        return None
    if any(v.type.dtype == np.float16 for v in node.outputs):
        b.current.nodes.remove(node)
        return None
    return node.outputs[0]


def finish(b: Builder, outputs: list) -> tuple:
    """The graph, and a label per output."""
    values = [v for v, _ in outputs]
    return b.finish(values), [label for _, label in outputs]


# ---- elementwise ----------------------------------------------------------------------------

MAIN_DTYPES = (F32, F64, I32, I64, BOOL)
SCALAR_DTYPES = (F32, I32, BOOL)
UNARY_DTYPES = [F32, F64, I32, I64, BOOL, U8, I8, U64, C128]
UNARY_OPS = sorted(irops.UNARY - {Op.CAST}, key=lambda op: op.value)


def unary_graph(dt: np.dtype):
    b = Builder(f"unary_{dt.name}")
    x = b.add_input(TensorType((2, 3), dt), "x")
    s = b.add_input(TensorType((), dt), "s")
    e = b.add_input(TensorType((0, 2), dt), "e")
    # Numba compiles ~0.05 s per loop nest, so not every dtype gets every shape: 2-d
    # arrays on all, scalars on one float, one int and bool, empty arrays on float32.
    variants = [(x, "2-d")] + [(s, "0-d")] * (dt in SCALAR_DTYPES) + [(e, "empty")] * (dt == F32)
    outputs = []
    for op in UNARY_OPS:
        for operand, where in variants:
            v = try_emit(b, op, [operand])
            if v is not None:
                outputs.append((v, f"{op} {where}"))
    return finish(b, outputs)


@pytest.mark.parametrize("dt", UNARY_DTYPES, ids=str)
def test_unary_ops(dt, cache_dir):
    graph, labels = unary_graph(dt)
    rng = np.random.default_rng(0)
    args = [sample(p.type, rng, nonzero=True) for p in graph.inputs]
    check(graph, args, cache_dir, labels)


BINARY_PAIRS = [
    (F32, F32), (F64, F64), (I32, I32), (I64, I64), (BOOL, BOOL),  # the main dtypes
    (F64, F32), (I32, I64), (I64, F32), (U8, I8), (I64, U64), (BOOL, I32), (C128, C128),
    (F32, float), (I32, int), (U8, int), (F64, int), (BOOL, bool),  # weak scalars
]
BINARY_OPS = sorted(irops.BINARY, key=lambda op: op.value)
COMPLEX_ORDERING = {Op.MAXIMUM, Op.MINIMUM, Op.LT, Op.LE, Op.GT, Op.GE}


def _dtype_label(dt) -> str:
    return dt.name if isinstance(dt, np.dtype) else f"weak_{dt.__name__}"


def _type(dt, shape):
    if not isinstance(dt, np.dtype):
        return TensorType.scalar(np.dtype({int: np.int64, float: np.float64, bool: np.bool_,
                                           complex: np.complex128}[dt]), weak=dt is not bool)
    return TensorType(shape, dt)


def binary_graph(da, db):
    name = f"binary_{_dtype_label(da)}_{_dtype_label(db)}"
    b = Builder(name)
    a2 = b.add_input(_type(da, (3, 1)), "a2")
    b2 = b.add_input(_type(db, (4,)), "b2")
    a0 = b.add_input(_type(da, ()), "a0")
    b0 = b.add_input(_type(db, ()), "b0")
    ae = b.add_input(_type(da, (0, 3)), "ae")
    be = b.add_input(_type(db, (3,)), "be")
    if not isinstance(db, np.dtype):  # a weak Python scalar: with arrays and scalars
        variants = [((a2, b0), "array, weak scalar"), ((a0, b0), "0-d")]
    elif da == db:
        variants = [((a2, b2), "2-d broadcast")] + [((a0, b0), "0-d")] * (da in SCALAR_DTYPES)
        variants += [((b2, a0), "array, scalar"), ((ae, be), "empty")] * (da == F32)
    else:
        variants = [((a2, b2), "2-d broadcast")]
    outputs = []
    for op in BINARY_OPS:
        for (x, y), where in variants:
            if x.type.dtype.kind == "c" and op in COMPLEX_ORDERING:
                continue  # rejected by the backend: test_complex_ordering_is_rejected
            if op is Op.POW and y.type.dtype.kind == "i":
                # NumPy refuses negative integer exponents; compute x ** |y|.
                y = try_emit(b, Op.ABS, [y])
            v = try_emit(b, op, [x, y])
            if v is not None:
                outputs.append((v, f"{op} {where}"))
    return finish(b, outputs)


@pytest.mark.parametrize("da, db", BINARY_PAIRS, ids=_dtype_label)
def test_binary_ops(da, db, cache_dir):
    graph, labels = binary_graph(da, db)
    rng = np.random.default_rng(1)
    args = [sample(p.type, rng) for p in graph.inputs]
    if da.kind == "u" and db is int:  # NumPy refuses negative Python ints with uint8
        args = [abs(a) if isinstance(a, int) else a for a in args]
    check(graph, args, cache_dir, labels)


def test_integer_division_and_shifts_at_the_edges(cache_dir):
    """Floor toward -inf, x // 0 == x % 0 == 0, shifts past the width, wrap-around."""
    b = Builder("int_edges")
    x = b.add_input(TensorType((12,), I32), "x")
    y = b.add_input(TensorType((12,), I32), "y")
    u = b.add_input(TensorType((12,), U64), "u")
    ops = [Op.FLOORDIV, Op.MOD, Op.LEFT_SHIFT, Op.RIGHT_SHIFT, Op.ADD, Op.MUL, Op.SUB]
    outs = [(b.emit(op, [x, y]), str(op)) for op in ops]
    outs += [(b.emit(op, [u, u]), f"{op} u64") for op in ops]
    outs += [(b.emit(op, [x, u]), f"{op} i32, u64") for op in (Op.LT, Op.EQ, Op.GE)]
    graph, labels = finish(b, outs)
    xs = np.array([7, -7, 7, -7, 0, 5, 2**31 - 1, -2**31, 1, -1, 3, -3], np.int32)
    ys = np.array([2, 2, -2, -2, 0, 0, 2, 3, 31, 32, -1, 40], np.int32)
    us = np.array([0, 1, 2**63, 2**64 - 1, 3, 5, 7, 64, 63, 65, 9, 2**32], np.uint64)
    check(graph, [xs, ys, us], cache_dir, labels)


CAST_DTYPES = [BOOL, I8, U8, I32, I64, U64, F32, F64, C128]


def cast_graph():
    b = Builder("casts")
    outputs = []
    for src in CAST_DTYPES:
        x = b.add_input(TensorType((2, 3), src), f"x_{src.name}")
        s = b.add_input(TensorType((), src), f"s_{src.name}")
        for dst in CAST_DTYPES:
            outputs.append((b.emit(Op.CAST, [x], dtype=dst), f"cast {src}->{dst}"))
            if src in MAIN_DTYPES and dst in MAIN_DTYPES:
                outputs.append((b.emit(Op.CAST, [s], dtype=dst), f"cast 0-d {src}->{dst}"))
    n = b.add_input(TensorType.scalar(I64, weak=True), "n")
    outputs.append((b.emit(Op.CAST, [n], dtype=F64, weak=True), "weak cast"))
    return finish(b, outputs)


def test_casts(cache_dir):
    graph, labels = cast_graph()
    rng = np.random.default_rng(2)
    args = []
    for p in graph.inputs:
        a = sample(p.type, rng, special=False)
        if p.type.dtype.kind in "fc":  # float -> int of negatives / nan is undefined
            a = np.abs(a) * 7
        args.append(a)
    check(graph, args, cache_dir, labels)


def where_graph():
    b = Builder("where")
    c = b.add_input(TensorType((3, 1), BOOL), "c")
    ci = b.add_input(TensorType((4,), I32), "ci")
    x = b.add_input(TensorType((4,), F32), "x")
    y = b.add_input(TensorType((3, 4), I32), "y")
    s = b.add_input(TensorType((), F64), "s")
    half = b.emit(Op.CONSTANT, [], value=0.5)
    outputs = [(b.emit(Op.WHERE, [c, x, y]), "where bool, f32, i32"),
               (b.emit(Op.WHERE, [ci, x, half]), "where int cond, weak constant"),
               (b.emit(Op.WHERE, [c, s, half]), "where 0-d"),
               (b.emit(Op.WHERE, [b.emit(Op.GT, [s, half]), s, half]), "where all 0-d")]
    return finish(b, outputs)


def test_where(cache_dir):
    graph, labels = where_graph()
    rng = np.random.default_rng(3)
    check(graph, [sample(p.type, rng) for p in graph.inputs], cache_dir, labels)


def fused_graph():
    """A chain of single-use elementwise ops with constants, fused into one loop nest."""
    b = Builder("fused")
    x = b.add_input(TensorType((5, 3), F32), "x")
    w = b.add_input(TensorType((3,), F32), "w")
    n = b.add_input(TensorType.scalar(I64, weak=True), "n")
    two = b.emit(Op.CONSTANT, [], value=2.0)
    y = b.emit(Op.MUL, [x, two])
    y = b.emit(Op.ADD, [y, w])
    y = b.emit(Op.TANH, [y])
    y = b.emit(Op.MUL, [y, n])
    z = b.emit(Op.MAXIMUM, [y, b.emit(Op.CONSTANT, [], value=0.0)])
    total = b.emit(Op.SUM, [b.emit(Op.SQUARE, [z])], axes=(0, 1))
    return finish(b, [(z, "z"), (total, "sum of squares")])


def test_fused_elementwise_chain(cache_dir):
    graph, labels = fused_graph()
    rng = np.random.default_rng(4)
    program = check(graph, [sample(p.type, rng) for p in graph.inputs], cache_dir, labels)
    # One loop nest for the chain: the intermediate values are never allocated.
    assert program.source.count("np.empty(") == 1
    assert "# mul, add, tanh, mul, maximum" in program.source


# ---- reductions -----------------------------------------------------------------------------

REDUCTION_DTYPES = [F32, F64, I32, I64, BOOL, U8, C128]


def reduction_graph(dt):
    b = Builder(f"reductions_{dt.name}")
    x = b.add_input(TensorType((3, 4, 5), dt), "x")
    e = b.add_input(TensorType((0, 3), dt), "e")
    v = b.add_input(TensorType((6,), dt), "v")
    ops = sorted(irops.MULTI_AXIS_REDUCTION, key=lambda o: o.value)
    # Every op on every main dtype over all axes and over some axes with keepdims; the
    # other axis patterns and empty inputs on float32 (the loops do not depend on dtype).
    variants = [((0, 1, 2), False), ((0, 2), True)]
    arg_variants = [(None, False), (2, True)]
    if dt not in MAIN_DTYPES:  # sums' accumulator dtypes; max/min of complex is rejected
        ops, variants = [Op.SUM, Op.PROD, Op.MEAN], variants[:1]
    elif dt == F32:
        variants += [((1,), False), ((), False), ((2,), True)]
        arg_variants += [(0, False), (-2, False)]
    outputs = []
    for op in ops:
        for axes, keepdims in variants:
            r = b.emit(op, [x], axes=axes, keepdims=keepdims)
            outputs.append((r, f"{op} axes={axes} keepdims={keepdims}"))
        outputs.append((b.emit(op, [v], axes=(0,), keepdims=False), f"{op} 1-d"))
        if op not in (Op.MAX, Op.MIN) and dt in (F32, C128):
            outputs.append((b.emit(op, [e], axes=(0,), keepdims=False), f"{op} empty"))
    if dt in MAIN_DTYPES:
        for op in (Op.ARGMAX, Op.ARGMIN):
            for axis, keepdims in arg_variants:
                r = b.emit(op, [x], axis=axis, keepdims=keepdims)
                outputs.append((r, f"{op} axis={axis} keepdims={keepdims}"))
            outputs.append((b.emit(op, [v], axis=None, keepdims=False), f"{op} 1-d"))
    return finish(b, outputs)


@pytest.mark.parametrize("dt", REDUCTION_DTYPES, ids=str)
def test_reductions(dt, cache_dir):
    graph, labels = reduction_graph(dt)
    rng = np.random.default_rng(5)
    args = [sample(p.type, rng, special=False) for p in graph.inputs]
    if dt.kind == "f":  # NaN propagation and first-NaN arg-reductions
        args[0][1, 2, 3] = np.nan
        args[2][[2, 4]] = np.nan
    check(graph, args, cache_dir, labels)


# ---- linear algebra -------------------------------------------------------------------------

MATMUL_CASES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (2, 4, 3)),
                ((3, 0), (0, 2)), ((0, 3), (3, 2))]
DOT_CASES = [((3, 4), (4, 5)), ((4,), (4,)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
             ((3, 4), (2, 4, 5)), ((2, 3), ()), ((), (3,)), ((), ())]
LINALG_PAIRS = [(F32, F32), (F64, F64), (F32, F64), (I32, I32), (I64, I32), (BOOL, BOOL),
                (I32, F32), (C128, C128)]


def linalg_graph(da, db):
    b = Builder(f"linalg_{da.name}_{db.name}")
    outputs = []
    for op, cases in ((Op.MATMUL, MATMUL_CASES), (Op.DOT, DOT_CASES)):
        if da != db:  # mixed dtypes: the conversions, on a few shapes
            cases = cases[:1] + cases[4:5]
        for k, (sa, sb) in enumerate(cases):
            x = b.add_input(TensorType(sa, da), f"{op}{k}a")
            y = b.add_input(TensorType(sb, db), f"{op}{k}b")
            outputs.append((b.emit(op, [x, y]), f"{op} {sa} {sb}"))
    return finish(b, outputs)


@pytest.mark.parametrize("da, db", LINALG_PAIRS, ids=str)
def test_matmul_and_dot(da, db, cache_dir):
    graph, labels = linalg_graph(da, db)
    rng = np.random.default_rng(6)
    check(graph, [sample(p.type, rng, special=False) for p in graph.inputs], cache_dir, labels)


def test_float_matmul_uses_blas(cache_dir):
    graph, _ = linalg_graph(F32, F32)
    assert "np.dot(" in generate(graph)


# ---- shapes and creation --------------------------------------------------------------------

def shape_graph(dt):
    b = Builder(f"shapes_{dt.name}")
    x = b.add_input(TensorType((2, 3, 4), dt), "x")
    y = b.add_input(TensorType((2, 3, 4), I32), "y")
    s = b.add_input(TensorType((), dt), "s")
    one = b.add_input(TensorType((1, 1), dt), "one")
    col = b.add_input(TensorType((3, 1), dt), "col")
    e = b.add_input(TensorType((0, 3), dt), "e")
    t = b.emit(Op.TRANSPOSE, [x], perm=(2, 0, 1))
    outputs = [
        (b.emit(Op.RESHAPE, [x], shape=(6, 4)), "reshape"),
        (b.emit(Op.RESHAPE, [x], shape=(4, -1)), "reshape -1"),
        (b.emit(Op.RESHAPE, [t], shape=(24,)), "reshape of a transposed view"),
        (b.emit(Op.RESHAPE, [s], shape=(1, 1)), "reshape 0-d"),
        (b.emit(Op.RESHAPE, [one], shape=()), "reshape to 0-d"),
        (b.emit(Op.RESHAPE, [e], shape=(3, 0)), "reshape empty"),
        (t, "transpose"),
        (b.emit(Op.TRANSPOSE, [x], perm=(0, 1, 2)), "identity transpose"),
        (b.emit(Op.BROADCAST_TO, [s], shape=(2, 3)), "broadcast 0-d"),
        (b.emit(Op.BROADCAST_TO, [col], shape=(2, 3, 4)), "broadcast column"),
        (b.emit(Op.CONCATENATE, [x, x], axis=1), "concatenate"),
        (b.emit(Op.CONCATENATE, [x, y], axis=-1), "concatenate mixed dtypes"),
        (b.emit(Op.CONCATENATE, [e, e, b.emit(Op.TRANSPOSE, [col], perm=(1, 0))], axis=0),
         "concatenate with empty"),
        (b.emit(Op.CONCATENATE, [x], axis=0), "concatenate one"),
    ]
    return finish(b, outputs)


@pytest.mark.parametrize("dt", [F32, BOOL, I64], ids=str)
def test_shape_ops(dt, cache_dir):
    graph, labels = shape_graph(dt)
    rng = np.random.default_rng(7)
    program = check(graph, [sample(p.type, rng) for p in graph.inputs], cache_dir, labels)
    out = program(*[sample(p.type, rng) for p in graph.inputs])
    out[0][0, 0] = out[0][0, 1]  # results are writable arrays


def creation_graph():
    b = Builder("creation")
    outputs = [
        (b.emit(Op.FULL, [], shape=(2, 3), value=1.5, dtype=F32), "full f32"),
        (b.emit(Op.FULL, [], shape=(2,), value=0, dtype=I32), "full zeros"),
        (b.emit(Op.FULL, [], shape=(3,), value=np.nan, dtype=F64), "full nan"),
        (b.emit(Op.FULL, [], shape=(), value=7, dtype=I64), "full 0-d"),
        (b.emit(Op.FULL, [], shape=(2, 2), value=True, dtype=None), "full bool"),
        (b.emit(Op.FULL, [], shape=(0, 4), value=2.0, dtype=None), "full empty"),
        (b.emit(Op.FULL, [], shape=(2,), value=2.7, dtype=I32), "full cast"),
        (b.emit(Op.ARANGE, [], start=0, stop=10, step=1, dtype=None), "arange"),
        (b.emit(Op.ARANGE, [], start=10, stop=-3, step=-3, dtype=I32), "arange down"),
        (b.emit(Op.ARANGE, [], start=0.1, stop=5.3, step=0.37, dtype=F32), "arange f32"),
        (b.emit(Op.ARANGE, [], start=-1.0, stop=1.0, step=0.1, dtype=None), "arange f64"),
        (b.emit(Op.ARANGE, [], start=0.5, stop=5, step=1.5, dtype=I64), "arange quirk"),
        (b.emit(Op.ARANGE, [], start=3, stop=3, step=1, dtype=None), "arange empty"),
        (b.emit(Op.ARANGE, [], start=3, stop=4, step=1, dtype=F32), "arange one"),
        (b.emit(Op.EYE, [], n=3, m=None, k=0, dtype=None), "eye"),
        (b.emit(Op.EYE, [], n=3, m=5, k=2, dtype=I32), "eye k>0"),
        (b.emit(Op.EYE, [], n=4, m=2, k=-1, dtype=BOOL), "eye k<0"),
        (b.emit(Op.EYE, [], n=2, m=2, k=5, dtype=F32), "eye outside"),
        (b.emit(Op.CONSTANT, [], value=np.arange(6, dtype=np.float32).reshape(2, 3)), "constant"),
        (b.emit(Op.CONSTANT, [], value=np.linspace(0, 1, 100)), "big constant"),
        (b.emit(Op.CONSTANT, [], value=np.array([np.nan, np.inf, -0.0])), "special constant"),
        (b.emit(Op.CONSTANT, [], value=np.zeros((0, 2), np.int32)), "empty constant"),
        (b.emit(Op.CONSTANT, [], value=np.array([1 + 2j])), "complex constant"),
        (b.emit(Op.CONSTANT, [], value=np.array(3, np.int8)), "0-d constant"),
        (b.emit(Op.CONSTANT, [], value=2.5), "weak constant"),
    ]
    return finish(b, outputs)


def test_creation_ops(cache_dir):
    graph, labels = creation_graph()
    program = check(graph, [], cache_dir, labels)
    for label, got, want in zip(labels, program(), run(graph)):
        if label.startswith("arange"):  # NumPy's fill, exactly
            np.testing.assert_array_equal(got, want, err_msg=label)
    first = program()
    first[-7][0, 0] = 100.0  # a returned constant is a copy: the next call is unaffected
    assert program()[-7][0, 0] == 0.0


# ---- indexing -------------------------------------------------------------------------------

def index_graph():
    b = Builder("indexing")
    x = b.add_input(TensorType((4, 5, 6), F32), "x")
    k = b.add_input(TensorType((), I32), "k")
    m = b.add_input(TensorType.scalar(I64, weak=True), "m")
    rows = b.add_input(TensorType((3,), I64), "rows")
    grid = b.add_input(TensorType((2, 1), I32), "grid")
    v = b.add_input(TensorType((6,), F64), "v")
    s = b.add_input(TensorType((), F32), "s")
    full = ("slice", None, None, None)
    cases = [
        ((("int", 1),), []),
        ((("int", -1), ("int", 2), ("int", 3)), []),
        ((("slice", 1, 3, None), ("slice", None, None, 2)), []),
        ((("slice", None, None, -1), ("newaxis",), ("int", 0)), []),
        ((("slice", 3, 0, -2),), []),
        ((("dyn", 0), full, ("dyn", 1)), [k, m]),
        ((("array", 0),), [rows]),
        ((full, ("array", 0), ("int", 2)), [rows]),
        ((("array", 0), full, ("array", 1)), [rows, grid]),
        ((("array", 0), ("slice", 1, None, None), ("array", 1)), [grid, rows]),
        ((("newaxis",), ("array", 0), ("newaxis",)), [grid]),
    ]
    outputs = []
    for index, dyn in cases:
        outputs.append((b.emit(Op.INDEX, [x] + dyn, index=index), f"index {index}"))
    outputs.append((b.emit(Op.INDEX, [s], index=(("newaxis",),)), "index 0-d"))
    sets = [
        ((("int", 1),), s, []),
        ((("slice", 1, 3, None), ("int", -1)), v, []),
        ((("dyn", 0), ("dyn", 1)), v, [k, m]),
        ((("array", 0), ("int", 2)), b.emit(Op.CONSTANT, [], value=7), [rows]),
        ((full, ("array", 0)), b.emit(Op.RESHAPE, [v], shape=(1, 1, 1, 1, 6)), [grid]),
    ]
    for index, value, dyn in sets:
        outputs.append((b.emit(Op.SET_INDEX, [x, value] + dyn, index=index),
                        f"set_index {index}"))
    v0 = b.emit(Op.INDEX, [v], index=(("int", 0),))
    outputs.append((b.emit(Op.SET_INDEX, [s, v0], index=()), "set_index 0-d"))
    return finish(b, outputs)


def test_indexing(cache_dir):
    graph, labels = index_graph()
    rng = np.random.default_rng(8)
    args = [sample(p.type, rng) for p in graph.inputs]
    args[1], args[2] = np.int32(-2), 3  # dynamic indices, one negative
    args[3] = np.array([3, -1, 0])  # rows (with duplicates wrapped to the same element)
    args[4] = np.array([[1], [-4]], np.int32)
    program = check(graph, args, cache_dir, labels)
    args[1] = np.int32(4)
    with pytest.raises(IndexError):
        program(*args)


# ---- control flow ---------------------------------------------------------------------------

def collatz_graph():
    """steps(n): while n != 1: n = n // 2 if n even else 3n + 1."""
    b = Builder("collatz")
    n0 = b.add_input(TensorType((), I64), "n")
    c0 = b.emit(Op.CONSTANT, [], value=np.array(0, np.int64))
    one = b.emit(Op.CONSTANT, [], value=1)  # captured by the regions below
    n, c = b.open_region([n0.type, c0.type], ["n", "steps"])
    go = b.emit(Op.NE, [n, one])
    cond = b.close_region([go])
    n, c = b.open_region([n0.type, c0.type], ["n", "steps"])
    two = b.emit(Op.CONSTANT, [], value=2)
    even = b.emit(Op.EQ, [b.emit(Op.MOD, [n, two]), b.emit(Op.CONSTANT, [], value=0)])
    b.open_region([])
    half = b.emit(Op.FLOORDIV, [n, two])
    then = b.close_region([half])
    b.open_region([])
    up = b.emit(Op.ADD, [b.emit(Op.MUL, [n, b.emit(Op.CONSTANT, [], value=3)]), one])
    orelse = b.close_region([up])
    nxt = b.emit(Op.COND, [even], regions=[then, orelse])
    body = b.close_region([nxt, b.emit(Op.ADD, [c, one])])
    _, steps = b.emit(Op.WHILE, [n0, c0], regions=[cond, body])
    return b.finish([steps])


def test_while_collatz(cache_dir):
    graph = collatz_graph()
    program = compile_graph(graph, cache_dir)
    for n in (1, 6, 27, 837799):
        (got,) = program(np.int64(n))
        assert_same(got, run(graph, np.int64(n))[0], f"collatz({n})")
    assert "while True:" in program.source and "break" in program.source


def loops_graph():
    """FOR with a negative step over an array state, a nested COND capturing outer values,
    a WHILE inside the FOR, and i32 loop bounds."""
    b = Builder("loops")
    x = b.add_input(TensorType((4,), F32), "x")
    lo = b.add_input(TensorType((), I32), "lo")
    flag = b.add_input(TensorType((), BOOL), "flag")
    scale = b.emit(Op.MUL, [x, b.emit(Op.CONSTANT, [], value=0.5)])
    start, stop, step = (b.emit(Op.CONSTANT, [], value=np.array(v, np.int64)) for v in (9, -1, -2))
    i, acc, count = b.open_region([TensorType((), I64), x.type, TensorType((), I32)],
                                  ["i", "acc", "count"])
    # if flag: acc = acc + scale * i  else: acc = acc - x   (captures x, scale, flag)
    b.open_region([])
    t = b.emit(Op.ADD, [acc, b.emit(Op.MUL, [scale, b.emit(Op.CAST, [i], dtype=F32)])])
    then = b.close_region([t])
    b.open_region([])
    e = b.emit(Op.SUB, [acc, x])
    orelse = b.close_region([e])
    acc2 = b.emit(Op.COND, [flag], regions=[then, orelse])
    # an inner while: count up to lo (captured i32)
    (c,) = b.open_region([count.type], ["c"])
    wcond = b.close_region([b.emit(Op.LT, [c, lo])])
    (c,) = b.open_region([count.type], ["c"])
    wbody = b.close_region([b.emit(Op.ADD, [c, b.emit(Op.CONSTANT, [], value=np.array(1, np.int32))])])
    count2 = b.emit(Op.WHILE, [count], regions=[wcond, wbody])
    body = b.close_region([acc2, count2])
    zero = b.emit(Op.CONSTANT, [], value=np.array(0, np.int32))
    out, n = b.emit(Op.FOR, [start, stop, step, x, zero], regions=[body])
    # a for with i32 bounds and no carried state but the index used through a cond
    j, total = b.open_region([TensorType((), I64), TensorType((), F64)], ["j", "total"])
    body2 = b.close_region([b.emit(Op.ADD, [total, j])])
    total = b.emit(Op.FOR, [lo, b.emit(Op.ADD, [lo, b.emit(Op.CONSTANT, [], value=np.array(5, np.int32))]),
                            b.emit(Op.CONSTANT, [], value=np.array(1, np.int32)),
                            b.emit(Op.CONSTANT, [], value=np.array(0.0))], regions=[body2])
    return b.finish([out, n, total])


@pytest.mark.parametrize("flag", [True, False])
def test_for_cond_while_nested(flag, cache_dir):
    graph = loops_graph()
    rng = np.random.default_rng(9)
    args = [sample(graph.inputs[0].type, rng, special=False), np.int32(3), np.bool_(flag)]
    program = check(graph, args, cache_dir)
    assert "range(9, -1, -2)" in program.source


def test_cond_on_scalars_and_arrays(cache_dir):
    b = Builder("cond")
    x = b.add_input(TensorType((3,), F64), "x")
    p = b.add_input(TensorType((), BOOL), "p")
    b.open_region([])
    then = b.close_region([b.emit(Op.NEG, [x]), b.emit(Op.CONSTANT, [], value=np.array(1.5, np.float32))])
    b.open_region([])
    total = b.emit(Op.SUM, [x], axes=(0,))
    orelse = b.close_region([x, b.emit(Op.CAST, [total], dtype=F32)])
    graph = b.finish(list(b.emit(Op.COND, [p], regions=[then, orelse])))
    program = compile_graph(graph, cache_dir)
    for flag in (True, False):
        args = [np.arange(3.0), np.bool_(flag)]
        for got, want in zip(program(*args), run(graph, *args)):
            assert_same(got, want, f"cond {flag}")


# ---- print ----------------------------------------------------------------------------------

def print_graph():
    b = Builder("printing")
    x = b.add_input(TensorType((3,), F32), "x")
    s = b.add_input(TensorType((), F32), "s")
    n = b.add_input(TensorType.scalar(I64, weak=True), "n")
    f = b.add_input(TensorType.scalar(F64, weak=True), "f")
    b.emit_node(Op.PRINT, [x, s, n, f], template=("x =", 0, "s =", 1, 2, 3))
    b.emit_node(Op.PRINT, [s], template=(0, "done"), sep="|", end="!\n")
    c = b.emit(Op.CONSTANT, [], value=np.array(0, np.int64))
    (i,) = b.open_region([TensorType((), I64)], ["i"])[:1]
    b.emit_node(Op.PRINT, [i], template=("step", 0))
    body = b.close_region([])
    b.emit_node(Op.FOR, [c, b.emit(Op.CONSTANT, [], value=np.array(2, np.int64)),
                         b.emit(Op.CONSTANT, [], value=np.array(1, np.int64))], regions=[body])
    return b.finish([])


def test_print_matches_numpy_formatting_every_call(cache_dir, capfd):
    graph = print_graph()
    args = [np.array([0.1, 2.0, -3.5], np.float32), np.float32(0.1), 7, 0.25]
    with np.errstate(all="ignore"):
        run(graph, *args)
    want = capfd.readouterr().out
    program = compile_graph(graph, cache_dir)
    assert program(*args) == ()
    assert program(*args) == ()
    got = capfd.readouterr().out
    assert got == want * 2
    assert "x = [ 0.1  2.  -3.5] s = 0.1 7 0.25" in want


# ---- check (issue 16: a staged assert, int() of NaN) ----------------------------------------

def check_graph():
    b = Builder("checking")
    x = b.add_input(TensorType((3,), F64), "x")
    total = b.emit(Op.SUM, [x], axes=(0,), keepdims=False)
    b.emit_node(Op.CHECK, [b.emit(Op.LOGICAL_NOT, [b.emit(Op.ISNAN, [total])])],
                error="ValueError")
    b.emit_node(Op.CHECK, [b.emit(Op.GT, [total, b.emit(Op.CONSTANT, [], value=0.0)])],
                error="AssertionError", message="the sum must be positive")
    return b.finish([b.emit(Op.MUL, [x, b.emit(Op.CONSTANT, [], value=2.0)])])


def test_check_raises_its_error_on_every_call(cache_dir):
    graph = check_graph()
    program = compile_graph(graph, cache_dir)
    ok = np.array([1.0, 2.0, 3.0])
    assert_same(program(ok)[0], run(graph, ok)[0])
    for bad, error, text in ((-ok, AssertionError, "the sum must be positive"),
                             (np.array([np.nan, 1.0, 1.0]), ValueError, "")):
        for runner in (program, lambda a: run(graph, a)):
            with pytest.raises(error) as info:
                runner(bad)
            assert str(info.value) == text


def scan_graph():
    b = Builder("scans")
    x = b.add_input(TensorType((4, 3), F64), "x")
    return b.finish([b.emit(Op.CUMSUM, [x], axis=0), b.emit(Op.CUMPROD, [x], axis=1)])


def test_scans_match_numpy(cache_dir):
    graph = scan_graph()
    x = np.arange(12.0).reshape(4, 3) - 5.0
    program = compile_graph(graph, cache_dir)
    for got, want in zip(program(x), (np.cumsum(x, axis=0), np.cumprod(x, axis=1))):
        assert_same(got, want)


def sort_graph():
    b = Builder("sorts")
    x = b.add_input(TensorType((4, 3), F64), "x")
    k = b.add_input(TensorType((5,), I32), "k")
    return b.finish([b.emit(Op.SORT, [x], axis=0), b.emit(Op.ARGSORT, [x], axis=1),
                     b.emit(Op.SORT, [k], axis=0), b.emit(Op.ARGSORT, [k], axis=0)])


def test_sorts_match_numpy_nan_last_and_stable(cache_dir):
    graph = sort_graph()
    x = np.array([[3.0, np.nan, 1.0], [1.0, 1.0, -np.inf], [np.nan, 0.5, 2.0], [0.0, 2.0, 2.0]])
    k = np.array([3, 1, 3, -2, 1], np.int32)
    program = compile_graph(graph, cache_dir)
    want = (np.sort(x, axis=0), np.argsort(x, axis=1, kind="stable"), np.sort(k),
            np.argsort(k, kind="stable"))
    for got, expected, ref in zip(program(x, k), want, run(graph, x, k)):
        assert_same(got, expected)
        assert_same(ref, expected)


def random_graph():
    b = Builder("draws")
    u = b.emit(Op.RANDOM, [], distribution="uniform", shape=(1000,), dtype=F64)
    k = b.emit(Op.RANDOM, [], distribution="integers", shape=(1000,), dtype=I64, low=3,
               high=7)
    return b.finish([u, k])


def test_random_draws_are_new_on_every_call_and_in_range(cache_dir):
    program = compile_graph(random_graph(), cache_dir)
    (u1, k1), (u2, _) = program(), program()
    assert u1.dtype == F64 and k1.dtype == I64 and u1.shape == (1000,)
    assert not np.array_equal(u1, u2)
    assert 0.0 <= u1.min() and u1.max() < 1.0 and abs(u1.mean() - 0.5) < 0.05
    assert set(np.unique(k1)) == {3, 4, 5, 6}


# ---- the program text -----------------------------------------------------------------------

def mlp_graph():
    b = Builder("mlp")
    x = b.add_input(TensorType((1, 512), F32), "x")
    w1 = b.add_input(TensorType((512, 256), F32), "w1")
    b1 = b.add_input(TensorType((256,), F32), "b1")
    h = b.emit(Op.ADD, [b.emit(Op.MATMUL, [x, w1]), b1])
    return b.finish([b.emit(Op.MAXIMUM, [h, b.emit(Op.CONSTANT, [], value=0.0)])])


def test_generate_golden_programs(golden, cache_dir):
    """The program text users read (`lowered.source`): tests/golden/codegen_numba_cpu/."""
    graph = mlp_graph()
    text = generate(graph)
    assert text == generate(mlp_graph())  # deterministic
    golden.check("codegen_numba_cpu/mlp", text)
    golden.check("codegen_numba_cpu/collatz", generate(collatz_graph()))
    rng = np.random.default_rng(10)
    check(graph, [sample(p.type, rng, special=False) for p in graph.inputs], cache_dir)


def test_names_avoid_keywords_and_modules(cache_dir):
    b = Builder("lambda")
    x = b.add_input(TensorType((2,), F32), "np")
    y = b.add_input(TensorType((2,), F32), "if")
    r = b.emit(Op.ADD, [x, y])
    graph = b.finish([r])
    source = generate(graph)
    assert "def program(np_, if_):" in source
    check(graph, [np.ones(2, np.float32), np.ones(2, np.float32)], cache_dir)


def test_dead_nodes_are_not_emitted():
    b = Builder("dead")
    x = b.add_input(TensorType((3,), F32), "x")
    b.emit(Op.EXP, [x])
    graph = b.finish([b.emit(Op.NEG, [x])])
    assert "np.exp" not in generate(graph)


# ---- property tests: NumPy's integer and float arithmetic on many values ------------------

ARITHMETIC_DTYPES = [I32, I8, F64]
ARITHMETIC_OPS = [Op.ADD, Op.SUB, Op.MUL, Op.FLOORDIV, Op.MOD, Op.TRUEDIV, Op.MAXIMUM,
                  Op.MINIMUM, Op.LT, Op.EQ, Op.LEFT_SHIFT, Op.RIGHT_SHIFT, Op.POW]


def arithmetic_graph(dt):
    b = Builder(f"arithmetic_{dt.name}")
    x = b.add_input(TensorType((8,), dt), "x")
    y = b.add_input(TensorType((8,), dt), "y")
    outputs = []
    for op in ARITHMETIC_OPS:
        rhs = b.emit(Op.ABS, [y]) if op is Op.POW and dt.kind == "i" else y
        v = try_emit(b, op, [x, rhs])
        if v is not None:
            outputs.append((v, str(op)))
    return finish(b, outputs)


@pytest.fixture(scope="module")
def arithmetic_programs(cache_dir):
    programs = {}
    for dt in ARITHMETIC_DTYPES:
        graph, labels = arithmetic_graph(dt)
        programs[dt] = (graph, labels, compile_graph(graph, cache_dir))
    return programs


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dt=st.sampled_from(ARITHMETIC_DTYPES))
def test_arithmetic_matches_numpy_on_random_values(arithmetic_programs, data, dt):
    graph, labels, program = arithmetic_programs[dt]
    if dt.kind == "f":
        elements = st.floats(-1e6, 1e6, width=64) | st.sampled_from([0.0, -0.0, np.inf, np.nan])
    else:
        info = np.iinfo(dt)
        elements = st.integers(int(info.min), int(info.max)) | st.integers(-3, 3)
    x = data.draw(hnp.arrays(dt, (8,), elements=elements))
    y = data.draw(hnp.arrays(dt, (8,), elements=elements))
    if dt.kind == "i":
        y[y == info.min] = 0  # |min| overflows before the power: NumPy raises there
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = run(graph, x, y)
    for label, got, w in zip(labels, program(x, y), want):
        assert_same(got, w, f"{dt} {label}")


# ---- errors, coverage -----------------------------------------------------------------------

@pytest.mark.parametrize("op", [Op.MAX, Op.ARGMIN, Op.MAXIMUM, Op.LT])
def test_complex_ordering_is_rejected(op):
    b = Builder("complex_order")
    x = b.add_input(TensorType((3,), C128), "x")
    if op is Op.MAX:
        r = b.emit(op, [x], axes=(0,))
    elif op is Op.ARGMIN:
        r = b.emit(op, [x], axis=0)
    else:
        r = b.emit(op, [x, x])
    with pytest.raises(CodegenError, match="complex|not supported"):
        generate(b.finish([r]))


def test_float16_is_rejected_up_front():
    b = Builder("half")
    x = b.add_input(TensorType((3,), np.float16), "x")
    graph = b.finish([x])
    with pytest.raises(CodegenError, match="float16"):
        generate(graph)


def test_arguments_are_checked_and_converted(cache_dir):
    graph = mlp_graph()
    program = compile_graph(graph, cache_dir)
    with pytest.raises(AutographError, match="takes 3 argument"):
        program(1)
    with pytest.raises(AutographError, match="shape"):
        program(np.ones((2, 512)), np.ones((512, 256)), np.ones(256))
    with pytest.raises(AutographError, match="shape"):  # the right dtype: Numba's own check
        program(np.ones((2, 512), np.float32), np.ones((512, 256), np.float32),
                np.ones(256, np.float32))
    rng = np.random.default_rng(11)
    x, w = rng.random((1, 512)), rng.random((256, 512)).T  # float64, non-contiguous
    b = np.broadcast_to(np.float32(0.5), (256,))  # read-only
    (got,) = program(x, w, b)
    assert_same(got, run(graph, x, w, b)[0], "converted arguments")


def test_scalar_arguments_and_outputs(cache_dir):
    graph = collatz_graph()
    program = compile_graph(graph, cache_dir)
    for n in (27, np.int64(27), np.array(27), np.int32(27), 27.0):
        (steps,) = program(n)
        assert type(steps) is np.int64 and steps == 111


GRAPH_BUILDERS = (
    [lambda dt=dt: unary_graph(dt)[0] for dt in UNARY_DTYPES]
    + [lambda p=p: binary_graph(*p)[0] for p in BINARY_PAIRS]
    + [lambda: cast_graph()[0], lambda: where_graph()[0], lambda: fused_graph()[0]]
    + [lambda dt=dt: reduction_graph(dt)[0] for dt in REDUCTION_DTYPES]
    + [lambda p=p: linalg_graph(*p)[0] for p in LINALG_PAIRS]
    + [lambda dt=dt: shape_graph(dt)[0] for dt in (F32, BOOL, I64)]
    + [lambda: creation_graph()[0], lambda: index_graph()[0], collatz_graph, loops_graph,
       print_graph, check_graph, scan_graph, sort_graph, random_graph, mlp_graph]
    + [lambda dt=dt: arithmetic_graph(dt)[0] for dt in ARITHMETIC_DTYPES]
)


def test_every_op_has_an_emitter():
    assert [op for op in Op if op not in EMITTERS] == []


# Ops whose differential tests are written at the NumPy level, in their own files: each
# runs the op on python and cpu against NumPy over dtypes and shapes.
TESTED_ELSEWHERE = {
    **dict.fromkeys([Op.SOLVE, Op.INV, Op.DET, Op.SLOGDET, Op.CHOLESKY, Op.EIGH, Op.SVD,
                     Op.QR, Op.LSTSQ, Op.PINV], "test_numpy_linalg.py"),
    **dict.fromkeys([Op.FFT, Op.RFFT, Op.IRFFT], "test_numpy_fft.py"),
    Op.COMPRESS: "test_dynamic_sizes.py",
    Op.CALL: "test_numba_interop.py",
}


def test_every_op_is_run_by_a_differential_test():
    used = {node.op for build in GRAPH_BUILDERS for node in build().walk()}
    assert [op for op in Op if op not in used and op not in TESTED_ELSEWHERE] == []
    here = Path(__file__).parent
    for op, name in TESTED_ELSEWHERE.items():
        assert op.name.lower() in (here / name).read_text().lower() or \
            op.name in ("CALL", "COMPRESS"), (op, name)


def test_every_elementwise_op_is_run_on_every_main_dtype():
    """Each elementwise op NumPy defines on f32, f64, i32, i64 or bool (and that does not
    yield float16) is in that dtype's differential graphs."""
    for dt in (F32, F64, I32, I64, BOOL):
        assert dt in UNARY_DTYPES and (dt, dt) in BINARY_PAIRS
        unary = {n.op for n in unary_graph(dt)[0].walk()}
        binary = {n.op for n in binary_graph(dt, dt)[0].walk()}
        for op in UNARY_OPS:
            b = Builder()
            if try_emit(b, op, [b.add_input(TensorType((2,), dt))]) is not None:
                assert op in unary, (op, dt)
        for op in BINARY_OPS:
            b = Builder()
            x = b.add_input(TensorType((2,), dt))
            if try_emit(b, op, [x, x]) is not None:
                assert op in binary, (op, dt)


"""Export then load gives the same graph and the same results, for every op family.

Graphs are built with `ir.Builder`; each is exported, loaded back, printed (the printed
IR must be identical) and run on the same inputs by the original and the loaded graph
(results must be identical, values, shapes and dtypes). The `cpu` backend runs too when
`autograph.codegen.cpu.backend` exists.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from autograph.serialization.export import LoadedFunction, export, export_graph, load, load_graph
from autograph.ir import BINARY, UNARY, Builder, Op, TensorType, format_graph, run, verify
from autograph.ir.ops import MULTI_AXIS_REDUCTION
from autograph.serialization import ExportError

T = TensorType
F32, F64, I32, I64, B1 = np.float32, np.float64, np.int32, np.int64, np.bool_
ROOT = Path(__file__).resolve().parents[1]

_HAS_CPU = importlib.util.find_spec("autograph.codegen.cpu.backend") is not None
BACKENDS = ["python", pytest.param("cpu", marks=pytest.mark.skipif(
    not _HAS_CPU, reason="autograph.codegen.cpu.backend is not there yet"))]


def _const(b, value):
    return b.emit(Op.CONSTANT, [], value=value)


# ---- graphs, one per op family -----------------------------------------------------

_INT_ONLY = {Op.INVERT, Op.BITWISE_AND, Op.BITWISE_OR, Op.BITWISE_XOR, Op.LEFT_SHIFT,
             Op.RIGHT_SHIFT}


def unary_graph():
    b = Builder("unary")
    x = b.add_input(T((4,), F64), "x")
    k = b.add_input(T((4,), I32), "k")
    outs = [b.emit(op, [k if op in _INT_ONLY else x]) for op in sorted(UNARY - {Op.CAST},
                                                                        key=lambda o: o.value)]
    outs.append(b.emit(Op.CAST, [x], dtype=np.dtype(F32)))
    outs.append(b.emit(Op.CAST, [b.emit(Op.SUM, [k], axes=(0,))], dtype=F64, weak=True))
    return b.finish(outs), [np.array([0.1, 0.5, 0.9, 0.25]), np.array([1, -2, 3, 7], I32)]


def binary_graph():
    b = Builder("binary")
    x = b.add_input(T((2, 3), F32), "x")
    y = b.add_input(T((3,), F32), "y")
    k = b.add_input(T((2, 3), I64), "k")
    s = b.add_input(T((), I64, True), "s")
    outs = []
    for op in sorted(BINARY, key=lambda o: o.value):
        outs.append(b.emit(op, [k, s]) if op in _INT_ONLY else b.emit(op, [x, y]))
    outs.append(b.emit(Op.WHERE, [b.emit(Op.GT, [x, y]), x, _const(b, 2.5)]))
    args = [np.array([[1.5, 2, 3], [4, 5, 6.5]], F32), np.array([2, 2.5, 0.5], F32),
            np.arange(6, dtype=I64).reshape(2, 3), 2]
    return b.finish(outs), args


def reduction_graph():
    b = Builder("reduce")
    x = b.add_input(T((3, 4), F32), "x")
    m = b.emit(Op.GT, [x, _const(b, 0.0)])
    outs = []
    for op in sorted(MULTI_AXIS_REDUCTION, key=lambda o: o.value):
        src = m if op in (Op.ANY, Op.ALL) else x
        outs.append(b.emit(op, [src], axes=(0,), keepdims=True))
        outs.append(b.emit(op, [src], axes=(0, 1)))
    outs.append(b.emit(Op.ARGMAX, [x], axis=1, keepdims=False))
    outs.append(b.emit(Op.ARGMIN, [x], axis=None))
    outs.append(b.emit(Op.ARGMIN, [x]))
    return b.finish(outs), [np.linspace(-1, 1, 12, dtype=F32).reshape(3, 4)]


def shape_linalg_graph():
    b = Builder("shapes")
    x = b.add_input(T((2, 3), F64), "x")
    w = b.add_input(T((3, 4), F64), "w")
    mm = b.emit(Op.MATMUL, [x, w])
    dot = b.emit(Op.DOT, [x, w])
    r = b.emit(Op.RESHAPE, [mm], shape=(4, -1))
    t = b.emit(Op.TRANSPOSE, [r], perm=(1, 0))
    bc = b.emit(Op.BROADCAST_TO, [b.emit(Op.SUM, [x], axes=(1,), keepdims=True)], shape=(2, 5))
    cat = b.emit(Op.CONCATENATE, [x, x, x], axis=1)
    return b.finish([mm, dot, r, t, bc, cat]), [np.arange(6.0).reshape(2, 3),
                                                 np.linspace(0, 1, 12).reshape(3, 4)]


def creation_graph():
    b = Builder("create")
    outs = [b.emit(Op.FULL, [], shape=(2, 3), value=1.5, dtype=np.dtype(F32)),
            b.emit(Op.FULL, [], shape=(2,), value=7),
            b.emit(Op.FULL, [], shape=(), value=np.float32(2.0), dtype=None),
            b.emit(Op.ARANGE, [], start=0, stop=5, step=1, dtype=np.dtype(I32)),
            b.emit(Op.ARANGE, [], start=0.5, stop=2.0, step=0.25),
            b.emit(Op.ARANGE, [], start=3, stop=0, step=-1),
            b.emit(Op.EYE, [], n=3, m=4, k=1, dtype=np.dtype(B1)),
            b.emit(Op.EYE, [], n=2)]
    return b.finish(outs), []


def indexing_graph():
    b = Builder("indexing")
    x = b.add_input(T((4, 5), F32), "x")
    i = b.add_input(T((), I64), "i")
    rows = b.add_input(T((3,), I64), "rows")
    v = b.add_input(T((5,), F32), "v")
    outs = [
        b.emit(Op.INDEX, [x], index=(("int", -1),)),
        b.emit(Op.INDEX, [x, i], index=(("dyn", 0), ("slice", 1, None, 2))),
        b.emit(Op.INDEX, [x], index=(("newaxis",), ("slice", None, None, -1))),
        b.emit(Op.INDEX, [x, rows], index=(("array", 0), ("int", 2))),
        b.emit(Op.SET_INDEX, [x, v, i], index=(("dyn", 0),)),
        b.emit(Op.SET_INDEX, [x, _const(b, 0.0)], index=(("slice", 1, 3, None),)),
    ]
    args = [np.arange(20, dtype=F32).reshape(4, 5), np.int64(2), np.array([3, 0, 1]),
            np.ones(5, F32)]
    return b.finish(outs), args


def constants_graph():
    b = Builder("constants")
    x = b.add_input(T((3,), F64), "x")
    outs = [_const(b, v) for v in (
        True, 3, -2.5, 1 + 2j, float("nan"), float("-inf"),
        np.asarray(np.float32(1.25)), np.asarray(np.uint64(2**64 - 1)),
        np.array([np.nan, np.inf, -0.0, 1e-300]),
        np.array([[1 + 1j, 2], [3, np.nan]], np.complex64),
        np.arange(6, dtype=np.int8).reshape(2, 1, 3), np.zeros((3, 0, 2), np.float16),
        np.array([True, False]), np.arange(1000, dtype=np.uint16).reshape(10, 100),
        np.linspace(0, 1, 300, dtype=F32))]
    outs.append(b.emit(Op.ADD, [x, outs[2]]))
    return b.finish(outs), [np.array([1.0, 2.0, 3.0])]


def control_flow_graph():
    """cond inside for inside while, capturing outer values implicitly."""
    b = Builder("control")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(T((), I64, True), "n")
    limit = b.add_input(T((), F32), "limit")
    # while sum(acc) < limit: acc = for i in range(n): acc + (x if i % 2 else 2 * x) * 0.5
    w_acc, = b.open_region([T((3,), F32)], ["acc"])
    keep_going = b.emit(Op.LT, [b.emit(Op.SUM, [w_acc], axes=(0,)), limit])
    cond = b.close_region([keep_going])
    body_acc, = b.open_region([T((3,), F32)], ["acc"])
    i, acc = b.open_region([T((), I64), T((3,), F32)], ["i", "acc"])
    odd = b.emit(Op.NE, [b.emit(Op.MOD, [i, _const(b, 2)]), _const(b, 0)])
    b.open_region([])
    then = b.close_region([x])
    b.open_region([])
    other = b.close_region([b.emit(Op.MUL, [_const(b, 2), x])])
    picked = b.emit(Op.COND, [odd], regions=[then, other])
    new_acc = b.emit(Op.ADD, [acc, b.emit(Op.MUL, [picked, _const(b, 0.5)])])
    loop = b.close_region([new_acc])
    body_out = b.emit(Op.FOR, [_const(b, 0), n, _const(b, 1), body_acc], regions=[loop])
    body = b.close_region([body_out])
    start = b.emit(Op.ABS, [x])
    out = b.emit(Op.WHILE, [start], regions=[cond, body])
    return b.finish([out, b.emit(Op.MAX, [out], axes=(0,))]), [
        np.array([1.0, 2.0, 0.5], F32), 3, np.float32(20.0)]


CASES = {f.__name__: f for f in (unary_graph, binary_graph, reduction_graph,
                                 shape_linalg_graph, creation_graph, indexing_graph,
                                 constants_graph, control_flow_graph)}


def _same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)  # NaN equals NaN here


@pytest.mark.filterwarnings("ignore:export. program.py not written")  # f16 has no Numba
@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_is_identical_on_the_reference_interpreter(case, tmp_path):
    graph, args = CASES[case]()
    verify(graph)
    export_graph(graph, {}, tmp_path)
    loaded, params = load_graph(tmp_path)
    assert params == {}
    assert format_graph(loaded) == format_graph(graph)
    want = run(graph, *args, check=True)
    got = run(loaded, *args, check=True)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        _same(g, w)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", ["binary_graph", "control_flow_graph", "indexing_graph"])
def test_loaded_function_matches_the_graph(case, backend, tmp_path):
    graph, args = CASES[case]()
    export_graph(graph, {}, tmp_path)
    f = load(tmp_path, backend=backend)
    got = f(*args)
    if backend == "cpu":  # identical to the original graph compiled the same way
        from autograph.codegen.cpu.backend import compile_graph

        want = compile_graph(graph)(*args)
        assert f.source == compile_graph(graph).source
    else:
        want = run(graph, *args)
    got = got if isinstance(got, tuple) else (got,)
    for g, w in zip(got, want):
        if isinstance(g, (bool, int, float, complex)):
            assert type(g) is type(w.item())
        _same(g, w)


def test_large_constants_and_params_go_to_params_npz(tmp_path):
    b = Builder("model")
    x = b.add_input(T((2, 300), F32), "x")
    w = b.add_input(T((300, 4), F32), "self.W")   # not an identifier: key and name change
    bias = b.add_input(T((4,), F32), "bias")
    big = _const(b, np.linspace(-1, 1, 600, dtype=F32).reshape(2, 300))
    y = b.emit(Op.ADD, [b.emit(Op.MATMUL, [b.emit(Op.MUL, [x, big]), w]), bias])
    graph = b.finish([y])
    rng = np.random.default_rng(0)
    W, B = rng.standard_normal((300, 4)).astype(F32), np.arange(4, dtype=F32)
    export_graph(graph, {"self.W": W, "bias": B}, tmp_path)
    doc = json.loads((tmp_path / "graph.json").read_text())
    assert [i["kind"] for i in doc["inputs"]] == ["argument", "param", "param"]
    assert doc["nodes"][0]["attrs"]["value"]["npz"] == "__const_0"
    with np.load(tmp_path / "params.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["__const_0", "bias", "self.W"]
    loaded, params = load_graph(tmp_path)
    assert loaded.input_names == ["x", "self_W", "bias"]
    np.testing.assert_array_equal(params["self_W"], W)
    f = load(tmp_path, backend="python")
    assert f.argument_names == ["x"]
    xv = rng.standard_normal((2, 300)).astype(F32)
    _same(f(xv), run(graph, xv, W, B)[0])


def test_origins_survive_the_round_trip(tmp_path):
    from autograph.pyct.origins import Origin

    b = Builder("located")
    x = b.add_input(T((2,), F64), "x")
    b.origin = Origin("/home/u/model.py", 12, 4, "f", "    y = np.tanh(x)")
    y = b.emit(Op.TANH, [x])
    b.origin = Origin("/home/u/model.py", 13, 4, "f", "    z = -y  # \nimport os\r\x0b")
    z = b.emit(Op.NEG, [y])
    graph = b.finish([z])
    export_graph(graph, {}, tmp_path)
    doc = json.loads((tmp_path / "graph.json").read_text())
    assert [n["origin"] for n in doc["nodes"]] == [0, 1] and len(doc["origins"]) == 2
    loaded, _ = load_graph(tmp_path)
    origin = loaded.body.nodes[0].origin
    assert (origin.filename, origin.lineno, origin.col_offset, origin.function_name,
            origin.source_line) == ("/home/u/model.py", 12, 4, "f", "    y = np.tanh(x)")
    assert "model.py:12" in format_graph(loaded, with_origins=True)
    # Line breaks in a loaded origin become spaces: quoting it cannot start a new line.
    assert loaded.body.nodes[1].origin.source_line == "    z = -y  #  import os  "


def test_print_runs_on_every_call(tmp_path, capsys):
    b = Builder("printer")
    x = b.add_input(T((2,), I64), "x")
    b.emit_node(Op.PRINT, [x, x], template=("x =", 0, "twice", 1), sep=" ", end="!\n")
    graph = b.finish([x])
    export_graph(graph, {}, tmp_path)
    f = load(tmp_path, backend="python")
    f(np.array([1, 2]))
    f(np.array([3, 4]))
    assert capsys.readouterr().out == "x = [1 2] twice [1 2]!\nx = [3 4] twice [3 4]!\n"


def test_loaded_function_checks_its_arguments(tmp_path):
    graph, args = CASES["binary_graph"]()
    export_graph(graph, {}, tmp_path)
    f = load(tmp_path, backend="python")
    assert isinstance(f, LoadedFunction) and "binary" in repr(f)
    with pytest.raises(AutographError, match="takes 4 argument"):
        f(*args[:3])
    with pytest.raises(AutographError, match="argument x is float64"):
        f(args[0].astype(F64), *args[1:])
    with pytest.raises(AutographError, match=r"expected f32\[2,3\]"):
        f(args[0][:1], *args[1:])


def test_export_refuses_what_it_cannot_write(tmp_path):
    b = Builder("bad")
    x = b.add_input(T((2,), F64), "x")
    graph = b.finish([b.emit(Op.NEG, [x])])
    with pytest.raises(ExportError, match="name no input"):
        export_graph(graph, {"y": np.zeros(2)}, tmp_path)
    with pytest.raises(ExportError, match="is float32"):
        export_graph(graph, {"x": np.zeros(2, F32)}, tmp_path)
    graph.body.nodes[0].attrs["mystery"] = 1
    with pytest.raises(ExportError, match="mystery"):
        export_graph(graph, {}, tmp_path)
    with pytest.raises(ExportError, match="converted function"):
        export(lambda x: x, tmp_path, np.zeros(2))


def test_export_of_a_converted_function_binds_captured_arrays(tmp_path):
    """Through `f.lower`: the captured arrays' values at export time become params."""
    graph, args = CASES["shape_linalg_graph"]()
    weights = args[1].copy()

    class Lowered:  # the shape api.py's lowered object has (graph; captured arrays last)
        def __init__(self):
            self.graph = graph
            self.captured = [weights]

    class Converted:
        def lower(self, *a, **k):
            assert len(a) == 1 and not k
            return Lowered()

    export(Converted(), tmp_path, args[0])
    weights[:] = 0  # later changes do not reach the export
    f = load(tmp_path, backend="python")
    assert f.argument_names == ["x"]
    for g, w in zip(f(args[0]), run(graph, *args)):
        _same(g, w)


@pytest.mark.parametrize("backend", BACKENDS)
def test_export_through_autograph_convert(backend, tmp_path):
    weights = np.linspace(-1, 1, 6).reshape(3, 2).astype(F32)

    def model(x, scale):
        h = np.tanh(x @ weights) * scale  # `weights` is captured: stored in params.npz
        if np.sum(h) > 0:
            return h + 1.0
        return h - 1.0

    converted = autograph.convert(model, backend="python")
    x = np.linspace(-1, 1, 6).reshape(2, 3).astype(F32)
    export(converted, tmp_path, x, 2.0)
    original = weights.copy()
    weights[:] = 0  # the export holds the values the arrays had when it was made
    f = load(tmp_path, backend=backend)
    assert len(f.argument_names) == 2 and len(f.params) == 1
    weights[:] = original
    for xv, scale in ((x, 2.0), (-x, 0.5)):
        got, want = f(xv, scale), model(xv, scale)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6)


_DEFINE = """
import sys
import numpy as np
from autograph.serialization.export import export_graph
from autograph.ir import Builder, Op, TensorType as T

def build():
    b = Builder("defined_elsewhere")
    x = b.add_input(T((3,), np.float64), "x")
    w = b.add_input(T((3,), np.float64), "w")
    y = b.emit(Op.MUL, [b.emit(Op.SIN, [x]), w])
    return b.finish([y, b.emit(Op.SUM, [y], axes=(0,))])

export_graph(build(), {"w": np.array([1.0, 2.0, 3.0])}, sys.argv[1])
"""

_RUN = """
import json, sys
import numpy as np
assert "model_def" not in sys.modules
try:
    import model_def
except ImportError:
    pass
else:
    raise SystemExit("the defining module is importable")
from autograph.serialization.export import load
f = load(sys.argv[1], backend="python")
y, total = f(np.array([0.5, 1.0, 1.5]))
print(json.dumps({"y": y.tolist(), "total": float(total), "graph": str(f.graph)}))
"""


def test_a_fresh_process_loads_without_the_defining_module(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    define_dir, run_dir, export_dir = tmp_path / "def", tmp_path / "run", tmp_path / "out"
    define_dir.mkdir()
    run_dir.mkdir()
    (define_dir / "model_def.py").write_text(_DEFINE)
    subprocess.run([sys.executable, "model_def.py", str(export_dir)], cwd=define_dir,
                   env=env, check=True, timeout=120)
    (define_dir / "model_def.py").unlink()
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_RUN), str(export_dir)],
                          cwd=run_dir, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    want = np.sin([0.5, 1.0, 1.5]) * [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(result["y"], want)
    assert result["total"] == want.sum()
    assert "graph defined_elsewhere(x:f64[3], w:f64[3])" in result["graph"]


def test_program_py_is_written_only_with_a_cpu_backend(tmp_path):
    graph, _ = CASES["binary_graph"]()
    export_graph(graph, {}, tmp_path)
    assert (tmp_path / "program.py").exists() == _HAS_CPU
    if _HAS_CPU:  # a standalone module: it imports numpy and numba, nothing else
        tree = ast.parse((tmp_path / "program.py").read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in (node.names if isinstance(node, ast.Import)
                                  else [ast.alias(node.module or "")])}
        assert imported <= {"numpy", "numba", "math", "cmath", "base64"}, imported
    export_graph(graph, {}, tmp_path, program=False)
    assert not (tmp_path / "program.py").exists()

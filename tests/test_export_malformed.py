"""Loading refuses every malformed or hostile export with a clear LoadError.

One test per kind of bad input: a valid export is written, one thing is broken, and the
loader must say what is wrong (the message is matched), never crash, hang, allocate what
the file claims, or run anything the file contains.
"""

from __future__ import annotations

import importlib.util
import io
import json
import time
import zipfile

import numpy as np
import pytest

from autograph.errors import AutographError, LoadError
from autograph.serialization.export import export_graph, load, load_graph
from autograph.ir import Builder, Op, TensorType, format_graph
from autograph.serialization import Limits
from autograph.serialization.schema import DEFAULT_LIMITS
from autograph.serialization.safejson import nesting_depth

T = TensorType
F32, F64, I64 = np.float32, np.float64, np.int64
_HAS_CPU = importlib.util.find_spec("autograph.codegen.cpu.backend") is not None


def _graph():
    """y = cond(sum(x) > 0, x * w, -x) with w a param; one constant, one region pair."""
    b = Builder("model")
    x = b.add_input(T((3,), F32), "x")
    w = b.add_input(T((3,), F32), "w")
    pred = b.emit(Op.GT, [b.emit(Op.SUM, [x], axes=(0,)), b.emit(Op.CONSTANT, [], value=0.0)])
    b.open_region([])
    then = b.close_region([b.emit(Op.MUL, [x, w])])
    b.open_region([])
    other = b.close_region([b.emit(Op.NEG, [x])])
    y = b.emit(Op.COND, [pred], regions=[then, other])
    return b.finish([y])


@pytest.fixture
def folder(tmp_path):
    export_graph(_graph(), {"w": np.array([1, 2, 3], F32)}, tmp_path / "m", program=False)
    return tmp_path / "m"


def _doc(folder):
    return json.loads((folder / "graph.json").read_text())


def _write(folder, doc):
    (folder / "graph.json").write_text(json.dumps(doc))


def _edit(folder, change):
    doc = _doc(folder)
    change(doc)
    _write(folder, doc)


def _node(doc, op):
    """The first node with `op`, searching regions too."""
    stack = list(doc["nodes"])
    while stack:
        node = stack.pop(0)
        if node["op"] == op:
            return node
        for region in node["regions"]:
            stack.extend(region["nodes"])
    raise KeyError(op)


def _fails(folder, match, limits=DEFAULT_LIMITS):
    with pytest.raises(LoadError, match=match):
        load_graph(folder, limits=limits)


def _params(folder, **arrays):
    (folder / "params.npz").unlink()
    with open(folder / "params.npz", "wb") as f:
        np.savez(f, **arrays)


def test_the_unbroken_export_loads(folder):
    graph, params = load_graph(folder)
    assert format_graph(graph) == format_graph(_graph())
    np.testing.assert_array_equal(params["w"], [1, 2, 3])


# ---- files ------------------------------------------------------------------------

def test_missing_folder(tmp_path):
    _fails(tmp_path / "nowhere", "no such export folder")


def test_missing_graph_json(folder):
    (folder / "graph.json").unlink()
    _fails(folder, "graph.json: file not found")


def test_missing_params_npz(folder):
    (folder / "params.npz").unlink()
    _fails(folder, "params.npz: file not found")


def test_truncated_json(folder):
    data = (folder / "graph.json").read_bytes()
    (folder / "graph.json").write_bytes(data[: len(data) // 2])
    _fails(folder, "not valid JSON")


def test_corrupt_json(folder):
    (folder / "graph.json").write_bytes(b"\xff\xfe{garbage")
    _fails(folder, "not UTF-8")
    (folder / "graph.json").write_text('{"format": "autograph-graph", "version": 1,}')
    _fails(folder, "not valid JSON")


def test_json_that_is_not_strict_json(folder):
    text = (folder / "graph.json").read_text()
    (folder / "graph.json").write_text(text.replace('"value": 0.0', '"value": NaN'))
    _fails(folder, "NaN is not valid JSON")
    (folder / "graph.json").write_text(text.replace('"version": 1,', '"version": 1, "version": 1,'))
    _fails(folder, "duplicate key 'version'")
    (folder / "graph.json").write_text(text.replace('"version": 1', '"version": ' + "9" * 5000))
    _fails(folder, "not valid JSON")


def test_top_level_not_an_object(folder):
    (folder / "graph.json").write_text("[1, 2, 3]")
    _fails(folder, "expected a JSON object")


def test_truncated_params_npz(folder):
    data = (folder / "params.npz").read_bytes()
    (folder / "params.npz").write_bytes(data[: len(data) - 40])
    _fails(folder, "params.npz is not a valid .npz archive")


def test_graph_json_too_large(folder):
    _fails(folder, "larger than the limit", Limits(max_json_bytes=100))


# ---- format and version -------------------------------------------------------------

def test_wrong_format(folder):
    _edit(folder, lambda d: d.update(format="mxnet-symbol"))
    _fails(folder, "not an autograph graph .format is 'mxnet-symbol'")


@pytest.mark.parametrize("version", [3, 0, "1", 1.0, None])
def test_unknown_version(folder, version):
    _edit(folder, lambda d: d.update(version=version))
    _fails(folder, "unsupported version")


def test_missing_and_unknown_top_level_fields(folder):
    _edit(folder, lambda d: d.pop("outputs"))
    _fails(folder, "missing field.*'outputs'")
    _edit(folder, lambda d: d.update(outputs=[5], extra=1))
    _fails(folder, "unknown field.*'extra'")


# ---- ops and attributes -------------------------------------------------------------

def test_unknown_op(folder):
    _edit(folder, lambda d: _node(d, "neg").update(op="system"))
    _fails(folder, "unknown op 'system'")


def test_missing_attr(folder):
    _edit(folder, lambda d: _node(d, "sum")["attrs"].pop("axes"))
    _fails(folder, r"nodes\[0\] \(sum\) > attrs: missing field.*'axes'")


def test_extra_attr(folder):
    _edit(folder, lambda d: _node(d, "sum")["attrs"].update(dtype="f32"))
    _fails(folder, "unknown field.*'dtype'")


@pytest.mark.parametrize("axes, match", [
    ("0", "axes: expected a list, got string"),
    ([True], r"axes\[0\]: expected an integer, got bool"),
    ([0.0], r"axes\[0\]: expected an integer, got float"),
    ([5], "type rule rejects it: sum: axis 5 is out of bounds"),
])
def test_wrong_typed_attr(folder, axes, match):
    _edit(folder, lambda d: _node(d, "sum")["attrs"].update(axes=axes))
    _fails(folder, match)


def test_wrong_typed_constant(folder):
    _edit(folder, lambda d: _node(d, "constant")["attrs"]["value"].update(type="object"))
    _fails(folder, "unknown dtype 'object'")
    _edit(folder, lambda d: _node(d, "constant")["attrs"].update(
        value={"array": "i8", "shape": [2], "data": [1, 1000]}))
    _fails(folder, "1000 is out of range")
    _edit(folder, lambda d: _node(d, "constant")["attrs"].update(
        value={"array": "f32", "shape": [2, 2], "data": [[1.0, 2.0], [3.0]]}))
    _fails(folder, "data does not match shape")
    _edit(folder, lambda d: _node(d, "constant")["attrs"].update(
        value={"array": "f32", "shape": [1], "data": [1e300]}))
    _fails(folder, "out of range for f32")


def test_wrong_regions(folder):
    _edit(folder, lambda d: _node(d, "cond")["regions"].pop())
    _fails(folder, r"\(cond\) > regions: expected 2 entries, got 1")
    export_graph(_graph(), {"w": np.array([1, 2, 3], F32)}, folder, program=False)
    _edit(folder, lambda d: _node(d, "cond")["regions"][0].update(name="else"))
    _fails(folder, "region is named 'else', expected 'then'")


# ---- values -------------------------------------------------------------------------

def test_dangling_value_id(folder):
    _edit(folder, lambda d: _node(d, "neg").update(inputs=[999]))
    _fails(folder, r"inputs\[0\]: value id 999 is not defined before this point")


def test_use_before_definition(folder):
    def swap(doc):  # gt(sum, 0.0) before sum
        doc["nodes"][0], doc["nodes"][2] = doc["nodes"][2], doc["nodes"][0]

    _edit(folder, swap)
    _fails(folder, "is not defined before this point")


def test_value_from_another_region(folder):
    def leak(doc):
        then_result = _node(doc, "cond")["regions"][0]["results"][0]
        _node(doc, "cond")["regions"][1]["results"] = [then_result]

    _edit(folder, leak)
    _fails(folder, "is defined in another region and is not visible here")


def test_value_defined_twice(folder):
    _edit(folder, lambda d: _node(d, "neg")["outputs"][0].update(id=0))
    _fails(folder, "value id 0 is defined twice")


def test_inconsistent_recorded_type(folder):
    _edit(folder, lambda d: _node(d, "mul")["outputs"][0]["type"].update(dtype="f64"))
    _fails(folder, r"recorded output types \(f64\[3\]\) differ from the op's type rule "
                   r"\(f32\[3\]\)")


def test_inconsistent_input_shapes(folder):
    _edit(folder, lambda d: d["inputs"][0]["type"].update(shape=[4]))
    _fails(folder, "param 'w'|cannot broadcast")
    export_graph(_graph(), {"w": np.array([1, 2, 3], F32)}, folder, program=False)
    _edit(folder, lambda d: d["inputs"][0]["type"].update(shape=[3, 1]))
    _fails(folder, "differ from the op's type rule|differs from")


def test_weak_type_with_a_shape(folder):
    _edit(folder, lambda d: d["inputs"][0]["type"].update(weak=True))
    _fails(folder, "only 0-d values can be weakly typed")


# ---- absurd sizes -----------------------------------------------------------------

def _full_node(shape, out_shape):
    return {"op": "full", "inputs": [], "regions": [], "origin": None,
            "attrs": {"shape": shape, "value": {"type": "float", "value": 0.0}},
            "outputs": [{"id": 100, "type": {"shape": out_shape, "dtype": "f64", "weak": False},
                         "hint": None}]}


def test_full_of_10_to_the_15_elements(folder):
    huge = [10**5] * 3
    _edit(folder, lambda d: d["nodes"].insert(0, _full_node(huge, huge)))
    _fails(folder, "has 1000000000000000 elements, more than the limit")
    # Recorded small, computed huge: the recomputed type disagrees; nothing is allocated.
    _edit(folder, lambda d: d["nodes"].__setitem__(0, _full_node(huge, [1])))
    _fails(folder, "differ from the op's type rule")
    _edit(folder, lambda d: d["nodes"].__setitem__(0, _full_node([10**15], [1])))
    _fails(folder, "out of range")


def test_too_many_nodes(folder):
    _fails(folder, "nodes.*limit 3|more than the limit of 3 nodes", Limits(max_nodes=3))
    _fails(folder, "more than the limit of 5 nodes", Limits(max_nodes=5))  # regions count
    assert DEFAULT_LIMITS.max_nodes == 10**6


def test_ten_megabyte_string(folder):
    _edit(folder, lambda d: d.update(name="x" * 10 * 2**20))
    _fails(folder, "longer than the limit")
    export_graph(_graph(), {"w": np.array([1, 2, 3], F32)}, folder, program=False)
    _edit(folder, lambda d: d["origins"].append({"file": "f.py", "line": 1, "column": 0,
                                                 "function": "f", "source": "y" * 10**7}))
    _fails(folder, "longer than the limit")


def test_too_many_dimensions(folder):
    _edit(folder, lambda d: d["inputs"][0]["type"].update(shape=[1] * 40))
    _fails(folder, "longer than the limit 32")


def test_huge_inline_constant(folder):
    _edit(folder, lambda d: _node(d, "constant")["attrs"].update(
        value={"array": "f32", "shape": [10**7], "data": []}))
    _fails(folder, "inline data of 10000000 elements exceeds the limit")


# ---- nesting ----------------------------------------------------------------------

def test_deep_json_nesting_is_refused_before_parsing(folder):
    (folder / "graph.json").write_text("[" * 1_000_000 + "]" * 1_000_000)
    _fails(folder, "nested deeper than the limit of 200")
    assert nesting_depth('["[[\\"[[", {"a": [1]}]') == 3  # brackets in strings do not count
    assert nesting_depth('[["unterminated [[[') == 2  # JSON never parses past it either


def test_pathological_json_is_rejected_in_linear_time(folder):
    start = time.perf_counter()
    for text in ('["' + '\\"' * 500_000, '"' * 1_000_000, '[' * 500_000 + '"' + ']' * 500_000):
        (folder / "graph.json").write_text(text)
        _fails(folder, "not valid JSON|nested deeper")
    assert time.perf_counter() - start < 10  # quadratic scanning would take minutes


def _nested_conds(depth):
    b = Builder("deep")
    x = b.add_input(T((), F64), "x")
    pred = b.emit(Op.GT, [x, b.emit(Op.CONSTANT, [], value=0.0)])

    def nest(level):
        if level == 0:
            return b.emit(Op.NEG, [x])
        b.open_region([])
        then = b.close_region([nest(level - 1)])
        b.open_region([])
        other = b.close_region([x])
        return b.emit(Op.COND, [pred], regions=[then, other])

    return b.finish([nest(depth)])


def test_regions_nested_deeper_than_the_limit(tmp_path):
    export_graph(_nested_conds(6), {}, tmp_path, program=False)
    load_graph(tmp_path)
    _fails(tmp_path, "regions nested deeper than the limit of 5", Limits(max_region_depth=5))


# ---- code injection ----------------------------------------------------------------

_EVIL = "x = __import__('os').system('touch PWNED')  #"


def test_crafted_identifiers_never_reach_program_text(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def inject(doc):
        doc["name"] = "f(): pass\nimport os\ndef g"
        doc["inputs"][0].update(name=_EVIL, hint=_EVIL)
        doc["inputs"][1].update(name="w\n" + _EVIL)
        _node(doc, "neg")["outputs"][0]["hint"] = "a; " + _EVIL
        _node(doc, "sum")["outputs"][0]["hint"] = "é_unicode"
        _node(doc, "mul")["outputs"][0]["hint"] = "fine_name"

    _edit(folder, inject)
    graph, params = load_graph(folder)
    names = [graph.name] + graph.input_names + [
        v.hint for n in graph.walk() for v in n.outputs if v.hint is not None]
    assert all(n.isascii() and n.isidentifier() for n in names), names
    assert graph.name == "f____pass_import_os_def_g"
    assert _node_values(graph, Op.NEG) == [None] and _node_values(graph, Op.SUM) == [None]
    assert _node_values(graph, Op.MUL) == ["fine_name"]
    assert set(params) == {graph.input_names[1]}
    text = format_graph(graph)  # what survives are identifiers: inert words
    assert "__import__(" not in text and "\nimport os" not in text and "'os'" not in text
    if _HAS_CPU:
        f = load(folder, backend="cpu")
        assert "__import__(" not in f.source and "system(" not in f.source
        f(np.ones(3, F32))
    assert not (tmp_path / "PWNED").exists()


def _node_values(graph, op):
    return [v.hint for n in graph.walk() if n.op is op for v in n.outputs]


def test_program_py_is_never_loaded(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (folder / "program.py").write_text("open('PWNED', 'w').close()\nraise SystemExit\n")
    f = load(folder, backend="python")
    f(np.ones(3, F32))
    assert not (tmp_path / "PWNED").exists()


# ---- params.npz ---------------------------------------------------------------------

class _Boom:
    def __reduce__(self):
        return (open, ("PWNED", "w"))


def test_object_arrays_are_refused_unread(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = np.empty(3, dtype=object)
    evil[:] = [_Boom(), _Boom(), _Boom()]
    _params(folder, w=evil)
    _fails(folder, "holds object values.*never objects")
    assert not (tmp_path / "PWNED").exists()


def test_missing_param(folder):
    _params(folder)
    _fails(folder, "params.npz has no member 'w'")


def test_extra_param(folder):
    _params(folder, w=np.ones(3, F32), stowaway=np.ones(2))
    _fails(folder, "holds member.*'stowaway'.*does not use")


def test_param_with_wrong_dtype(folder):
    _params(folder, w=np.ones(3, F64))
    _fails(folder, r"param 'w' in params.npz is float64\[3\], but the input is f32\[3\]")


def test_param_with_wrong_shape(folder):
    _params(folder, w=np.ones((3, 1), F32))
    _fails(folder, r"is float32\[3, 1\]")


def test_param_with_unsupported_dtype(folder):
    _params(folder, w=np.array(["a", "b", "c"]))
    _fails(folder, "dtype <U1 is not supported")


def test_param_header_claiming_huge_shape(folder):
    header = np.lib.format.header_data_from_array_1_0(np.ones(3, F32))
    header["shape"] = (10**9,)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    buf.write(np.ones(3, F32).tobytes())
    (folder / "params.npz").unlink()
    with zipfile.ZipFile(folder / "params.npz", "w") as z:
        z.writestr("w.npy", buf.getvalue())
    _fails(folder, "header claims 4000000000 bytes of data")
    header["shape"] = (10**12,)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    with zipfile.ZipFile(folder / "params.npz", "w") as z:
        z.writestr("w.npy", buf.getvalue())
    _fails(folder, "1000000000000 elements exceed the limit")


def test_param_member_with_a_bad_name(folder):
    (folder / "params.npz").unlink()
    with zipfile.ZipFile(folder / "params.npz", "w") as z:
        z.writestr("../w.npy", b"")
    _fails(folder, "not a valid parameter name")


def test_unknown_backend(folder):
    with pytest.raises(LoadError, match="unknown backend 'tpu'"):
        load(folder, backend="tpu")


def test_load_errors_are_autograph_errors():
    assert issubclass(LoadError, AutographError)


def test_compressed_params_npz_loads_too(folder):
    (folder / "params.npz").unlink()
    with open(folder / "params.npz", "wb") as f:
        np.savez_compressed(f, w=np.array([4, 5, 6], F32))
    _, params = load_graph(folder)
    np.testing.assert_array_equal(params["w"], [4, 5, 6])

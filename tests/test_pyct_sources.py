"""Tests of pyct.sources and pyct.parsing on every kind of callable users convert."""

from __future__ import annotations

import ast
import functools
import importlib.util
import linecache
import math
import sys
import textwrap

import pytest

from autograph.errors import ConversionError
from autograph.pyct import origins, parsing, sources

THIS_FILE = __file__


# --- fixtures: the callables, written here so their real locations are known -----------


def identity_decorator(fn):
    return fn


@identity_decorator
def module_function(x, y=2):
    z = x * y
    return z + 1


def make_adder(k):
    def add(v):
        return v + k

    return add


class Shapes:
    scale = 3

    def method(self, x):
        return x * self.scale

    @staticmethod
    def static(x):
        return x + 1

    @classmethod
    def klass(cls, x):
        return x * cls.scale

    def string_keeper(self):
        text = """first
  second
        third"""
        return text

    def odd_continuation(self,
  arg):
        return arg


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@logged
@logged
def doubly_wrapped(a):
    return a - 1


inc, dbl = lambda x: x + 1, lambda x: x * 2
same_a, same_b = lambda x: x + 1, lambda y: y + 1
def keep(*fns, **named):
    return fns + tuple(named.values())


(call_argument,) = keep(
    key=lambda t: -t,
)
spanning = (
    lambda p,
    q: p
    + q
)


def make_closure_lambdas(k):
    return (lambda x: x + k), (lambda x: x + 1)


async def async_function(x):
    return x


def generator_function(n):
    for i in range(n):
        yield i


def _line_text(filename, lineno):
    return linecache.getlines(filename)[lineno - 1].rstrip("\n")


def _check_located(node, filename):
    """Every Name/arg node's (line, column) range in the file spells its name."""
    checked = 0
    for sub in ast.walk(node):
        name = sub.id if isinstance(sub, ast.Name) else sub.arg if isinstance(sub, ast.arg) else None
        if name is None:
            continue
        text = _line_text(filename, sub.lineno)
        assert text[sub.col_offset : sub.end_col_offset] == name, (name, text)
        origin = origins.get_origin(sub)
        assert (origin.filename, origin.lineno, origin.col_offset) == (filename, sub.lineno, sub.col_offset)
        assert origin.source_line == text
        checked += 1
    assert checked


# --- unwrap / has_source ----------------------------------------------------------------


def test_unwrap():
    assert sources.unwrap(module_function) is module_function
    assert sources.unwrap(Shapes().method) is Shapes.method
    assert sources.unwrap(Shapes.__dict__["static"]) is Shapes.static
    assert sources.unwrap(Shapes.__dict__["klass"]) is Shapes.klass.__func__
    assert sources.unwrap(Shapes.klass) is Shapes.klass.__func__
    inner = sources.unwrap(doubly_wrapped)
    assert inner.__code__.co_firstlineno > doubly_wrapped.__code__.co_firstlineno
    assert not hasattr(inner, "__wrapped__")
    partial = functools.partial(module_function, 1)
    assert sources.unwrap(partial) is partial


def test_unwrap_stops_on_wrapped_cycle():
    def a():
        pass

    def b():
        pass

    a.__wrapped__, b.__wrapped__ = b, a
    assert sources.unwrap(a) in (a, b)


def test_has_source_true_for_python_functions():
    for fn in (module_function, make_adder(1), Shapes().method, Shapes.static, Shapes.klass,
               doubly_wrapped, inc, async_function, generator_function):
        assert sources.has_source(fn), fn


def test_has_source_false_for_things_without_source():
    np = pytest.importorskip("numpy")

    class Callable:
        def __call__(self):
            return 1

    not_functions = [len, math.sin, np.add, np.sum, Shapes, Callable(), functools.partial(len),
                     object(), 3, functools.lru_cache(maxsize=None)(module_function)]
    for obj in not_functions:
        assert not sources.has_source(obj), obj
        with pytest.raises(ConversionError, match="cannot find the source of"):
            sources.get_source(obj)


def test_has_source_false_for_numba_dispatcher():
    numba = pytest.importorskip("numba")
    jitted = numba.njit(module_function)
    assert not sources.has_source(jitted)


# --- get_source ---------------------------------------------------------------------------


def test_get_source_module_function_with_decorator():
    src = sources.get_source(module_function)
    assert src.source.startswith("@identity_decorator\ndef module_function(x, y=2):\n")
    assert src.filename == THIS_FILE
    assert src.first_lineno == module_function.__code__.co_firstlineno
    assert src.indent == 0


def test_get_source_method_is_dedented():
    src = sources.get_source(Shapes.method)
    assert src.source == "def method(self, x):\n    return x * self.scale\n"
    assert src.indent == 4
    assert _line_text(THIS_FILE, src.first_lineno) == "    def method(self, x):"


def test_get_source_lambda_holds_its_whole_statement():
    src = sources.get_source(call_argument)
    assert src.source == "(call_argument,) = keep(\n    key=lambda t: -t,\n)\n"
    assert src.first_lineno == call_argument.__code__.co_firstlineno - 1
    assert src.indent == 0


def test_multiline_string_keeps_its_value():
    node, src = parsing.parse_function(Shapes.string_keeper)
    constant = node.body[0].value
    expected = next(c for c in Shapes.string_keeper.__code__.co_consts if isinstance(c, str) and "first" in c)
    assert constant.value == expected
    # the string's continuation lines were not dedented; the others were
    lines = src.source.splitlines()
    assert lines[1:4] == ['    text = """first', "  second", '        third"""']
    assert src.column_shifts[:5] == (4, 4, 0, 0, 4)


# --- parse_function -----------------------------------------------------------------------


def test_parse_module_function():
    node, src = parsing.parse_function(module_function)
    assert isinstance(node, ast.FunctionDef)
    assert node.name == "module_function"
    assert node.decorator_list == []
    assert node.lineno == module_function.__code__.co_firstlineno + 1
    assert (node.col_offset, node.body[0].col_offset) == (0, 4)
    _check_located(node, THIS_FILE)
    assert origins.get_origin(node).function_name == "module_function"
    assert origins.get_origin(node.body[1].value).source_line == "    return z + 1"


def test_parse_closure():
    add = make_adder(5)
    node, _ = parsing.parse_function(add)
    assert node.name == "add"
    assert node.col_offset == 4
    _check_located(node, THIS_FILE)


@pytest.mark.parametrize(
    "get",
    [
        lambda: Shapes().method,
        lambda: Shapes.method,
        lambda: Shapes.static,
        lambda: Shapes().static,
        lambda: Shapes.__dict__["static"],
        lambda: Shapes.klass,
        lambda: Shapes.__dict__["klass"],
    ],
    ids=["bound", "unbound", "static", "static-via-instance", "staticmethod-object",
         "classmethod", "classmethod-object"],
)
def test_parse_methods(get):
    fn = get()
    node, src = parsing.parse_function(fn)
    assert isinstance(node, ast.FunctionDef)
    assert node.name == sources.unwrap(fn).__name__
    assert node.decorator_list == []
    assert node.col_offset == 4
    assert src.indent == 4
    _check_located(node, THIS_FILE)


def test_parse_continuation_line_indented_less_than_def():
    node, src = parsing.parse_function(Shapes.odd_continuation)
    arg = node.args.args[1]
    assert (arg.arg, arg.col_offset) == ("arg", 2)
    _check_located(node, THIS_FILE)


def test_parse_wrapped_function():
    node, _ = parsing.parse_function(doubly_wrapped)
    assert node.name == "doubly_wrapped"
    assert node.decorator_list == []
    assert ast.unparse(node.body[0]) == "return a - 1"
    _check_located(node, THIS_FILE)


def _lambda_body(fn) -> str:
    node, _ = parsing.parse_function(fn)
    assert isinstance(node, ast.Lambda)
    _check_located(node, THIS_FILE)
    assert origins.get_origin(node).function_name == "<lambda>"
    return ast.unparse(node)


def test_parse_two_lambdas_on_one_line():
    assert _lambda_body(inc) == "lambda x: x + 1"
    assert _lambda_body(dbl) == "lambda x: x * 2"
    assert _lambda_body(same_a) == "lambda x: x + 1"
    assert _lambda_body(same_b) == "lambda y: y + 1"


def test_parse_lambdas_telling_closures_apart():
    closing, plain = make_closure_lambdas(3)
    assert closing.__code__.co_freevars == ("k",)
    assert _lambda_body(closing) == "lambda x: x + k"
    assert _lambda_body(plain) == "lambda x: x + 1"


def test_parse_lambda_in_call_argument_spanning_lines():
    assert _lambda_body(call_argument) == "lambda t: -t"
    node, _ = parsing.parse_function(call_argument)
    assert (node.lineno, node.col_offset) == (call_argument.__code__.co_firstlineno, 8)


def test_parse_lambda_spanning_lines():
    node, src = parsing.parse_function(spanning)
    assert ast.unparse(node) == "lambda p, q: p + q"
    assert node.lineno == spanning.__code__.co_firstlineno
    assert node.end_lineno == node.lineno + 2
    assert src.source.startswith("spanning = (\n")
    _check_located(node, THIS_FILE)


def test_parse_async_and_generator_functions():
    node, _ = parsing.parse_function(async_function)
    assert isinstance(node, ast.AsyncFunctionDef)
    node, _ = parsing.parse_function(generator_function)
    assert isinstance(node, ast.FunctionDef)
    assert any(isinstance(n, ast.Yield) for n in ast.walk(node))


def test_parse_function_sets_origin_on_unlocated_nodes_but_not_shared_ones():
    node, _ = parsing.parse_function(module_function)
    assert origins.get_origin(node.args).lineno == node.lineno
    load = node.body[0].value.left.ctx
    assert isinstance(load, ast.Load)
    assert origins.get_origin(load) is None
    assert origins.get_origin(ast.Load()) is None


# --- code that lives only in linecache (IPython cells, exec) ------------------------------


def _exec_cell(text: str, filename: str, register: bool = True) -> dict:
    text = textwrap.dedent(text)
    if register:
        lines = text.splitlines(keepends=True)
        linecache.cache[filename] = (len(text), None, lines, filename)
    namespace: dict = {}
    exec(compile(text, filename, "exec"), namespace)
    return namespace


def test_ipython_cell():
    filename = "<ipython-input-3-5f1e0a2b9c>"
    try:
        namespace = _exec_cell(
            """
            import functools

            class Model:
                def forward(self, x):
                    if x > 0:
                        return x
                    return -x

            square = lambda v: v * v
            """,
            filename,
        )
        node, src = parsing.parse_function(namespace["Model"]().forward)
        assert (node.name, node.lineno, node.col_offset, src.filename) == ("forward", 5, 4, filename)
        assert isinstance(node.body[0], ast.If)
        origin = origins.get_origin(node.body[0])
        assert (origin.filename, origin.lineno, origin.source_line) == (filename, 6, "        if x > 0:")
        assert origin.function_name == "forward"
        lam, _ = parsing.parse_function(namespace["square"])
        assert ast.unparse(lam) == "lambda v: v * v"
        assert lam.lineno == 10
    finally:
        linecache.cache.pop(filename, None)


def test_exec_of_registered_text_with_ordinary_filename():
    filename = "generated_module_for_test.py"
    try:
        namespace = _exec_cell("x0 = 1\ndef f(a):\n    return a + x0\n", filename)
        node, src = parsing.parse_function(namespace["f"])
        assert (node.lineno, src.first_lineno) == (2, 2)
        assert origins.get_origin(node.body[0]).source_line == "    return a + x0"
    finally:
        linecache.cache.pop(filename, None)


def test_exec_of_unregistered_text_has_no_source():
    namespace = _exec_cell("def f(a):\n    return a\n", "<string>", register=False)
    assert not sources.has_source(namespace["f"])
    with pytest.raises(ConversionError, match="cannot find the source of f"):
        parsing.parse_function(namespace["f"])


def test_file_that_does_not_parse_as_a_whole_falls_back():
    filename = "<broken-cell>"
    text = "def f(a):\n    return a + 1\ng = lambda y: y * 2\n"
    try:
        namespace = _exec_cell(text, filename)
        # The registered text gains a broken tail, as when a file is edited after import.
        linecache.cache[filename] = (0, None, text.splitlines(True) + ["this is ) not python\n"], filename)
        node, src = parsing.parse_function(namespace["f"])
        assert (node.name, node.lineno, src.source) == ("f", 1, "def f(a):\n    return a + 1\n")
        lam, _ = parsing.parse_function(namespace["g"])
        assert (ast.unparse(lam), lam.lineno, lam.col_offset) == ("lambda y: y * 2", 3, 4)
    finally:
        linecache.cache.pop(filename, None)


def test_edited_file_is_reported(tmp_path):
    path = tmp_path / "edited_module.py"
    path.write_text("def first(x):\n    return x\n")
    spec = importlib.util.spec_from_file_location("edited_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert parsing.parse_function(module.first)[0].name == "first"
    path.write_text("# a comment that moves everything down\n\n\ndef second(x):\n    return x\n")
    with pytest.raises(ConversionError, match="does not hold it"):
        sources.get_source(module.first)


# --- parse_module_source / parse_expression -------------------------------------------


def test_parse_module_source_origins():
    text = "import numpy as np\n\ndef f(x):\n    y = lambda q: q\n    return np.tanh(x)\n\nz = 1\n"
    tree = parsing.parse_module_source(text, "model.py")
    fn = tree.body[1]
    assert origins.get_origin(fn).function_name == "f"
    ret = fn.body[1]
    origin = origins.get_origin(ret.value.func)
    assert (origin.filename, origin.lineno, origin.col_offset) == ("model.py", 5, 11)
    assert origin.source_line == "    return np.tanh(x)"
    assert origin.function_name == "f"
    assert origins.get_origin(tree.body[0]).function_name == "<module>"
    assert origins.get_origin(tree.body[2].targets[0]).function_name == "<module>"
    assert origins.get_origin(fn.body[0].value).function_name == "f"


def test_parse_module_source_form_feed_does_not_shift_lines():
    tree = parsing.parse_module_source("x = 1\n\x0c\ny = 2\n", "ff.py")
    assert origins.get_origin(tree.body[1]).source_line == "y = 2"


def test_parse_module_source_syntax_error():
    with pytest.raises(ConversionError, match=r"broken\.py:2") as info:
        parsing.parse_module_source("x = 1\ndef f(:\n    pass\n", "broken.py")
    assert info.value.origin.lineno == 2
    assert "def f(:" in str(info.value)


def test_parse_expression():
    node = parsing.parse_expression("  ag__.ld(x) + 1 ")
    assert isinstance(node, ast.BinOp)
    assert ast.unparse(node) == "ag__.ld(x) + 1"
    with pytest.raises(ConversionError):
        parsing.parse_expression("x = 1")

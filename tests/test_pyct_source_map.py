"""Source maps built from the tree the loader parsed and compiled must equal those built
by parsing the rendered text again; the tokenizer shortcut of `sources` must find what
tokenizing finds."""

from __future__ import annotations

import ast
import io
import linecache
import textwrap
import tokenize
import types

import pytest
from corpus import CASES

from autograph import converters
from autograph.converters import base
from autograph.pyct import loader, origins, parsing, rendering, sources


def _convert(fn):
    node, src = parsing.parse_function(fn)
    converted = converters.convert_node(node, src.filename)
    return converted, rendering.render(converted)


@pytest.mark.parametrize("case", CASES[:40], ids=lambda c: c.name)
def test_map_from_the_compiled_tree_equals_map_from_the_text(case):
    fn = sources.unwrap(case.fn)
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    converted, text = _convert(fn)
    compiled = loader.compile_function(converted, text, fn, (base.RUNTIME,), "test")
    expected = origins.build_source_map(converted, text, line_offset=compiled.header_lines)
    assert origins.map_lines(converted, compiled.parsed) == expected
    assert expected  # every function maps some line
    # the code compiled from the parsed tree is the code of the text registered for tracebacks
    registered = "".join(linecache.getlines(compiled.filename))
    factory = compile(registered, compiled.filename, "exec").co_consts[0]
    inner = next(c for c in factory.co_consts if isinstance(c, types.CodeType))
    assert inner.replace(co_name=compiled.code.co_name) == compiled.code


def test_lambda_map_from_the_compiled_tree():
    double = lambda x: x * 2 if x else -x
    converted, text = _convert(double)
    compiled = loader.compile_function(converted, text, double, (base.RUNTIME,), "lambda")
    assert isinstance(compiled.parsed, ast.Lambda)
    expected = origins.build_source_map(converted, text, line_offset=compiled.header_lines)
    assert origins.map_lines(converted, compiled.parsed) == expected != {}


STRING_CASES = [
    'def f():\n    return 1\n',
    'def f():\n    """doc\n    string"""\n    return 1\n',
    "def f():\n    x = '''a\n  b'''\n    return x\n",
    'def f():\n    x = "a\\\n  b"\n    return x\n',
    'def f():\n    x = 1 + \\\n        2\n    return x\n',
    'def f():\n    x = f"""{1}\n  {2}"""\n    return x\n',
    'def f():\n    x = "no continuation" + \'here\'\n    return x\n',
]


def _by_tokenizing(lines):
    string_types = {tokenize.STRING} | {
        getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
        if hasattr(tokenize, name)
    }
    inside = set()
    for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
        if token.type in string_types and token.end[0] > token.start[0]:
            inside.update(range(token.start[0], token.end[0]))
    return inside


@pytest.mark.parametrize("text", STRING_CASES)
def test_string_continuation_shortcut_agrees_with_tokenizing(text):
    lines = text.splitlines(True)
    assert sources._string_continuation_lines(lines) == _by_tokenizing(lines)


def test_string_continuation_lines_found():
    lines = textwrap.dedent('''\
        def f():
            x = """a
          b
        c"""
            return x
        ''').splitlines(True)
    assert sources._string_continuation_lines(lines) == {2, 3}

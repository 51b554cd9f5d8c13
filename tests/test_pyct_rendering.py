"""Tests of pyct.rendering: astor, ast.unparse, and the fallback between them."""

from __future__ import annotations

import ast
import sys
import textwrap

import pytest

from autograph.errors import AutographError, ConversionError
from autograph.pyct import anno, rendering

FUNCTION = textwrap.dedent(
    """
    def f(x, *, scale=2.0):
        total = 0
        for i in range(x):
            if i % 2 == 0 and (y := i * scale) > 1:
                total += y
            else:
                continue
        return [v for v in (total, -total)]
    """
)

MATCH = "match p:\n    case [a, b]:\n        r = a\n    case _:\n        r = 0\n"


def _same_tree(a: str, b: str) -> bool:
    return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))


def test_astor_renderer_is_astors_output():
    astor = pytest.importorskip("astor")
    tree = ast.parse(FUNCTION)
    text = rendering.render(tree, "astor")
    assert text == astor.to_source(tree).rstrip("\n") + "\n"
    assert _same_tree(text, FUNCTION)


def test_unparse_renderer():
    tree = ast.parse(FUNCTION)
    text = rendering.render(tree, "unparse")
    assert text == ast.unparse(tree) + "\n"
    assert _same_tree(text, FUNCTION)


def test_auto_uses_astor_when_it_can():
    pytest.importorskip("astor")
    tree = ast.parse(FUNCTION)
    assert rendering.render(tree) == rendering.render(tree, "astor")


def test_render_is_deterministic_and_round_trips():
    tree = ast.parse(FUNCTION)
    first = rendering.render(tree)
    assert rendering.render(ast.parse(first)) == first


def test_auto_falls_back_on_match():
    tree = ast.parse(MATCH)
    assert rendering.render(tree) == ast.unparse(tree) + "\n"
    assert not rendering.astor_can_render(tree)
    if rendering.ASTOR is not None:
        with pytest.raises(ConversionError, match="astor cannot render"):
            rendering.render(tree, "astor")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* needs Python 3.11")
def test_auto_falls_back_on_try_star():
    tree = ast.parse("try:\n    f()\nexcept* ValueError:\n    pass\n")
    assert rendering.render(tree) == ast.unparse(tree) + "\n"


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters need Python 3.12")
def test_auto_falls_back_on_type_parameters():
    tree = ast.parse("def f[T](x: T) -> T:\n    return x\n")
    text = rendering.render(tree)
    assert "[T]" in text
    assert _same_tree(text, "def f[T](x: T) -> T:\n    return x\n")


def test_auto_without_astor(monkeypatch):
    monkeypatch.setattr(rendering, "ASTOR", None)
    tree = ast.parse(FUNCTION)
    assert rendering.render(tree) == ast.unparse(tree) + "\n"
    with pytest.raises(ConversionError, match="astor cannot be imported"):
        rendering.render(tree, "astor")


def test_auto_falls_back_when_astor_raises(monkeypatch):
    class BrokenAstor:
        @staticmethod
        def to_source(node, **kwargs):
            raise AttributeError("module 'ast' has no attribute 'Str'")

    monkeypatch.setattr(rendering, "ASTOR", BrokenAstor)
    tree = ast.parse(FUNCTION)
    assert rendering.render(tree) == ast.unparse(tree) + "\n"
    with pytest.raises(ConversionError, match="has no attribute 'Str'"):
        rendering.render(tree, "astor")


@pytest.mark.parametrize("renderer", ["auto", "astor", "unparse"])
def test_expressions_and_statement_lists(renderer):
    expr = ast.parse("a + b * c", mode="eval").body
    text = rendering.render(expr, renderer)
    assert not text.endswith("\n")
    assert ast.dump(ast.parse(text, mode="eval").body) == ast.dump(expr)
    stmts = ast.parse("x = 1\ny = x").body
    text = rendering.render(stmts, renderer)
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert _same_tree(text, "x = 1\ny = x")


@pytest.mark.parametrize("renderer", ["auto", "astor", "unparse"])
def test_render_leaves_the_tree_alone(renderer):
    # Built by hand: no locations at all.
    node = ast.Module(
        body=[ast.Assign(targets=[ast.Name(id="x", ctx=ast.Store())], value=ast.Constant(value=1))],
        type_ignores=[],
    )
    anno.setanno(node.body[0], anno.LIVE_OUT, frozenset({"x"}))
    assert rendering.render(node, renderer) == "x = 1\n"
    assert not hasattr(node.body[0], "lineno")
    assert anno.getanno(node.body[0], anno.LIVE_OUT) == {"x"}


def test_unknown_renderer():
    with pytest.raises(AutographError, match="unknown renderer"):
        rendering.render(ast.parse("x"), "black")

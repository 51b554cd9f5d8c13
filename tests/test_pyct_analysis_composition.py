"""activity.analyze annotates bottom-up, composing statements' scopes; the annotations
must be exactly what collecting each statement and block on its own gives."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograph.pyct import anno
from autograph.pyct.analysis import activity

ROOT = Path(__file__).resolve().parent.parent

SOURCES = [
    ROOT / "autograph" / "converters" / "control_flow.py",
    ROOT / "autograph" / "pyct" / "analysis" / "liveness.py",
    ROOT / "autograph" / "pyct" / "sources.py",
    ROOT / "tests" / "corpus" / "python_functions.py",
    ROOT / "tests" / "test_converter_golden.py",
]

EXTRA = '''
def tricky(a, b):
    global g
    for i, a[i] in enumerate(b):
        while (n := len(b)) > i:
            x.y = [n := j for j in b if (k := j)]
            def inner():
                nonlocal x
                x = i
            if n:
                break
        else:
            with open(a) as (f, g.h):
                try:
                    del a[0]
                except Exception as e:
                    e.z += 1
                else:
                    class C(b, metaclass=a):
                        w = lambda q=b: q + x
                finally:
                    b[0] += k
    return a
'''


def _reference(stmt: ast.stmt, key) -> activity.Scope | None:
    """The annotation `key` as activity.analyze computed it before (each part whole)."""
    if key is anno.SCOPE:
        return activity.block_scope([stmt])
    if key is anno.COND_SCOPE:
        return activity.expr_scope(stmt.test)
    if key is anno.ITERATE_SCOPE:
        return activity.expr_scope(stmt.iter)
    if key is anno.BODY_SCOPE:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            collector = activity._Collector()
            collector.visit(stmt.target)
            for inner in stmt.body:
                collector.visit(inner)
            return collector.scope()
        return activity.block_scope(stmt.body)
    if key is anno.ORELSE_SCOPE:
        return activity.block_scope(stmt.orelse)
    raise AssertionError(key)


def _functions():
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        found += [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    found += [n for n in ast.walk(ast.parse(EXTRA)) if isinstance(n, ast.FunctionDef)]
    return found


def _as_tuple(scope: activity.Scope):
    return (scope.read, scope.modified, scope.nonlocals)


def test_annotations_equal_collecting_each_part_whole():
    keys = (anno.SCOPE, anno.COND_SCOPE, anno.ITERATE_SCOPE, anno.BODY_SCOPE, anno.ORELSE_SCOPE)
    checked = 0
    for fn in _functions():
        activity.analyze(fn)
        assert _as_tuple(anno.getanno(fn, anno.BODY_SCOPE)) == _as_tuple(activity.block_scope(fn.body))
        for stmt in ast.walk(fn):
            if not isinstance(stmt, ast.stmt) or stmt is fn:
                continue
            for key in keys:
                if anno.hasanno(stmt, key):
                    assert _as_tuple(anno.getanno(stmt, key)) == _as_tuple(_reference(stmt, key)), (
                        fn.name, ast.unparse(stmt).splitlines()[0], key)
                    checked += 1
    assert checked > 1000


def test_annotations_do_not_share_sets():
    fn = ast.parse("def f(x):\n    if x:\n        y = 1\n    return y\n").body[0]
    activity.analyze(fn)
    if_stmt = fn.body[0]
    body = anno.getanno(if_stmt, anno.BODY_SCOPE)
    whole = anno.getanno(if_stmt, anno.SCOPE)
    assert body.modified == {"y"} and whole.modified == {"y"}
    body.modified.add("changed")
    assert "changed" not in whole.modified
    assert "changed" not in anno.getanno(if_stmt.body[0], anno.SCOPE).modified


@pytest.mark.parametrize("text", ["x = 1", "for i in r:\n    pass", "if a:\n    b = c"])
def test_function_body_scope_is_the_union(text):
    fn = ast.parse("def f():\n" + "\n".join("    " + line for line in text.splitlines())).body[0]
    activity.analyze(fn)
    assert _as_tuple(anno.getanno(fn, anno.BODY_SCOPE)) == _as_tuple(activity.block_scope(fn.body))

"""converters.guards: `flag_setters` (one walk) must agree with `sets_flag` (one walk per
statement), and guarding with it must give what guarding without it gives."""

from __future__ import annotations

import ast
import copy
import textwrap

import pytest

from autograph.converters import base, guards

PROGRAMS = [
    """
    for x in xs:
        a = 1
        if x:
            flag = True
            b = 2
        elif y:
            while z:
                c = 3
                if w:
                    flag = True
                d = 4
            e = 5
        else:
            (flag := g(x))
        try:
            h()
        except E:
            flag = True
            i = 6
        finally:
            j = 7
        def nested():
            flag = True
        k = lambda: flag
        l = 8
    """,
    """
    def nested():
        flag = True
    flag, other = other, flag
    m = 9
    """,
    """
    with c:
        n = 1
    o = 2
    """,
]


def _tree(text: str) -> ast.Module:
    return ast.parse(textwrap.dedent(text))


@pytest.mark.parametrize("text", PROGRAMS)
def test_flag_setters_agree_with_sets_flag(text):
    tree = _tree(text)
    setters = guards.flag_setters(tree, "flag")
    for node in base.walk_local(tree):  # not inside nested functions: neither looks there
        if isinstance(node, ast.stmt) and not isinstance(node, ast.FunctionDef):
            assert (node in setters) == guards.sets_flag(node, "flag"), ast.unparse(node)
    assert bool(setters) == (text is not PROGRAMS[-1])  # the last program never sets it


@pytest.mark.parametrize("text", PROGRAMS)
def test_guarding_with_setters_is_guarding_without(text):
    tree = _tree(text)
    with_setters = copy.deepcopy(tree)
    guards.guard_nested_blocks(with_setters, "flag")

    def guard_slowly(node):  # the old way: ask sets_flag of every statement of every block
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.Lambda)):
                guard_slowly(child)
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, guards.guard_block(block, "flag"))

    without = copy.deepcopy(tree)
    guard_slowly(without)
    assert ast.unparse(with_setters) == ast.unparse(without)

"""Tests of pyct.naming and pyct.anno."""

from __future__ import annotations

import ast
import copy
import enum
import textwrap

import pytest

from autograph.pyct import anno, naming


def test_names_in_collects_every_kind_of_name():
    tree = ast.parse(
        textwrap.dedent(
            """
            import os.path, numpy as np
            from m import a as b, c
            class K:
                pass
            def f(p, /, q, *r, s, **t):
                global g
                nonlocal h
                try:
                    pass
                except E as e:
                    pass
                match p:
                    case [x, *rest] | {"k": x, **rest}:
                        pass
                    case Point(y=y_cap) as whole:
                        pass
                return obj.attr
            """
        )
    )
    assert naming.names_in(tree) == {
        "os", "np", "b", "c", "K", "f", "p", "q", "r", "s", "t", "g", "h", "E", "e",
        "x", "rest", "Point", "y_cap", "whole", "obj",
    }


def test_namer_sequence_avoids_used_and_returned_names():
    namer = naming.Namer({"if_true", "if_true_2", "x"})
    assert [namer.new_name("if_true") for _ in range(3)] == ["if_true_1", "if_true_3", "if_true_4"]
    assert namer.new_name("if_false") == "if_false"
    assert namer.new_name("if_false") == "if_false_1"
    assert namer.new_name("x") == "x_1"


def test_namer_is_deterministic():
    def names():
        namer = naming.Namer({"a", "b", "loop_body"})
        return [namer.new_name(base) for base in ("loop_body", "if_true", "loop_body", "a")]

    assert names() == names() == ["loop_body_1", "if_true", "loop_body_2", "a_1"]


def test_namer_makes_identifiers():
    namer = naming.Namer(set())
    assert namer.new_name("if") == "if_1"
    assert namer.new_name("my-var") == "my_var"
    assert namer.new_name("1st") == "_1st"
    namer.reserve("ag__")
    assert namer.new_name("ag__") == "ag___1"


def test_anno_roundtrip():
    node = ast.Name(id="x", ctx=ast.Load())
    assert not anno.hasanno(node, anno.LIVE_IN)
    assert anno.getanno(node, anno.LIVE_IN, None) is None
    with pytest.raises(KeyError):
        anno.getanno(node, anno.LIVE_IN)
    anno.setanno(node, anno.LIVE_IN, frozenset({"x"}))
    assert anno.hasanno(node, anno.LIVE_IN)
    assert anno.getanno(node, anno.LIVE_IN) == {"x"}
    other = ast.Name(id="y", ctx=ast.Load())
    anno.copyanno(node, other, anno.LIVE_IN)
    anno.copyanno(node, other, anno.LIVE_OUT)  # absent: nothing copied
    assert anno.getanno(other, anno.LIVE_IN) == {"x"}
    assert not anno.hasanno(other, anno.LIVE_OUT)
    anno.delanno(node, anno.LIVE_IN)
    anno.delanno(node, anno.LIVE_IN)
    assert not anno.hasanno(node, anno.LIVE_IN)
    assert anno.getanno(other, anno.LIVE_IN) == {"x"}


def test_anno_keys_are_enums_and_travel_with_deepcopy():
    required = {"LIVE_IN", "LIVE_OUT", "DEFINED_IN", "SCOPE", "BODY_SCOPE", "ORELSE_SCOPE",
                "ITERATE_SCOPE", "COND_SCOPE"}
    assert required <= {key.name for key in anno.Static}
    node = ast.Pass()
    with pytest.raises(TypeError):
        anno.setanno(node, "LIVE_IN", 1)

    class Mine(enum.Enum):
        MARK = 1

    anno.setanno(node, Mine.MARK, "here")
    copied = copy.deepcopy(node)
    assert anno.getanno(copied, Mine.MARK) == "here"
    assert getattr(node, anno.ANNO_ATTR) is not getattr(copied, anno.ANNO_ATTR)

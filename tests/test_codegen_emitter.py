"""The emitter and namer every code generator writes with."""

from __future__ import annotations

import builtins
import keyword

import pytest

from autograph.codegen.emitter import Emitter, Namer, is_usable, letters


class _V:
    """A stand-in value with an optional hint (the namer only reads `hint`)."""

    def __init__(self, hint=None):
        self.hint = hint


def test_letters_count_like_the_ir_printer():
    assert [letters(i) for i in (0, 1, 25, 26, 27, 26 * 26)] == ["a", "b", "z", "ba", "bb",
                                                                 "baa"]


def test_letter_names_skip_keywords_builtins_and_modules():
    namer = Namer()
    names = [namer.define(_V()) for _ in range(2000)]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.isidentifier()
        assert not keyword.iskeyword(name) and not hasattr(builtins, name), name
        assert name not in ("np", "numba")
    assert "if" not in names and "in" not in names and "abs" not in names


def test_hints_are_used_and_deduplicated():
    namer = Namer()
    assert namer.define(_V("acc")) == "acc"
    assert namer.define(_V("acc")) == "acc_1"
    assert namer.define(_V(), preferred="x") == "x"
    assert namer.define(_V("x")) == "x_1"


def test_unusable_hints_are_renamed_or_dropped():
    namer = Namer()
    assert namer.define(_V("np")) == "np_"
    assert namer.define(_V("lambda")) == "lambda_"
    assert namer.define(_V("i0")) == "i0_"  # scratch names belong to code generators
    assert namer.define(_V("_c0")) == "c0_"
    assert namer.define(_V("not an identifier")) == "a"
    assert not is_usable("t3") and not is_usable("print") and is_usable("total")


def test_letters_avoid_later_hints_and_reserved_names():
    namer = Namer(reserved={"a"}, avoid={"b"})
    assert namer.define(_V()) == "c"
    assert namer.define(_V("b")) == "b"


def test_alias_and_scratch():
    namer = Namer()
    v, w = _V(), _V()
    name = namer.define(v)
    namer.alias(w, name)
    assert namer[w] == name and w in namer
    assert [namer.scratch("t") for _ in range(3)] == ["t0", "t1", "t2"]
    assert namer.scratch("i") == "i0"
    with pytest.raises(KeyError):
        namer[_V()]


def test_emitter_indents_blocks_and_aligns_comments():
    em = Emitter(comment_column=20)
    em.line("x = 1", "one")
    with em.block("if x"):
        em.line("y = 2")
        with em.block("while False"):
            pass
    em.line("a_very_long_statement_here = 3", "long")
    assert em.text() == (
        "x = 1               # one\n"
        "if x:\n"
        "    y = 2\n"
        "    while False:\n"
        "        pass\n"
        "a_very_long_statement_here = 3  # long\n"
    )


def test_enclosed_means_one_pair_around_all_of_it():
    from autograph.codegen.emitter import enclosed

    assert enclosed("(a + b)") and enclosed("((a) + (b))") and enclosed("(f(x))")
    assert not enclosed("(a) + (b)") and not enclosed("a + b") and not enclosed("f(x)")

"""`--args` example arguments: types become arrays of ones, literals stay values."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.cli import example_args
from autograph.cli.example_args import ExampleArgError, parse, parse_all


def test_types_become_ones():
    a = parse("f32[1,512]")
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.shape == (1, 512)
    assert np.all(a == 1)
    s = parse("i64[]")
    assert isinstance(s, np.int64) and s == 1
    b = parse(" b1[2] ")
    assert b.dtype == np.bool_ and b.tolist() == [True, True]


def test_weak_types_and_words_become_python_scalars():
    assert parse("f64~[]") == 1.0 and type(parse("f64~[]")) is float
    assert type(parse("i64~[]")) is int
    assert parse("int") == 1 and type(parse("int")) is int
    assert parse("float") == 1.0 and type(parse("float")) is float


def test_literals_stay_values():
    assert parse("20") == 20 and parse("2.5") == 2.5
    assert parse("True") is True and parse("None") is None
    assert parse("(3, 4)") == (3, 4) and parse("'relu'") == "relu"


@pytest.mark.parametrize("spec", ["f32[3", "f32[a]", "q32[3]", "f64~[3]", "relu", "x + 1", ""])
def test_bad_specs(spec):
    with pytest.raises(ExampleArgError, match="bad argument"):
        parse(spec)


def test_parse_all_keywords_and_words():
    args, kwargs, words = parse_all(["f32[2]", "int", "n=5", "m=float"])
    assert len(args) == 2 and args[1] == 1
    assert kwargs == {"n": 5, "m": 1.0}
    assert words == {1, "m"}
    with pytest.raises(ExampleArgError, match="follows a keyword"):
        parse_all(["n=5", "f32[2]"])
    with pytest.raises(ExampleArgError, match="given twice"):
        parse_all(["n=5", "n=6"])
    assert example_args.SCALAR_WORDS["int"] == 1

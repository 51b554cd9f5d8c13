"""Example arguments from text: what `autograph dump --args` traces a function with.

Tracing needs arguments of the right types, not real data, so a command line names
them by type, in the IR's own type syntax, and gets arrays of ones:

    f32[1,512]   a float32 array of shape (1, 512)      (ir.types.TensorType.parse)
    i64[]        a NumPy int64 scalar
    f64~[]       a weak 0-d value: the Python float 1.0
    int, float   a Python int (1) / float (1.0), traced weakly like any Python scalar
    20, 2.5, True, None, (3, 4), 'relu'
                 that Python value, as the call would pass it: bools, None, strings and
                 tuples are static; an int or float whose value tracing needs (a shape,
                 a loop bound made static) is used with this value
    name=SPEC    the same, as a keyword argument

Ones rather than zeros so that nothing a function computes from its inputs while
tracing divides by zero. An argument given as `int` / `float` whose concrete value the
trace turns out to need is reported by the caller (`stages.py`): 1 would silently
specialise the graph to a value the user never chose.
"""

from __future__ import annotations

import ast
import math
import re

import numpy as np

from autograph.errors import AutographError, StagingError
from autograph.ir.types import TensorType

SCALAR_WORDS = {"int": 1, "float": 1.0, "complex": 1 + 0j}
_KEYWORD = re.compile(r"([A-Za-z_]\w*)=(.*)", re.S)
_TYPE_LIKE = re.compile(r"\s*[a-z]+\d+~?\[.*")


# An example argument is an array of ones made here: one of more bytes is refused.
MAX_EXAMPLE_BYTES = 2**30


class ExampleArgError(AutographError):
    """An --args entry is neither a type nor a Python literal."""


def parse(spec: str):
    """The example value for one entry (see the module docstring)."""
    text = spec.strip()
    if text in SCALAR_WORDS:
        return SCALAR_WORDS[text]
    if _TYPE_LIKE.match(text):
        try:
            ttype = TensorType.parse(text)
        except StagingError:
            raise ExampleArgError(f"bad argument type {spec!r}: expected a dtype and a shape "
                                  f"such as f32[1,512], i64[] or f64~[]") from None
        return _ones(ttype)
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ExampleArgError(
            f"bad argument {spec!r}: expected a type (f32[1,512], i64[], int, float) or a "
            f"Python literal (20, 2.5, True, (3, 4), 'relu')") from None


def _ones(ttype: TensorType):
    if ttype.weak:
        if ttype.shape:
            raise ExampleArgError(f"bad argument type {str(ttype)!r}: only 0-d values are weak")
        return ttype.dtype.type(1).item()
    nbytes = math.prod(ttype.shape) * ttype.dtype.itemsize
    if nbytes > MAX_EXAMPLE_BYTES:
        raise ExampleArgError(f"argument type {str(ttype)!r} needs {nbytes} bytes, more than "
                              f"the limit of {MAX_EXAMPLE_BYTES} for an example argument")
    try:
        array = np.ones(ttype.shape, ttype.dtype)
    except MemoryError:
        raise ExampleArgError(f"argument type {str(ttype)!r}: not enough memory for an "
                              f"example argument of {nbytes} bytes") from None
    return array[()] if not ttype.shape else array


def parse_all(specs) -> tuple[list, dict, set[int | str]]:
    """(args, kwargs, positions or names given as bare `int`/`float`/`complex`)."""
    args, kwargs, words = [], {}, set()
    for spec in specs:
        match = _KEYWORD.fullmatch(spec.strip())
        if match:
            name, rest = match.groups()
            if name in kwargs:
                raise ExampleArgError(f"argument {name!r} given twice in --args")
            kwargs[name] = parse(rest)
            if rest.strip() in SCALAR_WORDS:
                words.add(name)
            continue
        if kwargs:
            raise ExampleArgError(f"positional argument {spec!r} follows a keyword argument")
        if spec.strip() in SCALAR_WORDS:
            words.add(len(args))
        args.append(parse(spec))
    return args, kwargs, words

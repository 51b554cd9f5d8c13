"""Every construct autograph refuses, with its message and the rewrite that works; the
table below is the source of docs/refused.md. Each row is checked: the refused function
raises an AutographError containing the fragment, and the rewrite, converted, gives what
the refused function gives in plain Python. Regenerate the doc with

    .venv/bin/python -m tests.test_refused_constructs
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

import autograph

DOC = Path(__file__).resolve().parent.parent / "docs" / "refused.md"
X = np.array([1.0, 2.0, 3.0, 4.0])
FLAG = 0


class Case(NamedTuple):
    title: str
    refused: object
    rewrite: object
    args: tuple
    fragment: str


# -- the refused constructs and their rewrites -------------------------------------------------

def next_in_staged_loop(x):
    it = iter([1.0, 2.0, 3.0, 4.0, 5.0])
    t = x[0] * 0
    while t < x[3]:
        t = t + next(it)
    return t


def next_in_staged_loop_rewrite(x, items):  # items: an array argument
    t = x[0] * 0
    i = 0
    while t < x[3]:
        t = t + items[i]
        i += 1
    return t


def resumed_iterator(x):
    it = iter([1.0, 2.0, 3.0, 4.0])
    t = x[0] * 0
    for v in it:
        t = t + v
        if t > x[0]:
            break
    for v in it:
        t = t + 10 * v
    return t


def resumed_iterator_rewrite(x, items):  # items: an array argument
    t = x[0] * 0
    stop = items.shape[0]
    for i in range(items.shape[0]):
        t = t + items[i]
        if t > x[0]:
            stop = i + 1
            break
    for i in range(items.shape[0]):
        if i >= stop:
            t = t + 10 * items[i]
    return t


def except_around_staged_if(x, table):
    try:
        if x[0] > 0:
            y = x[1]
        else:
            y = x[0] * table[5]
    except IndexError:
        y = x[0] * 0 - 1.0
    return y


def except_around_staged_if_rewrite(x, table):
    fallback = table[5] if len(table) > 5 else None
    if x[0] > 0:
        y = x[1]
    elif fallback is None:
        y = x[0] * 0 - 1.0
    else:
        y = x[0] * fallback
    return y


def global_in_staged_branch(x):
    global FLAG
    if x[0] > 5:
        FLAG = 1
    return x + 1


def global_in_staged_branch_rewrite(x):
    flag = np.where(x[0] > 5, 1, FLAG)
    return x + 1, flag


def list_pop_in_staged_loop(x, stack):
    t = x[0] * 0
    while t < x[3]:
        t = t + stack.pop()
    return t


def list_pop_in_staged_loop_rewrite(x, stack):
    items = np.array(stack)
    n = items.shape[0]
    t = x[0] * 0
    while t < x[3]:
        n = n - 1
        t = t + items[n]
    return t


def one_branch_definition(x):
    if x[0] > 0:
        y = x * 2
    return y


def one_branch_definition_rewrite(x):
    y = x * 0
    if x[0] > 0:
        y = x * 2
    return y


def loop_target_after_loop(x):
    for i in range(x.shape[0]):
        x = x + 1
    return i


def loop_target_after_loop_rewrite(x):
    i = 0
    for k in range(x.shape[0]):
        x = x + 1
        i = k
    return i


def concrete_value(x):
    return x * x.tolist()[0]


def concrete_value_rewrite(x):
    return x * x[0]


def masked_argument(x):
    return x.sum()


def masked_argument_rewrite(data, mask):
    return np.where(mask, 0.0, data).sum()


MASKED = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])


def generator_function(x):
    yield x


def generator_function_rewrite(x):
    return [x]


CASES = [
    Case("`next()` on a Python iterator inside a staged loop or branch",
         next_in_staged_loop, next_in_staged_loop_rewrite, (X,), "would advance it once"),
    Case("An iterator resumed after a loop that stops on a data-dependent `break`",
         resumed_iterator, resumed_iterator_rewrite, (X,),
         "the iterator is read again after the loop"),
    Case("`try`/`except` catching what a staged branch raised while traced",
         except_around_staged_if, except_around_staged_if_rewrite, (X, [1.0]),
         "this `except` would catch IndexError"),
    Case("Assigning a `global` (or `nonlocal`) inside a staged branch or loop",
         global_in_staged_branch, global_in_staged_branch_rewrite, (X,),
         "assigning the global `FLAG`"),
    Case("`list.pop()` inside a staged loop or branch",
         list_pop_in_staged_loop, list_pop_in_staged_loop_rewrite, (X, [1.0, 2.0, 3.0, 4.0]),
         "list.pop inside a staged loop or branch"),
    Case("A variable defined in one branch of a staged `if` and read after it",
         one_branch_definition, one_branch_definition_rewrite, (X,),
         "is defined in only one branch"),
    Case("A loop variable read after a staged loop",
         loop_target_after_loop, loop_target_after_loop_rewrite, (X,),
         "must be defined before the loop"),
    Case("A concrete value of a traced array (`tolist()`, `np.asarray`, `.item()`)",
         concrete_value, concrete_value_rewrite, (X,), "needs a concrete value"),
    Case("A masked array (or another ndarray subclass, an object, structured or big-endian "
         "array) as an argument", masked_argument, masked_argument_rewrite, (MASKED,),
         "is a numpy.ma.MaskedArray"),
    Case("A generator function (`yield`)", generator_function, generator_function_rewrite,
         (X,), "a generator (`yield`) cannot be converted"),
]

REWRITE_ARGS = {next_in_staged_loop_rewrite: (X, np.array([1.0, 2.0, 3.0, 4.0, 5.0])),
                resumed_iterator_rewrite: (X, np.array([1.0, 2.0, 3.0, 4.0])),
                masked_argument_rewrite: (np.ma.getdata(MASKED), np.ma.getmaskarray(MASKED))}


def _refusal(case: Case) -> str:
    with pytest.raises(autograph.AutographError) as info:
        autograph.convert(case.refused, backend="python")(*_copies(case.args))
    return str(info.value)


def _copies(args):
    return tuple(a.copy() if isinstance(a, (np.ndarray, list)) else a for a in args)


def _first_line(message: str) -> str:
    """The message without its location prefix (`file:line: `) and source excerpt."""
    return re.sub(r"^\S+:\d+: ", "", message.splitlines()[0])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.refused.__name__)
def test_the_construct_is_refused_with_its_message(case):
    assert case.fragment in _refusal(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.refused.__name__)
def test_the_rewrite_works_and_gives_pythons_answer(case):
    args = REWRITE_ARGS.get(case.rewrite, case.args)
    got = autograph.convert(case.rewrite, backend="python")(*_copies(args))
    if case.refused is global_in_staged_branch:
        want = (case.refused(*_copies(case.args)), FLAG)
    elif case.refused is generator_function:
        want = list(case.refused(*case.args))
    elif case.refused is masked_argument:
        want = case.refused(*case.args)
        got = np.float64(got)
    else:
        want = case.refused(*_copies(case.args))
    for g, w in zip(*(v if isinstance(v, (tuple, list)) else (v,) for v in (got, want))):
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float))


def expected() -> str:
    out = ["# Constructs autograph refuses, and the rewrites that work", "",
           "Generated from `tests/test_refused_constructs.py` (which checks every message and",
           "every rewrite): regenerate with `.venv/bin/python -m tests.test_refused_constructs`.",
           "Each refusal is an `AutographError` naming your file and line. Each refused",
           "construct would otherwise be performed once while tracing, or give an answer",
           "that differs from Python's: see DESIGN.md, *Semantics contract*.", ""]
    for case in CASES:
        out += [f"## {case.title}", "", "```python",
                textwrap.dedent(inspect.getsource(case.refused)).rstrip(), "```", "",
                f"> {_first_line(_refusal(case))}", "", "Rewrite:", "", "```python",
                textwrap.dedent(inspect.getsource(case.rewrite)).rstrip(), "```", ""]
    return "\n".join(out)


def test_docs_refused_is_generated_from_this_table():
    assert DOC.read_text() == expected(), \
        "regenerate docs/refused.md: .venv/bin/python -m tests.test_refused_constructs"


if __name__ == "__main__":
    DOC.write_text(expected())
    print(f"wrote {DOC}")

"""Staged `if`, `while` and `for` (with break, continue, return), differential first.

Each function is run converted (its control flow staged, since conditions and loop bounds
are tensors) and as plain Python on several inputs that take every path.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import StagingError
from autograph.ir import Op
from backends import WITH_PLAIN, check, convert

# Every differential test here also runs unoptimised: "cpu-plain" is optimize=False.
BACKENDS = WITH_PLAIN

POS = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
NEG = np.array([-1.0, -2.0, 3.0, -4.0], np.float32)
MIXED = np.array([2.0, 1.0, -1.0, 5.0], np.float32)


def ops_of(fn, *args):
    graph = autograph.convert(fn, backend="python", optimize=False).lower(*args).graph
    return [node.op for node in graph.walk()]


# ---- if -------------------------------------------------------------------------------------


def if_else(x):
    if np.sum(x) > 0:
        y = x * 2
    else:
        y = -x
    return y


def if_without_else(x):
    y = x + 1
    if np.max(x) > 3:
        y = y * 10
    return y


def nested_if(x):
    if x[0] > 0:
        if x[1] > 1.5:
            r = x * 3
        else:
            r = x * 4
    elif x[2] > 0:
        r = x + 100
    else:
        r = x - 100
    return r


def weak_scalar_meets_array_in_branches(x):
    if x[0] > 0:
        s = 0
    else:
        s = np.sum(x)
    return s


def scalar_state_both_sides(x):
    if x[0] > 0:
        k = 1
        scale = 2.0
    else:
        k = 2
        scale = 2.0
    return x * k * scale, k


def conditional_expression(x):
    y = x if np.sum(x) > 0 else -x
    z = 1.5 if x[0] > 0 else 2.0  # (1.5 or 2 would give 2.0 where Python gives 2)
    return y, z


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("x", [POS, NEG, MIXED], ids=["pos", "neg", "mixed"])
def test_staged_if(backend, x):
    for fn in (if_else, if_without_else, nested_if, conditional_expression):
        check(fn, x, backend=backend)
    check(scalar_state_both_sides, x, backend=backend)


def test_weak_scalar_and_array_in_branches_promote():
    # Python gives 0 (an int) on one path and an f32 on the other; the staged value has
    # one type: the weak 0 adapts to f32, as NumPy would promote it.
    converted = autograph.convert(weak_scalar_meets_array_in_branches, backend="python")
    for x in (POS, NEG):
        got = converted(x)
        assert type(got) is np.float32
        assert got == weak_scalar_meets_array_in_branches(x)


def test_if_stages_both_branches_into_a_cond():
    assert Op.COND in ops_of(if_else, POS)


def short_circuit(x, n):
    i = 0
    while i < n and x[i] > 0:  # x[n] must never be read
        i += 1
    return i


def and_or_not(x):
    a = x[0] > 0 and x[1] > 0
    b = x[0] > 0 or x[3] > 0
    c = not (x[2] > 0)
    if x[0] > 0 and not x[1] < 0 or x[3] > 4:
        d = x * 2
    else:
        d = x
    return a, b, c, d


@pytest.mark.parametrize("backend", BACKENDS)
def test_and_or_evaluate_lazily(backend):
    check(short_circuit, POS, 4, backend=backend)
    check(short_circuit, MIXED, 4, backend=backend)
    for x in (POS, NEG, MIXED):
        check(and_or_not, x, backend=backend)


# ---- while -----------------------------------------------------------------------------------


def halve_until_small(x):
    while np.sum(x) > 1:
        x = x / 2
    return x


def while_with_counter(x, limit):
    steps = 0
    total = 0.0
    while total < limit:
        total = total + np.sum(x)
        steps += 1
    return steps, total


def while_with_break(x):
    i = 0
    acc = np.zeros_like(x[0])
    while i < 10:
        if np.sum(acc) > 5:
            break
        acc = acc + x[i % 2]
        i += 1
    return acc, i


@pytest.mark.parametrize("backend", BACKENDS)
def test_staged_while(backend):
    check(halve_until_small, np.array([3.0, 4.0]), backend=backend)
    check(halve_until_small, np.array([0.1, 0.2]), backend=backend)
    check(while_with_counter, POS, 25.0, backend=backend)
    check(while_with_break, np.ones((2, 3), np.float32), backend=backend)


# ---- for ---------------------------------------------------------------------------------------


def range_with_tensor_bound(x, n):
    s = 0.0
    for i in range(n):
        s = s + x[i] * i
    return s


def range_start_stop_step(x, a, b):
    s = np.zeros_like(x)
    for i in range(a, b, 2):
        s = s + x * i
    for j in range(b, a, -3):
        s = s - j
    return s


def rows(x):
    acc = np.zeros(x.shape[1], x.dtype)
    for row in x:
        acc = acc + row * row
    return acc


def enumerate_zip_reversed(x, y):
    a = np.zeros_like(x[0])
    for i, row in enumerate(x):
        a = a + row * i
    b = np.zeros_like(x[0])
    for r, s in zip(x, y):
        b = b + r - s
    c = np.zeros_like(x[0])
    for k, row in enumerate(reversed(x), 1):
        c = c * 2 + row * k
    return a, b, c


def reversed_range(x, n):
    out = x * 0
    for i in reversed(range(n)):
        out = out * 2 + x[i]
    return out


def python_range_with_tensor_state(x):
    for _ in range(3):
        x = x * 2 + 1
    return x


def python_list_is_unrolled(x):
    for k in [1, 2, 3]:
        x = x + k
    return x


@pytest.mark.parametrize("backend", BACKENDS)
def test_staged_for(backend):
    x = np.arange(12, dtype=np.float64).reshape(4, 3)
    check(range_with_tensor_bound, POS, 4, backend=backend)
    check(range_with_tensor_bound, POS, 2, backend=backend)
    check(range_start_stop_step, POS, 1, 7, backend=backend)
    check(rows, x, backend=backend)
    check(enumerate_zip_reversed, x, x[::-1].copy(), backend=backend)
    check(reversed_range, POS, 3, backend=backend)
    check(python_range_with_tensor_state, POS, backend=backend)
    check(python_list_is_unrolled, POS, backend=backend)


def test_range_with_tensor_bound_is_one_for_node_not_a_retrace():
    converted = autograph.convert(range_with_tensor_bound, backend="python")
    converted(POS, 4)
    converted(POS, 3)
    assert "1 trace" in converted.explain()
    assert ops_of(range_with_tensor_bound, POS, 4).count(Op.FOR) == 1


def test_python_range_with_tensor_state_is_staged_and_python_lists_unrolled():
    assert Op.FOR in ops_of(python_range_with_tensor_state, POS)
    assert Op.FOR not in ops_of(python_list_is_unrolled, POS)


def for_break(x, n):
    s = x.dtype.type(0)  # (a Python 0.0 would stay a float when the loop breaks at once)
    for i in range(n):
        if x[i] < 0:
            break
        s = s + x[i]
    return s


def for_continue(x):
    s = x.dtype.type(0)
    for v in x:
        if v < 0:
            continue
        s = s + v
    return s


def return_in_loop(x, threshold):
    for i, v in enumerate(x):
        if v > threshold:
            return i
    return -1


def return_in_if(x):
    if np.sum(x) > 0:
        return x * 2
    return -x


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("x", [POS, NEG, MIXED], ids=["pos", "neg", "mixed"])
def test_break_continue_return(backend, x):
    check(for_break, x, 4, backend=backend)
    check(for_continue, x, backend=backend)
    check(return_in_loop, x, 2.5, backend=backend)
    check(return_in_loop, x, 10.0, backend=backend)
    check(return_in_if, x, backend=backend)


def loop_promotes_weak_start(x):
    s = 0
    for row in x:
        s = s + row.sum()
    return s


def loop_carries_containers(x):
    pair = [np.zeros_like(x[0]), np.ones_like(x[0])]
    d = {"sum": np.zeros_like(x[0]), "count": 0}
    for row in x:
        pair = [pair[0] + row, pair[1] * 2]
        d = {"sum": d["sum"] + row, "count": d["count"] + 1}
    return pair, d


@pytest.mark.parametrize("backend", BACKENDS)
def test_loop_state_promotion_and_containers(backend):
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    converted = check(loop_promotes_weak_start, x, backend=backend)
    assert converted(x).dtype == np.float32  # 0 (weak) + f32 stays f32
    check(loop_carries_containers, x, backend=backend)


# ---- staged print ------------------------------------------------------------------------------


def printing(x):
    print("trace time only")
    for i in range(x.shape[0]):
        if x[i] > 0:
            print("positive at", i, x[i])
    print("sum:", np.sum(x), sep=" ", end="!\n")
    return x


@pytest.mark.parametrize("backend", BACKENDS)
def test_staged_print_runs_every_call(backend, capfd):
    converted = convert(printing, backend)
    x = np.array([1.0, -1.0, 2.0])
    converted(x)
    first = capfd.readouterr().out
    assert first.count("trace time only") == 1
    assert "positive at 0 1.0" in first and "positive at 2 2.0" in first
    assert "sum: 2.0!" in first
    converted(-np.abs(x))
    second = capfd.readouterr().out
    assert "trace time only" not in second
    assert "positive" not in second and "sum: -4.0!" in second


# ---- errors ----------------------------------------------------------------------------------


def dtype_changes_in_loop(x):
    k = np.sum(x > 0)  # i64
    while k < 10:
        k = k * 1.5
    return k


def shape_changes_in_loop(x):
    while np.sum(x) < 10:
        x = np.concatenate([x, x])
    return x


def defined_in_one_branch(x):
    if np.sum(x) > 0:
        y = x
    return y * 2


def defined_in_one_branch_unused(x):
    if np.sum(x) > 0:
        y = x
        x = y * 2
    return x


def branch_dtype_mismatch(x):
    if x[0] > 0:
        y = x
    else:
        y = x.astype(np.float64)
    return y


def defined_only_in_loop(x):
    for row in x:
        last = row * 2
    return last


def list_grows(x):
    out = []
    for row in x:
        out.append(row)
    return out


def _line_of(fn, text):
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn, match, line_text", [
    (dtype_changes_in_loop, r"'k' has dtype i64 before the loop at line \d+ but f64 after "
                            r"one iteration", "while k < 10"),
    (shape_changes_in_loop, r"'x' has shape \(2,\) before the loop at line \d+ but \(4,\)",
     "while np.sum"),
    (defined_in_one_branch, r"'y' is defined in only one branch of the `if` at line \d+ and "
                            r"used after it", "return y * 2"),
    (branch_dtype_mismatch, r"'y' is f32\[2\] in the true branch but f64\[2\] in the false "
                            r"branch", "if x[0] > 0"),
    (defined_only_in_loop, r"'last' must be defined before the loop", "return last"),
    (list_grows, r"'out' is \[\] before the loop .* after one iteration.*append",
     "for row in x"),
])
def test_state_errors_name_the_variable_and_the_line(fn, match, line_text):
    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32) if fn in (defined_only_in_loop, list_grows) \
        else np.array([1.0, 2.0], np.float32)
    with pytest.raises(StagingError, match=match) as info:
        autograph.convert(fn, backend="python")(x)
    assert info.value.origin is not None
    assert info.value.origin.lineno == _line_of(fn, line_text)


def test_undefined_in_one_branch_is_fine_when_unused():
    check(defined_in_one_branch_unused, POS)
    check(defined_in_one_branch_unused, NEG)


def test_list_grown_in_loop_bounded_by_a_scalar_argument_retraces_it_static():
    def grow(x, n):
        out = []
        for i in range(n):
            out.append(x * i)
        return np.stack(out)

    converted = check(grow, POS, 3)
    assert "`n` made static" in converted.explain()
    check(grow, POS, 2)


def break_in_else(x, n):
    s = x.dtype.type(0)
    for i in range(n):
        if x[i] > 0:
            s += x[i]
        else:
            break
    return s


def test_break_in_else_branch():
    check(break_in_else, MIXED, 4)

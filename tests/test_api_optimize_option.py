"""`convert(f, optimize=...)`: True, False or a list of pass and feature names
(autograph.runtime.optimization). Each graph pass is seen in `f.lower(*args).graph` against
`optimize=False`, each code-generation feature in `.source`, with the same results."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

import autograph
from autograph import passes
from autograph.errors import AutographError
from autograph.ir import Op
from autograph.runtime.optimization import FEATURES, Optimization
from backends import BACKENDS, assert_same

needs_cpu = pytest.mark.skipif("cpu" not in BACKENDS, reason="the Numba backend is missing")

X = np.linspace(-1.0, 1.0, 4).astype(np.float32)


def ops(graph, top_level_only=False) -> list[Op]:
    """The ops of `graph`'s nodes (without constants), in order."""
    nodes = graph.body.nodes if top_level_only else graph.walk()
    return [node.op for node in nodes if node.op is not Op.CONSTANT]


def lowered(fn, args, optimize, backend="python"):
    converted = autograph.convert(fn, backend=backend, optimize=optimize)
    assert_same(converted(*args), fn(*args))
    return converted.lower(*args)


# ---- one function per graph pass, written to give that pass something to do ----------------


def constant_predicate(x):
    if np.sum(np.ones_like(x)) > 0:  # a traced constant: folding inlines the taken branch
        y = x * 2.0
    else:
        y = -x
    return y


def times_one_squared(x):
    return (x * 1.0) ** 2  # x*1 -> x, x**2 -> x*x


def duplicate(x):
    return np.exp(x) + np.exp(x)


def invariant_in_loop(x, n):
    acc = x
    for i in range(n):
        acc = acc + np.exp(x)  # the same every iteration
    return acc


def dead_value(x):
    unused = np.exp(x)  # noqa: F841
    return x + 1.0


def fills_a_buffer(x):
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        out[i] = x[i] * 2.0
    return out


def test_constant_folding_inlines_a_cond_with_a_constant_predicate():
    plain = lowered(constant_predicate, (X,), False).graph
    folded = lowered(constant_predicate, (X,), ["constant_folding"]).graph
    assert Op.COND in ops(plain) and Op.NEG in ops(plain)
    assert Op.COND not in ops(folded) and Op.NEG not in ops(folded)


def test_simplify_rewrites_the_algebra():
    plain = lowered(times_one_squared, (X,), False).graph
    simple = lowered(times_one_squared, (X,), ["simplify"]).graph
    assert Op.POW in ops(plain)
    assert ops(simple) == [Op.MUL] and "mul x x" in str(simple)


def test_cse_merges_a_duplicate():
    plain = lowered(duplicate, (X,), False).graph
    merged = lowered(duplicate, (X,), ["cse"]).graph
    assert ops(plain).count(Op.EXP) == 2
    assert ops(merged).count(Op.EXP) == 1 and "add a a" in str(merged)


def test_licm_hoists_out_of_the_loop():
    plain = lowered(invariant_in_loop, (X, 3), False).graph
    hoisted = lowered(invariant_in_loop, (X, 3), ["licm"]).graph
    assert Op.EXP not in ops(plain, top_level_only=True) and Op.EXP in ops(plain)
    assert ops(hoisted, top_level_only=True)[0] is Op.EXP
    assert ops(hoisted).count(Op.EXP) == 1


def row_products(xs, w):
    h = np.zeros(w.shape[1], np.float32)
    for t in range(xs.shape[0]):
        h = h + xs[t] @ w
    return h


def test_batch_products_makes_one_product_in_front_of_the_loop():
    xs = np.arange(12, dtype=np.float32).reshape(4, 3)  # small integers: exact sums
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    plain = lowered(row_products, (xs, w), False).graph
    batched = lowered(row_products, (xs, w), ["batch_products"]).graph
    assert Op.MATMUL not in ops(plain, top_level_only=True) and Op.MATMUL in ops(plain)
    assert Op.MATMUL in ops(batched, top_level_only=True)
    assert ops(batched).count(Op.MATMUL) == 1  # none left in the loop


def test_dce_removes_the_dead_value():
    plain = lowered(dead_value, (X,), False).graph
    cleaned = lowered(dead_value, (X,), ["dce"]).graph
    assert Op.EXP in ops(plain)
    assert ops(cleaned) == [Op.ADD]


@pytest.mark.parametrize("name", ["memory_planning", "parallel_loops"])
def test_annotating_passes_report_and_leave_the_graph(name):
    """These two only annotate: the graph is unchanged, the report (explain) says they ran."""
    converted = autograph.convert(fills_a_buffer, backend="python", optimize=[name])
    assert_same(converted(X), fills_a_buffer(X))
    plain = lowered(fills_a_buffer, (X,), False).graph
    assert str(converted.lower(X).graph) == str(plain)
    assert f"{name} (round 1)" in converted.explain() or f"unchanged: {name}" in \
        converted.explain()


def test_a_list_runs_exactly_those_passes_in_order():
    """Each named pass once, nothing else: cse alone leaves the dead exp that dce removes."""
    spec = lowered(duplicate, (X,), ["cse"])._spec
    assert [r.name for r in spec.build.report.records] == ["cse"]
    both = lowered(dead_value, (X,), ["cse", "dce"])._spec
    assert [r.name for r in both.build.report.records] == ["cse", "dce"]
    everything = lowered(invariant_in_loop, (X, 3), True).graph
    assert Op.CAST not in ops(everything)  # the default pipeline, dce included
    assert Op.CAST in ops(lowered(invariant_in_loop, (X, 3), ["licm"]).graph)


# ---- code-generation features ----------------------------------------------------------------


def chain(x, y):
    return np.tanh(x * y + 1.0) - y


def _loops(source: str) -> int:
    return source.count("for i0 in ")


@needs_cpu
def test_fusion_is_one_loop_without_it_one_loop_per_op():
    args = (X, X[::-1].copy())
    fused = lowered(chain, args, ["fusion"], backend="cpu").source
    unfused = lowered(chain, args, False, backend="cpu").source
    assert _loops(fused) == 1
    assert _loops(unfused) == 4  # mul, add, tanh, sub
    assert _loops(lowered(chain, args, True, backend="cpu").source) == 1


@needs_cpu
def test_vecmath_on_and_off():
    args = (X, X[::-1].copy())
    assert "_vm.tanh_f32(" in lowered(chain, args, ["fusion", "vecmath"], backend="cpu").source
    assert "_vm." not in lowered(chain, args, ["fusion"], backend="cpu").source
    assert "np.tanh(" in lowered(chain, args, ["fusion"], backend="cpu").source


@needs_cpu
def test_memory_planning_writes_in_place_only_when_named():
    planned = lowered(fills_a_buffer, (X,), ["memory_planning"], backend="cpu").source
    plain = lowered(fills_a_buffer, (X,), False, backend="cpu").source
    assert ", in place" in planned and ".copy()" not in planned
    assert ", in place" not in plain and ".copy()" in plain
    assert "raise IndexError" in plain  # elide_checks is off too


@needs_cpu
def test_optimize_false_generates_plainly_what_true_optimises():
    """False switches the code generator's features off, not just the graph passes."""
    args = (X, X[::-1].copy())
    source = lowered(chain, args, False, backend="cpu").source
    assert "_vm." not in source and "prange" not in source and _loops(source) == 4


# ---- what the argument may be ----------------------------------------------------------------


def test_options_of_each_form():
    from autograph.codegen.cpu.options import CpuOptions

    assert Optimization.of(True).cpu_options() == CpuOptions()
    assert Optimization.of(False).cpu_options() == CpuOptions.plain()
    assert Optimization.of([]) == Optimization.of(False)
    memory = Optimization.of(["memory_planning"])
    assert memory.passes == ("memory_planning",)
    assert memory.cpu_options() == CpuOptions.plain().but(inplace=True, reuse_buffers=True)
    assert Optimization.of(("cse", "parallel_loops")).cpu_options().parallel
    assert Optimization.of("fusion").spec == ("fusion",)  # one name, like static_argnames
    assert Optimization.of(["fusion"]).cuda_fuse() and not Optimization.of(False).cuda_fuse()
    assert Optimization.of(True).cuda_fuse()
    every = Optimization.of(list(FEATURES)).cpu_options()
    assert every == CpuOptions()  # every knob has a feature name (else add one to FEATURES)


def test_every_graph_pass_is_a_valid_name():
    assert Optimization.of(list(passes.PASSES)).passes == tuple(passes.PASSES)


def test_unknown_names_fail_at_convert_time_naming_them():
    with pytest.raises(AutographError) as error:
        autograph.convert(duplicate, optimize=["cse", "csee", "fusoin"])
    message = str(error.value)
    assert "'csee' (did you mean 'cse'?)" in message and "'fusoin'" in message
    assert "constant_folding" in message and "elide_checks" in message  # the valid ones
    with pytest.raises(AutographError, match="optimize= takes True, False or a list"):
        autograph.convert(duplicate, optimize=3)
    with pytest.raises(AutographError, match="must be strings"):
        autograph.convert(duplicate, optimize=["cse", 1])


def test_decorator_form_takes_a_list():
    converted = autograph.convert(backend="python", optimize=["cse"])(duplicate)
    assert ops(converted.lower(X).graph).count(Op.EXP) == 1


# ---- explain and pickling ------------------------------------------------------------------------


def test_explain_says_what_optimize_switched_on():
    off = autograph.convert(duplicate, backend="python", optimize=False)
    off(X)
    text = off.explain()
    assert "passes: none (optimize=False)" in text
    assert "optimize=False: no pass, no code-generation feature" in text
    listed = autograph.convert(duplicate, backend="python", optimize=["cse", "fusion"])
    listed(X)
    text = listed.explain()
    assert re.search(r"cse \(round 1\): (\d+) -> \d+ ops; merged 1 common subexpression", text)
    assert "optimize=['cse', 'fusion']: passes cse; code generation fusion" in text
    default = autograph.convert(duplicate, backend="python")
    default(X)
    assert "optimize=" not in default.explain()


def test_pickling_keeps_the_list():
    converted = autograph.convert(duplicate, backend="python", optimize=["cse", "fusion"])
    restored = pickle.loads(pickle.dumps(converted))
    assert restored._pickle_options() == ("python", (), ("cse", "fusion"))
    assert ops(restored.lower(X).graph).count(Op.EXP) == 1
    plain = pickle.loads(pickle.dumps(autograph.convert(duplicate, optimize=False)))
    assert plain._pickle_options()[2] is False

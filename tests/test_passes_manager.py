"""The pass manager: copies, pipelines, reports, verification naming the guilty pass."""

from __future__ import annotations

import types

import numpy as np
import pytest

from autograph.ir import Builder, Op, VerificationError
from autograph.passes import (DEFAULT_PIPELINE, PASSES, PassError, PassManager, Report,
                              register, run_passes)
from passes_support import F32, WEAK_I64, T, assert_same_results, const, dedent


def _graph():
    b = Builder("f")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(WEAK_I64, "n")
    _, acc = b.open_region([T((), np.int64), x.type], ["i", "acc"])
    e = b.emit(Op.EXP, [b.emit(Op.MUL, [x, const(b, 1)])])            # x*1; invariant
    k = b.emit(Op.ADD, [const(b, 2.0), const(b, 3.0)])                 # folds to 5.0
    body = b.close_region([b.emit(Op.ADD, [acc, b.emit(Op.MUL, [e, k])])])
    out = b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x], regions=[body])
    b.emit(Op.TANH, [x])                                               # dead
    return b.finish([out, b.emit(Op.EXP, [x])])                        # exp x twice: CSE


def test_default_pipeline_optimises_a_copy():
    g = _graph()
    before = str(g)
    after, report = run_passes(g, verify=True)
    assert str(g) == before  # the input is never mutated
    assert after is not g
    assert_same_results(g, after, np.arange(3, dtype=F32), 3)
    assert str(after) == dedent("""
        graph f(x:f32[3], n:i64~[]) {
          a:f32[3] = exp x
          b:f32[3] = mul a 5.0:f64~[]
          c:f32[3] = for 0:i64~[] n 1:i64~[] x {
            body ^(i:i64[], acc:f32[3]):
              d:f32[3] = add acc b
              yield d
          }
          return (c, a)
        }
        """)
    assert [r.name for r in report.records[:len(DEFAULT_PIPELINE)]] == list(DEFAULT_PIPELINE)
    assert report.changes()[:2] == ["constant_folding: folded 1 constant",
                                    "simplify: applied x*1 -> x 1 time"]
    # round 1 merges the body's 1 into the loop step's; round 2 exp x with the hoisted one
    assert report.changes().count("cse: merged 1 common subexpression") == 2
    assert "licm: hoisted 5 ops out of for" in report.changes()
    assert any(c.startswith("dce: removed") for c in report.changes())
    assert not any(r.changed for r in report.records[-5:])  # stopped at a fixed point
    first = report.records[0]
    assert first.ops_before == 13 and first.ops_after == 13 and 0 < first.seconds < 60


def test_passes_false_runs_nothing_and_a_list_runs_those():
    g = _graph()
    same, report = run_passes(g, passes=False)
    assert same is not g and str(same) == str(g) and report.records == []
    assert str(report) == "no passes run"
    only, report = run_passes(g, passes=["dce", "cse"])
    assert [r.name for r in report.records] == ["dce", "cse"]
    assert "tanh" not in str(only) and str(only).count("exp x") == 1


def test_report_text_lists_each_pass():
    _, report = run_passes(_graph(), passes=["constant_folding", "dce"])
    text = str(report)
    assert isinstance(report, Report) and report.changed
    lines = text.splitlines()
    assert lines[0].split() == ["pass", "ops", "time", "changes"]
    assert lines[1].startswith("constant_folding") and "folded 1 constant" in lines[1]
    assert "13 -> 13" in lines[1] and "ms" in lines[1]
    assert lines[2].startswith("dce") and "removed 3 dead nodes" in lines[2]


def test_unknown_pass_and_bad_spec():
    with pytest.raises(PassError, match="unknown pass 'fuse'"):
        run_passes(_graph(), passes=["fuse"])
    with pytest.raises(PassError, match="not 'fast'"):
        run_passes(_graph(), passes="fast")
    with pytest.raises(PassError, match="is not a pass"):
        run_passes(_graph(), passes=[object()])


def _breaker(name="breaker"):
    def run(graph, changes=None):
        graph.body.nodes[0].outputs[0].type = T((7,), F32)  # lies about a type
        return True
    return types.SimpleNamespace(NAME=name, run=run)


def test_verify_names_the_pass_that_broke_the_graph():
    g = _graph()
    with pytest.raises(VerificationError, match="after pass 'breaker'"):
        run_passes(g, passes=["simplify", _breaker()], verify=True)
    run_passes(g, passes=["simplify", _breaker()], verify=False)  # unchecked: no error
    bad = _graph()
    (loop,) = [node for node in bad.body.nodes if node.op is Op.FOR]
    bad.body.results.append(loop.regions[0].params[1])  # used outside its scope
    with pytest.raises(VerificationError, match="before any pass"):
        run_passes(bad, passes=["dce"], verify=True)


def test_an_exception_in_a_pass_names_it():
    def run(graph, changes=None):
        raise KeyError("boom")
    with pytest.raises(PassError, match="pass 'exploder' failed: KeyError"):
        run_passes(_graph(), passes=[types.SimpleNamespace(NAME="exploder", run=run)])


def test_new_passes_slot_in_by_name_with_requirements(monkeypatch):
    seen = []

    def run(graph, changes=None):
        seen.append(sum(1 for _ in graph.walk()))
        changes.add("fused {n} group{s}", 2)
        return False
    fusion = types.SimpleNamespace(NAME="fusion", REQUIRES=("dce",), run=run)
    monkeypatch.setitem(PASSES, "fusion", fusion)
    register(fusion)
    _, report = run_passes(_graph(), passes=["dce", "fusion"])
    assert seen == [12] and report.records[1].changes == ["fused 2 groups"]
    with pytest.raises(PassError, match="'fusion' requires 'dce'"):
        PassManager(["fusion", "dce"])

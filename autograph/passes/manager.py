"""Runs optimisation passes over a copy of a graph and reports what each one did.

A pass is a module (or any object) with `NAME`, `REQUIRES` (names of passes that must
have run before it; optional) and `run(graph, changes=None) -> bool`, which rewrites the
graph in place, counts its rewrites in `changes` and says whether it changed anything
(Pythran's pass manager protocol). Passes are found by name in `PASSES`; a pass that
needs the code generator (elementwise fusion, memory planning, prange) registers itself
with `register` and is named in a pipeline, and nothing here changes.

`run_passes(graph)` never mutates its argument: it works on `graph.copy()`. With
`verify=True` the verifier runs on the input and after every pass, and a failure names
the pass that broke the graph (torch.fx's pass manager does the same); an exception
escaping a pass is re-raised as a `PassError` naming it.
"""

from __future__ import annotations

import time
from typing import Iterable, Sequence

from autograph.errors import AutographError
from autograph.ir.graph import Graph
from autograph.ir.verifier import VerificationError, verify as verify_graph
from autograph.passes import (batch_products, constant_folding, cse, dce, licm,
                              memory_planning, parallel_loops, simplify)
from autograph.passes.common import count_ops
from autograph.passes.report import Changes, PassRecord, Report


class PassError(AutographError):
    """A pass failed, or broke the graph; the message names the pass."""


PASSES: dict[str, object] = {}


def register(pass_) -> None:
    """Makes `pass_` (a module or object with NAME and run) available by its NAME."""
    PASSES[_checked(pass_).NAME] = pass_


def _checked(pass_):
    if not isinstance(getattr(pass_, "NAME", None), str) or not callable(
            getattr(pass_, "run", None)):
        raise PassError(f"{pass_!r} is not a pass: it needs a str NAME and a run(graph)")
    return pass_


for _pass in (constant_folding, simplify, cse, licm, batch_products, dce, memory_planning,
              parallel_loops):
    register(_pass)

# The default order, and why:
# - constant_folding first: it turns expressions of constants into constants and inlines
#   conds with a constant predicate, which is what the rules of the others look for;
# - simplify next: its rules match constant operands (x*1, x**2), and its rewrites make
#   equal expressions look equal (x**2 and x*x) for
# - cse, which merges them before
# - licm, so that an expression duplicated inside a loop is hoisted once, not twice;
# - batch_products, which turns row-by-row products of loop-invariant arrays into one
#   product in front of the loop (after licm: the weights are then outside the loop);
# - dce last: every pass above leaves operands and whole nodes dead, and dce removes
#   them in one sweep.
# The sequence repeats while it changes something (at most DEFAULT_ROUNDS times): a
# folded cond or a simplified node can expose more to fold.
# Memory planning and parallel loops are registered but not in the default pipeline:
# the CPU code generator computes both on the graph it is given (they only annotate,
# for people to read), so name them in a pass list to see their marks.
DEFAULT_PIPELINE: tuple[str, ...] = ("constant_folding", "simplify", "cse", "licm",
                                     "batch_products", "dce")
DEFAULT_ROUNDS = 3


class PassManager:
    """An ordered list of passes, run `rounds` times at most (stopping once nothing changes)."""

    def __init__(self, passes: Iterable = DEFAULT_PIPELINE, verify: bool = False,
                 rounds: int = 1):
        self.passes = [_resolve(p) for p in passes]
        self.verify = verify
        self.rounds = rounds
        self._check_requirements()

    def _check_requirements(self) -> None:
        seen: set[str] = set()
        for p in self.passes:
            missing = [r for r in getattr(p, "REQUIRES", ()) if r not in seen]
            if missing:
                raise PassError(f"pass {p.NAME!r} requires {', '.join(map(repr, missing))} "
                                f"to run before it")
            seen.add(p.NAME)

    def run(self, graph: Graph) -> tuple[Graph, Report]:
        """Returns an optimised copy of `graph` and the report; `graph` is left alone."""
        graph = graph.copy()
        report = Report()
        if self.verify:
            self._verify(graph, "before any pass (the input graph is malformed)")
        for round_ in range(1, self.rounds + 1):
            changed = False
            for p in self.passes:
                record = self._run_one(p, graph, round_)
                report.records.append(record)
                changed |= record.changed
            if not changed:
                break
        return graph, report

    def _run_one(self, p, graph: Graph, round_: int) -> PassRecord:
        changes = Changes()
        before = count_ops(graph)
        start = time.perf_counter()
        try:
            changed = bool(p.run(graph, changes))
        except Exception as exc:
            raise PassError(f"pass {p.NAME!r} failed: {type(exc).__name__}: {exc}") from exc
        seconds = time.perf_counter() - start
        if self.verify:
            self._verify(graph, f"after pass {p.NAME!r}")
        return PassRecord(p.NAME, changed, before, count_ops(graph), changes.lines(), seconds,
                          round_)

    def _verify(self, graph: Graph, when: str) -> None:
        try:
            verify_graph(graph)
        except VerificationError as exc:
            raise VerificationError(f"{when}: {exc.message}", exc.origin) from exc


def _resolve(p):
    if isinstance(p, str):
        if p not in PASSES:
            raise PassError(f"unknown pass {p!r} (known: {', '.join(sorted(PASSES))})")
        return PASSES[p]
    return _checked(p)


def run_passes(graph: Graph, passes: str | Sequence | bool = "default",
               verify: bool = False) -> tuple[Graph, Report]:
    """Optimises a copy of `graph`; returns (the copy, a Report of what each pass did).

    `passes`: "default" (or True) runs DEFAULT_PIPELINE, repeated while it changes
    something; a list of pass names (or pass objects) runs those once, in that order;
    False (or None, or []) runs none, and the copy is returned unchanged.
    """
    if passes is False or passes is None:
        passes = ()
    if passes == "default" or passes is True:
        manager = PassManager(DEFAULT_PIPELINE, verify, DEFAULT_ROUNDS)
    elif isinstance(passes, str):
        raise PassError(f"passes must be 'default', False or a list of names, not {passes!r}")
    else:
        manager = PassManager(passes, verify, 1)
    return manager.run(graph)

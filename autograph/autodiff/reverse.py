"""Reverse-mode differentiation as a graph-to-graph transformation: `vjp_graph`.

    g = vjp_graph(f, wrt=[0, 2])       # f(x, n, w) -> (y, ...), y a 0-d float
    y, ..., dy_dx, dy_dw = run(g, x, n, w)

The new graph has f's inputs; it recomputes f (the *forward*: a copy of f's nodes) and
then runs the *backward*: f's nodes in reverse order, each replaced by its VJP rule
(`rules.VJP`), cotangents accumulated per value. Both live in the same region, so the
backward simply uses the forward's values. Control flow is where it gets interesting,
because a region's values are not visible outside it:

- `cond` (`cond.py`): the forward cond also yields what the backward needs (its
  residuals); the backward is a cond on the same predicate whose branches are the
  backward of each branch.
- `for` / `while` (`loops.py`): the backward is a `for` running over the iterations in
  reverse, each recomputing the body's forward from that iteration's carried state and
  running its backward. The state comes from a tape the forward loop fills (a `for` with
  constant bounds, `loop_strategy="store"`: memory = trip count x carried state), or is
  recomputed from the initial state (`"recompute"`, and always for `while` and dynamic
  bounds: O(1) extra memory, O(n^2) body evaluations for n iterations).

Values captured implicitly by a region (`ir.graph.free_values`) receive cotangents like
any other input. Staged prints run in the forward only, never in recomputations.

The result is an ordinary graph: it passes `ir.verifier.verify`, runs under
`ir.interpreter.run`, and goes through the same passes and backends as any other.
"""

from __future__ import annotations

from collections import ChainMap
from typing import Sequence

from autograph.autodiff import activity, cond, loops
from autograph.autodiff.emitter import Emitter, const, ct_type, differentiable, fit, zeros
from autograph.autodiff.rules import NON_DIFFERENTIABLE, VJP, Eqn
from autograph.errors import AutographError
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import CONTROL_FLOW, SIDE_EFFECT, Op
from autograph.ir.types import dtype_name

LOOP_STRATEGIES = ("store", "recompute")

# How each control-flow op is differentiated: forward(...) -> record, backward(...).
_CONTROL = {Op.COND: cond, Op.WHILE: loops, Op.FOR: loops}

Env = ChainMap  # old value -> its copy in the graph being built; one child per region copy


def vjp_graph(graph: Graph, wrt: Sequence[int], output_index: int = 0, *,
              loop_strategy: str = "store") -> Graph:
    """A graph with `graph`'s inputs whose outputs are graph's outputs followed by the
    gradient of output `output_index` (a 0-d float) with respect to each input in `wrt`.

    Each gradient has its input's shape and dtype (strong even for a Python-scalar
    input). `loop_strategy` picks how `for` loops with constant bounds get their
    per-iteration state back: "store" (a tape) or "recompute" (see the module docstring).
    Raises AutographError for integer/bool/complex inputs in `wrt`, a bad output, or an
    unknown strategy.
    """
    if loop_strategy not in LOOP_STRATEGIES:
        raise AutographError(f"vjp_graph: loop_strategy must be one of {LOOP_STRATEGIES}, "
                             f"not {loop_strategy!r}")
    inputs, outputs = graph.inputs, graph.outputs
    if not -len(outputs) <= output_index < len(outputs):
        raise AutographError(f"vjp_graph: graph {graph.name} has {len(outputs)} output(s), "
                             f"no output {output_index}")
    target = outputs[output_index]
    if target.type.shape != () or not differentiable(target.type):
        raise AutographError(f"can only differentiate a 0-d float output, but output "
                             f"{output_index} of {graph.name} is {target.type}")
    wrt = list(wrt)
    for i in wrt:
        if not -len(inputs) <= i < len(inputs):
            raise AutographError(f"vjp_graph: graph {graph.name} has {len(inputs)} "
                                 f"input(s), no input {i}")
        t = inputs[i].type
        if not differentiable(t):
            what = t.strong() if t.shape else dtype_name(t.dtype)
            raise AutographError(f"cannot differentiate with respect to "
                                 f"'{graph.input_names[i]}': it is {what}")

    em = Emitter(Region.with_params([p.type for p in inputs], [p.hint for p in inputs]))
    env = Env(dict(zip(inputs, em.params)))
    transform = Transform(activity.varied_values(graph, [inputs[i] for i in wrt]),
                          loop_strategy)
    records = transform.forward(em, graph.body, env, effects=True)
    cts = {target: const(em, 1, target.type.dtype)}
    transform.backward(em, graph.body, env, records, cts)
    grads = [cts.get(inputs[i]) or zeros(em, inputs[i].type) for i in wrt]
    em.finish([env[v] for v in outputs] + grads)
    return Graph(f"{graph.name}_vjp", em.region, list(graph.input_names))


class Transform:
    """The forward and backward sweeps over regions, shared by the control-flow handlers.

    `forward` copies a region's nodes (control-flow nodes that carry gradients through
    their handler, which may add tapes or counters) and returns a record per such node;
    `backward` walks the same region in reverse with those records. `cts` maps *original*
    values to their cotangents in the graph being built.
    """

    def __init__(self, varied: set[Value], loop_strategy: str):
        self._varied = varied
        self.loop_strategy = loop_strategy

    def varied(self, value: Value) -> bool:
        return value in self._varied

    def node_varied(self, node: Node) -> bool:
        return any(v in self._varied for v in node.outputs)

    # ---- forward -------------------------------------------------------------------

    def forward(self, em: Emitter, region: Region, env: Env, effects: bool) -> dict:
        """Copies `region`'s nodes into `em` (binding their outputs in `env`).

        `effects=False` drops side effects: recomputations must not print again.
        """
        records = {}
        for node in region.nodes:
            if node.op in CONTROL_FLOW and self.node_varied(node):
                records[node] = _CONTROL[node.op].forward(self, em, node, env, effects)
            else:
                self.copy_node(em, node, env, effects)
        return records

    def copy_node(self, em: Emitter, node: Node, env: Env, effects: bool) -> None:
        """Copies one node as it is (its regions too), unless it is a dropped side effect."""
        if node.op in SIDE_EFFECT and not effects:
            return
        regions = [self.copy_region(r, env, effects) for r in node.regions]
        new = em.emit_node(node.op, [env[v] for v in node.inputs], regions=regions,
                           origin=node.origin, **node.attrs)
        env.update(zip(node.outputs, new.outputs))

    def copy_region(self, region: Region, env: Env, effects: bool) -> Region:
        """A plain copy of `region`, with fresh parameters, for a copied node to own."""
        sub = Emitter.with_params([p.type for p in region.params], [p.hint for p in region.params])
        inner = env.new_child(dict(zip(region.params, sub.params)))
        self.copy_nodes(sub, region, inner, effects)
        return sub.finish([inner[v] for v in region.results])

    def copy_nodes(self, em: Emitter, region: Region, env: Env, effects: bool) -> None:
        for node in region.nodes:
            self.copy_node(em, node, env, effects)

    # ---- backward ------------------------------------------------------------------

    def backward(self, em: Emitter, region: Region, env: Env, records: dict,
                 cts: dict[Value, Value]) -> None:
        """Emits into `em` the backward of `region`, whose forward `records` came from.

        Reads the cotangents of `region`'s values from `cts` and adds those of the values
        it uses (its params, and values captured from outside) to it.
        """
        for node in reversed(region.nodes):
            if not any(v in cts for v in node.outputs):
                continue
            if node in records:
                saved, em.origin = em.origin, node.origin
                _CONTROL[node.op].backward(self, em, node, env, records[node], cts)
                em.origin = saved
            elif node.op not in CONTROL_FLOW and node.op not in NON_DIFFERENTIABLE:
                self._apply_rule(em, node, env, cts)

    def _apply_rule(self, em: Emitter, node: Node, env: Env, cts: dict[Value, Value]) -> None:
        wanted = tuple(self.varied(v) for v in node.inputs)
        if not any(wanted):
            return
        eqn = Eqn(node.op, node.attrs, tuple(env[v] for v in node.inputs),
                  env[node.outputs[0]], wanted)
        saved, em.origin = em.origin, node.origin
        in_cts = VJP[node.op](em, eqn, cts[node.outputs[0]])
        for value, want, ct in zip(node.inputs, wanted, in_cts):
            if want and ct is not None:
                self.accumulate(em, cts, value, fit(em, ct, value.type))
        em.origin = saved

    def accumulate(self, em: Emitter, cts: dict[Value, Value], value: Value,
                   ct: Value) -> None:
        """cts[value] += ct (ct already has value's cotangent type)."""
        if ct.type != ct_type(value.type):
            raise AutographError(f"autodiff: cotangent {ct.type} does not fit {value.type} "
                                 f"(a bug in a VJP rule)")
        old = cts.get(value)
        cts[value] = ct if old is None else em.emit(Op.ADD, [old, ct])

    def seed(self, em: Emitter, cts: dict[Value, Value], results: Sequence[Value],
             result_cts: Sequence[Value | None]) -> None:
        """Starts a region's backward: each varied result receives its cotangent."""
        for value, ct in zip(results, result_cts):
            if ct is not None and self.varied(value):
                self.accumulate(em, cts, value, ct)

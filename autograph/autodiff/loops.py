"""Differentiating `for` and `while`: a reversed loop over the iterations.

For n iterations with carried state s_0 -> s_1 -> ... -> s_n (s_{k+1} = body(s_k), the
body also reading captured values w), the backward is

    ds = ds_n; dw = 0
    for r in range(n):                 # k = n-1-r, the iterations in reverse
        s_k = state(k)                 # from the tape, or recomputed
        ds, dw_k = vjp(body at s_k)(ds)  # forward of the body, then its backward
        dw += dw_k
    ds_0 = ds

so each backward iteration holds only one iteration's intermediates (it recomputes the
body's forward from s_k, as checkpointing every iteration does). What differs is how
s_k comes back:

- "store" (a `for` whose bounds are constants, `loop_strategy="store"`): the forward
  loop writes s_k into a tape, a buffer of shape (n, ...) per carried value, preallocated
  because the IR's shapes are static. Memory grows with the trip count (n x the carried
  state); time is two body evaluations per iteration.
- "recompute" (any `while`, a `for` with dynamic bounds, or `loop_strategy="recompute"`):
  s_k is recomputed by running the body k times from s_0. O(1) extra memory but
  n(n+1)/2 body evaluations: O(n^2) time. A `while` also counts its iterations in the
  forward loop (n is data-dependent); a `for`'s trip count is `len(range(start, stop,
  step))`, computed from its bounds.

Loop-carried integers and bools are taped or recomputed like any state (the body may
depend on them) but carry no cotangent. The `while` condition needs no backward: it only
decides n, and n is constant around the point.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from autograph.autodiff.emitter import Emitter, as_type, cast, ct_type, i64, zeros
from autograph.ir.graph import Node, Value, free_values
from autograph.ir.ops import Op
from autograph.ir.types import TensorType

_I64 = TensorType((), np.int64)
_AT = (("dyn", 0),)  # index attribute: x[#0]


@dataclasses.dataclass
class LoopRecord:
    init: list[Value]                 # carried values on entry, in the new graph
    bounds: list[Value] | None        # a for's start, stop, step in the new graph
    trip: int | Value | None          # static trip count, a while's counter, or None
    tapes: list[Value] | None         # "store": per carried value, its state per iteration


def _carried(node: Node) -> list[Value]:
    return node.inputs[3:] if node.op is Op.FOR else node.inputs


def _body_params(node: Node) -> list[Value]:
    body = node.regions[-1]
    return body.params[1:] if node.op is Op.FOR else body.params


def _static_int(value: Value) -> int | None:
    producer = value.producer
    if producer is not None and producer.op is Op.CONSTANT:
        return int(np.asarray(producer.attrs["value"]))
    return None


def _static_trip(node: Node) -> int | None:
    bounds = [_static_int(v) for v in node.inputs[:3]]
    return None if None in bounds else len(range(*bounds))


def _as_i64(b, value: Value) -> Value:
    return cast(b, value, np.int64)


# ---- forward ------------------------------------------------------------------------

def forward(tr, em: Emitter, node: Node, env, effects: bool) -> LoopRecord:
    init = [env[v] for v in _carried(node)]
    if node.op is Op.WHILE:
        return _forward_while(tr, em, node, env, effects, init)
    bounds = [env[v] for v in node.inputs[:3]]
    trip = _static_trip(node)
    if trip is None or tr.loop_strategy != "store":
        tr.copy_node(em, node, env, effects)   # state will be recomputed from `init`
        return LoopRecord(init, bounds, trip, None)
    return _forward_taped_for(tr, em, node, env, effects, init, bounds, trip)


def _forward_taped_for(tr, em, node, env, effects, init, bounds, trip) -> LoopRecord:
    """for ... { body; tape_j[(i - start) // step] = s_j }: the state at each iteration."""
    body = node.regions[-1]
    types = [v.type for v in init]
    tape_types = [TensorType((trip,) + t.shape, t.dtype) for t in types]
    start, step = _as_i64(em, bounds[0]), _as_i64(em, bounds[2])
    sub = Emitter.with_params([body.params[0].type] + types + tape_types,
                              [p.hint for p in body.params] + [None] * len(types),
                              origin=node.origin)
    n = len(types)
    index, state, tapes = sub.params[0], sub.params[1:1 + n], sub.params[1 + n:]
    inner = env.new_child(dict(zip(body.params, [index] + state)))
    tr.copy_nodes(sub, body, inner, effects)
    k = sub.emit(Op.FLOORDIV, [sub.emit(Op.SUB, [index, start]), step])
    written = [sub.emit(Op.SET_INDEX, [tape, s, k], index=_AT) for tape, s in zip(tapes, state)]
    region = sub.finish([inner[v] for v in body.results] + written)
    empty = [zeros(em, t) for t in tape_types]
    new = em.emit_node(Op.FOR, bounds + init + empty, regions=[region], origin=node.origin)
    env.update(zip(node.outputs, new.outputs[:n]))
    return LoopRecord(init, bounds, trip, new.outputs[n:])


def _forward_while(tr, em, node, env, effects, init) -> LoopRecord:
    """The while loop with one more carried value: how many iterations it ran."""
    cond, body = node.regions
    types = [v.type for v in init] + [_I64]
    regions = []
    for region in (cond, body):
        sub = Emitter.with_params(types, [p.hint for p in region.params] + ["trips"],
                                  origin=node.origin)
        inner = env.new_child(dict(zip(region.params, sub.params)))
        tr.copy_nodes(sub, region, inner, effects)
        results = [inner[v] for v in region.results]
        if region is body:
            results.append(sub.emit(Op.ADD, [sub.params[-1], i64(sub, 1)]))
        regions.append(sub.finish(results))
    new = em.emit_node(Op.WHILE, init + [i64(em, 0)], regions=regions, origin=node.origin)
    env.update(zip(node.outputs, new.outputs[:-1]))
    return LoopRecord(init, None, new.outputs[-1], None)


# ---- backward -----------------------------------------------------------------------

def backward(tr, em: Emitter, node: Node, env, record: LoopRecord, cts: dict) -> None:
    body = node.regions[-1]
    params = _body_params(node)
    slots = [j for j, p in enumerate(params) if tr.varied(p)]
    if all(cts.get(node.outputs[j]) is None for j in slots):
        return
    captured = [v for v in free_values(body) if tr.varied(v)]
    start = step = None
    if node.op is Op.FOR:
        start, step = _as_i64(em, record.bounds[0]), _as_i64(em, record.bounds[2])
    trip = _trip_count(em, node, record)
    last = em.emit(Op.SUB, [trip, i64(em, 1)])

    types = [_I64] + [ct_type(params[j].type) for j in slots] + [ct_type(v.type) for v in captured]
    sub = Emitter.with_params(types, ["r"] + [None] * (len(types) - 1), origin=node.origin)
    r, ct_state = sub.params[0], sub.params[1:1 + len(slots)]
    ct_captured = sub.params[1 + len(slots):]
    k = sub.emit(Op.SUB, [last, r])
    inner = env.new_child(dict(zip(params, _state_at(tr, sub, node, env, record, k, start, step))))
    if node.op is Op.FOR:
        index = sub.emit(Op.ADD, [start, sub.emit(Op.MUL, [k, step])])
        inner[body.params[0]] = as_type(sub, index, body.params[0].type)
    records = tr.forward(sub, body, inner, effects=False)
    body_cts: dict[Value, Value] = {}
    tr.seed(sub, body_cts, [body.results[j] for j in slots], ct_state)
    tr.backward(sub, body, inner, records, body_cts)
    new_state = [body_cts.get(params[j]) or zeros(sub, params[j].type) for j in slots]
    new_captured = [acc if v not in body_cts else sub.emit(Op.ADD, [acc, body_cts[v]])
                    for v, acc in zip(captured, ct_captured)]
    region = sub.finish(new_state + new_captured)

    first = [cts.get(node.outputs[j]) or zeros(em, params[j].type) for j in slots]
    first += [zeros(em, v.type) for v in captured]
    outs = em.emit_node(Op.FOR, [i64(em, 0), trip, i64(em, 1)] + first,
                        regions=[region]).outputs
    carried = _carried(node)
    for j, ct in zip(slots, outs):
        if tr.varied(carried[j]):
            tr.accumulate(em, cts, carried[j], ct)
    for value, ct in zip(captured, outs[len(slots):]):
        tr.accumulate(em, cts, value, ct)


def _trip_count(em: Emitter, node: Node, record: LoopRecord) -> Value:
    """The number of iterations the forward loop ran, as an i64 value."""
    if isinstance(record.trip, int):
        return i64(em, record.trip)
    if record.trip is not None:
        return record.trip
    # len(range(start, stop, step)) = max(0, (stop - start + step - sign(step)) // step)
    start, stop, step = (_as_i64(em, v) for v in record.bounds)
    span = em.emit(Op.SUB, [em.emit(Op.ADD, [em.emit(Op.SUB, [stop, start]), step]),
                            em.emit(Op.SIGN, [step])])
    return em.emit(Op.MAXIMUM, [em.emit(Op.FLOORDIV, [span, step]), i64(em, 0)])


def _state_at(tr, sub: Emitter, node: Node, env, record: LoopRecord, k: Value, start, step):
    """The carried state on entry to iteration k, in the types the body's params have."""
    params = _body_params(node)
    if record.tapes is not None:
        return [as_type(sub, sub.emit(Op.INDEX, [tape, k], index=_AT), p.type)
                for tape, p in zip(record.tapes, params)]
    body = node.regions[-1]
    if node.op is Op.FOR:  # the same loop, stopped after k iterations
        stop = sub.emit(Op.ADD, [start, sub.emit(Op.MUL, [k, step])])
        region = tr.copy_region(body, env, effects=False)
        return list(sub.emit_node(Op.FOR, [start, stop, step] + record.init,
                                  regions=[region]).outputs)
    # while: its body k times, as a for over range(k) that ignores its index
    rerun = Emitter.with_params([_I64] + [p.type for p in params],
                                ["k"] + [p.hint for p in params], origin=node.origin)
    inner = env.new_child(dict(zip(params, rerun.params[1:])))
    tr.copy_nodes(rerun, body, inner, effects=False)
    region = rerun.finish([inner[v] for v in body.results])
    return list(sub.emit_node(Op.FOR, [i64(sub, 0), k, i64(sub, 1)] + record.init,
                              regions=[region]).outputs)

"""Constant folding: evaluate at compile time what does not depend on the inputs.

A node whose inputs are all CONSTANT (and a FULL / ARANGE / EYE, which has no inputs)
becomes a CONSTANT holding what `reference.NUMPY_IMPL` computes, so the folded value is
by construction what the interpreter would have produced, dtype and NEP 50 weakness
included. Folding stops at `MAX_ELEMENTS` elements per result so graphs stay small, and is
skipped when NumPy raises or warns (`1 // 0`, an overflowing cast): the user then gets
the same error or warning at run time as without the optimiser. A result that is one
value repeated over more than `MAX_SPLAT_ELEMENTS` elements stays (or becomes) a FULL: a
program makes it in one line, where a CONSTANT would carry every element in its text (the
zeros that stand for a not-yet-returned value were 8 KB of base64 per 1000 floats).

Control flow with a constant decision goes too: a COND whose predicate is a constant is
replaced by the taken branch's nodes, and a FOR over an empty constant range or a WHILE
whose condition is constantly false is replaced by its initial values. Inner regions
are folded before the node that owns them, so a predicate folded inside a loop body is
already constant when the cond is looked at.

Two folds look at what a COND's branches yield:

- an output that both branches yield as the same constant (or the same outer value) is
  that constant (value), whichever branch runs: `do_return` after an `if` whose branches
  both `return`;
- a COND whose predicate is decided by an earlier COND of the same region — the
  predicate is computed, through pure nodes with otherwise constant operands, from an
  output the earlier COND yields as a different constant in each branch — is *threaded*
  into it: each of its branches moves into the branch of the earlier COND that decides
  it, and its outputs become outputs of the earlier COND. That is what a `return` inside
  an `if` lowers to (`if c: retval, do_return = x * 2, True` then `if not do_return:
  retval = -x`), and threading leaves one COND, as if the user had written `if/else`.
  Where only one branch decides it (an `elif` that returns: the other branch's flag
  comes from an inner COND), the whole COND moves into the other branch and is threaded
  on into the inner one. It is done only when the moved branches use nothing computed
  between the two CONDs, no side effect would change its order, and no region would
  have to be duplicated.

The operands and the node they fed are left in place when dead; `dce` removes them.

Example (the 0-d constants print inline, so folding shows as the operand changing):

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((3,), np.float32), "x")
>>> c = b.emit(Op.MUL, [b.emit(Op.CONSTANT, [], value=2.0), b.emit(Op.CONSTANT, [], value=3.0)])
>>> g = b.finish([b.emit(Op.MUL, [x, c])])
>>> print(g, end="")
graph f(x:f32[3]) {
  a:f64~[] = mul 2.0:f64~[] 3.0:f64~[]
  b:f32[3] = mul x a
  return (b,)
}
>>> run(g)
True
>>> print(g, end="")
graph f(x:f32[3]) {
  a:f32[3] = mul x 6.0:f64~[]
  return (a,)
}

Threading (with `dce` afterwards, which drops the dead `do_return` and placeholder):

>>> from autograph.passes import dce
>>> b = Builder("f")
>>> x = b.add_input(TensorType((3,), np.float32), "x")
>>> p = b.emit(Op.GT, [b.emit(Op.SUM, [x], axes=(0,), keepdims=False),
...                    b.emit(Op.CONSTANT, [], value=0)])
>>> _ = b.open_region([])
>>> then = b.close_region([b.emit(Op.CONSTANT, [], value=True), b.emit(Op.EXP, [x])])
>>> _ = b.open_region([])
>>> zeros = b.emit(Op.FULL, [], shape=(3,), value=0, dtype=np.dtype(np.float32))
>>> other = b.close_region([b.emit(Op.CONSTANT, [], value=False), zeros])
>>> done, retval = b.emit(Op.COND, [p], regions=[then, other])
>>> _ = b.open_region([])
>>> then = b.close_region([b.emit(Op.NEG, [x])])
>>> _ = b.open_region([])
>>> other = b.close_region([retval])
>>> out = b.emit(Op.COND, [b.emit(Op.LOGICAL_NOT, [done])], regions=[then, other])
>>> g = b.finish([out])
>>> run(g) and dce.run(g)
True
>>> print(g, end="")
graph f(x:f32[3]) {
  a:f32[] = sum x [axes=(0,) keepdims=False]
  b:b1[] = gt a 0:i64~[]
  c:f32[3] = cond b {
    then ^():
      d:f32[3] = exp x
      yield d
    else ^():
      e:f32[3] = neg x
      yield e
  }
  return (c,)
}
"""

from __future__ import annotations

import warnings

import numpy as np

from autograph.ir import rules
from autograph.ir.graph import Graph, Node, Region, Value, free_values, uses
from autograph.ir.ops import Op
from autograph.ir.reference import NUMPY_IMPL
from autograph.ir.types import TensorType, python_type_of
from autograph.passes.common import constant_array, has_side_effects, is_pure, operand
from autograph.passes.report import Changes

NAME = "constant_folding"
REQUIRES: tuple[str, ...] = ()

# The largest result (in elements) folded into a constant; bigger ones stay computed.
MAX_ELEMENTS = 1024
# A repeated value over more elements than this is a FULL, not a CONSTANT (the code
# generator writes constants up to this size as readable literals, bigger ones as data).
MAX_SPLAT_ELEMENTS = 64
# How many pure nodes may stand between a COND output and the predicate it decides.
_MAX_DECISION_CHAIN = 8


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Folds constants throughout `graph` in place; True if anything changed."""
    changes = Changes() if changes is None else changes
    folder = _Folder(changes, _used_values(graph))
    folder.region(graph.body)
    return folder.changed


def _used_values(graph: Graph) -> set[Value]:
    """Values some node or region result uses (a fold of an unused output changes nothing)."""
    used = set(uses(graph))
    used.update(graph.body.results)
    for node in graph.walk():
        for region in node.regions:
            used.update(region.results)
    return used


class _Folder:
    """One forward walk; `subst` maps the outputs of removed control flow to their values.

    A walk in definition order sees every use of a value after its definition, so the
    substitution is applied to each node's inputs as the node is reached, and to each
    region's results when the region ends.
    """

    def __init__(self, changes: Changes, used: set[Value]):
        self.changes = changes
        self.changed = False
        self.subst: dict[Value, Value] = {}
        self.used = used

    def note(self, kind: str) -> None:
        self.changes.add(kind)
        self.changed = True

    def region(self, region: Region) -> None:
        kept: list[Node] = []
        for node in region.nodes:
            node.inputs = [self.subst.get(v, v) for v in node.inputs]
            if node.op is Op.COND and constant_array(node.inputs[0]) is not None:
                taken = node.regions[0 if bool(constant_array(node.inputs[0])) else 1]
                self.region(taken)
                kept.extend(taken.nodes)  # its nodes now run unconditionally, in place
                self.replace(node, taken.results)
                self.note("inlined {n} cond{s} with a constant predicate")
                continue
            for sub in node.regions:
                self.region(sub)
            if _never_runs(node):
                self.replace(node, node.inputs[3:] if node.op is Op.FOR else node.inputs)
                self.note("removed {n} loop{s} that never run")
                continue
            if node.op is Op.COND:
                if self.thread(node, kept):
                    self.note("threaded {n} cond{s} into an earlier cond deciding it")
                    continue
                self.fold_equal_outputs(node, kept)
            elif _fold(node):
                self.note("folded {n} constant{s}")
            kept.append(node)
        region.nodes = kept
        region.results = [self.subst.get(v, v) for v in region.results]

    def replace(self, node: Node, values) -> None:
        for old, new in zip(node.outputs, values):
            self.subst[old] = new

    # -- what both branches of a COND yield -----------------------------------------------

    def fold_equal_outputs(self, node: Node, kept: list[Node]) -> None:
        """COND outputs both branches yield alike become that value (a new CONSTANT, made
        before the COND, for equal constants)."""
        then, other = node.regions
        for out, a, b in zip(node.outputs, then.results, other.results):
            if out not in self.used or out in self.subst:
                continue
            if a is b:  # an outer value (a COND's branches have no params to yield)
                self.subst[out] = a
            else:
                constant = _equal_constants(a, b, out.type)
                if constant is None:
                    continue
                copy = Node(Op.CONSTANT, [], constant.attrs, [out.type], origin=node.origin)
                kept.append(copy)
                self.subst[out] = copy.outputs[0]
            self.note("folded {n} cond output{s} equal in both branches")

    def thread(self, node: Node, kept: list[Node]) -> bool:
        """Moves COND `node` into an earlier COND of `kept` that decides its predicate in
        at least one branch (module docstring); True if it did.

        A branch that decides it gets the taken region's nodes; a branch that does not
        (an `elif`: there the predicate comes from an inner COND) gets the whole COND,
        with its predicate computed again inside, and is threaded on, into the inner
        COND. A region both would need is shared only if it has no nodes (it is then
        copied as its results), so no code is duplicated.
        """
        found = _decided_by(node.inputs[0])
        if found is None:
            return False
        earlier, chain, decisions = found
        if None not in decisions and decisions[0] == decisions[1]:
            return False  # the predicate is a constant: fold_equal_outputs' case
        if None in decisions and node.regions[decisions[1 - decisions.index(None)] is False
                                              ].nodes:
            return False  # the decided branch's region is needed whole by the other one
        here = set(kept)
        if earlier not in here or any(n not in here for n, _ in chain):
            return False  # computed in an enclosing region
        between = kept[kept.index(earlier) + 1:]
        later = {v for n in between for v in n.outputs}
        if any(v in later for r in node.regions for v in free_values(r)):
            return False
        if has_side_effects(node) and any(has_side_effects(n) for n in between):
            return False
        # Decided branches first: a region shared with the sunk COND is renamed by `sink`.
        for b in sorted((0, 1), key=lambda b: decisions[b] is None):
            branch, decision = earlier.regions[b], decisions[b]
            yielded = dict(zip(earlier.outputs, branch.results))
            if decision is None:
                branch.results.extend(self.sink(node, chain, branch, yielded))
                continue
            taken = node.regions[0 if decision else 1]
            if None in decisions:  # shared with the sunk COND: no nodes, copy its results
                branch.results.extend(yielded.get(v, v) for v in taken.results)
                continue
            _rename(taken, yielded)
            branch.nodes.extend(taken.nodes)
            branch.results.extend(taken.results)
        for out in node.outputs:
            new = Value(out.type, earlier, len(earlier.outputs), out.hint)
            earlier.outputs.append(new)
            self.subst[out] = new
            if out in self.used:
                self.used.add(new)
        return True

    def sink(self, node: Node, chain, branch: Region, yielded: dict) -> list[Value]:
        """Appends COND `node` to `branch` (its predicate recomputed there from what the
        branch yields), threading it further if it can; returns its outputs there."""
        value = yielded[chain[-1][0].inputs[chain[-1][1]]] if chain else \
            yielded[node.inputs[0]]
        for link, position in reversed(chain):
            inputs = list(link.inputs)
            inputs[position] = value
            copy = Node(link.op, inputs, link.attrs, [v.type for v in link.outputs],
                        origin=link.origin)
            branch.nodes.append(copy)
            value = copy.outputs[0]
        for region in node.regions:
            _rename(region, yielded)
        sunk = Node(Op.COND, [value], node.attrs, [v.type for v in node.outputs],
                    node.regions, node.origin)
        if self.thread(sunk, branch.nodes):
            return [self.subst[v] for v in sunk.outputs]
        branch.nodes.append(sunk)
        return list(sunk.outputs)


def _equal_constants(a: Value, b: Value, ttype: TensorType) -> Node | None:
    """The CONSTANT node yielding `a` if `b` is an equal CONSTANT of type `ttype`."""
    pa, pb = a.producer, b.producer
    if pa is None or pb is None or pa.op is not Op.CONSTANT or pb.op is not Op.CONSTANT:
        return None
    if a.type != ttype or b.type != ttype or pa.attrs_key() != pb.attrs_key():
        return None
    return pa


def _decided_by(pred: Value) -> tuple[Node, list, list] | None:
    """(COND, chain, decisions) if `pred` is computed from one output of a COND through
    a chain of pure nodes whose other operands are constants, and at least one branch
    yields that output as a constant; `decisions` holds `pred`'s value per branch (None:
    not a constant there), `chain` the (node, operand position) links, outermost first."""
    chain: list[tuple[Node, int]] = []
    value = pred
    while True:
        producer = value.producer
        if producer is None or len(chain) > _MAX_DECISION_CHAIN:
            return None
        if producer.op is Op.COND:
            break
        if not is_pure(producer) or len(producer.outputs) != 1:
            return None
        open_ = [i for i, v in enumerate(producer.inputs) if constant_array(v) is None]
        if len(open_) != 1:
            return None
        chain.append((producer, open_[0]))
        value = producer.inputs[open_[0]]
    decisions = []
    for branch in producer.regions:
        array = constant_array(branch.results[value.index])
        decided = None if array is None else _through(chain, value, array)
        decisions.append(None if decided is None else bool(decided))
    if decisions == [None, None]:
        return None
    return producer, chain, decisions


def _through(chain, value: Value, array: np.ndarray):
    """The value of the chain's last node when `value` holds `array` (None if NumPy objects)."""
    current = operand(value, array)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):
                for node, position in reversed(chain):
                    args = [current if i == position else operand(v, constant_array(v))
                            for i, v in enumerate(node.inputs)]
                    result = NUMPY_IMPL[node.op](*args, **node.attrs)
                    current = operand(node.outputs[0], np.asarray(result))
    except Exception:  # noqa: BLE001 - the predicate is then left to run time
        return None
    return current if np.size(current) == 1 else None


def _rename(region: Region, mapping: dict[Value, Value]) -> None:
    """Replaces uses of `mapping`'s keys inside `region`, nested regions included."""
    for node in region.nodes:
        node.inputs = [mapping.get(v, v) for v in node.inputs]
        for sub in node.regions:
            _rename(sub, mapping)
    region.results = [mapping.get(v, v) for v in region.results]


def _never_runs(node: Node) -> bool:
    """A FOR over an empty constant range, or a WHILE whose condition is constantly false."""
    if node.op is Op.FOR:
        bounds = [constant_array(v) for v in node.inputs[:3]]
        return all(b is not None for b in bounds) and bounds[2] != 0 and \
            len(range(*(int(b) for b in bounds))) == 0
    if node.op is Op.WHILE:
        test = constant_array(node.regions[0].results[0])
        return test is not None and not bool(test)
    return False


def _known_array(value: Value) -> np.ndarray | None:
    """The value of a CONSTANT, or of a FULL small enough to fold, else None."""
    array = constant_array(value)
    if array is not None:
        return array
    producer = value.producer
    if producer is not None and producer.op is Op.FULL and value.type.size <= MAX_ELEMENTS:
        return np.asarray(NUMPY_IMPL[Op.FULL](**producer.attrs))
    return None


def _fold(node: Node) -> bool:
    """Turns `node` into a CONSTANT (or a FULL) in place if its value is known; True if
    it did.

    In place, so the output value keeps its identity (and its users need no rewrite).
    """
    if node.op is Op.CONSTANT or not is_pure(node) or len(node.outputs) != 1:
        return False
    ttype = node.outputs[0].type
    if ttype.size > MAX_ELEMENTS or (node.op is Op.FULL and ttype.size > MAX_SPLAT_ELEMENTS):
        return False
    arrays = [_known_array(v) for v in node.inputs]
    if any(a is None for a in arrays):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):
                result = NUMPY_IMPL[node.op](*map(operand, node.inputs, arrays), **node.attrs)
    except Exception:  # noqa: BLE001 - whatever NumPy objects to is left for run time
        return False
    splat = _splat(result, ttype)
    if splat is not None:
        node.op, node.inputs, node.attrs = Op.FULL, [], splat
        return True
    value = _constant_value(result, ttype)
    if value is None:
        return False
    node.op, node.inputs, node.attrs = Op.CONSTANT, [], {"value": value}
    return True


def _splat(result, ttype: TensorType) -> dict | None:
    """FULL attributes for `result` if it is one value repeated over more than
    MAX_SPLAT_ELEMENTS elements (bit for bit, so -0.0 and NaN payloads are kept)."""
    if ttype.weak or ttype.size <= MAX_SPLAT_ELEMENTS:
        return None
    array = np.ascontiguousarray(result)
    if array.shape != ttype.shape or array.dtype != ttype.dtype:
        return None
    flat = array.reshape(-1)
    if flat.dtype.kind not in "biufc":
        return None
    raw = flat.view(np.uint8).reshape(flat.size, flat.dtype.itemsize)
    if not (raw == raw[0]).all():
        return None
    attrs = {"shape": ttype.shape, "value": flat[0].item(), "dtype": ttype.dtype}
    if rules.infer(Op.FULL, [], attrs) != [ttype]:
        return None
    if np.asarray(NUMPY_IMPL[Op.FULL](**attrs)).tobytes() != array.tobytes():
        return None  # the Python scalar does not give the same bits back
    return attrs


def _constant_value(result, ttype: TensorType):
    """The CONSTANT `value` attribute whose type is exactly `ttype`, or None if none is.

    Weak types need a Python scalar (only those are weak); strong ones an array.
    """
    array = np.asarray(result)
    if array.shape != ttype.shape or array.dtype != ttype.dtype:
        return None
    value = python_type_of(ttype)(array.item()) if ttype.weak else np.array(array)
    if rules.infer(Op.CONSTANT, [], {"value": value}) != [ttype]:
        return None  # e.g. a weak f32 (a weak cast): no Python scalar has that type
    return value

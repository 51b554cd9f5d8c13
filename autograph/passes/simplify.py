"""Algebraic simplification: a short table of rewrite rules, each with its algebra.

A rule is `(op, algebra, rewrite)`; `rewrite(node, *inputs)` returns an existing value
that equals the node's output, a new `(op, inputs, attrs)` to compute it more cheaply, or
None. Rules on commutative ops are also tried with the operands swapped, so `x*1 -> x`
covers `1*x` too. A rewrite applies only when the result's type is *exactly* the type of
the value it replaces, shape, dtype and weakness: `x_i32 * 1.0` is f64 (not x), and
`x_f32 * np.float64(1)` is f64 too, while `x_f32 * 1` (a Python 1) is x. That check is
what keeps NumPy's promotion rules intact, so the rules themselves stay one line each.

A node replaced by an existing value is dropped (nothing uses it any more); a node
rewritten into a cheaper op is changed in place, so its output keeps its identity.

Example:

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((2, 3), np.float32), "x")
>>> t = b.emit(Op.TRANSPOSE, [b.emit(Op.TRANSPOSE, [x], perm=(1, 0))], perm=(1, 0))
>>> y = b.emit(Op.MUL, [b.emit(Op.CONSTANT, [], value=1), t])
>>> g = b.finish([b.emit(Op.POW, [y, b.emit(Op.CONSTANT, [], value=2)])])
>>> print(g, end="")
graph f(x:f32[2,3]) {
  a:f32[3,2] = transpose x [perm=(1, 0)]
  b:f32[2,3] = transpose a [perm=(1, 0)]
  c:f32[2,3] = mul 1:i64~[] b
  d:f32[2,3] = pow c 2:i64~[]
  return (d,)
}
>>> run(g)
True
>>> print(g, end="")
graph f(x:f32[2,3]) {
  a:f32[3,2] = transpose x [perm=(1, 0)]
  b:f32[2,3] = mul x x
  return (b,)
}
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograph.ir import rules
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import COMMUTATIVE, Op
from autograph.passes.common import constant_array, is_constant_equal as _is
from autograph.passes.report import Changes

NAME = "simplify"
REQUIRES: tuple[str, ...] = ()


def _input_of(value: Value, op: Op) -> Node | None:
    """The node producing `value` if it is an `op` node, else None."""
    producer = value.producer
    return producer if producer is not None and producer.op is op else None


def _double_negation(node, x):
    inner = _input_of(x, Op.NEG)
    return inner.inputs[0] if inner is not None else None


def _transpose_of_transpose(node, x):
    inner = _input_of(x, Op.TRANSPOSE)
    if inner is None:
        return None
    first, second = inner.attrs["perm"], node.attrs["perm"]
    return Op.TRANSPOSE, [inner.inputs[0]], {"perm": tuple(first[j] for j in second)}


def _reshape_of_reshape(node, x):
    inner = _input_of(x, Op.RESHAPE)
    return (Op.RESHAPE, [inner.inputs[0]], dict(node.attrs)) if inner is not None else None


def _identity_perm(node, x):
    return x if tuple(node.attrs["perm"]) == tuple(range(x.type.ndim)) else None


def _zeros(k: Value, negative: bool) -> bool:
    """`k` is a constant of zeros whose sign bits (real and imaginary parts) are all
    `negative`; an integer or bool zero counts as +0."""
    array = constant_array(k)
    if array is None or array.size == 0 or array.dtype.kind not in "biufc":
        return False
    if not np.all(array == 0):
        return False
    if array.dtype.kind in "biu":
        return not negative
    parts = (array.real, array.imag) if array.dtype.kind == "c" else (array,)
    return all(bool(np.all(np.signbit(p) == negative)) for p in parts)


def _kind(x: Value) -> str:
    return x.type.dtype.kind


def _plus_zero(n, x, k):
    """x + 0 -> x only where it is exact: integers, or floats plus -0.0 (x + +0.0 turns
    -0.0 into +0.0; a complex x + 0 does that to the imaginary part)."""
    if _kind(x) in "iu":
        return x if _zeros(k, False) else None
    return x if _kind(x) == "f" and _zeros(k, True) else None


def _minus_zero(n, x, k):
    """x - 0 -> x for +0 (and integer 0): -0.0 - 0.0 is -0.0; x - (-0.0) is x + 0.0."""
    return x if _kind(x) in "iufc" and _zeros(k, False) else None


def _not_complex(rule):
    """A rule that is exact for real numbers only: (a + inf j) * (1 + 0j) is nan + inf j,
    and -0.0 imaginary parts turn into +0.0."""
    return lambda n, x, k: None if _kind(x) == "c" else rule(n, x, k)


# (op, algebra, rewrite): the table is the documentation and the report's wording.
# Every rule is exact for IEEE floats (signed zeros, NaN, infinities) and for wrapping
# integers, which is what the rules' tests check against NumPy: x*0 -> 0 is not
# (nan*0, inf*0, -1*0), nor x+0 -> x (-0.0+0 is +0.0), nor x-x -> 0 (inf-inf).
RULES: list[tuple[Op, str, Callable]] = [
    (Op.MUL, "x*1 -> x", _not_complex(lambda n, x, k: x if _is(k, 1) else None)),
    (Op.ADD, "x+0 -> x", _plus_zero),
    (Op.SUB, "x-0 -> x", _minus_zero),
    (Op.TRUEDIV, "x/1 -> x", _not_complex(lambda n, x, k: x if _is(k, 1) else None)),
    (Op.NEG, "--x -> x", _double_negation),
    (Op.POS, "+x -> x", lambda n, x: x),
    (Op.POW, "x**1 -> x", _not_complex(lambda n, x, k: x if _is(k, 1) else None)),
    # not for complex x: NumPy's complex power differs from the product in the last bit
    (Op.POW, "x**2 -> x*x",
     lambda n, x, k: (Op.MUL, [x, x], {}) if _is(k, 2) and x.type.dtype.kind != "c" else None),
    (Op.TRANSPOSE, "transpose(x, identity) -> x", _identity_perm),
    (Op.TRANSPOSE, "transpose(transpose(x, p), q) -> transpose(x, p[q])",
     _transpose_of_transpose),
    (Op.RESHAPE, "reshape(x, x.shape) -> x", lambda n, x: x),
    (Op.RESHAPE, "reshape(reshape(x, s), t) -> reshape(x, t)", _reshape_of_reshape),
    (Op.CAST, "cast(x, x.dtype) -> x", lambda n, x: x),
    (Op.BROADCAST_TO, "broadcast_to(x, x.shape) -> x", lambda n, x: x),
]

_RULES_BY_OP: dict[Op, list[tuple[str, Callable]]] = {}
for _op, _algebra, _rewrite in RULES:
    _RULES_BY_OP.setdefault(_op, []).append((_algebra, _rewrite))


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Applies the rules throughout `graph` in place; True if any applied."""
    changes = Changes() if changes is None else changes
    simplifier = _Simplifier(changes)
    simplifier.region(graph.body)
    return simplifier.changed


class _Simplifier:
    """One forward walk; a node replaced by a value records it in `subst` for later uses.

    Forward order means a rule sees its operands already simplified (`----x` goes in
    one walk), and every use of a replaced value comes after it.
    """

    def __init__(self, changes: Changes):
        self.changes = changes
        self.changed = False
        self.subst: dict[Value, Value] = {}

    def region(self, region: Region) -> None:
        kept: list[Node] = []
        for node in region.nodes:
            node.inputs = [self.subst.get(v, v) for v in node.inputs]
            for sub in node.regions:
                self.region(sub)
            replacement = self.simplify(node)
            if replacement is None:
                kept.append(node)
            else:
                self.subst[node.outputs[0]] = replacement
        region.nodes = kept
        region.results = [self.subst.get(v, v) for v in region.results]

    def simplify(self, node: Node) -> Value | None:
        """Rewrites `node` until no rule applies; returns the value replacing it, if any."""
        while True:
            for algebra, result in self.matches(node):
                if isinstance(result, Value):
                    if result.type == node.outputs[0].type:
                        self.note(algebra)
                        return result
                    continue
                op, inputs, attrs = result
                types = rules.infer(op, [v.type for v in inputs], attrs)
                if types == [v.type for v in node.outputs]:
                    node.op, node.inputs, node.attrs = op, list(inputs), attrs
                    self.note(algebra)
                    break  # the rewritten node may match again
            else:
                return None

    def matches(self, node: Node):
        """(algebra, result) for every rule whose rewrite applies to `node`."""
        orders = [node.inputs]
        if node.op in COMMUTATIVE and len(node.inputs) == 2:
            orders.append(node.inputs[::-1])
        for algebra, rewrite in _RULES_BY_OP.get(node.op, ()):
            for inputs in orders:
                result = rewrite(node, *inputs)
                if result is not None:
                    yield algebra, result

    def note(self, algebra: str) -> None:
        self.changes.add(f"applied {algebra} {{n}} time{{s}}")
        self.changed = True

"""Loop product batching: a product of each row of a loop-invariant array, taken row by
row in a loop, becomes one product of the whole array in front of the loop.

The RNN step `h = tanh(x[t] @ Wx + h @ Wh + b)` multiplies row t of `x` by `Wx` in
iteration t. Neither `x` nor `Wx` changes in the loop, so the T products are the rows of
the single product `x @ Wx` (for a 3-D `x`, of `x.reshape(T * B, I) @ Wx`): one large
matrix product runs at BLAS's full speed where T small ones pay its per-call cost and
pack `Wx` T times (on the W4 RNN, batch 1, the products of the input were ~40% of each
step). LICM cannot do it: `x[t] @ Wx` depends on t. After the rewrite the loop reads
row t of the precomputed product instead.

The pattern, in the body of a FOR loop running `for t in range(0, N, 1)` with constant
bounds (directly in the body: a product inside a COND may never be computed):

    a = index X t           X defined outside the loop, t the loop index (or its cast),
                            the index [t] alone or followed by full slices
    p = matmul a W          W defined outside the loop, of rank 1 or 2

with N the length of X's first axis, so that every row is used exactly once and the
batched product does no work the loop would not have done. It is not speculative in the
sense LICM avoids: a product cannot fault, and with a constant trip count the loop runs.
The batched product sums in BLAS's order for the bigger shape, which may differ from the
row-by-row one in the last bits (as any change of BLAS kernel may).

Example:

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((5, 3), np.float32), "x")
>>> w = b.add_input(TensorType((3, 4), np.float32), "w")
>>> h = b.add_input(TensorType((4,), np.float32), "h")
>>> t, acc = b.open_region([TensorType((), np.int64), h.type], ["t", "acc"])
>>> row = b.emit(Op.INDEX, [x, t], index=(("dyn", 0),))
>>> body = b.close_region([b.emit(Op.ADD, [acc, b.emit(Op.MATMUL, [row, w])])])
>>> zero, five, one = (b.emit(Op.CONSTANT, [], value=v) for v in (0, 5, 1))
>>> g = b.finish([b.emit(Op.FOR, [zero, five, one, h], regions=[body])])
>>> run(g)
True
>>> print(g, end="")
graph f(x:f32[5,3], w:f32[3,4], h:f32[4]) {
  a:f32[5,4] = matmul x w
  b:f32[4] = for 0:i64~[] 5:i64~[] 1:i64~[] h {
    body ^(t:i64[], acc:f32[4]):
      c:f32[3] = index x t [index=[#0]]
      d:f32[4] = index a t [index=[#0]]
      e:f32[4] = add acc d
      yield e
  }
  return (b,)
}

(`dce` then removes the row of `x` nobody reads any more.)
"""

from __future__ import annotations

import math

from autograph.ir import rules
from autograph.ir.graph import Graph, Node, Region, Value, defined_values, replace_all_uses
from autograph.ir.ops import Op
from autograph.passes.common import constant_array, regions_postorder
from autograph.passes.report import Changes

NAME = "batch_products"
REQUIRES: tuple[str, ...] = ()

_FULL_SLICE = ("slice", None, None, None)


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Batches the row products of every FOR loop of `graph` in place; True if any."""
    changes = Changes() if changes is None else changes
    changed = False
    for region in list(regions_postorder(graph.body)):
        nodes: list[Node] = []
        for node in region.nodes:
            if node.op is Op.FOR:
                batched = _batch(node)
                if batched:
                    nodes.extend(batched)
                    changes.add("batched {n} row product{s} of a loop into one",
                                sum(n.op is Op.MATMUL for n in batched))
                    changed = True
            nodes.append(node)
        region.nodes = nodes
    return changed


def _batch(loop: Node) -> list[Node]:
    """Rewrites `loop`'s row products; returns the nodes to put in front of it."""
    trips = _trip_count(loop)
    if trips is None:
        return []
    (body,) = loop.regions
    inside = defined_values(body) | set(body.params)
    indices = {body.params[0]} | {n.outputs[0] for n in body.nodes if n.op is Op.CAST
                                  and n.inputs[0] is body.params[0]
                                  and n.outputs[0].type.dtype.kind in "iu"}
    in_front: list[Node] = []
    for position, node in enumerate(list(body.nodes)):
        row = _row_product(node, body, inside, indices, trips)
        if row is None:
            continue
        array, index_node = row
        batched = _batched_product(array, node.inputs[1], node)
        if batched is None:
            continue
        product, created = batched
        pick = Node(Op.INDEX, [product, index_node.inputs[1]], index_node.attrs,
                    [node.outputs[0].type], origin=node.origin)
        if rules.infer(Op.INDEX, [product.type, index_node.inputs[1].type],
                       index_node.attrs) != [node.outputs[0].type]:
            continue
        in_front.extend(created)
        body.nodes[body.nodes.index(node)] = pick
        replace_all_uses(node.outputs[0], pick.outputs[0], body)
    return in_front


def _trip_count(loop: Node) -> int | None:
    """N for a FOR over range(0, N, 1) with constant bounds, else None."""
    bounds = [constant_array(v) for v in loop.inputs[:3]]
    if any(b is None or b.shape != () for b in bounds):
        return None
    start, stop, step = (int(b) for b in bounds)
    return stop if start == 0 and step == 1 and stop > 0 else None


def _row_product(node: Node, body: Region, inside: set[Value], indices: set[Value],
                 trips: int):
    """(X, the INDEX node) when `node` is `matmul(index X t, W)` of the batchable kind."""
    if node.op is not Op.MATMUL or node.inputs[1] in inside:
        return None
    weight = node.inputs[1]
    if weight.type.ndim not in (1, 2):
        return None
    index_node = node.inputs[0].producer
    if index_node is None or index_node.op is not Op.INDEX or index_node not in body.nodes:
        return None
    if len(index_node.inputs) != 2 or index_node.inputs[1] not in indices:
        return None
    entries = tuple(index_node.attrs.get("index", ()))
    if not entries or entries[0] != ("dyn", 0) or any(e != _FULL_SLICE for e in entries[1:]):
        return None
    array = index_node.inputs[0]
    if array in inside or array.type.ndim < 2 or array.type.shape[0] != trips:
        return None
    return array, index_node


def _batched_product(array: Value, weight: Value, like: Node):
    """(the product of every row of `array` by `weight`, shaped `array.shape[:-1] +
    weight's columns`; the nodes computing it), or None if the types do not work out."""
    created: list[Node] = []

    def emit(op: Op, inputs, **attrs) -> Value:
        types = rules.infer(op, [v.type for v in inputs], attrs)
        node = Node(op, inputs, attrs, types, origin=like.origin)
        created.append(node)
        return node.outputs[0]

    shape = array.type.shape
    columns = weight.type.shape[1:]
    if array.type.ndim == 2:
        product = emit(Op.MATMUL, [array, weight])
    else:  # one 2-D product for all leading axes: BLAS sees one big matrix
        rows = emit(Op.RESHAPE, [array], shape=(math.prod(shape[:-1]), shape[-1]))
        product = emit(Op.RESHAPE, [emit(Op.MATMUL, [rows, weight])],
                       shape=tuple(shape[:-1]) + tuple(columns))
    if product.type.dtype != like.outputs[0].type.dtype:
        return None
    return product, created

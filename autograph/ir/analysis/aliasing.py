"""Which graph outputs may share a buffer with something the caller can see.

The IR is functional: `x.copy()`, `x + 0`, `x * 1.0`, `+x`, `np.concatenate([x])` and
`x.astype(x.dtype)` are *the same value* as `x`, and the passes are right to treat them so
(`simplify` folds `x*1 -> x`, tracing does not emit a node for a copy). Buffers are a
question of the graph's boundary only: NumPy returns a fresh array for each of those, so
the caller may write into it without touching `x`. The rule kept at that boundary
(`runtime/api.Specialization`) is:

- a result the user's code made fresh (the trace says which: a tensor that is not an
  argument's handle nor a view of an array, `Trace.fresh_outputs`) is handed to the
  caller as a fresh array: if the program's output may share its buffer with a graph
  input, a constant the program keeps between calls, or an earlier fresh result, it is
  copied (one `ndarray.copy()` per call, only for those outputs);
- an argument returned as itself (`return x`) or a view of one (`return x[1:]`) is
  handed on as the program returns it (the caller's own object, or a view of it);
- one tensor returned twice (`y = x + 1; return y, y`) is one graph output used by two
  result leaves: the same object twice, as in NumPy.

`output_roots` says, per output, which buffers it may be: a conservative answer (a
superset) computed from how each value is produced, for every backend alike. A result
of an op that allocates (`ops.ALLOCATING`) is its own buffer; views and anything not
known to allocate may be any of their operands' buffers; a COND output any buffer its
branches yield; a loop output its initial value's buffers, what its body yields, and
(through the body's parameters) any carried initial value. Memory planning never writes
into a graph input or a constant (it writes only into buffers the program owns,
`memory.MemoryPlan.owned`), so these roots are the only way an output can reach them.
"""

from __future__ import annotations

from autograph.ir.graph import Graph, Region, Value
from autograph.ir.ops import ALLOCATING, Op

_LOOPS = (Op.FOR, Op.WHILE)


def output_roots(graph: Graph) -> list[frozenset]:
    """Per graph output, the values whose buffer it may be (graph inputs, CONSTANT
    outputs, or results of allocating nodes)."""
    roots: dict[Value, frozenset] = {v: frozenset({v}) for v in graph.inputs}
    _region(graph.body, roots)
    return [_of(v, roots) for v in graph.body.results]


def outputs_into_inputs(graph: Graph) -> frozenset:
    """The indices of outputs (not 0-d) whose buffer may be a graph input's: a backend may
    return such an output as the input's own object (Numba returns an argument's parent
    object for a view of the same shape), where NumPy's result is a new view."""
    inputs = set(graph.inputs)
    return frozenset(k for k, roots in enumerate(output_roots(graph))
                     if roots & inputs and graph.body.results[k].type.shape != ())


def outputs_to_copy(graph: Graph, fresh: frozenset | set,
                    fresh_views: frozenset | set = frozenset()) -> frozenset:
    """The output indices among `fresh` whose buffer the caller could otherwise see
    elsewhere: a graph input, a CONSTANT, or an earlier fresh output; and among
    `fresh_views` (views of arrays the function made: they may share memory with other
    results, as NumPy's do, but never with an input or constant) those that would."""
    if not fresh and not fresh_views:
        return frozenset()
    roots = output_roots(graph)
    visible = set(graph.inputs)
    for node in graph.walk():
        if node.op is Op.CONSTANT:
            visible.update(node.outputs)
    copies, claimed = set(), set()
    for k in sorted(fresh):
        if graph.body.results[k].type.shape == ():
            continue  # a scalar result is converted to a new Python/NumPy scalar
        if roots[k] & visible or roots[k] & claimed:
            copies.add(k)
        else:
            claimed |= roots[k]
    copies.update(k for k in fresh_views
                  if graph.body.results[k].type.shape != () and roots[k] & visible)
    return frozenset(copies)


def _of(value: Value, roots: dict) -> frozenset:
    found = roots.get(value)
    return frozenset({value}) if found is None else found  # not seen: a fresh value


def _region(region: Region, roots: dict) -> None:
    for node in region.nodes:
        if node.op is Op.COND:
            for branch in node.regions:
                _region(branch, roots)
            for k, out in enumerate(node.outputs):
                roots[out] = frozenset().union(*(_of(b.results[k], roots)
                                                 for b in node.regions))
        elif node.op in _LOOPS:
            offset = 3 if node.op is Op.FOR else 0
            inits = node.inputs[offset:]
            carried = frozenset(node.outputs).union(*(_of(v, roots) for v in inits))
            for sub in node.regions:
                for param in sub.params:
                    roots[param] = carried
                _region(sub, roots)
            body = node.regions[-1]
            for k, out in enumerate(node.outputs):
                yielded = _of(body.results[k], roots) if k < len(body.results) else carried
                roots[out] = _of(inits[k], roots) | yielded | {out}
        elif node.op is Op.CONSTANT:
            for out in node.outputs:
                roots[out] = frozenset({out})
        elif node.op in ALLOCATING or (node.op is Op.INDEX and any(
                entry[0] == "array" for entry in node.attrs.get("index", ()))):
            for out in node.outputs:
                roots[out] = frozenset({out})
        else:  # a view, or an op not known to allocate: any operand's buffer
            for sub in node.regions:
                _region(sub, roots)
            operands = frozenset().union(*(_of(v, roots) for v in node.inputs
                                           if v.type.shape != ()))
            for out in node.outputs:
                roots[out] = operands | {out}

"""Shape ops on the CPU: reshape, transpose, broadcast_to, concatenate.

What they share is that most of them move no data: a reshape or transpose that keeps
the layout is the same name (`alias`, no statement), a 2-d transpose of a C-contiguous
array is the `.T` view BLAS takes as it is, and `broadcast_to` is NumPy's read-only
view. Views of read-only values (constants, broadcasts) stay read-only
(`ProgramWriter.readonly`), so a program never returns one without a copy.
"""

from __future__ import annotations

from autograph.codegen.cpu.analysis import is_scalar_constant
from autograph.codegen.cpu.text import dtype_ref, node_comment, shape_text, strip, subscript
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.ir.graph import Node, Value


def alias(p: ProgramWriter, out: Value, source: Value) -> None:
    """`out` is `source` (no-op reshapes and transposes): one name, no statement."""
    if is_scalar_constant(source):
        p.em.line(f"{p.name(out)} = {strip(p.ref(source))}")
        return
    p.namer.alias(out, p.ref(source))
    if source in p.readonly:
        p.readonly.add(out)


def emit_reshape(p: ProgramWriter, node: Node) -> None:
    (x,), out = node.inputs, node.outputs[0]
    xt, ot = x.type, out.type
    name = p.name(out)
    if xt.shape == ot.shape:
        alias(p, out, x)
    elif not xt.shape:
        p.em.line(f"{name} = np.full({shape_text(ot.shape)}, {strip(p.ref(x))}, "
                  f"{dtype_ref(ot.dtype)})", node_comment(node))
    elif not ot.shape:
        p.em.line(f"{name} = {subscript(p.ref(x), ['0'] * xt.ndim)}", node_comment(node))
    else:
        p.em.line(f"{name} = np.ascontiguousarray({p.ref(x)}).reshape({shape_text(ot.shape)})",
                  node_comment(node))
        p.contiguous.add(out)
        if x in p.readonly:
            p.readonly.add(out)


def emit_transpose(p: ProgramWriter, node: Node) -> None:
    (x,), out = node.inputs, node.outputs[0]
    perm = tuple(node.attrs["perm"])
    if perm == tuple(range(len(perm))):
        alias(p, out, x)
        return
    if perm == (1, 0) and x in p.contiguous:
        p.em.line(f"{p.name(out)} = {p.ref(x)}.T", node_comment(node))
        p.fortran.add(out)
    else:
        p.em.line(f"{p.name(out)} = {p.ref(x)}.transpose({shape_text(perm)})", node_comment(node))
    if x in p.readonly:
        p.readonly.add(out)


def emit_broadcast_to(p: ProgramWriter, node: Node) -> None:
    (x,), out = node.inputs, node.outputs[0]
    xt, ot = x.type, out.type
    if xt.shape == ot.shape:
        alias(p, out, x)
        return
    name = p.name(out)
    if not xt.shape:
        p.em.line(f"{name} = np.full({shape_text(ot.shape)}, {strip(p.ref(x))}, "
                  f"{dtype_ref(ot.dtype)})", node_comment(node))
        return
    p.em.line(f"{name} = np.broadcast_to({p.ref(x)}, {shape_text(ot.shape)})", node_comment(node))
    p.readonly.add(out)


def emit_concatenate(p: ProgramWriter, node: Node) -> None:
    out = node.outputs[0]
    t = out.type.dtype
    parts = [p.ref(v) if v.type.dtype == t else f"{p.ref(v)}.astype({dtype_ref(t)})"
             for v in node.inputs]
    axis = int(node.attrs["axis"]) % out.type.ndim
    if len(parts) == 1:
        text = f"{parts[0]}.copy()" if node.inputs[0].type.dtype == t else parts[0]
    else:
        text = f"np.concatenate(({', '.join(parts)}), axis={axis})"
    p.em.line(f"{p.name(out)} = {text}", node_comment(node))

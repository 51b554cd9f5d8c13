"""Shape ops on CUDA: reshape, transpose, broadcast_to, concatenate.

Every array in the driver is a fresh C-contiguous buffer (kernels take sizes as
literals and index with them), so a shape op is a copy kernel, never a view: a gather
`out[i...] = x[x_index(i...)]` over the output's shape (`emit_gather`), where only the
index map differs: reshape unflattens the flat position in x's shape, transpose
permutes the indices, broadcast_to drops and zeroes them (`kernel_text
.broadcast_indices`). `cuda_indexing` reuses the gather for `x[index]`.

concatenate is one grid-stride kernel per operand, each writing its slab of the result
at its offset along the axis, converted to the result dtype.
"""

from __future__ import annotations

from collections.abc import Callable

from autograph.codegen.cuda import kernel_text as kt, scalars as ck
from autograph.codegen.cuda.writer import CudaWriter, KernelParams
from autograph.ir.graph import Node


# x_index(names, params) -> (lines, x's index): the lines computing x's index of the
# output element at `names`, and that index (one text per dimension of x).
IndexMap = Callable[[list[str], KernelParams], tuple[list[str], list[str]]]


def emit_gather(gen: CudaWriter, node: Node, x_index: IndexMap, label: str) -> None:
    """out[i...] = x[x_index(i...)] over out's shape: reshape, transpose, broadcast, index."""
    x = node.inputs[0]
    out = node.outputs[0]
    shape = out.type.shape
    names = kt.index_names(len(shape))
    params = KernelParams(gen)
    lines, idx = x_index(names, params)
    value = params.read(x, idx)
    gen.allocate(out, f"{node.op} {x.type} -> {out.type}")
    target = params.output(out)
    body = lines + [f"{kt.index_text(target, names if shape else [])} = "
                    f"{ck.store(value, out.type.dtype)}"]
    gen.map_launch(params, shape, body, label)


def emit_reshape(gen: CudaWriter, node: Node) -> None:
    x = node.inputs[0]

    def x_index(names, params):
        js = [f"j{k}" for k in range(x.type.ndim)]
        return kt.unflatten("t", x.type.shape, js), js
    emit_gather(gen, node, x_index, "reshape")


def emit_transpose(gen: CudaWriter, node: Node) -> None:
    perm = tuple(node.attrs["perm"])

    def x_index(names, params):
        idx = [""] * len(perm)
        for k, p in enumerate(perm):
            idx[p] = names[k]
        return [], idx
    emit_gather(gen, node, x_index, "transpose")


def emit_broadcast_to(gen: CudaWriter, node: Node) -> None:
    x = node.inputs[0]
    emit_gather(gen, node, lambda names, params: ([], kt.broadcast_indices(x.type.shape, names)),
                 "broadcast_to")


def emit_concatenate(gen: CudaWriter, node: Node) -> None:
    out = node.outputs[0]
    axis = node.attrs["axis"] % out.type.ndim
    gen.allocate(out, f"concatenate {out.type}")
    offset = 0
    for x in node.inputs:
        shape = x.type.shape
        names = kt.index_names(len(shape))
        params = KernelParams(gen)
        source = params.read_as(x, names, out.type.dtype)
        target = params.output(out)
        idx = list(names)
        if offset:
            idx[axis] = f"{names[axis]} + {offset}"
        body = [f"{kt.index_text(target, idx)} = {ck.store(source, out.type.dtype)}"]
        gen.map_launch(params, shape, body, "concatenate")
        offset += shape[axis]

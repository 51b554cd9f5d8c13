"""Indexing on CUDA: `x[index]` (INDEX) and functional `x[index] = value` (SET_INDEX).

An index is normalised once (`ir.indexing.normalize_index`: ints, slices, None,
ellipsis, and dynamic entries, 0-d or integer arrays, that are node inputs) and
`kernel_text.index_map` turns it into the lines mapping an output index to x's index;
the dynamic entries are read inside the kernel (`dynamic_readers`), so a traced index
costs no device->host read.

INDEX is a gather over the result's shape (`cuda_shapes.emit_gather`). SET_INDEX is
functional in the IR: a copy of x into a new buffer (`emit_copy`), then a scatter
kernel over the indexed region writing `value`, broadcast and converted to x's dtype.
"""

from __future__ import annotations

from autograph.codegen.cuda import kernel_text as kt, scalars as ck
from autograph.codegen.cuda.shapes import emit_gather
from autograph.codegen.cuda.writer import CudaWriter, KernelParams
from autograph.ir.graph import Node, Value
from autograph.ir.indexing import index_shape, normalize_index


def dynamic_readers(gen: CudaWriter, node: Node, params: KernelParams, first: int):
    dynamic = node.inputs[first:]

    def read_dyn(n: int) -> str:
        return params.read(dynamic[n], [])

    def read_array(n: int, idx: list[str]) -> str:
        return params.read(dynamic[n], idx)
    shapes = {n: v.type.shape for n, v in enumerate(dynamic)}
    return read_dyn, read_array, shapes


def emit_index(gen: CudaWriter, node: Node) -> None:
    x = node.inputs[0]
    entries = normalize_index(x.type.shape, node.attrs["index"])

    def x_index(names, params):
        read_dyn, read_array, shapes = dynamic_readers(gen, node, params, 1)
        return kt.index_map(x.type.shape, entries, shapes, names, read_dyn, read_array)
    emit_gather(gen, node, x_index, "index")


def emit_copy(gen: CudaWriter, x: Value, name_value: Value) -> None:
    """name_value := a fresh device copy of x (same shape and dtype)."""
    shape = x.type.shape
    names = kt.index_names(len(shape))
    params = KernelParams(gen)
    value = params.read(x, names)
    gen.allocate(name_value, f"copy of {x.type}")
    target = params.output(name_value)
    body = [f"{kt.index_text(target, names if shape else [])} = "
            f"{ck.store(value, x.type.dtype)}"]
    gen.map_launch(params, shape, body, "copy")


def emit_set_index(gen: CudaWriter, node: Node) -> None:
    """Functional `x[index] = value`: a copy of x, then a scatter over the indexed region."""
    x, value = node.inputs[:2]
    out = node.outputs[0]
    emit_copy(gen, x, out)
    dynamic_types = [v.type for v in node.inputs[2:]]
    region = index_shape(x.type, node.attrs["index"], dynamic_types)
    entries = normalize_index(x.type.shape, node.attrs["index"])
    names = kt.index_names(len(region))
    params = KernelParams(gen)
    read_dyn, read_array, shapes = dynamic_readers(gen, node, params, 2)
    lines, x_idx = kt.index_map(x.type.shape, entries, shapes, names, read_dyn, read_array)
    vshape = value.type.shape
    dropped = 0
    while len(vshape) - dropped > len(region) and vshape[dropped] == 1:
        dropped += 1
    v_idx = ["0"] * dropped + kt.broadcast_indices(vshape[dropped:], names)
    source = params.read_as(value, v_idx, x.type.dtype)
    target = params.output(out)
    body = lines + [f"{kt.index_text(target, x_idx if x.type.ndim else [])} = "
                    f"{ck.store(source, x.type.dtype)}"]
    gen.map_launch(params, region, body, "set_index")

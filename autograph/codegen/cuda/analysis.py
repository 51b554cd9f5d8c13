"""Questions the CUDA writer asks of a node before it writes a kernel for it.

`cuda_fusion` decides which nodes share a kernel (elementwise groups, products with an
elementwise epilogue); it is handed `fusable_product` to know which products may take
an epilogue at all. Two things decide that, and the product emitter
(`cuda_contractions`) must agree with them, so they live here, apart from both:

- whether the target fuses epilogues, and whether the product is a real contraction
  (`dot` by a 0-d value is a broadcast multiply, not a product kernel);
- whether the driver may hand the product to cuBLAS instead (`blas_candidate`): a
  product that may leave our kernels cannot carry an epilogue.

`item_nodes` says which nodes one of `cuda_fusion.kernel_items`' items stands for.
"""

from __future__ import annotations

from autograph.codegen.cuda import fusion as cuda_fusion, runtime as rt, scalars as ck
from autograph.codegen.cuda.runtime import Target
from autograph.ir.graph import Node
from autograph.ir.ops import Op


def blas_candidate(node: Node) -> bool:
    """Whether `node` is a product the driver may hand to cuBLAS (`rt.gemm`): a 2-D float
    matmul of one dtype, large enough to pay for the hand-over (when CuPy is there)."""
    if node.op is not Op.MATMUL:
        return False
    a, b = node.inputs
    dtype = node.outputs[0].type.dtype
    if not (a.type.ndim == 2 and b.type.ndim == 2 and dtype in (ck.F32, ck.F64)
            and a.type.dtype == dtype and b.type.dtype == dtype):
        return False
    (m, k), n = a.type.shape, b.type.shape[1]
    return 2 * m * n * k >= rt.GEMM_MIN_FLOPS


def fusable_product(target: Target, node: Node) -> bool:
    """Whether an elementwise consumer may be fused into `node`'s kernel: matmul and
    dot (not dot by a 0-d value, a plain multiply), unless cuBLAS may take it."""
    if not target.epilogues or node.op not in (Op.MATMUL, Op.DOT):
        return False
    a, b = node.inputs
    if node.op is Op.DOT and (a.type.ndim == 0 or b.type.ndim == 0):
        return False
    return not blas_candidate(node)


def item_nodes(item) -> list[Node]:
    """The nodes of a `cuda_fusion.kernel_items` item, the one whose position it takes last."""
    if isinstance(item, list):
        return item
    if isinstance(item, cuda_fusion.Epilogue):
        return [item.product] + item.nodes
    return [item]

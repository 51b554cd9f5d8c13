"""The CUDA backend's module layout: `codegen/cuda/backend.py` is the entry point and the op
table, the modules beside it in `codegen/cuda/` do the work, and their imports point one way.

The generated text itself is checked by the golden and text tests
(tests/test_codegen_cuda_generate.py, test_codegen_cuda_gemm.py, test_codegen_cuda_ptx.py)
and by running it (tests/cuda); these tests guard what a split into modules could quietly
break: public names other code imports from `numba_cuda`, the absence of import cycles
(an emitter module importing the entry point, or one imported before what it needs), the
layering of DESIGN.md (codegen never imports staging, the API or pyct) and writing
program text without importing Numba (`import autograph` must work without a GPU).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograph.codegen.cuda import backend as numba_cuda, runtime as cuda_runtime
from autograph.ir import Builder, Op, TensorType
from layout_support import assert_imports_point_one_way, imported_modules

CODEGEN = Path(numba_cuda.__file__).parent

# The backend's modules in import order: each may import only those before it.
ORDER = ["scalars", "kernel_text", "reduction_kernels", "contraction_kernels", "launch",
         "gemm", "runtime", "fusion", "text", "analysis", "writer", "elementwise", "creation",
         "reductions", "contractions", "shapes", "indexing", "control_flow", "printing",
         "sequential", "dynamic", "program", "backend"]
# Codegen modules outside the package the backend's modules may use.
SHARED = {"autograph.codegen.cache", "autograph.codegen.emitter"}
FORBIDDEN = ("autograph.staging", "autograph.runtime.api", "autograph.pyct", "autograph.operators",
             "autograph.converters", "numba")

PUBLIC = ["EMITTERS", "ArgSpec", "CudaProgram", "GeneratedProgram", "Target", "compile_graph",
          "generate", "generate_program", "plan_fusion"]


def test_every_backend_module_is_listed():
    on_disk = {p.stem for p in CODEGEN.glob("*.py")} - {"__init__"}
    assert on_disk == set(ORDER)


@pytest.mark.parametrize("name", ORDER)
def test_backend_module_imports_point_one_way(name):
    assert_imports_point_one_way(CODEGEN, name, ORDER, SHARED, FORBIDDEN)


def test_the_entry_point_imports_no_layer_above_codegen():
    for module in imported_modules(CODEGEN / "backend.py"):
        assert not module.startswith(FORBIDDEN), f"numba_cuda imports {module}"


def test_numba_cuda_keeps_its_public_names():
    assert sorted(numba_cuda.__all__) == sorted(PUBLIC)
    missing = [n for n in PUBLIC if not hasattr(numba_cuda, n)]
    assert missing == []
    # names other code reaches for outside __all__ (benchmarks/gpu_profile.py, a test)
    assert numba_cuda.rt is cuda_runtime
    assert numba_cuda.Target is cuda_runtime.Target
    assert callable(numba_cuda._Generator)


def test_every_emitter_lives_in_a_backend_module():
    """numba_cuda only assembles the table (CONTRIBUTING.md, "Adding an op")."""
    homes = set()
    for op, row in numba_cuda.EMITTERS.items():
        module = row.__module__.rsplit(".", 1)[1]
        assert module in ORDER, f"{op}'s emitter is in {row.__module__}"
        homes.add(module)
    assert {"elementwise", "reductions", "contractions", "creation", "shapes", "indexing",
            "control_flow", "printing", "sequential", "dynamic"} == homes


def test_writing_program_text_does_not_import_numba():
    """`generate` needs neither Numba nor a GPU; `numba.cuda` is imported only to run."""
    script = """
import sys
import numpy as np
from autograph.codegen.cuda import backend as numba_cuda
from autograph.ir import Builder, Op, TensorType
b = Builder("g")
x = b.add_input(TensorType((3,), np.dtype(np.float32)), "x")
w = b.add_input(TensorType((3, 2), np.dtype(np.float32)), "w")
y = b.emit(Op.TANH, [b.emit(Op.MATMUL, [x, w])])
text = numba_cuda.generate(b.finish([y, b.emit(Op.SUM, [y], axes=(0,))]))
assert "def g(x, w):" in text, text
print("numba" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, cwd=Path(__file__).parents[1], timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def _graph():
    b = Builder("g")
    x = b.add_input(TensorType((4, 3), np.float32), "x")
    w = b.add_input(TensorType((3, 5), np.float32), "w")
    chain = b.emit(Op.EXP, [b.emit(Op.NEG, [x])])                    # a fused group
    product = b.emit(Op.TANH, [b.emit(Op.MATMUL, [x, w])])           # a product + epilogue
    return b.finish([chain, product, b.emit(Op.SUM, [x], axes=(1,))])


def test_the_writer_uses_the_table_and_hooks_it_is_given():
    """The writer reaches emitters only through what it is handed: no hidden table."""
    from autograph.codegen.cuda.contractions import emit_contraction
    from autograph.codegen.cuda.elementwise import emit_elementwise
    from autograph.codegen.cuda.writer import CudaWriter

    calls = []

    def reduction(gen, node):
        calls.append(("row", node.op))
        numba_cuda.EMITTERS[node.op](gen, node)

    def group(gen, nodes, outputs):
        calls.append(("group", tuple(n.op for n in nodes)))
        emit_elementwise(gen, nodes, outputs)

    def fused(gen, product, epilogue):
        calls.append(("product", product.op, tuple(n.op for n in epilogue)))
        emit_contraction(gen, product, epilogue)

    graph = _graph()
    target = cuda_runtime.DEVICE_TARGET
    table = {**numba_cuda.EMITTERS, Op.SUM: reduction}
    text = CudaWriter(graph, target, True, table, emit_group=group,
                      emit_fused_product=fused).program().text
    assert calls == [("group", (Op.NEG, Op.EXP)), ("product", Op.MATMUL, (Op.TANH,)),
                     ("row", Op.SUM)]
    assert text == numba_cuda.generate(graph, target)

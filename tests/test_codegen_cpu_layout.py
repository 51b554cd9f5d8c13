"""The CPU backend's module layout: `codegen/cpu/backend.py` is the entry point and the op
table, the modules beside it in `codegen/cpu/` do the work, and their imports point one way.

The generated text itself is checked by the golden and differential tests
(tests/test_codegen_numba_cpu.py, tests/test_codegen_cpu_performance.py); these tests
guard what a split into modules could quietly break: public names other code imports
from `numba_cpu`, the absence of import cycles (an emitter module importing the entry
point, or one imported before what it needs), the layering of DESIGN.md (codegen never
imports staging, the API or pyct) and writing program text without importing Numba.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograph.codegen.cpu import backend as numba_cpu
from layout_support import assert_imports_point_one_way, imported_modules

CODEGEN = Path(numba_cpu.__file__).parent

# The backend's modules in import order: each may import only those before it.
ORDER = ["options", "runtime", "vecmath", "threads", "lapack", "text", "analysis", "writer",
         "elementwise", "creation", "reductions", "linalg", "decompositions", "fourier", "shapes", "indexing",
         "control_flow", "printing", "interop",
         "sequential", "dynamic", "program", "backend"]
# Codegen modules outside the package the backend's modules may use.
SHARED = {"autograph.codegen.cache", "autograph.codegen.emitter"}
# What a generated program calls at run time: these import Numba, and are imported only
# by programs that use them (see test_writing_program_text_does_not_import_numba).
RUN_TIME = {"runtime", "vecmath", "threads", "lapack"}
FORBIDDEN = ("autograph.staging", "autograph.runtime.api", "autograph.pyct", "autograph.operators",
             "autograph.converters", "numba")

PUBLIC = ["EMITTERS", "HELPERS", "Builder", "CodegenError", "CompiledProgram", "CpuOptions",
          "Elementwise", "atom", "compile_graph", "convert", "dtype_ref", "emit_elementwise",
          "generate", "literal", "loop_dtypes", "numba_type", "shape_text", "strip", "wrap"]


def test_every_backend_module_is_listed():
    on_disk = {p.stem for p in CODEGEN.glob("*.py")} - {"__init__"}
    assert on_disk == set(ORDER)


@pytest.mark.parametrize("name", ORDER)
def test_backend_module_imports_point_one_way(name):
    forbidden = tuple(f for f in FORBIDDEN if not (name in RUN_TIME and f == "numba"))
    assert_imports_point_one_way(CODEGEN, name, ORDER, SHARED, forbidden)


def test_numba_cpu_keeps_its_public_names():
    missing = [n for n in PUBLIC if not hasattr(numba_cpu, n)]
    assert missing == []
    assert sorted(numba_cpu.__all__) == sorted(PUBLIC)
    from autograph import codegen

    assert codegen.EMITTERS is numba_cpu.EMITTERS
    assert codegen.compile_graph is numba_cpu.compile_graph


def test_every_emitter_lives_in_a_backend_module():
    """numba_cpu only assembles the table (CONTRIBUTING.md, "Adding an op")."""
    homes = set()
    for op, row in numba_cpu.EMITTERS.items():
        module = getattr(row, "__module__", None) or type(row).__module__
        assert module.rsplit(".", 1)[1] in ORDER, f"{op}'s emitter is in {module}"
        homes.add(module.rsplit(".", 1)[1])
    assert {"elementwise", "reductions", "control_flow"} <= homes


def test_writing_program_text_does_not_import_numba():
    """`generate` needs no Numba (export writes program.py with it); vecmath and
    cpu_runtime, which import Numba, are imported only when a program uses them."""
    script = """
import sys
import numpy as np
from autograph.codegen.cpu import backend as numba_cpu
from autograph.ir import Builder, Op, TensorType
b = Builder("g")
x = b.add_input(TensorType((3,), np.dtype(np.int64)), "x")
y = b.emit(Op.ADD, [x, x])
text = numba_cpu.generate(b.finish([b.emit(Op.SUM, [y], axes=(0,))]))
assert "def g(x):" in text, text
print("numba" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).parents[1], timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def test_the_writer_uses_the_table_it_is_given():
    """The writer reaches emitters only through its table: no hidden second table."""
    from autograph.codegen.cpu.writer import ProgramWriter
    from autograph.ir import Builder, Op, TensorType

    b = Builder("g")
    x = b.add_input(TensorType((3,), np.dtype(np.float64)), "x")
    graph = b.finish([b.emit(Op.NEG, [x])])
    calls = []

    def neg(p, node):
        calls.append(node.op)
        p.em.line(f"{p.name(node.outputs[0])} = -{p.ref(node.inputs[0])}")

    text = ProgramWriter(graph, {**numba_cpu.EMITTERS, Op.NEG: neg}).text()
    assert calls == [Op.NEG]
    assert text != numba_cpu.generate(graph)

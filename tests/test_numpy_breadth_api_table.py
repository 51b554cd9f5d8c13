"""docs/numpy_api.md is generated from the staging registries (staging/api_table.py), and an
unsupported NumPy function names the nearest supported spelling. Also: the VJPs of the
CUMSUM/CUMPROD primitives. Run as a module to regenerate the docs file:

    .venv/bin/python -m tests.test_numpy_breadth_api_table
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from autograph.staging import api_table

DOC = Path(__file__).resolve().parent.parent / "docs" / "numpy_api.md"


def _missing() -> dict[str, set]:
    from autograph.codegen.cuda.backend import EMITTERS

    return {"cuda": {op for op, emit in EMITTERS.items() if emit.__name__ == "emit_not_on_cuda"}}


def expected() -> str:
    return api_table.markdown(_missing())


def test_docs_numpy_api_is_generated_from_the_registries():
    assert DOC.read_text() == expected(), \
        "regenerate docs/numpy_api.md: .venv/bin/python -m tests.test_numpy_breadth_api_table"


def test_the_table_lists_every_registry():
    names = api_table.names()
    for name in ("np.sum", "np.exp", "np.exp2", "np.add.reduce", "np.zeros", "np.random.rand",
                 "np.array", "np.linalg.norm", "np.cumsum", "ndarray.cumsum", "ndarray.T",
                 "np.matmul", "np.roll"):
        assert name in names, name
    assert not any(n in names for n in ("np.random.seed", "np.random.choice"))
    text = expected()
    assert "| `np.cumsum` | function | yes | no |" in text
    assert "| `np.random.rand` | function | yes | no |" in text
    assert "| `np.roll` | function | yes | yes |" in text
    assert "| `math.sqrt` | yes | yes |" in text


@pytest.mark.parametrize("call, hint", [
    (lambda x: np.cumsom(x) if hasattr(np, "cumsom") else np.ediff1d(x), "np.diff"),
    (lambda x: np.flipr(x) if hasattr(np, "flipr") else np.unwrap(x), "docs/numpy_api.md"),
    (lambda x: np.argwheres(x) if hasattr(np, "argwheres") else np.ediff1d(x, 1), "np.diff"),
])
def test_unsupported_functions_suggest_a_spelling(call, hint):
    with pytest.raises(AutographError, match="is not supported") as info:
        autograph.convert(call)(np.ones((2, 2)))
    assert hint in str(info.value)


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_cumsum_and_cumprod_gradients(backend):
    def f(x):
        return np.sum(np.cumsum(x, axis=1) * np.arange(3.0)) + np.sum(np.cumprod(x, 0) ** 2)

    x = np.array([[0.5, -1.5, 2.0], [1.25, 0.75, -0.5]])
    got = autograph.grad(f, backend=backend)(x)
    eps, want = 1e-6, np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        want[i] = (f(x + d) - f(x - d)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


if __name__ == "__main__":
    DOC.write_text(expected())
    print(f"wrote {DOC} ({len(api_table.names())} NumPy names)")

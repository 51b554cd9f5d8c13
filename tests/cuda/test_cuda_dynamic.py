"""Values of run-time length (issue 15) on CUDA: COMPRESS is stream compaction by chunk
prefix sums (codegen/cuda/dynamic.py), run here under the simulator against NumPy at
sizes 0, 1 and 1000; np.unique needs a device sort, which the backend does not have, and
is refused naming the op and the user's line."""

from __future__ import annotations

import numpy as np
import pytest

import autograph


def selections(x, a):
    m = x > 0.5
    rows = a[:, 0] > 0.3
    return (x[m], a[rows], np.flatnonzero(m), x[m].sum(), np.argwhere(a > 0.9),
            a[rows].sum(axis=0), (a > 0.5)[rows], x[m] - x[m] * 2.0)


@pytest.mark.parametrize("n", [0, 1, 1000])
def test_selections_match_numpy(n):
    rng = np.random.default_rng(n)
    x, a = rng.random(n), rng.random((n, 3))
    got, want = autograph.convert(selections, backend="cuda")(x, a), selections(x, a)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = np.asarray(g)
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w)


def uniques(x):
    return np.unique(x)


def test_unique_is_refused_on_cuda_naming_the_op_and_line():
    x = np.array([1.0, -2.0, 3.0, 1.0])
    with pytest.raises(autograph.AutographError, match="sort is not on cuda") as info:
        autograph.convert(uniques, backend="cuda")(x)
    assert "test_cuda_dynamic.py" in str(info.value)

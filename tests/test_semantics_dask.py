"""`autograph.dask.map_blocks` agrees with `dask.array.map_blocks` (issue 16, item 10).

By default the converted function is called on exactly the blocks Dask's own `map_blocks`
gives it (no padding), so functions that are not elementwise along the chunked axis —
reversals, running sums, normalisation, reductions — give Dask's result, uneven edge
blocks included. Padding (`pad=True`) is asked for, and right only for row-wise functions.
Runs on Dask's synchronous scheduler: no cluster, no processes.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph

da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
import dask  # noqa: E402

import autograph.integrations.dask as agd  # noqa: E402

X = np.arange(1.0, 31.0).reshape(10, 3) ** 1.5
CHUNKS = (4, 3)  # blocks of 4, 4 and 2 rows: the edge block is smaller


def _reverse(b):
    return b[::-1] * 2.0


def _running(b):
    return np.cumsum(b, axis=0)


def _normalise(b):
    return b / b.sum(axis=0)


def _centre(b):
    return b - b.mean(axis=0, keepdims=True)


def _rowwise(b):
    return np.tanh(b) + b * b


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.mark.parametrize("fn", [_reverse, _running, _normalise, _centre, _rowwise],
                         ids=lambda f: f.__name__.strip("_"))
def test_default_is_dask_map_blocks_for_functions_along_the_chunked_axis(fn):
    x = da.from_array(X, chunks=CHUNKS)
    expected = da.map_blocks(fn, x, dtype=np.float64).compute()
    ours = agd.map_blocks(autograph.convert(fn, backend="python"), x, dtype=np.float64)
    got = ours.compute()
    assert ours.chunks == x.chunks
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_reduction_with_chunks_matches_dask():
    x = da.from_array(X, chunks=CHUNKS)

    def column_sums(b):
        return np.sum(b, axis=0, keepdims=True)

    expected = da.map_blocks(column_sums, x, dtype=np.float64, chunks=((1, 1, 1), (3,)))
    ours = agd.map_blocks(autograph.convert(column_sums, backend="python"), x,
                          dtype=np.float64, chunks=((1, 1, 1), (3,)))
    assert ours.chunks == expected.chunks
    np.testing.assert_allclose(ours.compute(), expected.compute(), rtol=1e-12)


def test_compiled_function_on_uneven_blocks_matches_dask():
    x = da.from_array(X.astype(np.float32), chunks=CHUNKS)
    converted = autograph.convert(_reverse)  # cpu: one program per block shape (4 and 2 rows)
    got = agd.map_blocks(converted, x, dtype=np.float32).compute()
    expected = da.map_blocks(_reverse, x, dtype=np.float32).compute()
    np.testing.assert_array_equal(got, expected)


def test_padding_only_when_asked_and_then_one_block_shape():
    x = da.from_array(X, chunks=CHUNKS)
    shapes = []

    def spy(b):
        shapes.append(b.shape)
        return _rowwise(b)

    agd.map_blocks(spy, x, dtype=np.float64).compute()
    assert sorted(set(shapes)) == [(2, 3), (4, 3)]  # as Dask: the edge block as it is
    shapes.clear()
    padded = agd.map_blocks(spy, x, dtype=np.float64, pad=True).compute()
    assert set(shapes) == {(4, 3)}
    np.testing.assert_allclose(padded, _rowwise(X), rtol=1e-12)


def test_padding_a_reversal_is_wrong_so_it_is_not_the_default():
    # The reason the default changed: padded, a reversal along the padded axis reads the
    # repeated edge rows. Unpadded (the default) it is Dask's answer.
    x = da.from_array(X, chunks=CHUNKS)
    expected = da.map_blocks(_reverse, x, dtype=np.float64).compute()
    padded = agd.map_blocks(_reverse, x, dtype=np.float64, pad=True).compute()
    assert not np.allclose(padded, expected)
    np.testing.assert_allclose(agd.map_blocks(_reverse, x, dtype=np.float64).compute(),
                               expected)

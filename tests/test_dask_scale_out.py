"""Converted functions on a real Dask cluster (2 worker processes, loopback only): the
plain `map_blocks` / `blockwise` idiom, and what `autograph.integrations.dask` adds to it. Every Dask
result is compared with the single-process result. Skipped without `dask[distributed]`."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograph

pytest.importorskip("autograph.codegen.cpu.backend", reason="the Numba CPU backend is missing")
distributed = pytest.importorskip(
    "dask.distributed", reason="dask[array,distributed] (the `dask` extra) is not installed")
da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
import dask  # noqa: E402

import autograph.integrations.dask as agd  # noqa: E402
import scale_out_support as support  # noqa: E402


ENVIRONMENT_BEFORE = dict(os.environ)


@pytest.fixture(scope="module")
def client():
    cluster = agd.local_cluster(2)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _worker_signatures(client, function) -> list[set[str]]:
    """Per worker, the signatures traced by the function `function` unpickles to there (by
    name: the module's object; by value: the worker's memoised copy)."""
    payload = _dumps(function)
    return list(client.run(lambda: support.traced_signatures(pickle.loads(payload))).values())


def _dumps(function) -> bytes:
    cloudpickle = pytest.importorskip("cloudpickle")
    return cloudpickle.dumps(function)


def test_local_cluster_leaves_this_process_environment_as_it_was(client):
    # the nannies wrote NUMBA_NUM_THREADS=1 here; a later compilation would then fail
    now = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    assert now == {k: v for k, v in ENVIRONMENT_BEFORE.items() if k != "PYTEST_CURRENT_TEST"}
    assert client.run(lambda: os.environ.get("NUMBA_NUM_THREADS")) == {
        w: "1" for w in client.scheduler_info()["workers"]}


def test_plain_map_blocks_runs_a_module_level_function(client):
    weights = support.mlp_weights()
    x = np.random.default_rng(2).standard_normal((400, 16)).astype(np.float32)
    chunked = da.from_array(x, chunks=(100, 16))
    y = chunked.map_blocks(support.mlp, *weights, dtype=np.float32,
                           chunks=(chunked.chunks[0], (4,)), meta=np.empty((0, 0), np.float32))
    result = y.compute()
    # float32 matrix products on 100-row blocks and on all 400 rows round differently
    np.testing.assert_allclose(result, support.mlp(x, *weights), rtol=1e-5, atol=1e-6)
    assert result.dtype == np.float32


def test_plain_blockwise_runs_mandelbrot_on_per_block_coordinates(client):
    re, im = da.linspace(-2.0, 1.0, 96, chunks=48), da.linspace(-1.5, 1.5, 64, chunks=32)
    counts = da.blockwise(support.escape_counts, "ij", re, "j", im, "i", 30, None,
                          dtype=np.int32, meta=np.empty((0, 0), np.int32))
    expected = support.escape_counts(re.compute(), im.compute(), 30)
    np.testing.assert_array_equal(counts.compute(), expected)
    assert expected.min() < 30 and expected.max() == 30  # both escaping and bounded points


def test_plain_map_blocks_runs_a_closure(client):
    pytest.importorskip("cloudpickle", reason="closures travel with cloudpickle")
    scale = np.linspace(0.5, 2.0, 8)

    @autograph.convert
    def scaled(x):
        y = x * scale
        if np.sum(y) > 0:
            return y
        return -y

    x = np.random.default_rng(3).standard_normal((60, 8))
    y = da.from_array(x, chunks=(20, 8)).map_blocks(scaled, dtype=x.dtype,
                                                      meta=np.empty((0, 0)))
    expected = np.concatenate([scaled(x[i:i + 20]) for i in range(0, 60, 20)])
    np.testing.assert_array_equal(y.compute(), expected)


def test_padding_compiles_one_signature_per_worker_for_uneven_chunks(client):
    pytest.importorskip("cloudpickle", reason="closures travel with cloudpickle")
    weights = support.mlp_weights()

    def make():
        return autograph.convert(lambda x: support.forward(x, *weights))

    x = np.random.default_rng(4).standard_normal((250, 16)).astype(np.float32)
    chunked = da.from_array(x, chunks=(100, 16))  # blocks of 100, 100 and 50 rows
    expected = support.mlp(x, *weights)

    padded_fn, plain_fn = make(), make()
    padded = agd.map_blocks(padded_fn, chunked, dtype=np.float32,
                            chunks=(chunked.chunks[0], (4,)), pad=True)
    np.testing.assert_allclose(padded.compute(), expected, rtol=1e-5, atol=1e-6)
    per_worker = _worker_signatures(client, padded_fn)
    assert set().union(*per_worker) == {"x: f32[100,16]"}  # one shape on every worker

    plain = chunked.map_blocks(plain_fn, dtype=np.float32, chunks=(chunked.chunks[0], (4,)),
                               meta=np.empty((0, 0), np.float32))
    np.testing.assert_allclose(plain.compute(), expected, rtol=1e-5, atol=1e-6)
    # Without padding the 50-row edge block is one more signature somewhere: the cost
    # autograph.integrations.dask removes.
    assert set().union(*_worker_signatures(client, plain_fn)) == {"x: f32[100,16]",
                                                                  "x: f32[50,16]"}


def test_blockwise_pads_both_axes_of_a_grid(client):
    re, im = da.linspace(-2.0, 1.0, 100, chunks=40), da.linspace(-1.5, 1.5, 70, chunks=32)
    counts = agd.blockwise(support.escape_counts, "ij", re, "j", im, "i", 25, None,
                           dtype=np.int32, pad=True)
    assert counts.chunks == ((32, 32, 6), (40, 40, 20))
    expected = support.escape_counts(re.compute(), im.compute(), 25)
    np.testing.assert_array_equal(counts.compute(), expected)


def test_padding_refuses_functions_that_reduce_the_padded_axis(client):
    x = da.from_array(np.arange(30.0).reshape(10, 3), chunks=(4, 3))
    column_sums = autograph.convert(lambda x: np.sum(x, axis=0, keepdims=True))
    y = agd.map_blocks(column_sums, x, dtype=np.float64, pad=True)
    with pytest.raises(autograph.AutographError, match="pad=False"):
        y.compute()
    unpadded = agd.map_blocks(column_sums, x, dtype=np.float64, chunks=((1, 1, 1), (3,)),
                              pad=False)
    np.testing.assert_array_equal(unpadded.compute(),
                                  np.add.reduceat(np.arange(30.0).reshape(10, 3), [0, 4, 8]))


def test_constants_and_the_function_are_one_graph_key_each():
    weights = support.mlp_weights()
    x = da.zeros((40, 16), chunks=(10, 16), dtype=np.float32)
    y = agd.map_blocks(support.mlp, x, *weights, dtype=np.float32, chunks=(x.chunks[0], (4,)))
    keys = {dask.delayed(w, pure=True, traverse=False).key for w in weights}
    keys.add(dask.delayed(support.mlp, pure=True, traverse=False).key)
    graph = dict(y.__dask_graph__())
    assert keys <= set(graph)
    blocks = [task for key, task in graph.items() if isinstance(key, tuple)
              and key[0] == y.name]
    assert len(blocks) == 4
    for task in blocks:  # every block refers to the shared keys instead of embedding them
        assert keys <= set(task.dependencies)


def test_building_the_graph_does_not_trace_on_the_client():
    fn = autograph.convert(lambda x: x * 2.0)
    x = da.ones((8, 8), chunks=4)
    agd.map_blocks(fn, x, dtype=np.float64)
    assert support.trace_count(fn) == 0
    x.map_blocks(fn, dtype=np.float64)  # plain, without meta=: Dask's probe call traces
    assert support.trace_count(fn) >= 1


def test_import_autograph_does_not_import_dask():
    code = ("import sys, autograph; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')"
            " or m == 'autograph.integrations.dask'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def _worker_environment():
    import os

    import numba

    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), numba.get_num_threads()


def test_worker_config_reaches_the_workers(client):
    assert set(client.run(_worker_environment).values()) == {(str(1 << 27), 1)}


def test_the_example_runs_against_a_running_scheduler(client, capsys):
    """examples/dask_scale_out.py, at small sizes, pointed at this module's cluster as at
    a real one (its functions are not importable there: they travel by value)."""
    import runpy

    path = Path(__file__).resolve().parent.parent / "examples" / "dask_scale_out.py"
    example = runpy.run_path(str(path), run_name="dask_scale_out_example")
    example["main"](["--scheduler", client.scheduler.address, "--height", "64",
                     "--width", "96", "--max-iter", "20", "--chunk", "32",
                     "--batch", "1000", "--batch-chunk", "384"])
    out = capsys.readouterr().out
    assert "cluster: 2 workers" in out and "6 blocks" in out and "edge block 232" in out

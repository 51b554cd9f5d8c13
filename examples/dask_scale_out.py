"""The same converted functions, scaled out with Dask: a Mandelbrot image over a large
grid and a batch of MLP inferences over a chunked array.

    python examples/dask_scale_out.py                              # a LocalCluster here
    python examples/dask_scale_out.py --scheduler tcp://HOST:8786  # a running cluster
    AUTOGRAPH_DASK_SCHEDULER=tcp://HOST:8786 python examples/dask_scale_out.py

Nothing else changes between the two: the functions below are defined in this script
(`__main__`), so they travel by value (cloudpickle, with this file's source lines, which
conversion reads), and every worker converts, traces and compiles them itself — once per
block shape, or never when its machine's autograph disk cache already holds the program.
Workers need `numba-autograph[dask]` installed, nothing else. See docs/dask.md.

- Mandelbrot uses the plain Dask idiom, `da.blockwise`: each block gets its own slice of
  the 1-D coordinate arrays (`re` by columns, `im` by rows), and the function computes the
  block's grid from them.
- The MLP uses `autograph.dask.map_blocks`: the batch does not divide into equal blocks,
  so the edge block is padded to the regular size (`pad=True`: one compiled program per worker
  instead of two), and the weights travel once per worker, not with every block.

Each result is spot-checked against the same function run in this process.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import autograph

SCHEDULER_VARIABLE = "AUTOGRAPH_DASK_SCHEDULER"


@autograph.convert
def escape_counts(re, im, max_iter):
    """Mandelbrot escape counts of the grid im (rows) x re (columns): all pixels at once,
    iterated with masked updates (a staged loop of `max_iter` steps)."""
    c_re = re[None, :] + 0.0 * im[:, None]
    c_im = im[:, None] + 0.0 * re[None, :]
    z_re = np.zeros_like(c_re)
    z_im = np.zeros_like(c_re)
    counts = np.zeros(c_re.shape, dtype=np.int32)
    for _ in range(max_iter):
        inside = z_re * z_re + z_im * z_im <= 4.0
        counts = counts + inside
        z_re, z_im = (np.where(inside, z_re * z_re - z_im * z_im + c_re, z_re),
                      np.where(inside, 2.0 * z_re * z_im + c_im, z_im))
    return counts


@autograph.convert
def mlp(x, w1, b1, w2, b2):
    """Two dense layers on a batch of rows."""
    hidden = np.tanh(x @ w1 + b1)
    return hidden @ w2 + b2


def connect(scheduler: str | None):
    """A Client of the cluster at `scheduler`, or of a new loopback-only LocalCluster."""
    from dask.distributed import Client

    import autograph.dask

    if scheduler:
        return Client(scheduler), None
    cluster = autograph.dask.local_cluster(2)  # 1 Numba thread per worker: docs/dask.md
    return Client(cluster), cluster


def mandelbrot(height: int, width: int, max_iter: int, chunk: int):
    import dask.array as da

    re = da.linspace(-2.0, 1.0, width, chunks=chunk)
    im = da.linspace(-1.5, 1.5, height, chunks=chunk)
    image = da.blockwise(escape_counts, "ij", re, "j", im, "i", max_iter, None,
                         dtype=np.int32, meta=np.empty((0, 0), np.int32))
    started = time.perf_counter()
    result = image.compute()
    seconds = time.perf_counter() - started
    rows = slice(height // 2 - 8, height // 2 + 8)  # spot check: a band through the middle
    local = escape_counts(np.linspace(-2.0, 1.0, width), np.linspace(-1.5, 1.5, height)[rows],
                          max_iter)
    assert np.array_equal(result[rows], local), "Dask and local Mandelbrot differ"
    print(f"mandelbrot {height}x{width}, {max_iter} iterations, {image.npartitions} blocks: "
          f"{seconds:.2f} s; {np.mean(result == max_iter):.1%} of pixels bounded")
    return result


def inference(batch: int, features: int, chunk: int):
    import dask.array as da

    import autograph.dask

    rng = np.random.default_rng(0)
    weights = ((rng.standard_normal((features, 256)) / np.sqrt(features)).astype(np.float32),
               np.zeros(256, np.float32),
               (rng.standard_normal((256, 10)) / 16.0).astype(np.float32),
               np.zeros(10, np.float32))
    x = da.random.default_rng(1).standard_normal((batch, features), chunks=(chunk, features),
                                                 dtype=np.float32)
    scores = autograph.dask.map_blocks(mlp, x, *weights, dtype=np.float32,
                                       chunks=(x.chunks[0], (10,)), pad=True)
    started = time.perf_counter()
    result = scores.compute()
    seconds = time.perf_counter() - started
    last = x.blocks[-1].compute()  # spot check: the (padded) edge block
    local = mlp(last, *weights)
    assert np.allclose(result[-len(last):], local, rtol=1e-5, atol=1e-5), "results differ"
    print(f"mlp on {batch} rows in blocks of {chunk} (edge block {len(last)}): "
          f"{seconds:.2f} s; class counts {np.bincount(result.argmax(axis=1), minlength=10)}")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scheduler", default=os.environ.get(SCHEDULER_VARIABLE),
                        help=f"address of a running Dask scheduler (default: ${SCHEDULER_VARIABLE}"
                             f", else a LocalCluster of 2 processes on 127.0.0.1)")
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--width", type=int, default=1500)
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=250, help="Mandelbrot block side")
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--batch-chunk", type=int, default=16_384)
    args = parser.parse_args(argv)
    client, cluster = connect(args.scheduler)
    try:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers at "
              f"{client.scheduler.address}")
        mandelbrot(args.height, args.width, args.max_iter, args.chunk)
        inference(args.batch, 64, args.batch_chunk)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()

"""Converted functions on Dask arrays: only what Dask's own idiom cannot express.

The plain idiom works and is what to reach for first. Converted functions pickle
(`autograph.runtime.pickling`), each worker traces and compiles for itself, and their compiled
programs release the GIL:

    y = x.map_blocks(mlp, w1, b1, w2, b2, dtype=np.float32, chunks=(x.chunks[0], (10,)),
                     meta=np.empty((0, 0), np.float32))
    counts = da.blockwise(escape_counts, "ij", re, "j", im, "i", 100, None,
                          dtype=np.int32, meta=np.empty((0, 0), np.int32))

(`meta=` spares the probe call described in 3 below.) `map_blocks` and `blockwise` here
take the same arguments and add three things that idiom cannot say:

1. *One signature per job.* autograph compiles for static shapes (loop bounds are
   literals in the generated program), so every distinct block shape is a new trace and a
   new Numba compilation — seconds — on every worker. Dask's edge blocks are usually
   smaller than the rest, so a 2-D grid has up to four block shapes. With `pad=True`
   (asked for: the default is False, so that these functions call `fn` on exactly the
   blocks `dask.array.map_blocks` would) blocks smaller than the regular block size along
   an output axis are padded up to it (by repeating their last element, so no NaN or overflow appears) and the result is
   sliced back: every task runs the same compiled program. This is right when output
   position p along a padded axis depends only on input positions up to p along it —
   elementwise and row-wise functions (pixels of a grid, rows of a batch), running sums —
   and wrong for reductions, reversals or normalisation along that axis. A padded call
   whose output does not keep the padded length raises (that catches reductions, not
   reversals).
2. *Constants once per worker.* NumPy arrays passed beside the blocks (weights), and the
   converted function itself with whatever its closure captured, travel inside every task
   under plain `map_blocks`. Here each is one graph key: a worker fetches it once, keeps it
   for the job, and traces the function once. (Plain Dask can do this for arrays, with
   `dask.delayed(w)` and `meta=`; not for the function.)
3. *No probe call.* Without `meta=`, Dask calls the function on 0-size arrays to learn the
   output's type: for a converted function that is a trace and a Numba compilation on the
   client, for a shape no task uses (or an error, which Dask hides). Here `meta` comes from
   the required `dtype`.

And one setting, `WORKER_CONFIG`, for the workers themselves (Dask's nannies read it
when they start worker processes):

- `NUMBA_NUM_THREADS=1`: compiled programs with big elementwise loops run them with
  `numba.prange` on Numba's own threads, one per core. On a cluster, Dask's workers are
  the parallelism; two workers of two Numba threads each on two cores ran the benchmark's
  job several times slower than one worker here. Dask sets `OMP_NUM_THREADS=1` for the
  same reason.
- `MALLOC_TRIM_THRESHOLD_=128 MiB`, `MALLOC_MMAP_THRESHOLD_=32 MiB`: Dask sets the
  first to 65536, which turns off glibc's adaptive mmap threshold, so every temporary
  array over 128 KiB that a program allocates in a loop became a fresh `mmap` with fresh
  page faults: the Mandelbrot job of `benchmarks/scale_out.py` took 31 s instead of 0.6 s
  on one worker here (5 million page faults). With these values such arrays are reused
  from the heap (about 120 faults per job); memory is still returned above 128 MiB.

`local_cluster(n_workers)` starts a loopback `LocalCluster` of one-thread worker
processes with it. Elsewhere apply it with `dask.config.set(autograph.integrations.dask.WORKER_CONFIG)`
before the first `LocalCluster` of the process, or put it in the Dask configuration of a
real cluster's workers. A nanny copies these variables into the environment of the
process it runs in (so that its workers inherit them), and leaves them there: Numba
re-reads `NUMBA_NUM_THREADS` at every compilation and raises once its threads have started
with another value, so the next program compiled in the client process would fail.
`local_cluster` puts the client's environment back as soon as the workers are up.

This module needs `dask[array]` (the `dask` extra) and is never imported by
`import autograph`.
"""

from __future__ import annotations

import numbers

import numpy as np

try:
    import dask
    import dask.array as da
    from dask.array.core import unify_chunks
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("autograph.integrations.dask needs Dask: pip install 'numba-autograph[dask]'") from error

from autograph.errors import AutographError

__all__ = ["WORKER_CONFIG", "blockwise", "local_cluster", "map_blocks"]

_ENVIRON = "distributed.nanny.pre-spawn-environ."
# The environment of worker processes (see the module docstring).
WORKER_CONFIG = {_ENVIRON + "NUMBA_NUM_THREADS": 1,
                 _ENVIRON + "MALLOC_TRIM_THRESHOLD_": 1 << 27,
                 _ENVIRON + "MALLOC_MMAP_THRESHOLD_": 1 << 25}


def local_cluster(n_workers: int = 2, **kwargs):
    """A `distributed.LocalCluster` on 127.0.0.1 of `n_workers` one-thread worker processes
    with `WORKER_CONFIG` (no dashboard); `kwargs` go to LocalCluster. This process's
    environment is the same afterwards (see the module docstring)."""
    import os

    from distributed import LocalCluster

    options = dict(n_workers=n_workers, threads_per_worker=1, processes=True,
                   host="127.0.0.1", dashboard_address=None)
    options.update(kwargs)
    environ = dict(os.environ)
    try:
        with dask.config.set(WORKER_CONFIG):
            return LocalCluster(**options)
    finally:
        os.environ.clear()
        os.environ.update(environ)


def blockwise(fn, out_ind, *args, dtype, new_axes=None, adjust_chunks=None, concatenate=None,
              pad: bool = False, token: str | None = None, **kwargs):
    """`dask.array.blockwise(fn, out_ind, *args, ...)` with the three additions of the
    module docstring. `args` alternate arrays (or constants) and their index strings
    (None for constants); `dtype` is the output's dtype."""
    if len(args) % 2:
        raise AutographError("blockwise takes (array, index) pairs after out_ind")
    out_ind = tuple(out_ind)
    pairs = []
    for value, ind in zip(args[::2], args[1::2]):
        if ind is not None and not isinstance(value, da.Array):
            value = da.asarray(value)
        pairs += [value, None if ind is None else tuple(ind)]
    chunkss, arrays = unify_chunks(*pairs)
    nominal = _nominal_sizes(chunkss, out_ind, pad)
    blocked = set(adjust_chunks or ()) & set(nominal)
    if blocked:
        raise AutographError(f"cannot pad index {sorted(blocked, key=str)} whose chunks "
                             f"adjust_chunks changes: pass pad=False")
    new_args, labels = [], []
    for value, ind in zip(arrays, pairs[1::2]):
        if ind is None:
            new_args += [_hoisted(value), None]
            labels.append(None)
        else:
            new_args += [value, ind]
            labels.append(tuple(label if label in nominal and size != 1 else None
                                for label, size in zip(ind, value.shape)))
    call = _PaddedCall(tuple(labels), out_ind, nominal)
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return da.blockwise(call, out_ind, _hoisted(fn), None, *new_args,
                        dtype=dtype, meta=np.empty((0,) * len(out_ind), dtype),
                        new_axes=new_axes, adjust_chunks=adjust_chunks,
                        concatenate=concatenate, token=token or f"autograph-{name}", **kwargs)


def map_blocks(fn, *args, dtype, chunks=None, pad: bool = False, token: str | None = None,
               **kwargs):
    """`dask.array.map_blocks(fn, *args, ...)` with the three additions of the module
    docstring. Dask arrays among `args` are aligned as `map_blocks` aligns them (by their
    last axes); other arguments are constants. The output has as many axes as the largest
    array; `chunks` (as in `map_blocks`) may change block sizes only along unpadded axes."""
    ndim = max((a.ndim for a in args if isinstance(a, da.Array)), default=0)
    if ndim == 0:
        raise AutographError("map_blocks needs at least one dask array argument")
    pairs = []
    for value in args:
        if isinstance(value, da.Array):
            pairs += [value, tuple(range(ndim - value.ndim, ndim))]
        else:
            pairs += [value, None]
    adjust = None
    if chunks is not None:
        if len(chunks) != ndim:
            raise AutographError(f"chunks has {len(chunks)} axes, the output {ndim}: use "
                                 f"blockwise with new_axes to add or drop axes")
        chunkss, _ = unify_chunks(*pairs)
        adjust = {}
        for axis, wanted in enumerate(chunks):
            current = chunkss.get(axis)
            if isinstance(wanted, numbers.Integral):
                if current is None or any(c != wanted for c in current):
                    adjust[axis] = int(wanted)
            elif tuple(wanted) != current:
                adjust[axis] = tuple(wanted)
    return blockwise(fn, tuple(range(ndim)), *pairs, dtype=dtype, adjust_chunks=adjust or None,
                     pad=pad, token=token, **kwargs)


def _nominal_sizes(chunkss: dict, out_ind: tuple, pad: bool) -> dict:
    """The padded block size of each output index whose blocks differ in size."""
    if not pad:
        return {}
    return {label: max(chunkss[label]) for label in out_ind
            if label in chunkss and len(set(chunkss[label])) > 1}


def _hoisted(value):
    """A constant as one graph key (fetched once per worker), or as it is if small."""
    if isinstance(value, np.ndarray) and value.ndim > 0 or callable(value):
        return dask.delayed(value, pure=True, traverse=False)
    return value


class _PaddedCall:
    """The task function: pads the blocks, calls the user's function, slices its output.

    `labels[k]` gives, per axis of argument k, the index label to pad it to
    (`nominal[label]`), or None; `out_ind` labels the output's axes.
    """

    def __init__(self, labels: tuple, out_ind: tuple, nominal: dict):
        self.labels = labels
        self.out_ind = out_ind
        self.nominal = nominal

    def __dask_tokenize__(self):
        return ("autograph.integrations.dask._PaddedCall", self.labels, self.out_ind,
                sorted(self.nominal.items(), key=str))

    def __call__(self, fn, *blocks, **kwargs):
        if not self.nominal:
            return fn(*blocks, **kwargs)
        real: dict = {}
        padded = [self._pad(block, labels, real) for block, labels in zip(blocks, self.labels)]
        out = fn(*padded, **kwargs)
        short = {label for label, size in real.items() if 0 < size < self.nominal[label]}
        if not short:
            return out
        index = []
        for axis, label in enumerate(self.out_ind):
            if label not in short:
                index.append(slice(None))
                continue
            if np.shape(out)[axis] != self.nominal[label]:
                raise AutographError(
                    f"{getattr(fn, '__qualname__', fn)} was called on a block padded to "
                    f"{self.nominal[label]} along output axis {axis}, but returned "
                    f"{np.shape(out)[axis]}: padding needs functions that map each position "
                    f"along that axis to itself; leave pad=False for it")
            index.append(slice(0, real[label]))
        return out[tuple(index)]

    def _pad(self, block, labels, real: dict):
        """`block` padded along its labelled axes; records each label's real size."""
        if labels is None or not isinstance(block, np.ndarray):
            return block
        widths = []
        for size, label in zip(block.shape, labels):
            if label is not None:
                real.setdefault(label, size)
            missing = 0 if label is None or size == 0 else self.nominal[label] - size
            widths.append((0, missing))
        if not any(w for _, w in widths):
            return block
        return np.pad(block, widths, mode="edge")

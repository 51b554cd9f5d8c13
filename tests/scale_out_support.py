"""Functions the pickle, thread and Dask tests send to other processes.

They live in an importable module (tests/ is on the path of pytest and of the Dask
workers it spawns) so that they pickle *by name*; closures made inside the tests pickle
by value. `trace_count` and `traced_signatures` read what a converted function was traced
for (from its `explain()`).
"""

from __future__ import annotations

import re

import numpy as np

import autograph


def forward(x, w1, b1, w2, b2):
    """A two-layer perceptron on a batch of rows (plain: closures in the tests call it)."""
    hidden = np.tanh(x @ w1 + b1)
    return hidden @ w2 + b2


mlp = autograph.convert(forward)  # pickled by name as `forward`, converted by the receiver


@autograph.convert
def escape_counts(re, im, max_iter):
    """Mandelbrot escape counts of the grid im (rows) x re (columns): a staged loop of
    masked updates, elementwise in both axes."""
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


def shifted(x):
    return x + 1.0


shifted_python = autograph.convert(shifted, backend="python")


class Scaler:
    def __init__(self, factor):
        self.factor = factor

    @autograph.convert
    def apply(self, x):
        return x * self.factor


def mlp_weights(n_in=16, n_hidden=32, n_out=4, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)).astype(dtype),
            rng.standard_normal(n_hidden).astype(dtype),
            (rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)).astype(dtype),
            rng.standard_normal(n_out).astype(dtype))


def trace_count(function) -> int:
    """How many signatures `function` has been traced for (from `explain()`)."""
    found = re.search(r"(\d+) trace", function.explain().splitlines()[0])
    return int(found.group(1)) if found else 0


def traced_signatures(function) -> set[str]:
    """The signatures `function` was traced for, as `explain()` lists them ("x: f32[4,16]")."""
    return set(re.findall(r"^\s*\d+\. \((.*?)\) —", function.explain(), re.MULTILINE))

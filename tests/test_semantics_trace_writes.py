"""Writes to arrays a converted function reaches without taking them as arguments — a
global, a closure variable, an attribute of `self` — would happen once, while tracing,
and never again (issue 16, item 11). Until such writes are staged, the trace stops with
an error naming the array, and the array is left as it was."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import StagingError

GRID = np.zeros(4)


def step_global():
    GRID[...] = GRID + 1.0
    return GRID.sum()


def make_counter():
    counts = np.zeros(3, np.int64)

    def bump(i):
        counts[i] += 1
        return counts

    return bump, counts


class Particle:
    def __init__(self):
        self.position = np.zeros(2)
        self.velocity = np.array([1.0, -0.5])

    def update(self):
        self.position += self.velocity


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_a_global_written_in_place_is_refused_and_left_unchanged(backend):
    before = GRID.copy()
    with pytest.raises(StagingError, match="writes into `GRID` while it is traced"):
        autograph.convert(step_global, backend=backend)()
    np.testing.assert_array_equal(GRID, before)


def test_a_closure_array_written_in_place_is_refused():
    bump, counts = make_counter()
    with pytest.raises(StagingError, match="`counts`"):
        autograph.convert(bump, backend="python")(1)
    np.testing.assert_array_equal(counts, [0, 0, 0])


def test_a_method_updating_its_object_is_refused():
    p = Particle()
    update = autograph.convert(Particle.update, backend="python")
    with pytest.raises(StagingError, match="self.position"):
        update(p)
    np.testing.assert_array_equal(p.position, [0.0, 0.0])


def test_reading_globals_and_writing_local_copies_still_work():
    weights = np.arange(3.0)

    def uses(x):
        local = weights.copy()
        local[0] = 10.0
        return x * local

    x = np.ones(3)
    np.testing.assert_array_equal(autograph.convert(uses, backend="cpu")(x), uses(x))
    np.testing.assert_array_equal(weights, [0.0, 1.0, 2.0])

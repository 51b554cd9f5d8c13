"""examples/train_mlp.py, shortened: the MLP's training step as one converted function
learns the two-blob task past 95% held-out accuracy, and a step agrees with the same step
run as written (NumPy forward, `value_and_grad` compiled on its own, NumPy update)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_mlp.py"
SMALL = (32, 16, 8, 2)


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("train_mlp_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shortened_training_passes_95_percent(example):
    lines = []
    result = example.train(layers=SMALL, train_size=512, test_size=256, batch=32, lr=0.05,
                           max_epochs=5, log=lines.append)
    assert result["accuracy"] > 0.95, lines
    losses = [h["loss"] for h in result["history"]]
    assert losses[-1] < np.log(2), lines  # below chance level's cross-entropy
    assert all(p.dtype == np.float32 for p in result["params"])
    assert any("test accuracy" in line and "per step" in line for line in lines)


def test_a_step_matches_the_step_run_as_written(example):
    rng = np.random.default_rng(3)
    params = example.parameters(SMALL, rng)
    x, labels = example.blobs(32, SMALL[0], rng)
    y = np.eye(2, dtype=np.float32)[labels]
    got = example.train_step(*params, x, y, 0.05)
    want = example.train_step.python_function(*params, x, y, 0.05)
    assert len(got) == 7
    for g, w in zip(got, want):
        assert np.asarray(g).dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)
    assert got[-1] == pytest.approx(example.loss(*params, x, y), rel=1e-5)


def test_the_step_is_one_program_with_forward_and_backward(example):
    rng = np.random.default_rng(4)
    params = example.parameters(SMALL, rng)
    x = np.zeros((32, SMALL[0]), np.float32)
    y = np.zeros((32, 2), np.float32)
    lowered = example.train_step.lower(*params, x, y, 0.05)
    # 3 forward products, 2 per layer backward (weights; inputs but for the first layer)
    assert lowered.source.count("np.dot(") == 3 + 5
    assert "def train_step(" in lowered.source

"""Training the seed chapter's MLP (512 -> 256 -> 128 -> 2, ReLU) with SGD, where one
training step — forward, softmax cross-entropy, backward, update — is one compiled program.

`train_step` is ordinary NumPy plus one call of `autograph.value_and_grad(loss)`. Converted,
that call is not a second compiled program called from the first: `grad` meets tensors of
the step being traced, traces `loss` for their types and inlines its VJP graph
(autograph/runtime/differentiate.py), so the optimiser and the Numba code generator see the whole
step at once. `train_step.lower(...).source` is the program that runs.

The task is synthetic and learnable: two Gaussian blobs in 512-d, N(±mu, I) with
|mu| = 3: the best possible accuracy is Phi(3) = 99.87%, while in any single coordinate
the two classes are almost indistinguishable (means 0.13 apart, unit spread). Training
stops when held-out accuracy passes the target (95%).

    .venv/bin/python examples/train_mlp.py            # ~2 s warm, ~15 s with a cold Numba cache
    .venv/bin/python examples/train_mlp.py --source   # also print the generated program
"""

from __future__ import annotations

import os
import sys
import time

if __name__ == "__main__":
    # One thread per library unless told otherwise, set before NumPy and Numba load (they
    # size their pools then): products of 64 rows gain nothing from a second BLAS thread,
    # and on a busy 2-core machine spinning threads made a 0.6 ms step take 20-200 ms.
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMBA_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

import autograph  # noqa: E402

LAYERS = (512, 256, 128, 2)


def loss(w1, b1, w2, b2, w3, b3, x, y):
    """Mean softmax cross-entropy of the MLP's logits against one-hot labels `y`."""
    h1 = np.maximum(x @ w1 + b1, 0.0)
    h2 = np.maximum(h1 @ w2 + b2, 0.0)
    logits = h2 @ w3 + b3
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(log_p * y) / x.shape[0]


loss_and_grads = autograph.value_and_grad(loss, argnums=(0, 1, 2, 3, 4, 5))


@autograph.convert
def train_step(w1, b1, w2, b2, w3, b3, x, y, lr):
    """One SGD step: the new parameters and the loss before the step."""
    value, (g1, gb1, g2, gb2, g3, gb3) = loss_and_grads(w1, b1, w2, b2, w3, b3, x, y)
    return (w1 - lr * g1, b1 - lr * gb1, w2 - lr * g2, b2 - lr * gb2,
            w3 - lr * g3, b3 - lr * gb3, value)


@autograph.convert
def predict(w1, b1, w2, b2, w3, b3, x):
    """The MLP's logits."""
    h1 = np.maximum(x @ w1 + b1, 0.0)
    h2 = np.maximum(h1 @ w2 + b2, 0.0)
    return h2 @ w3 + b3


def parameters(layers, rng) -> list[np.ndarray]:
    """He-initialised weights, zero biases, float32: [w1, b1, w2, b2, w3, b3]."""
    params = []
    for fan_in, fan_out in zip(layers, layers[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in))
                      .astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    return params


def blobs(n: int, dim: int, rng, separation: float = 3.0):
    """`n` points of two classes, N(-mu, I) and N(+mu, I) with |mu| = separation: inputs
    (float32) and integer labels. The direction of mu is fixed by the seed."""
    mu = np.random.default_rng(1234).standard_normal(dim)
    mu *= separation / np.linalg.norm(mu)
    labels = rng.integers(0, 2, n)
    x = rng.standard_normal((n, dim)) + np.where(labels[:, None] == 1, mu, -mu)
    return x.astype(np.float32), labels


def accuracy(params, x, labels) -> float:
    return float(np.mean(np.argmax(predict(*params, x), axis=1) == labels))


def train(layers=LAYERS, train_size=4096, test_size=1024, batch=64, lr=0.05,
          max_epochs=10, target=0.95, seed=0, log=print) -> dict:
    """SGD until held-out accuracy passes `target` (or `max_epochs`); returns the history
    (per-epoch loss and accuracy), the final accuracy and the median step time."""
    if train_size % batch:
        raise ValueError("train_size must be a multiple of batch (one shape, one program)")
    rng = np.random.default_rng(seed)
    params = parameters(layers, rng)
    x, labels = blobs(train_size, layers[0], rng)
    x_test, labels_test = blobs(test_size, layers[0], rng)
    y = np.eye(layers[-1], dtype=np.float32)[labels]

    start = time.perf_counter()
    train_step(*params, x[:batch], y[:batch], lr)  # trace + compile once; result unused
    log(f"convert + compile the step: {time.perf_counter() - start:.2f} s")

    history, step_times = [], []
    acc = accuracy(params, x_test, labels_test)
    log(f"epoch 0: test accuracy {acc:.3f}")
    for epoch in range(1, max_epochs + 1):
        order = rng.permutation(train_size)
        losses = []
        for i in range(0, train_size, batch):
            take = order[i:i + batch]
            xb, yb = x[take], y[take]
            start = time.perf_counter()
            *params, value = train_step(*params, xb, yb, lr)
            step_times.append(time.perf_counter() - start)
            losses.append(value)
        acc = accuracy(params, x_test, labels_test)
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "accuracy": acc})
        log(f"epoch {epoch}: loss {np.mean(losses):.4f}, test accuracy {acc:.3f}, "
            f"{np.median(step_times[-len(losses):]) * 1e6:.0f} µs per step (median)")
        if acc > target:
            break
    return {"history": history, "accuracy": acc, "params": params,
            "step_s": float(np.median(step_times))}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    result = train()
    print(f"reached test accuracy {result['accuracy']:.3f} after "
          f"{len(result['history'])} epoch(s); {result['step_s'] * 1e6:.0f} µs per training "
          f"step of batch 64 (median)")
    if "--source" in argv:
        rng = np.random.default_rng(0)
        params = parameters(LAYERS, rng)
        x = np.zeros((64, LAYERS[0]), np.float32)
        y = np.zeros((64, LAYERS[-1]), np.float32)
        print(train_step.lower(*params, x, y, 0.05).source)
    return 0 if result["accuracy"] > 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())

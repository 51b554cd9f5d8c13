"""The seed chapter ("Compilers and Interpreters", D2L 12.1), end to end with autograph.

`make demo` runs this file. Each section shows what the chapter shows, done for real on
NumPy code: the program text a compiler sees (the chapter's `evoke_`), constant folding,
hybridization with a benchmark, what staging changes (`print`, `asnumpy()`), and a model
exported as a program description plus parameters and loaded without its source.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import autograph


# -- 1. imperative programming -------------------------------------------------------------

def add(a, b):
    return a + b


def fancy_func(a, b, c, d):
    e = add(a, b)
    f = add(c, d)
    g = add(e, f)
    return g


def scaled_by_fancy(x):
    """fancy_func on values the compiler can see are constants: they fold to 10."""
    one = np.ones_like(x)
    return x * fancy_func(one, one + one, one * 3.0, one * 4.0)


# -- 4. the chapter's MLP: 512 -> 256 (ReLU) -> 128 (ReLU) -> 2 ------------------------------

rng = np.random.default_rng(0)
W1, B1 = (rng.standard_normal((512, 256)) * 0.05).astype(np.float32), np.zeros(256, np.float32)
W2, B2 = (rng.standard_normal((256, 128)) * 0.05).astype(np.float32), np.zeros(128, np.float32)
W3, B3 = (rng.standard_normal((128, 2)) * 0.05).astype(np.float32), np.zeros(2, np.float32)


def mlp(x):
    """The weights are globals: autograph captures them as graph inputs read at call time."""
    h = np.maximum(x @ W1 + B1, 0.0)
    h = np.maximum(h @ W2 + B2, 0.0)
    return h @ W3 + B3


# -- 6. what staging changes -----------------------------------------------------------------

def hybrid_forward(x):
    print("Python print: runs once, while tracing; x is", type(x).__name__)
    y = np.tanh(x) * 2.0
    if np.sum(y) > 0:         # a tensor condition: both branches are staged
        print("staged print: y =", y)  # prints the values on every call
        y = y + 1.0
    return y


def uses_asnumpy(x):
    y = x * 2.0
    return float(np.asarray(y)[0])   # the chapter's `asnumpy()` exercise


def section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def main() -> None:
    section("1. Imperative programming")
    print("fancy_func(1, 2, 3, 4) =", fancy_func(1, 2, 3, 4))

    section("2. The evoke_ idea: autograph writes the program text")
    print("autograph.to_source(fancy_func) -- the converted, graph-building code:\n")
    print(autograph.to_source(fancy_func))
    converted = autograph.convert(fancy_func)
    x = np.arange(4, dtype=np.float32)
    lowered = converted.lower(x, x, x, x)
    print("the traced graph for four f32[4] arrays:\n")
    print(lowered.graph)
    print("\nthe generated program (compiled by Numba):\n")
    print(lowered.source)

    section("3. Constant folding: fancy_func(1, 2, 3, 4) becomes 10")
    folded = autograph.convert(fancy_func, static_argnames=("a", "b", "c", "d"))
    print("with static arguments the whole call runs at trace time:", folded(1, 2, 3, 4))
    lowered = autograph.convert(scaled_by_fancy).lower(x)
    print("\non constants the compiler can see, before the passes:\n")
    print(lowered.traced_graph)
    print("\nafter constant folding (fancy_func's adds are gone: 1 + 2 + 3 + 4 = 10):\n")
    print(lowered.graph)
    print("\nthe program:\n")
    print(lowered.source)

    section("4. Hybridization: the MLP, eager NumPy versus converted, 1000 calls")
    fast_mlp = autograph.convert(mlp)
    row = rng.standard_normal((1, 512)).astype(np.float32)
    np.testing.assert_allclose(fast_mlp(row), mlp(row), rtol=1e-4, atol=1e-5)
    with autograph.Benchmark("NumPy (eager)"):
        for _ in range(1000):
            mlp(row)
    with autograph.Benchmark("autograph.convert"):
        for _ in range(1000):
            fast_mlp(row)

    section("5. Serialization: export the MLP, load it without its source")
    folder = os.path.join(tempfile.mkdtemp(), "my_mlp")
    autograph.export(fast_mlp, folder, row)
    print("exported:", sorted(os.listdir(folder)))
    loaded = autograph.load(folder)
    print("loaded model agrees:", np.allclose(loaded(row), mlp(row), rtol=1e-4, atol=1e-5))

    section("6. What staging changes")
    staged = autograph.convert(hybrid_forward)
    v = np.array([0.5, -0.25, 1.0], np.float32)
    print("first call (traces):")
    staged(v)
    print("second call (compiled; only the staged print runs):")
    staged(v)
    print("\nthe asnumpy() exercise: a concrete value is needed while tracing")
    try:
        autograph.convert(uses_asnumpy)(v)
    except autograph.AutographError as error:
        print(f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()

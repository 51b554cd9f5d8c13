"""Converted functions pickle: by name with the standard `pickle`, by value (closures,
lambdas, functions whose file the receiver lacks) with cloudpickle. Each case is loaded and
called in a fresh Python process, which converts, traces and compiles for itself."""

from __future__ import annotations

import linecache
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograph
from autograph.runtime import pickling

import scale_out_support as support

ROOT = Path(__file__).resolve().parent.parent

_CHILD = textwrap.dedent("""
    import pickle, sys
    cases = pickle.loads(sys.stdin.buffer.read())
    results = []
    for payload, args in cases:
        try:
            fn = pickle.loads(payload)
            results.append(("ok", fn(*args), fn.explain()))
        except Exception as error:
            results.append(("error", type(error).__name__, str(error)))
    sys.stdout.buffer.write(pickle.dumps(results))
""")


def _run_fresh(cases):
    """Loads and calls each (pickled function, args) in one new interpreter."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    done = subprocess.run([sys.executable, "-c", _CHILD], input=pickle.dumps(cases),
                          capture_output=True, env=env, timeout=240, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return pickle.loads(done.stdout)


def _ok(result):
    assert result[0] == "ok", result
    return result[1], result[2]


def test_module_level_functions_pickle_by_name_and_run_in_a_fresh_process():
    w1, b1, w2, b2 = support.mlp_weights()
    x = np.random.default_rng(1).standard_normal((8, 16)).astype(np.float32)
    scaler = support.Scaler(3.0)
    cases = [(pickle.dumps(support.mlp), (x, w1, b1, w2, b2)),
             (pickle.dumps(support.shifted_python), (x,)),
             (pickle.dumps(scaler.apply), (x,))]
    for payload, _ in cases:
        # A reference: module, name and options, never generated program text.
        assert len(payload) < 400 and b"numba" not in payload and b"def " not in payload
    (mlp_out, _), (shifted_out, explained), (scaled, _) = map(_ok, _run_fresh(cases))
    np.testing.assert_array_equal(mlp_out, support.mlp(x, w1, b1, w2, b2))
    np.testing.assert_array_equal(shifted_out, x + 1.0)
    assert "backend 'python'" in explained  # the options travel with the name
    np.testing.assert_array_equal(scaled, x * 3.0)


def test_by_name_unpickles_to_the_module_object():
    assert pickle.loads(pickle.dumps(support.escape_counts)) is support.escape_counts
    assert pickle.loads(pickle.dumps(support.Scaler.apply)) is support.Scaler.apply
    restored = pickle.loads(pickle.dumps(support.shifted_python))
    # Found as the plain function, converted once with the pickled options.
    assert restored is pickle.loads(pickle.dumps(support.shifted_python))
    assert restored._pickle_options() == support.shifted_python._pickle_options()


def test_closures_and_lambdas_pickle_by_value_with_cloudpickle():
    cloudpickle = pytest.importorskip("cloudpickle", reason="cloudpickle is not installed")
    weights = np.linspace(-1.0, 1.0, 12).reshape(3, 4)

    def make(bias):
        @autograph.convert
        def affine(x):
            y = x @ weights
            if np.sum(y) > 0:  # staged: the receiver must convert, not just call
                return y + bias
            return y - bias
        return affine

    affine = make(2.0)
    square = autograph.convert(lambda x: x * x)
    x = np.arange(6.0).reshape(2, 3)
    cases = [(cloudpickle.dumps(affine), (x,)), (cloudpickle.dumps(affine), (-x,)),
             (cloudpickle.dumps(square), (x,))]
    results = [_ok(r)[0] for r in _run_fresh(cases)]
    np.testing.assert_array_equal(results[0], affine(x))
    np.testing.assert_array_equal(results[1], affine(-x))
    np.testing.assert_array_equal(results[2], x * x)


def test_by_value_ships_source_lines_the_receiver_lacks():
    """A function (and the helper it calls) compiled from text that only this process's
    linecache holds: the receiver converts it from the shipped lines."""
    cloudpickle = pytest.importorskip("cloudpickle", reason="cloudpickle is not installed")
    filename = "<scale-out-test-source>"
    text = textwrap.dedent("""
        import numpy as np

        def helper(x):
            if np.sum(x) > 0:
                return x * 2.0
            return -x

        def user(x):
            return helper(x) + 1.0
    """)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    try:
        namespace = {"__name__": "scale_out_exec"}
        exec(compile(text, filename, "exec"), namespace)
        converted = autograph.convert(namespace["user"])
        x = np.array([1.0, -3.0])
        payload = cloudpickle.dumps(converted)
    finally:
        del linecache.cache[filename]
    (result, explained), = map(_ok, _run_fresh([(payload, (x,))]))
    np.testing.assert_array_equal(result, -x + 1.0)
    assert "1 trace" in explained


def test_unpickling_the_same_closure_twice_gives_one_function():
    cloudpickle = pytest.importorskip("cloudpickle", reason="cloudpickle is not installed")
    offset = np.float64(0.5)
    fn = autograph.convert(lambda x: x + offset)
    payload = cloudpickle.dumps(fn)
    first, second = pickle.loads(payload), pickle.loads(payload)
    assert first is second and first is not fn  # traced once per process, not per task
    np.testing.assert_array_equal(first(np.ones(3)), np.full(3, 1.5))


def test_closures_need_cloudpickle():
    child = textwrap.dedent("""
        import pickle, sys
        sys.modules["cloudpickle"] = None
        import autograph
        from autograph.runtime import pickling
        try:
            pickle.dumps(autograph.convert(lambda x: x))
        except pickling.PicklingError as error:
            assert isinstance(error, pickle.PicklingError)
            assert isinstance(error, autograph.AutographError)
            print("raised:", error)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "raised:" in done.stdout and "install cloudpickle" in done.stdout


def test_a_closure_that_refers_to_itself_is_rejected_clearly():
    pytest.importorskip("cloudpickle", reason="cloudpickle is not installed")

    def make():
        @autograph.convert
        def again(x):
            return again(x)
        return again

    with pytest.raises(pickling.PicklingError, match="refers to itself"):
        pickle.dumps(make())

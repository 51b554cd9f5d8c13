"""The peers autograph is measured against: JAX, PyTorch, TensorFlow — each only if importable.

None of them is a dependency (the optional `bench` extra lists the ones we measure). A
workload writes its peer versions with the modules `Peers` holds and wraps them with the
helpers here, which decide how a peer is called fairly:

- JAX: `jax.jit`, arguments placed on the device once before timing, every call waits
  for its result (`block_until_ready`: dispatch is asynchronous). float64 needs
  `jax_enable_x64`, which is set when JAX is loaded (it also makes Python ints int64,
  as NumPy does).
- PyTorch: eager, `torch.jit.script` and `torch.compile(dynamic=False)` on tensors that
  share the NumPy arrays' memory (`torch.from_numpy`); autograd is off.
- TensorFlow: `tf.function(jit_compile=True)` (XLA) on `tf.constant`s.

A peer that fails to build or run is recorded like any other failure.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from benchmarks.workloads.common import PEER, System

NAMES = ("jax", "torch", "tensorflow")


@dataclass
class Peers:
    """The peer modules that imported (None otherwise) and why the others did not."""

    jax: object = None
    torch: object = None
    tf: object = None
    compile: bool = True  # torch.compile takes ~10-75 s per function: off in quick runs
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def jnp(self):
        return importlib.import_module("jax.numpy")

    @property
    def lax(self):
        return importlib.import_module("jax.lax")

    def versions(self) -> dict[str, str]:
        found = {"jax": self.jax, "torch": self.torch, "tensorflow": self.tf}
        return {name: getattr(m, "__version__", "?") for name, m in found.items() if m is not None}

    def threads(self) -> dict[str, object]:
        info: dict[str, object] = {}
        if self.torch is not None:
            info["torch.get_num_threads()"] = self.torch.get_num_threads()
            info["torch.get_num_interop_threads()"] = self.torch.get_num_interop_threads()
        if self.jax is not None:
            info["jax devices"] = [str(d) for d in self.jax.devices()]
        return info


def load(wanted=NAMES, *, compile: bool = True) -> Peers:
    """Imports the peers named in `wanted` that are installed; never raises."""
    peers = Peers(compile=compile)
    for name in wanted:
        try:
            module = importlib.import_module(name)
        except Exception as error:  # not installed, or broken: record and go on
            peers.errors[name] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            continue
        if name == "jax":
            module.config.update("jax_enable_x64", True)
            peers.jax = module
        elif name == "torch":
            module.set_grad_enabled(False)
            peers.torch = module
        else:
            peers.tf = module
    return peers


def none() -> Peers:
    """No peers at all (the smoke test, `--no-peers`)."""
    return Peers(compile=False)


# ---- wrapping peer functions as systems -------------------------------------------------------


def jax_system(peers: Peers, fn: Callable, name: str = "JAX jit", **jit_kwargs) -> list[System]:
    """`jax.jit(fn)`, waiting for each result; [] without JAX."""
    jax = peers.jax
    if jax is None:
        return []

    def make():
        jitted = jax.jit(fn, **jit_kwargs)

        def call(*args):
            return jax.block_until_ready(jitted(*args))

        return call

    def convert_args(args):
        return tuple(jax.device_put(a) if isinstance(a, np.ndarray) else a for a in args)

    return [System(name, PEER, make=make, convert_args=convert_args, to_numpy=np.asarray)]


def torch_systems(peers: Peers, fn: Callable, *, eager: bool = True, script: bool = True,
                  compile: bool = True) -> list[System]:
    """PyTorch eager, `torch.jit.script` and `torch.compile` versions of `fn`; [] without torch."""
    torch = peers.torch
    if torch is None:
        return []

    def convert_args(args):
        return tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args)

    def to_numpy(out):
        return out.numpy() if isinstance(out, torch.Tensor) else out

    def compiled():
        torch._dynamo.reset()  # each case compiles afresh, for its own shapes
        return torch.compile(fn, dynamic=False)

    makers = []
    if eager:
        makers.append(("torch eager", lambda: fn))
    if script:
        makers.append(("torch.jit.script", lambda: torch.jit.script(fn)))
    if compile and peers.compile:
        makers.append(("torch.compile", compiled))
    return [System(name, PEER, make=make, convert_args=convert_args, to_numpy=to_numpy)
            for name, make in makers]


def tf_system(peers: Peers, fn: Callable, name: str = "tf.function (XLA)") -> list[System]:
    """`tf.function(fn, jit_compile=True)` on tf.constants; [] without TensorFlow."""
    tf = peers.tf
    if tf is None:
        return []

    def convert_args(args):
        return tuple(tf.constant(a) if isinstance(a, np.ndarray) else a for a in args)

    def to_numpy(out):
        return out.numpy() if hasattr(out, "numpy") else out

    return [System(name, PEER, make=lambda: tf.function(fn, jit_compile=True),
                   convert_args=convert_args, to_numpy=to_numpy)]

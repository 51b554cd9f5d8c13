"""The `python` backend: runs a graph with NumPy, op by op.

It is the executable meaning of the IR: compiled backends are tested against it, and it
against NumPy run on the user's function. Values live in an environment per region that
falls back to the enclosing region's (regions capture implicitly). Weak values are handed
to NumPy as Python scalars so that NumPy promotes them weakly, exactly as it would in the
user's code.
"""

from __future__ import annotations

import numpy as np

from autograph.errors import AutographError
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import Op
from autograph.ir.reference import NUMPY_IMPL


class _Env:
    """The values of one region, falling back to the enclosing region's."""

    __slots__ = ("values", "parent")

    def __init__(self, parent: _Env | None = None):
        self.values: dict[Value, np.ndarray] = {}
        self.parent = parent

    def __getitem__(self, value: Value) -> np.ndarray:
        env = self
        while env is not None:
            found = env.values.get(value, env)
            if found is not env:
                return found
            env = env.parent
        raise AutographError(f"interpreter: {value!r} is used but was never defined")


def _operand(value: Value, array: np.ndarray):
    """What NumPy should see for `value`: a Python scalar if weak, else the array."""
    return array.item() if value.type.weak else array


class Interpreter:
    """Runs graphs; `check=True` also asserts every produced value has its declared type."""

    def __init__(self, check: bool = False):
        self.check = check

    def run(self, graph: Graph, *args) -> list[np.ndarray]:
        params = graph.body.params
        if len(args) != len(params):
            raise AutographError(f"graph {graph.name} takes {len(params)} argument(s), "
                                 f"got {len(args)}")
        arrays = []
        for name, param, arg in zip(graph.input_names, params, args):
            array = np.asarray(arg, dtype=param.type.dtype)
            if array.shape != param.type.shape:
                raise AutographError(f"graph {graph.name}: argument {name} has shape "
                                     f"{array.shape}, expected {param.type}")
            arrays.append(array)
        return self.run_region(graph.body, arrays, None)

    def run_region(self, region: Region, args, parent: _Env | None) -> list[np.ndarray]:
        env = _Env(parent)
        for param, arg in zip(region.params, args):
            env.values[param] = arg
        for node in region.nodes:
            outputs = self._run_node(node, env)
            for value, result in zip(node.outputs, outputs):
                result = np.asarray(result)
                if self.check:
                    _check_type(node, value, result)
                env.values[value] = result
        return [env[v] for v in region.results]

    def _run_node(self, node: Node, env: _Env) -> list:
        inputs = [env[v] for v in node.inputs]
        op = node.op
        if op is Op.COND:
            branch = node.regions[0] if bool(inputs[0]) else node.regions[1]
            return self.run_region(branch, [], env)
        if op is Op.WHILE:
            cond, body = node.regions
            carried = inputs
            while bool(self.run_region(cond, carried, env)[0]):
                carried = self.run_region(body, carried, env)
            return carried
        if op is Op.FOR:
            (body,) = node.regions
            start, stop, step = (int(x) for x in inputs[:3])
            carried = inputs[3:]
            for i in range(start, stop, step):
                carried = self.run_region(body, [np.asarray(i, np.int64)] + carried, env)
            return carried
        operands = [_operand(v, a) for v, a in zip(node.inputs, inputs)]
        result = NUMPY_IMPL[op](*operands, **node.attrs)
        if not node.outputs:
            return []
        return [result] if len(node.outputs) == 1 else list(result)


def _check_type(node: Node, value: Value, result: np.ndarray) -> None:
    if result.shape != value.type.shape or result.dtype != value.type.dtype:
        raise AutographError(f"interpreter: {node.op} produced {result.dtype}{list(result.shape)}"
                             f" but its type rule says {value.type}", node.origin)


def run(graph: Graph, *args, check: bool = False) -> list[np.ndarray]:
    """Runs `graph` on `args` with NumPy; returns its outputs as arrays (0-d for scalars)."""
    return Interpreter(check).run(graph, *args)

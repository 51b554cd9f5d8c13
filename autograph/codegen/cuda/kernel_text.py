"""Kernel text for the CUDA backend: the kernel object, index arithmetic and the
grid-stride map kernel.

`map_kernel` is a grid-stride loop over a static domain, with the flat index unflattened
into `i0, i1, ...` by literal divisions; elementwise groups, copies, gathers, scatters and
fills are all this shape with different bodies. `index_map` says which element of `x` an
output element of `x[index]` reads.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import numpy as np

@dataclasses.dataclass(frozen=True)
class Kernel:
    """One kernel's text without its name: equal kernels (same params and body) are one."""

    params: tuple[str, ...]
    body: tuple[str, ...]
    label: str  # what it does, for the name: `add`, `sum`, `tanh_mul_add`

    def render(self, name: str) -> str:
        lines = ["@cuda.jit(cache=True)", f"def {name}({', '.join(self.params)}):"]
        lines += ["    " + line if line else "" for line in self.body]
        return "\n".join(lines) + "\n"


def index_text(array: str, indices: Sequence[str]) -> str:
    """`a[i0, i1]`; a 0-d value (a 1-element array on the device) is `a[0]`."""
    return f"{array}[{', '.join(indices) if indices else '0'}]"


def broadcast_indices(shape: Sequence[int], names: Sequence[str]) -> list[str]:
    """Indices into a value of `shape` broadcast into a domain indexed by `names`."""
    lead = len(names) - len(shape)
    return ["0" if d == 1 else names[lead + k] for k, d in enumerate(shape)]


def unflatten(flat: str, shape: Sequence[int], names: Sequence[str]) -> list[str]:
    """Lines binding `names` to the C-order multi-index of flat index `flat` in `shape`."""
    lines = []
    stride = math.prod(shape)
    for k, (dim, name) in enumerate(zip(shape, names)):
        stride //= max(dim, 1)
        if dim == 1:
            lines.append(f"{name} = 0")
            continue
        text = flat if stride == 1 else f"{flat} // {stride}"
        if k > 0 and stride * dim != math.prod(shape):
            text = f"({text}) % {dim}" if stride != 1 else f"{flat} % {dim}"
        lines.append(f"{name} = {text}")
    return lines


def index_names(n: int, prefix: str = "i") -> list[str]:
    return [f"{prefix}{k}" for k in range(n)]


def map_kernel(params: Sequence[str], domain: Sequence[int], body: Sequence[str],
               label: str) -> Kernel:
    """A grid-stride loop over `domain` (C order): `body` sees `t` and `i0, i1, ...`."""
    size = max(1, math.prod(domain))
    lines = [f"for t in range(cuda.grid(1), {size}, cuda.gridsize(1)):"]
    lines += ["    " + line for line in unflatten("t", domain, index_names(len(domain)))]
    lines += ["    " + line for line in body]
    return Kernel(tuple(params), tuple(lines), label)


def index_map(x_shape: Sequence[int], entries: Sequence[tuple], array_shapes: dict[int, tuple],
              out_names: Sequence[str], read_dyn: Callable[[int], str],
              read_array: Callable[[int, list[str]], str]) -> tuple[list[str], list[str]]:
    """For `x[index]` (normalised `entries`), the index of x each output element reads.

    Returns (lines binding the dynamic parts, one index text per dimension of x). Output
    dimensions are laid out as `indexing.index_shape` does, advanced indices included;
    negative dynamic indices wrap once, like NumPy (out-of-bounds ones are not checked).
    """
    has_array = any(e[0] == "array" for e in entries)
    advanced = [p for p, e in enumerate(entries)
                if e[0] == "array" or (has_array and e[0] in ("int", "dyn"))]
    adv_shape: tuple[int, ...] = ()
    if advanced:
        adv_shape = tuple(np.broadcast_shapes(*(array_shapes[entries[p][1]] if
                                                entries[p][0] == "array" else ()
                                                for p in advanced)))
    contiguous = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    pos = 0
    adv_names: list[str] = []
    if advanced and not contiguous:
        adv_names, pos = list(out_names[:len(adv_shape)]), len(adv_shape)
    lines: list[str] = []
    x_index: list[str] = []
    axis = 0
    for p, entry in enumerate(entries):
        kind = entry[0]
        if kind == "newaxis":
            pos += 1
            continue
        if advanced and contiguous and p == advanced[0]:
            adv_names, pos = list(out_names[pos:pos + len(adv_shape)]), pos + len(adv_shape)
        dim = x_shape[axis]
        if kind == "int":
            x_index.append(str(entry[1]))
        elif kind == "slice":
            start, _, step = entry[1:]
            name = out_names[pos]
            pos += 1
            term = name if step == 1 else f"{step} * {name}"
            x_index.append(term if start == 0 else f"{start} + {term}")
        else:
            name = f"n{axis}"
            if kind == "dyn":
                read = read_dyn(entry[1])
            else:
                read = read_array(entry[1], broadcast_indices(array_shapes[entry[1]], adv_names))
            lines += [f"{name} = np.int64({read})", f"{name} = {name} + {dim} if {name} < 0 else {name}"]
            x_index.append(name)
        axis += 1
    return lines, x_index

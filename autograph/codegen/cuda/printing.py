"""Side effects on CUDA: a staged `print` and a staged check, run on every call.

A check (`assert`, `int()` of NaN) reads its condition back to the host (a sync, as a
print does) and raises its error there: the driver is host Python, so the exception is
the same one the CPU program and the interpreter raise.

The driver hands every printed value to `rt.print_values` with the template and a form
per value ("a" array, "s" 0-d, "w" weakly typed Python scalar), which reads device
values back to the host (a sync) and prints them as the interpreter would; 0-d
constants are written into the call as literals of their dtype.
"""

from __future__ import annotations

import numpy as np

from autograph.codegen.cuda.writer import CudaWriter
from autograph.ir.graph import Node


def emit_print(gen: CudaWriter, node: Node) -> None:
    args, forms = [], []
    for v in node.inputs:
        info = gen.vals[v]
        t = v.type
        forms.append("w" if t.weak else ("s" if t.shape == () else "a"))
        if info.kind == "literal":
            value = np.asarray(info.value).astype(t.dtype)[()]
            args.append(repr(value.item()) if t.weak else f"np.{t.dtype.name}({value.item()!r})")
        else:
            args.append(info.name)
    template = tuple(node.attrs.get("template", ()))
    gen.out.line(f"rt.print_values({template!r}, {node.attrs.get('sep', ' ')!r}, "
                 f"{node.attrs.get('end', chr(10))!r}, {''.join(forms)!r}"
                 + "".join(f", {a}" for a in args) + ")", "print: device->host reads")


def emit_check(gen: CudaWriter, node: Node) -> None:
    error, message = node.attrs["error"], node.attrs.get("message", "")
    with gen.out.block(f"if not {gen.truth(node.inputs[0])}", "check: device->host read"):
        gen.out.line(f"raise {error}({message!r})" if message else f"raise {error}")

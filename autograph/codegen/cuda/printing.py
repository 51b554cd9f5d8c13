"""`print` of traced values on CUDA: a staged print that runs on every call.

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

"""The vocabulary of an exported graph, shared by the writer and the reader.

One place says what a `graph.json` may contain: the format tag and version, the file
names, the attributes each op takes (and of which kind), and the limits a loaded file
must respect. The writer produces exactly this; the reader accepts nothing else. The
documented form is `docs/graph_schema.md`; a change here is a change there.
"""

from __future__ import annotations

import dataclasses
import re

from autograph.errors import AutographError
from autograph.ir import ops
from autograph.ir.ops import Op

FORMAT = "autograph-graph"
VERSION = 1
# Version 2 adds the optional top-level `dynamic_outputs`: [buffer output, count output]
# pairs for results whose length is known only at run time (staging/dynamic.py), sliced to
# the count by the loaded function. Files without such outputs are still written as 1.
DYNAMIC_VERSION = 2
READABLE_VERSIONS = (VERSION, DYNAMIC_VERSION)
GRAPH_FILE = "graph.json"
PARAMS_FILE = "params.npz"
PROGRAM_FILE = "program.py"

# What may name a value or a graph in a loaded IR: ASCII identifiers, at most 64 chars.
# Anything else from a file is dropped (hints) or replaced (names), so no text from a
# file can reach a generated program except through this pattern.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# npz member names (without `.npy`): identifiers with dots; `__` starts writer-made keys.
PARAM_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}")
CONSTANT_KEY_PREFIX = "__const_"

# CONSTANT arrays with more elements than this go to params.npz instead of graph.json.
INLINE_CONSTANT_ELEMENTS = 256


class ExportError(AutographError):
    """A graph cannot be written: an attribute or value has no place in the format."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """Bounds a loaded file must respect; anything beyond is rejected, not attempted.

    They exist so a hostile or corrupt file costs a clear LoadError, never a crash, a
    hang or the machine's memory. Tests pass smaller ones to exercise each bound.
    """

    max_json_bytes: int = 256 * 2**20       # graph.json on disk
    max_json_depth: int = 200                # nesting of JSON arrays/objects
    max_string: int = 65536                  # characters in any one string
    max_name: int = 256                      # characters in a graph or input name
    max_nodes: int = 10**6                   # nodes, all regions together
    max_region_depth: int = 32               # regions inside regions
    max_ndim: int = 32                       # dimensions of any value
    max_dim: int = 2**40                     # one dimension of any value
    max_elements: int = 2**31                # elements of any one value
    max_inline_elements: int = 10**6         # elements of a CONSTANT written in the JSON
    max_list: int = 2**20                    # inputs, outputs, region params, template
    max_params: int = 10**5                  # arrays in params.npz
    max_param_bytes: int = 2**34             # all arrays in params.npz together
    max_value_bytes: int = 2**33             # constants and intermediates, all nodes together


DEFAULT_LIMITS = Limits()


# ---- attributes -------------------------------------------------------------------
#
# Each op's attributes are declared with the op (`ir.ops.ATTRIBUTES`: name -> (kind,
# required)); a kind names one codec in `attrs.py`. The reader rejects missing required,
# unknown, and wrongly typed attributes.

AttrSpec = ops.AttrSpec
ATTR_SPECS: dict[Op, AttrSpec] = ops.ATTRIBUTES


def attribute_table() -> str:
    """The docs' table of attributes per op (docs/graph_schema.md), from `ATTR_SPECS`:
    ops with the same attributes share a row, in the order of the enum."""
    rows: dict[tuple, list[str]] = {}
    for op in Op:
        rows.setdefault(tuple(ATTR_SPECS[op].items()), []).append(f"`{op.printed_name}`")
    lines = ["| op | attributes |", "| -- | ---------- |"]
    for spec, names in rows.items():
        cells = "; ".join(f"`{name}`{'' if required else ' *opt*'}: {ops.ATTRIBUTE_KINDS[kind]}"
                          for name, (kind, required) in spec) or "none"
        lines.append(f"| {' '.join(names)} | {cells} |")
    return "\n".join(lines) + "\n"


# Ops by their printed name, the spelling graph.json uses.
OPS_BY_NAME: dict[str, Op] = {op.printed_name: op for op in Op}


# ---- origins ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SavedOrigin:
    """A node's user-source location as read back from a file.

    It has the fields of `pyct.origins.Origin` (which errors and printers read) without
    importing pyct: a loaded graph points at the user's line even where the source is gone.
    """

    filename: str
    lineno: int
    col_offset: int
    function_name: str
    source_line: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


def sanitize_name(name: str, fallback: str) -> str:
    """`name` made an IDENTIFIER: other characters become `_`; `fallback` if nothing is left.

    Used for names that must exist (graph and input names), where a hint would be dropped.
    """
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)[:64]
    if cleaned and not cleaned[0].isdigit() and IDENTIFIER.fullmatch(cleaned):
        return cleaned
    return fallback

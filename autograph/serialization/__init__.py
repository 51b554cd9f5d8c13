"""The on-disk form of a graph: graph.json (structure) plus params.npz (arrays).

`schema` is the vocabulary (format, version, attribute kinds per op, limits), `values`
and `attrs` the typed JSON encodings, `writer` turns a graph into records, `reader`
rebuilds and checks a graph from untrusted records (the security boundary), `safejson`
and `npzfile` parse the two files without trusting them. `autograph.serialization.export` is the
public face; the schema is documented in `docs/graph_schema.md`.
"""

from __future__ import annotations

from autograph.serialization.reader import read_graph
from autograph.serialization.schema import (DEFAULT_LIMITS, FORMAT, GRAPH_FILE, PARAMS_FILE,
                                            PROGRAM_FILE, VERSION, ExportError, Limits)
from autograph.serialization.writer import write_records

__all__ = ["DEFAULT_LIMITS", "FORMAT", "GRAPH_FILE", "PARAMS_FILE", "PROGRAM_FILE", "VERSION",
           "ExportError", "Limits", "read_graph", "write_records"]

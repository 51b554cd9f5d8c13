"""The Numba CPU backend: program text for a graph, one module per job.

`backend.compile_graph` is the entry point; `text` → `analysis` → `writer` → the emitter
modules → `program` → `backend` is the order in which they may import each other.
"""

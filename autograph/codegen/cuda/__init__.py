"""The numba.cuda backend: kernels and a host driver for a graph, one module per job.

`backend.compile_graph` is the entry point. Nothing here imports `numba.cuda` at module
level: importing autograph must never need a GPU.
"""

"""autograph beside other tools: Dask scale-out and the chapter's `Benchmark` timer.
"""

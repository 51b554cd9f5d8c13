"""Where a small CUDA program's host time goes: W1 (MLP, batch 4096) call path, profiled.

    PYTHONPATH=. python benchmarks/gpu_profile.py

The GPU MLP is bound by host-side cost per call (RESULTS.md, GPU section), and nothing
but a real device says how that cost splits: numba-cuda's launch path (argument typing,
argument packing, the driver call), device allocation, our input checks. This prints the
median of each piece, timed alone, and a cProfile of 300 calls. Run it whenever the
call path changes; it needs a GPU (under the simulator every launch is Python threads).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time

import numpy as np

from autograph.codegen.cuda import backend as numba_cuda, launch as cuda_launch


def _median(fn, repeats=200, sync=None):
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if sync is not None:
            sync()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def _reference(arrays):
    h = arrays[0]
    for k in range(1, len(arrays), 2):
        h = h @ arrays[k] + arrays[k + 1]
        if k + 2 < len(arrays):
            h = np.maximum(h, 0)
    return h


def main() -> None:
    from numba import cuda

    from benchmarks.gpu_bench import mlp_graph

    rng = np.random.default_rng(0)
    sizes = (512, 256, 128, 2)
    arrays = [rng.standard_normal((4096, 512)).astype(np.float32)]
    for m, k in zip(sizes[:-1], sizes[1:]):
        arrays += [(rng.standard_normal((m, k)) / np.sqrt(m)).astype(np.float32),
                   rng.standard_normal(k).astype(np.float32)]
    args = [cuda.to_device(a) for a in arrays]
    program = numba_cuda.compile_graph(mlp_graph(4096, sizes))
    program(*args)
    cuda.synchronize()
    sync = cuda.synchronize
    sites = {n: getattr(program.module, n) for n in dir(program.module) if n.startswith("_L")}
    print("direct launches:", {n: site.why or "yes" for n, site in sites.items()})
    print(f"sync alone                     {_median(sync):8.1f} µs")
    print(f"program(*args) + sync          {_median(lambda: program(*args), sync=sync):8.1f} µs")
    print(f"program(*args), no sync        {_median(lambda: program(*args)):8.1f} µs")
    prepared, _ = numba_cuda.rt.prepare_inputs(args, program._in_types, program._names,
                                              program._kinds)
    print(f"prepare_inputs                 "
          f"{_median(lambda: numba_cuda.rt.prepare_inputs(args, program._in_types, program._names, program._kinds)):8.1f} µs")
    print(f"driver alone, no sync          {_median(lambda: program._driver(*prepared)):8.1f} µs")
    print(f"cuda.device_array((4096, 2))   {_median(lambda: cuda.device_array((4096, 2), np.float32)):8.1f} µs")

    # one kernel of the program, launched three ways
    module = program.module
    name = sorted(k for k in dir(module) if k.startswith("_k2"))[0]
    kernel = getattr(module, name)
    out = cuda.device_array((4096, 2), np.float32)
    h = cuda.device_array((4096, 128), np.float32)
    kargs = (h, args[5], out, args[6])
    grid, block = (2048, 1), (4, 2)
    print(f"{name}[grid, block](4 arrays)  "
          f"{_median(lambda: kernel[grid, block](*kargs)):8.1f} µs")
    configured = kernel[grid, block]
    print(f"configured(4 arrays)           {_median(lambda: configured(*kargs)):8.1f} µs")
    site = numba_cuda.rt.Launch(kernel, (grid, block))
    print(f"rt.Launch site(4 arrays)       {_median(lambda: site(*kargs)):8.1f} µs")
    cuda_launch.set_enabled(False)
    print(f"program + sync, numba launches {_median(lambda: program(*args), sync=sync):8.1f} µs")
    cuda_launch.set_enabled(True)
    print(f"program + sync, direct         {_median(lambda: program(*args), sync=sync):8.1f} µs")
    held = [program(*args)]

    def keep_previous():  # `r = f(x)` in a loop: the previous result is alive during a call
        held[0] = program(*args)

    print(f"program + sync, previous kept  {_median(keep_previous, sync=sync):8.1f} µs")
    np.testing.assert_allclose(program(*args)[0].copy_to_host(), _reference(arrays),
                               rtol=1e-3, atol=1e-3)
    cuda.synchronize()

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(300):
        program(*args)
    cuda.synchronize()
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(35)
    print(text.getvalue())


if __name__ == "__main__":
    main()

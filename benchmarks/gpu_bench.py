"""GPU benchmarks of the CUDA backend, against CuPy and PyTorch on the same card.

    PYTHONPATH=. python benchmarks/gpu_bench.py [--quick] [--only w2,mlp,w5] [--variants]

Workloads (graphs built with `ir.Builder`, so nothing but the code generator is measured;
inputs and outputs stay on the device, as a GPU user would keep them):

- W2  `np.tanh(x * 0.5 + y) * np.exp(-x * x) + 1.0`, float32, 100,000,000 elements: GB/s
      of the 12 bytes per element it must move, against a device-to-device copy of
      x (8 bytes moved per element); also at 1,000 elements, where launch overhead rules.
- W1  an MLP 512 -> 256 -> 128 -> 2 with ReLU at batch 4096, float32 (cuBLAS through CuPy
      allowed for products above `cuda_runtime`'s threshold, and our tiled kernel alone);
      also at batch 8, where launch overhead rules. `--variants` adds the same MLP with
      other matmul tiles and with the general product kernel and no epilogue fusion (the
      code generator before `cuda_gemm`), each its own program on the same card.
- W5  Mandelbrot escape counts on a 2000 x 2000 grid, 100 iterations (float32), a host
      `for` loop around the fused kernels.

Every figure is the median of repeats, each timed from launch to `synchronize()`, after a
warm-up call that compiles. Prints a markdown table; writes JSON to $OUT/gpu_bench.json
when OUT is set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

from autograph.codegen.cuda import (backend as numba_cuda, launch as cuda_launch,
                                    runtime as cuda_runtime)
from autograph.codegen.cuda.runtime import Target
from autograph.ir import Builder, Op, TensorType


WORKLOADS = ("w2", "mlp", "w5")
# --variants: (label, target) pairs timed on the MLP besides the default target
MLP_VARIANTS = (
    ("general kernel, no epilogue", Target(fast_matmul=False, epilogues=False)),
    ("no epilogue", Target(epilogues=False)),
    ("tiles 64x64/4x4", Target(gemm_tiles=((64, 64, 8, 4, 4),))),
    # last: its kernels take several times longer to compile
    ("8x8 micro-tiles", Target(gemm_tiles=((128, 128, 8, 8, 8), (128, 64, 8, 8, 8),
                                           (64, 64, 8, 8, 8)))),
)


def _timeit(fn, sync, repeats: int) -> float:
    fn()
    sync()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# ---- graphs ---------------------------------------------------------------------------

def w2_graph(n: int):
    b = Builder("w2")
    x = b.add_input(TensorType((n,), np.float32), "x")
    y = b.add_input(TensorType((n,), np.float32), "y")
    half, one = b.emit(Op.CONSTANT, [], value=0.5), b.emit(Op.CONSTANT, [], value=1.0)
    t = b.emit(Op.TANH, [b.emit(Op.ADD, [b.emit(Op.MUL, [x, half]), y])])
    e = b.emit(Op.EXP, [b.emit(Op.NEG, [b.emit(Op.MUL, [x, x])])])
    return b.finish([b.emit(Op.ADD, [b.emit(Op.MUL, [t, e]), one])])


MLP_SIZES = (512, 256, 128, 2)


def mlp_graph(batch: int, sizes=MLP_SIZES):
    b = Builder("mlp")
    h = b.add_input(TensorType((batch, sizes[0]), np.float32), "x")
    params = []
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = b.add_input(TensorType((m, n), np.float32), f"w{k}")
        bias = b.add_input(TensorType((n,), np.float32), f"b{k}")
        params += [w, bias]
        h = b.emit(Op.ADD, [b.emit(Op.MATMUL, [h, w]), bias])
        if k < len(sizes) - 2:
            h = b.emit(Op.MAXIMUM, [h, b.emit(Op.CONSTANT, [], value=0.0)])
    return b.finish([h])


def mandelbrot_graph(shape, iters: int):
    b = Builder("mandelbrot")
    cre = b.add_input(TensorType(shape, np.float32), "c_re")
    cim = b.add_input(TensorType(shape, np.float32), "c_im")
    zero = b.emit(Op.FULL, [], shape=shape, value=0.0, dtype=np.float32)
    count0 = b.emit(Op.FULL, [], shape=shape, value=0, dtype=np.int32)
    _, zr, zi, count = b.open_region([TensorType((), np.int64), cre.type, cim.type,
                                      count0.type], ["i", "zr", "zi", "count"])
    zr2, zi2 = b.emit(Op.MUL, [zr, zr]), b.emit(Op.MUL, [zi, zi])
    inside = b.emit(Op.LE, [b.emit(Op.ADD, [zr2, zi2]), b.emit(Op.CONSTANT, [], value=4.0)])
    count = b.emit(Op.ADD, [count, b.emit(Op.CAST, [inside], dtype=np.int32)])
    two_zr_zi = b.emit(Op.MUL, [b.emit(Op.MUL, [zr, b.emit(Op.CONSTANT, [], value=2.0)]), zi])
    new_zi = b.emit(Op.WHERE, [inside, b.emit(Op.ADD, [two_zr_zi, cim]), zi])
    new_zr = b.emit(Op.WHERE, [inside, b.emit(Op.ADD, [b.emit(Op.SUB, [zr2, zi2]), cre]), zr])
    body = b.close_region([new_zr, new_zi, count])
    bounds = [b.emit(Op.CONSTANT, [], value=np.array(v, np.int64)) for v in (0, iters, 1)]
    _, _, count = b.emit(Op.FOR, bounds + [zero, zero, count0], regions=[body])
    return b.finish([count])


# ---- peers ------------------------------------------------------------------------------

def _peers():
    found = {}
    try:
        import cupy
        cupy.zeros(1).sum()
        found["cupy"] = cupy
    except Exception:
        pass
    try:
        import torch
        if torch.cuda.is_available():
            found["torch"] = torch
    except Exception:
        pass
    return found


def _peer_sync(name, lib):
    if name == "cupy":
        return lambda: lib.cuda.runtime.deviceSynchronize()
    return lib.cuda.synchronize


def _w2_peer(name, lib, x, y):
    if name == "cupy":
        return lambda: lib.tanh(x * 0.5 + y) * lib.exp(-x * x) + 1.0
    return lambda: lib.tanh(x * 0.5 + y) * lib.exp(-x * x) + 1.0


def _mlp_peer(name, lib, x, params):
    relu = (lambda h: lib.maximum(h, 0.0)) if name == "cupy" else lib.relu

    def run():
        h = x
        for k in range(0, len(params), 2):
            h = h @ params[k] + params[k + 1]
            if k + 2 < len(params):
                h = relu(h)
        return h
    return run


def _mandelbrot_peer(name, lib, cre, cim, iters):
    def run():
        zr = lib.zeros_like(cre)
        zi = lib.zeros_like(cim)
        count = (lib.zeros(cre.shape, dtype=lib.int32) if name == "cupy" else
                 lib.zeros(cre.shape, dtype=lib.int32, device=cre.device))
        for _ in range(iters):
            zr2, zi2 = zr * zr, zi * zi
            inside = zr2 + zi2 <= 4.0
            count = count + inside.astype(lib.int32) if name == "cupy" else count + inside.int()
            zi = lib.where(inside, zr * 2.0 * zi + cim, zi)
            zr = lib.where(inside, zr2 - zi2 + cre, zr)
        return count
    return run


def _to_peer(name, lib, array):
    return lib.asarray(array) if name == "cupy" else lib.from_numpy(array).cuda()


def _mlp(batch, sizes, rng, repeats, peers, sync, record, variants):
    """W1 at `batch`: the default program (cuBLAS allowed, then our kernels alone), the
    `MLP_VARIANTS` when asked, then the peers."""
    from numba import cuda

    xh = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    params_h = []
    for m, k in zip(sizes[:-1], sizes[1:]):
        params_h += [(rng.standard_normal((m, k)) / np.sqrt(m)).astype(np.float32),
                     rng.standard_normal(k).astype(np.float32)]
    args = [cuda.to_device(a) for a in [xh] + params_h]
    want = xh
    for k in range(0, len(params_h), 2):
        want = want @ params_h[k] + params_h[k + 1]
        if k + 2 < len(params_h):
            want = np.maximum(want, 0)
    flops = 2 * batch * sum(m * k for m, k in zip(sizes[:-1], sizes[1:]))
    workload = f"W1 MLP batch {batch}"

    def measure(program, label):
        got = program(*args)[0].copy_to_host()
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)
        t = _timeit(lambda: program(*args), sync, repeats)
        # calls queued back to back: the larger of host-side and device time per call
        queued = _timeit(lambda: [program(*args) for _ in range(10)], sync, 3) / 10
        record(workload, label, t, {"GFLOP/s": flops / t / 1e9, "queued µs": queued * 1e6})

    graph = mlp_graph(batch, sizes)
    program = numba_cuda.compile_graph(graph)
    for cublas in (True, False):
        cuda_runtime.set_cublas(cublas)
        measure(program, "autograph cuda" + (" (cuBLAS allowed)" if cublas and "cupy" in peers
                                             else " (tiled only)" if not cublas else ""))
    cuda_runtime.set_cublas(True)
    cuda_launch.set_enabled(False)  # before cuda_launch: every launch through numba-cuda
    measure(program, "autograph cuda (numba-cuda launches)")
    cuda_launch.set_enabled(True)
    for label, target in MLP_VARIANTS if variants and not cuda_runtime.simulating() else ():
        measure(numba_cuda.compile_graph(graph, target=target), f"autograph cuda ({label})")
    for name, lib in peers.items():
        px = _to_peer(name, lib, xh)
        pp = [_to_peer(name, lib, a) for a in params_h]
        t = _timeit(_mlp_peer(name, lib, px, pp), _peer_sync(name, lib), repeats)
        record(workload, name, t, {"GFLOP/s": flops / t / 1e9})


def _mandelbrot(grid_side, iters, reps, peers, record):
    from numba import cuda

    shape = (grid_side, grid_side)
    re, im = np.meshgrid(np.linspace(-2.0, 1.0, grid_side, dtype=np.float32),
                         np.linspace(-1.5, 1.5, grid_side, dtype=np.float32))
    program = numba_cuda.compile_graph(mandelbrot_graph(shape, iters))
    cre, cim = cuda.to_device(re), cuda.to_device(im)
    label = f"W5 Mandelbrot {grid_side}x{grid_side}x{iters}"
    got = program(cre, cim)[0].copy_to_host()
    t = _timeit(lambda: program(cre, cim), cuda.synchronize, reps)
    record(label, "autograph cuda", t)
    for name, lib in peers.items():
        run = _mandelbrot_peer(name, lib, _to_peer(name, lib, re), _to_peer(name, lib, im),
                               iters)
        peer_count = run()
        peer_count = peer_count.get() if name == "cupy" else peer_count.cpu().numpy()
        mismatch = float(np.mean(peer_count != got))
        t = _timeit(run, _peer_sync(name, lib), reps)
        record(label, name, t, {"mismatch%": 100 * mismatch})


# ---- main -------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes: checks the script itself (the simulator can run it)")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help=f"comma-separated workloads to run, of {','.join(WORKLOADS)}")
    parser.add_argument("--variants", action="store_true",
                        help="also time the MLP with other matmul tiles and the old path")
    opts = parser.parse_args(argv)
    only = set(opts.only.split(","))
    if not only <= set(WORKLOADS):
        parser.error(f"--only takes {','.join(WORKLOADS)}, not {opts.only}")
    cuda_runtime.require_device()
    from numba import cuda

    repeats = 2 if opts.smoke else 5 if opts.quick else 20
    n = 2000 if opts.smoke else 10_000_000 if opts.quick else 100_000_000
    grid_side, iters = (16, 4) if opts.smoke else (500, 100) if opts.quick else (2000, 100)
    batch = 8 if opts.smoke else 4096
    sizes = (16, 8, 4, 2) if opts.smoke else MLP_SIZES
    device = cuda.get_current_device()
    name = getattr(device, "name", "the CUDA simulator")
    sync = cuda.synchronize
    peers = _peers()
    rows, results = [], {"device": name.decode() if isinstance(name, bytes) else str(name),
                         "quick": opts.quick, "workloads": {}}
    rng = np.random.default_rng(0)

    def record(workload, system, seconds, extra=None):
        entry = {"median_s": seconds, **(extra or {})}
        results["workloads"].setdefault(workload, {})[system] = entry
        rows.append((workload, system, seconds, extra or {}))
        print(f"  {workload:<28} {system:<22} {seconds * 1e3:10.3f} ms "
              + " ".join(f"{k}={v:.1f}" for k, v in (extra or {}).items()), flush=True)

    # W2 at full size and tiny
    for size, label in ((n, f"W2 f32 {n:,}"), (1000, "W2 f32 1,000")) if "w2" in only else ():
        xh = rng.standard_normal(size).astype(np.float32)
        yh = rng.standard_normal(size).astype(np.float32)
        x, y = cuda.to_device(xh), cuda.to_device(yh)
        program = numba_cuda.compile_graph(w2_graph(size))
        got = program(x, y)[0].copy_to_host()
        want = np.tanh(xh * 0.5 + yh) * np.exp(-xh * xh) + 1.0
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        t = _timeit(lambda: program(x, y), sync, repeats)
        record(label, "autograph cuda", t, {"GB/s": 12 * size / t / 1e9})
        if size == n:
            dst = cuda.device_array_like(x)
            t = _timeit(lambda: dst.copy_to_device(x), sync, repeats)
            record(label, "d2d copy of x", t, {"GB/s": 8 * size / t / 1e9})
        for name, lib in peers.items():
            px, py = _to_peer(name, lib, xh), _to_peer(name, lib, yh)
            t = _timeit(_w2_peer(name, lib, px, py), _peer_sync(name, lib), repeats)
            record(label, name, t, {"GB/s": 12 * size / t / 1e9})
        del x, y

    # W1 MLP
    if "mlp" in only:
        _mlp(batch, sizes, rng, repeats, peers, sync, record, opts.variants)
        if not opts.smoke:
            _mlp(8, sizes, rng, repeats, peers, sync, record, False)

    # W5 Mandelbrot
    reps = max(3, repeats // 4)
    if "w5" in only:
        _mandelbrot(grid_side, iters, reps, peers, record)

    print()
    print(f"device: {results['device']}; medians of {repeats} repeats (W5: {reps})")
    print()
    print("| workload | system | median | throughput |")
    print("| --- | --- | ---: | ---: |")
    for workload, system, seconds, extra in rows:
        rate = ", ".join(f"{v:.1f} {k}" for k, v in extra.items())
        print(f"| {workload} | {system} | {seconds * 1e3:.3f} ms | {rate} |")
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "gpu_bench.json"), "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

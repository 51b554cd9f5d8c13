import cProfile, pstats, time, io, sys
import numpy as np
sys.path.insert(0, "benchmarks")
from numba import cuda
from autograph.codegen import cuda_runtime as rt, numba_cuda
import gpu_bench as gb

def per(fn, n=200):
    fn(); cuda.synchronize()
    t = time.perf_counter()
    for _ in range(n): fn()
    cuda.synchronize()
    return (time.perf_counter() - t) / n * 1e6

print("alloc 4M f32 us", per(lambda: cuda.device_array((4_000_000,), np.float32)))
print("alloc 1000 f32 us", per(lambda: cuda.device_array((1000,), np.float32)))
@cuda.jit
def k(a, b, c):
    i = cuda.grid(1)
    if i < c.size: c[i] = a[i] + b[i]
a = cuda.device_array((1000,), np.float32); b = cuda.device_array((1000,), np.float32); c = cuda.device_array((1000,), np.float32)
print("launch 3 args us", per(lambda: k[4, 256](a, b, c)))
print("launch via rt.grid us", per(lambda: k[rt.grid(1000)](a, b, c)))
try:
    import cupy
    print("cupy.asarray us", per(lambda: cupy.asarray(a)))
except Exception as e: print(e)
x = cuda.to_device(np.random.rand(4096, 512).astype(np.float32)); w = cuda.to_device(np.random.rand(512, 256).astype(np.float32))
o = cuda.device_array((4096, 256), np.float32)
print("rt.gemm us", per(lambda: rt.gemm(x, w, o), 50), rt.gemm(x, w, o))
cx, cw = cupy.asarray(x), cupy.asarray(w)
print("cupy matmul us", per(lambda: cx @ cw, 50))
rng = np.random.default_rng(0)
for name, graph, args in [
    ("w2 1000", gb.w2_graph(1000), [cuda.to_device(np.ones(1000, np.float32))] * 2),
    ("mlp", gb.mlp_graph(4096), [cuda.to_device(rng.standard_normal(s).astype(np.float32)) for s in [(4096, 512), (512, 256), (256,), (256, 128), (128,), (128, 2), (2,)]]),
    ("mandel 200", gb.mandelbrot_graph((200, 200), 20), [cuda.to_device(np.ones((200, 200), np.float32))] * 2),
]:
    prog = numba_cuda.compile_graph(graph)
    print(name, "per call us", per(lambda: prog(*args), 20))
    pr = cProfile.Profile(); pr.enable()
    for _ in range(10): prog(*args)
    cuda.synchronize(); pr.disable()
    s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(14); print(s.getvalue()[-3500:])

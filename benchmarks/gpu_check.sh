#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU, under 8 minutes:
#   1. a Python that has autograph's needs and numba-cuda: .venv, made if missing
#      (from the machine's python3 when that already has numba-cuda, CuPy or PyTorch,
#      as GPU images do; otherwise installed from PyPI: -e . numba-cuda[cu13] pytest);
#   2. tests/cuda on the real device (no simulator), in parallel where pytest-xdist is;
#   3. benchmarks/gpu_bench.py: medians, a markdown table, JSON to $OUT when OUT is set.
# Logs go to $OUT too. Exit status: that of the tests (the benchmark runs either way).
#   gpu_check.sh --bench-only [gpu_bench.py options]: steps 1 and 3 alone, e.g.
#   `--bench-only --only mlp,w2 --variants` when device time is short; exit status that
#   of the benchmark.
set -uo pipefail
BENCH_ONLY=0
if [ "${1:-}" = "--bench-only" ]; then BENCH_ONLY=1; shift; fi
cd "$(dirname "$0")/.."
unset NUMBA_ENABLE_CUDASIM
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
LOG=${OUT:-/tmp}
PY=.venv/bin/python

usable() { "$1" -c "import numpy, scipy, numba, numba.cuda, pytest" 2>/dev/null; }

if ! { [ -x "$PY" ] && usable "$PY"; }; then
  rm -rf .venv
  python3 -m venv .venv || exit 1
  if usable python3; then
    # see the image's packages (numba-cuda, CuPy, PyTorch, pytest-xdist) from the venv
    python3 -c 'import sys; print("\n".join(p for p in sys.path if p.endswith("-packages")))' \
      > "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/_image.pth"
  fi
  if ! usable "$PY"; then
    $PY -m pip install -q -e . "numba-cuda[cu13]" pytest || exit 1
  fi
fi

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null
$PY -c 'import numpy, numba, numba_cuda, sys; print("python", sys.version.split()[0], "numpy",
numpy.__version__, "numba", numba.__version__, "numba-cuda", numba_cuda.__version__)' 2>/dev/null

status=0
if [ "$BENCH_ONLY" = 0 ]; then
  PARALLEL=()
  if $PY -c "import xdist" 2>/dev/null; then PARALLEL=(-n 8); fi
  echo "== tests/cuda on the device"
  timeout 300 $PY -m pytest tests/cuda -p no:cacheprovider -W ignore::Warning "${PARALLEL[@]}" 2>&1 \
    | tee "$LOG/gpu_tests.log" | tail -n 40
  status=${PIPESTATUS[0]}
fi

echo "== benchmarks"
timeout 200 $PY benchmarks/gpu_bench.py "$@" 2>&1 | tee "$LOG/gpu_bench.log"
bench=${PIPESTATUS[0]}
if [ "$BENCH_ONLY" = 1 ]; then exit "$bench"; fi
exit "$status"

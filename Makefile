# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv when
# it is missing and installs what it needs, so nothing has to be installed by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-main test-cuda bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,cuda,dask]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/seed_chapter.py

# The CUDA simulator must be switched on before Numba is imported: its tests run in a
# pytest process of their own.
test: test-main test-cuda

# Test files are spread over the cores (pytest-xdist; a file stays on one worker, so its
# compiled programs are shared within it as before).
test-main: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/cuda -n auto --dist loadfile

test-cuda: $(STAMP)
	NUMBA_ENABLE_CUDASIM=1 $(PY) -m pytest tests/cuda

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .autograph_cache .pytest_cache

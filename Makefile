# tla: `make demo` and `make test` are all a fresh machine with Python 3.11 and make needs.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.tla-installed
STUBS  := $(VENV)/mpy-stubs
ARGS   ?=
TEST_JOBS ?= 2

.PHONY: demo test bench lint setup clean firmware

setup: $(STAMP)

$(STAMP): pyproject.toml tools/debian-deps.sh tools/install.sh
	@PYTHON=$(PYTHON) sh tools/debian-deps.sh
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tla needs Python 3.11 or newer (set PYTHON=...)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@sh tools/install.sh $(VENV) $(STUBS)
	@touch $(STAMP)

demo: $(STAMP)
	@$(VENV)/bin/tla-emu demo $(ARGS)

# On every core (pytest-xdist, tests/parallel.py); the 15 slowest tests listed at the end.
# `make test TEST_JOBS=0` runs it in one process.
test: $(STAMP)
	@$(PY) -m pytest -n $(TEST_JOBS) --durations=15 $(ARGS)

bench: $(STAMP)
	@$(PY) -m bench $(ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/pyright -p pyrightconfig.mpy.json
	@$(VENV)/bin/pyright -p pyrightconfig.json

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info

# The device image and the 32-bit frozen unix binary, from ../shared/micropython (docs/board.md).
firmware:
	@sh tools/firmware.sh

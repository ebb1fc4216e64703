# The README's commands. Each creates .venv on first use; only Python and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test lint typecheck pyright imports unit compat demo bench bench-sa clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/mypy
	$(MAKE) --no-print-directory pyright
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# pyright over the typing tests ([tool.pyright] in pyproject.toml), as a user's project with
# no plugin would run it. Pinned, and installed from the npm registry into .cache/ on first use:
# it needs Node.js and npm. Without them it is skipped, except in CI (CI=true) or under
# CORRAL_REQUIRE_SERVERS=1, where it fails.
PYRIGHT_VERSION := 1.1.414
PYRIGHT := .cache/pyright-$(PYRIGHT_VERSION)/node_modules/.bin/pyright

pyright: $(VENV)/.installed-dev
	@if command -v npm >/dev/null 2>&1; then \
		[ -x $(PYRIGHT) ] || npm install --silent --no-audit --no-fund \
			--prefix .cache/pyright-$(PYRIGHT_VERSION) pyright@$(PYRIGHT_VERSION) || exit 1; \
		$(PYRIGHT) --project pyproject.toml --pythonpath $(BIN)/python; \
	elif [ "$${CI:-}" = true ] || [ "$${CORRAL_REQUIRE_SERVERS:-}" = 1 ]; then \
		echo "pyright needs Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; \
	else \
		echo "pyright skipped: Node.js and npm are not installed (apt-get install nodejs npm)"; \
	fi

imports: $(VENV)/.installed-dev
	$(BIN)/lint-imports

unit: $(VENV)/.installed-dev
	$(BIN)/pytest -q tests/unit

# SQLAlchemy 2.0's doctests and examples on SQLAlchemy and on corral; fails on a regression from
# tests/compat/known_pass.json. COMPAT_ARGS passes options, e.g. COMPAT_ARGS=--update after an
# improvement, or COMPAT_ARGS="--failures /tmp/compat.txt" to list every difference.
compat: $(VENV)/.installed-dev
	$(BIN)/python -m tests.compat $(COMPAT_ARGS)

# DEMO_ARGS passes options, e.g. make demo DEMO_ARGS="--workers 4 --url mysql://root@127.0.0.1/test"
# (--asyncio sells from asyncio tasks through the database's asyncio driver)
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgresql,mysql,asyncio,aiomysql,aiosqlite]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/python -m corral demo $(DEMO_ARGS)

# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--url postgresql://root@127.0.0.1:5432/test"
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m corral bench $(BENCH_ARGS)

# SQLAlchemy's own examples/performance suite on SQLAlchemy and on corral (benchmarks/README.md);
# SA_BENCH_ARGS passes options, e.g. SA_BENCH_ARGS="--dburl postgresql+psycopg://root@127.0.0.1/bench"
bench-sa: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/sa_performance.py $(SA_BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache .cache

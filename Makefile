# Two commands matter: `make demo` (the main job) and `make test`. Both install what they need.
PY        ?= python3.11
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install up down status test lint typecheck unit demo dev bench chaos scale-out clean deploy-tools

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "error: $(PY) not found: install Python 3.11"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

# Debian's chromium too (as root, when missing): the browser the console's tests drive
install: $(STAMP)
	@$(BIN)/python -m devtools.devstack.chromium

# BROKERS=3: a three-node KRaft cluster (replication 3, min.insync.replicas 2); unset: as formatted, else 1
up: install
	@$(BIN)/python -m devtools.devstack up $(if $(BROKERS),--brokers $(BROKERS))

down:
	@test -x $(BIN)/python && $(BIN)/python -m devtools.devstack down || true

status: install
	@$(BIN)/python -m devtools.devstack status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# helm, kubeconform, promtool, the compose loader and the schemas tests/deploy validates with,
# built or fetched once per machine outside the clone (deploy/tools/install.sh)
deploy-tools:
	@deploy/tools/install.sh

test: lint typecheck deploy-tools
	$(BIN)/pytest

unit: install
	$(BIN)/pytest -m "not integration"

demo: install
	@$(BIN)/python -m devtools.demo

dev: install
	@$(BIN)/python -m devtools dev

bench: install
	@$(BIN)/python -m tests.bench $(ARGS)

chaos: install
	@$(BIN)/python -m devtools.chaos $(ARGS)

# the chaos run scaled out: 3 brokers, 3 `hub run`, 2 `hub connect`, one of each SIGKILLed at once
scale-out: install
	@$(BIN)/python -m devtools.chaos --scale-out $(ARGS)

clean: down
	rm -rf .local .mypy_cache .ruff_cache .pytest_cache .hypothesis

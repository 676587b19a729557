# rightsledger: `make demo` and `make test` install whatever is missing, then run.
# Everything is pinned: package-lock.json (solc-js, anvil, forge, OpenZeppelin) and
# requirements/constraints.txt (Python). Nothing downloads a compiler or a binary at run time.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOLC_VERSION := 0.8.30
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export RIGHTSLEDGER_ANVIL := $(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil

# The `ray` extra, installed beside `ape` (which pins packaging<24, Ray asks for >=24.2): Ray's own
# dependencies, then Ray itself without its packaging pin. See pyproject.toml, extra `ray`.
RAY_VERSION := 2.60.0
RAY_DEPS := filelock jsonschema "msgpack>=1,<2" "protobuf>=3.20.3" fsspec
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
SOLC_LINK := .solcx/solc-v$(SOLC_VERSION)

.PHONY: help install chromium fpcalc postgresql dev-certs demo serve test test-python test-solidity artifacts vendor-js lint bench slither clean

help:
	@echo "make demo   - install what is missing, start the local chain, deploy, run the demo [PORT=8545]"
	@echo "make serve  - start the local chain (and deploy) if needed, then the gateway and web page on :8000 [PORT=chain port]"
	@echo "make test   - install what is missing, run every test (pytest and forge)"
	@echo "make bench  - run the benchmarks; results in bench/results/, quoted in the README (BIG=1: also a 100M-leaf tree)"
	@echo "make slither - static analysis of the contracts"
	@echo "make lint   - ruff, import-linter and mypy;  make artifacts - recompile ABIs/bytecode into the package"

$(PY_STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e ".[dev,gateway,ape,parquet,postgres]" $(RAY_DEPS)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt --no-deps "ray==$(RAY_VERSION)"
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# ape-solidity and py-solc-x look for `solc-v<version>` in $SOLCX_BINARY_PATH: the wrapper.
$(SOLC_LINK): scripts/solc
	@mkdir -p $(dir $@)
	ln -sf ../scripts/solc $@

# Debian packages some features need, installed when missing (as root; otherwise say what to run).
# $(call apt_need,TEST,PACKAGE,WHAT): TEST is a shell condition true when the package is present.
define apt_need
	@if ! ( $(1) ) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing $(2) ($(3))"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(2) is missing: install it (apt-get install $(2)) $(3)"; \
	  fi; \
	fi
endef

# The browser test drives Debian's chromium (playwright-core never downloads a browser here).
chromium:
	$(call apt_need,command -v chromium,chromium,for the web page's browser test)

# Audio-Codes come from Chromaprint's fpcalc (Debian's libchromaprint-tools); without it audio
# works are registered without a code, and rightsledger says so.
fpcalc:
	$(call apt_need,command -v fpcalc,libchromaprint-tools,for audio content codes)

# The index tests run on PostgreSQL too: tests/pg_support.py starts Debian's server (as an
# unprivileged user when root) and stops it after. Missing binaries fail those tests, never skip them.
postgresql:
	$(call apt_need,command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl,postgresql,for the index tests on PostgreSQL)

install: $(PY_STAMP) $(NPM_STAMP) $(SOLC_LINK) chromium fpcalc postgresql

artifacts: install
	$(PY) scripts/build_artifacts.py

vendor-js: $(NPM_STAMP)
	$(PY) scripts/vendor_js.py

# A development C2PA certificate chain for `rightsledger embed` on the local chain (never in the repo).
dev-certs: $(PY_STAMP)
	$(PY) -c "from rightsledger.workflows.devcerts import ensure_dev_certs; ensure_dev_certs('.rightsledger/c2pa-dev')"

# PORT=N: the local chain's port (default: where the home's chain last ran, else 8545).
PORT ?=

demo: install dev-certs
	$(VENV)/bin/rightsledger demo $(if $(PORT),--port $(PORT))

serve: $(PY_STAMP) $(NPM_STAMP)
	$(VENV)/bin/rightsledger serve --local-chain $(if $(PORT),--chain-port $(PORT)) --dev-keys

test: install lint test-solidity test-python

test-solidity: install
	forge test

test-python: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/gas.py
	$(PY) bench/datasets.py
	$(PY) bench/licences.py
	$(PY) bench/provenance.py
	$(PY) bench/gateway.py
	$(PY) bench/merkle.py $(if $(BIG),--big,)
	$(PY) bench/relayed.py
	$(PY) bench/scale.py
	$(PY) bench/identity.py
	$(PY) bench/levy.py

# Static analysis: slither in its own venv (.tools), on forge's build output.
# Excluded detectors, each by design (README, "Static analysis"): timestamp, calls-loop,
# uninitialized-local, dead-code.
slither: install
	@test -x .tools/bin/slither || { $(PYTHON) -m venv .tools && .tools/bin/pip install --quiet "slither-analyzer==0.11.6"; }
	rm -rf out/build-info
	forge build --force --build-info --skip test
	.tools/bin/slither . --config-file slither.config.json

lint: install
	$(VENV)/bin/ruff check src tests scripts bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf out cache .pytest_cache

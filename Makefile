# etlstack — `make` lists the targets. Everything runs through uv (installed with pip when absent).
.DEFAULT_GOAL := help
SHELL := /bin/bash
export UV_COMPILE_BYTECODE := 1
export SPARK_LOCAL_IP ?= 127.0.0.1
export GX_ANALYTICS_ENABLED ?= false
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
RUN := $(UV) run --frozen --no-sync
SIZE ?= small
SIZES ?= small,medium
DATA ?= data/raw
PYTEST_ARGS ?=

.PHONY: help setup demo test lint fmt generate bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv \
		|| python3 -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced ## install the locked environment (uv sync --frozen)

demo: setup ## the main job on an embedded default: generate the small set (more stages land with their issues)
	$(RUN) etlstack generate --size small --out $(DATA)

test: setup ## the full test suite (CI runs exactly this)
	$(RUN) pytest $(PYTEST_ARGS)

lint: setup ## ruff (lint) and black (format check), as pre-commit runs them
	$(RUN) ruff check .
	$(RUN) black --check .

fmt: setup ## fix what ruff can and format with black
	$(RUN) ruff check --fix .
	$(RUN) black .

generate: setup ## generate a data set: make generate SIZE=small|medium|large
	$(RUN) etlstack generate --size $(SIZE) --out $(DATA)

bench: setup ## benchmarks: make bench SIZES=small,medium,large (generator throughput + peak RSS for now)
	$(RUN) python -m bench.generator --sizes $(SIZES)

clean: ## remove generated data, warehouse and caches (not the environment)
	rm -rf data warehouse bench/results/*.tmp .pytest_cache .ruff_cache target dbt_packages logs

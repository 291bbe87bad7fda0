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
BENCH_SIZE ?= medium
BENCH ?= default
# default: 100K, 1M and 10M events (three points per curve), the whole Iceberg load timed;
# full: the same with the native baselines beside the one-SQL paths (far longer)
BENCH_ARGS_default := --rows 100000,1000000,10000000 --engines polars,duckdb,spark --threads 1,2 \
	--cluster-workers 1,2 --worker-memory 6g --repeat 3 --load
BENCH_ARGS_full := --rows 100000,1000000,10000000 \
	--engines polars,duckdb,spark,native-polars,native-duckdb,native-spark \
	--threads 1,2 --cluster-workers 1,2 --worker-memory 6g --repeat 3 --load
# native: each engine's one-SQL path beside its hand-written baseline (bench/native_*.py) at 10M
BENCH_ARGS_native := --rows 10000000 --threads 2 --repeat 3 \
	--engines polars,native-polars,duckdb,native-duckdb,spark,native-spark
# memory: the largest size each engine completes under an 8 GiB cap (RSS watchdog), one try each
BENCH_ARGS_memory := --rows 1000000,3000000,10000000 --engines polars,duckdb,spark --threads 2 \
	--repeat 1 --memory-cap 8
DATA ?= data/raw
# the slowest tests named at the end of every run (the suite has a ~15-minute budget)
PYTEST_ARGS ?= --durations=15

.PHONY: help setup demo validate marts test test-fast lint fmt generate bench bench-parts clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv \
		|| python3 -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced ## install the locked environment (uv sync --frozen)

demo: setup ## the main job on the small set: generate; every engine loads the bulk, then the daily files, into Iceberg (warehouse/); dbt build
	$(RUN) etlstack generate --size small --out $(DATA)
	for engine in duckdb polars spark; do \
		$(RUN) etlstack run --engine $$engine --input $(DATA)/bulk --warehouse warehouse && \
		$(RUN) etlstack run --engine $$engine --input $(DATA)/incremental --warehouse warehouse \
		|| exit 1; done
	$(RUN) etlstack history --engine duckdb --warehouse warehouse
	$(MAKE) --no-print-directory validate
	$(MAKE) --no-print-directory marts

validate: setup ## Great Expectations over every engine's tables (ENGINE=polars for one, WAREHOUSE=…); Data Docs in <warehouse>/data_docs/
	$(RUN) etlstack validate --warehouse $(or $(WAREHOUSE),warehouse) $(if $(ENGINE),--engine $(ENGINE))

marts: setup ## the dbt marts over the lakehouse (dbt build; DuckDB file warehouse/analytics.duckdb) and their docs, one page that opens offline
	ETLSTACK_DATA_DIR=$(DATA) $(RUN) dbt build
	ETLSTACK_DATA_DIR=$(DATA) $(RUN) dbt docs generate --static --quiet
	@echo "dbt docs (one page, opens offline): $(CURDIR)/target/static_index.html"

test: setup ## the full test suite (CI runs exactly this)
	$(RUN) pytest $(PYTEST_ARGS)

test-fast: setup ## the suite without the tests marked slow (Spark, dbt, Chromium, bench, GX over the generated lake, most of the crash matrix)
	$(RUN) pytest -m "not slow" $(PYTEST_ARGS)

lint: setup ## ruff (lint) and black (format check), as pre-commit runs them
	$(RUN) ruff check .
	$(RUN) black --check .

fmt: setup ## fix what ruff can and format with black
	$(RUN) ruff check --fix .
	$(RUN) black .

generate: setup ## generate a data set: make generate SIZE=small|medium|large
	$(RUN) etlstack generate --size $(SIZE) --out $(DATA)

bench: setup ## engines side by side → bench/reports/$(BENCH)/report.{md,html} + docs/benchmarks.md section (BENCH=full|memory)
	$(RUN) etlstack bench $(BENCH_ARGS_$(BENCH)) --out bench/reports/$(BENCH) --no-report
	$(RUN) etlstack bench report bench/reports/$(BENCH) $(if $(filter memory native,$(BENCH)),,--readme docs/benchmarks.md)

bench-parts: setup ## generator throughput (SIZES=small,medium) and Iceberg loads (BENCH_SIZE=medium)
	$(RUN) etlstack bench generator --sizes $(SIZES)
	test -f data/bench-$(BENCH_SIZE)/_generation.json || \
		$(RUN) etlstack generate --size $(BENCH_SIZE) --format parquet --out data/bench-$(BENCH_SIZE)
	$(RUN) etlstack bench lakehouse --input data/bench-$(BENCH_SIZE) --readme docs/benchmarks.md

clean: ## remove generated data, warehouse and caches (not the environment)
	rm -rf data warehouse bench/results/*.tmp .pytest_cache .ruff_cache target dbt_packages logs

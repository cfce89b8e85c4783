# Every target bootstraps .venv itself: a fresh machine needs only python3 (>=3.11) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: the demo needs the package and moto only; tests, lint and synth need the rest.
RUN_STAMP := $(VENV)/.installed-demo
DEV_STAMP := $(VENV)/.installed-dev
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: test demo bench lint fmt clean

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[demo]'
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[demo,dev,infra]'
	touch $(DEV_STAMP)

test: $(DEV_STAMP) ## run every test (unit, integration, infra), in parallel on every core
	$(BIN)/python -m pytest -n auto

demo: $(RUN_STAMP) ## the whole pipeline on the embedded emulator, offline (< 1 min)
	$(BIN)/ca-lifecycle demo

.PHONY: synth
# No Node CDK CLI needed: the app synthesizes itself (policy validated, asset staged) into cdk.out/.
synth: $(DEV_STAMP) ## synthesize the CDK app into cdk.out/ (offline: no Docker, no AWS credentials)
	$(BIN)/python infra/app.py

bench: $(DEV_STAMP) ## benchmarks on this machine; each prints one JSON document
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/emulator_paging.py
	$(BIN)/python bench/describe_loop_bench.py
	$(BIN)/python bench/engine_scaling_bench.py
	$(BIN)/python bench/cold_start_bench.py
	$(BIN)/python bench/sweep_costs_bench.py
	$(BIN)/python bench/usage_bench.py

lint: $(DEV_STAMP) ## ruff + mypy, must be clean
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) cdk.out build .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Hearth: the entry points. `make run` runs the platform; `make test` runs the tests.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/uv
endif
PYTEST_ARGS ?=

.PHONY: help install run test test-unit lint format contracts bench migrate kafka-start kafka-stop up clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check 'uv>=0.5,<1'

install: $(UV)  ## Install the workspace (locked dependencies)
	$(UV) sync --locked

run: install  ## Run Kafka, every service and the gateway (SQLite by default); Ctrl-C stops all
	$(UV) run python deploy/local/run_platform.py

test: install  ## Run every test on real Kafka and a real database
	$(UV) run pytest $(PYTEST_ARGS)

test-unit: install  ## Only the tests that need no broker
	$(UV) run pytest -m "not integration" $(PYTEST_ARGS)

lint: install  ## ruff and mypy
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy contracts/src kit/src gateway/src services/*/src

format: install  ## Format the code
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

contracts: install  ## Regenerate JSON Schemas, AsyncAPI and docs/events.md from the event models
	$(UV) run python -m hearth_contracts.catalogue

bench: install  ## Benchmarks (never part of make test)
	$(UV) run python -m bench

migrate: install  ## Migrate every service's database to head
	$(UV) run python -m hearth_kit.migrations upgrade compliance income engagement visits repairs

kafka-start:  ## Start the local Kafka broker (deploy/local)
	bash deploy/local/kafka.sh start

kafka-stop:  ## Stop the local Kafka broker
	bash deploy/local/kafka.sh stop

up:  ## The platform in Docker (deploy/compose.yaml)
	docker compose -f deploy/compose.yaml up --build

clean:  ## Remove local state (databases, broker data)
	bash deploy/local/kafka.sh stop --name run || true
	rm -rf var/

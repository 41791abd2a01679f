# Hearth: the entry points. `make run` runs the platform; `make test` runs the tests.
SHELL := /bin/bash
# uv on PATH, or the one pip installs (`python3 -m uv` works wherever pip put it).
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
UV_SPEC := uv>=0.5,<1
PYTEST_ARGS ?=
# Test files run on this many workers (pytest-xdist) beside each other; every test makes
# its own databases, topics and, where it restarts one, its own broker or PostgreSQL.
# Three on two cores: a worker waiting (a broker restarting, a process killed, a poll)
# leaves its core to the other two (ADR 0233). The API tests (Schemathesis and load
# through the gateway) then run, beside the SQLite runs of the cursor tests.
TEST_WORKERS ?= 3
BENCH_ARGS ?=
# Python keeps the bytecode it compiles (__pycache__, ignored by git) even where the
# environment says not to: the suite starts dozens of Python processes (test workers,
# service processes, the CLI, Schemathesis), and each compiling every module it imports
# from source again cost the run minutes (ADR 0231).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help ensure-uv install run test test-api test-cursors-on-sqlite test-unit lint format contracts openapi bench soak migrate kafka-start kafka-stop up clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

ensure-uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check '$(UV_SPEC)' \
	  || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages '$(UV_SPEC)'

install: ensure-uv  ## Install the workspace (locked dependencies)
	$(UV) sync --locked

run: install  ## Run Kafka, every service and the gateway (SQLite by default); Ctrl-C stops all
	$(UV) run python deploy/local/run_platform.py

test: install  ## Run every test on real Kafka and a real database
	$(UV) run pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not api" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	@# side by side, each one's output printed whole as it ends: the API tests leave about
	@# a third of a core idle, which the SQLite runs take (ADR 0233)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-api test-cursors-on-sqlite

test-api: install  ## The API tests alone: Schemathesis, the typed client, writes under load, on the running platform
	$(UV) run pytest -m api tests/api $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-cursors-on-sqlite: install  ## Every test that reads a list by its cursor, again on SQLite (make run's default)
	@# a cursor's values are bound outside an ORM comparison, where SQLite binds a UUID or
	@# a moment only through the column's type
	HEARTH_TEST_DATABASE=sqlite $(UV) run pytest -n $(TEST_WORKERS) --dist loadfile -m "not api" $(PYTEST_ARGS) \
	  $$(grep -rl --include='test_*.py' cursor services/*/tests gateway/tests | grep -v query_plans)

test-unit: install  ## Only the tests that need no broker
	$(UV) run pytest -m "not integration" $(PYTEST_ARGS)

lint: install  ## ruff and mypy
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy contracts/src kit/src gateway/src services/*/src
	$(UV) run mypy bench/*.py  # bench/ is excluded from discovery (pyproject), checked by name

format: install  ## Format the code
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

contracts: install  ## Regenerate JSON Schemas, AsyncAPI and docs/events.md from the event models
	$(UV) run python -m hearth_contracts.catalogue

openapi: install  ## Write gateway/openapi.json (typed from the services' documents) and the authorisation matrix in docs/api.md
	$(UV) run python -m gateway.openapi_build

bench: install  ## Benchmarks, about 17 minutes (BENCH_ARGS="relay --scale 0.1"; never part of make test)
	$(UV) run python -m bench $(BENCH_ARGS)

soak: install  ## The fault soak at full size: 10,000 events through broker, process and database faults (make test runs a third)
	HEARTH_SOAK_SCALE=1 $(UV) run pytest -p no:randomly tests/reliability/test_stream_faults.py $(PYTEST_ARGS)

migrate: install  ## Migrate every service's database to head (development unless HEARTH_ENVIRONMENT says otherwise)
	HEARTH_ENVIRONMENT=$${HEARTH_ENVIRONMENT:-development} $(UV) run python -m hearth_kit.migrations upgrade compliance income engagement visits repairs

kafka-start:  ## Start the local Kafka broker (deploy/local)
	bash deploy/local/kafka.sh start

kafka-stop:  ## Stop the local Kafka broker
	bash deploy/local/kafka.sh stop

up:  ## The platform in Docker (deploy/compose.yaml)
	docker compose -f deploy/compose.yaml up --build

clean:  ## Remove local state (databases, broker data)
	bash deploy/local/kafka.sh stop --name run || true
	rm -rf var/

# airflow-api-kit: `make help` lists the targets. Settings: environment variables or a .env file
# (copy .env.example); `make up AIRFLOW=2` picks Airflow 2.11 (/api/v1), the last Airflow 2.
-include .env
export

AIRFLOW ?= 3
# AUTH=fab with up/airflow/reset: Airflow 3 with the FAB auth manager (lesson 71), a stack of its own
ifdef AUTH
export AIRFLOW_AUTH := $(AUTH)
endif
SHELL := /bin/bash
PY := .venv/bin/python
UV := $(shell command -v uv || echo .venv/bin/uv)

ifeq ($(AIRFLOW),2)
STACK_DEPS := .venv/.kit-lock .venv-airflow2/.kit-lock
else ifeq ($(AIRFLOW_AUTH),fab)
STACK_DEPS := .venv/.kit-lock .venv-fab/.kit-lock
else
STACK_DEPS := .venv/.kit-lock
endif

.DEFAULT_GOAL := help
.PHONY: help up airflow down reset status test check notebooks postman typescript specs api-map mcp bench doctor wheelhouse lock install permissions

help: ## List the targets
	@echo "airflow-api-kit: learn the Airflow REST API against a local Airflow (admin:admin)."
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "  AIRFLOW=2 with up/airflow/reset picks Airflow 2.11 (/api/v1, the last Airflow 2; the webinar ran 2.2)."
	@echo "  AUTH=fab with up/airflow/reset picks Airflow 3 with the FAB auth manager (lesson 71), beside the others."
	@echo "  Settings: .env.example. More: README.md, docs/."

up: airflow ## Start Airflow, then JupyterLab on notebooks/ (Ctrl-C stops JupyterLab; make down stops all)
	@$(PY) -m stacks.jupyter

airflow: $(STACK_DEPS) ## Start Airflow only (for Postman or curl); returns once it is healthy and lists the DAGs
	@$(PY) -m stacks.stack start

down: ## Stop everything the kit started (Airflow 3, 3 with FAB, and 2, JupyterLab)
	@if [ -x $(PY) ]; then $(PY) -m stacks.jupyter stop; $(PY) -m stacks.stack stop --all; \
	 else echo "Nothing to stop: the kit is not installed."; fi

reset: $(STACK_DEPS) ## Back to a clean Airflow between two groups: fresh database, no runs/variables/connections
	@$(PY) -m stacks.stack reset

status: ## Show what is running, and name any part of Airflow that has stopped
	@if [ -x $(PY) ]; then $(PY) -m stacks.jupyter status; $(PY) -m stacks.stack status --all; \
	 else echo "Nothing runs: the kit is not installed."; fi

test: .venv/.kit-lock .venv-airflow2/.kit-lock .venv-mcp/.kit-lock .venv-fab/.kit-lock ## The whole suite on Airflow 3 and 2.11 at once, on stacks of its own (never yours)
	@scripts/test.sh $(PYTEST_ARGS)

notebooks: .venv/.kit-lock .venv-airflow2/.kit-lock .venv-mcp/.kit-lock .venv-fab/.kit-lock ## Run notebooks (NB="notebooks/11_dags.ipynb ...", default all) on private stacks and save their outputs
	@$(PY) scripts/run_notebooks.py $(NB)

check: .venv/.kit-lock .venv-airflow2/.kit-lock .venv-mcp/.kit-lock .venv-fab/.kit-lock ## The fast checks that need no Airflow running (lint, DAGs, unit tests): ~30 s
	@scripts/check.sh

postman: ## Rebuild the Postman collection and environments from the notebooks and postman/folders/*.js
	@$(PY) -m postman.build_collection

typescript: ## Airflow 3: TypeScript types from the running Airflow's /openapi.json, checked by tsc, then the client run
	@scripts/typescript.sh

specs: .venv/.kit-lock ## Refresh specs/: the OpenAPI documents of Airflow 3.2 and of the kit's Airflow 3, from their wheels
	@$(PY) scripts/specs.py

api-map: .venv/.kit-lock .venv-mcp/.kit-lock .venv-fab/.kit-lock ## Rewrite docs/api-map.md: each operation, with its lesson, Postman request, clients and MCP tool
	@$(PY) -m scripts.api_map
permissions: .venv/.kit-lock ## What each role may call: every operation, on a throwaway Airflow 3, into docs/permissions.md
	@$(PY) scripts/permissions.py

bench: .venv/.kit-lock .venv-airflow2/.kit-lock ## Benchmark the kit against stock Airflow (20-30 min; docs/benchmarks.md)
	@$(PY) bench/bench.py $(BENCH_ARGS)

doctor: ## Check this machine before a workshop: Python, ports, disk, network; each problem with its fix
	@$(or $(PYTHON),python3) scripts/doctor.py

wheelhouse: ## Every wheel the kit's environments need, into wheelhouse/: `make up` then installs with no network
	@scripts/wheelhouse.sh

install: $(STACK_DEPS) ## Install the Python environment(s) from the lock files (make up does this)

mcp: .venv/.kit-lock .venv-mcp/.kit-lock ## Install the MCP server of notebook 63 (astro-airflow-mcp) into .venv-mcp

lock: ## Re-resolve the lock files after editing requirements/*.in
	@# rfc3987-syntax (jsonschema[format-nongpl], for JupyterLab) builds a grammar when imported: 1.6 s of
	@# every Airflow process start; jsonschema works without it (one format check fewer).
	$(UV) pip compile -q --universal -p 3.11 --no-emit-package rfc3987-syntax --no-emit-package lark \
		requirements/airflow3.in -o requirements/airflow3.lock
	$(UV) pip compile -q --universal -p 3.11 requirements/airflow2.in -o requirements/airflow2.lock
	$(UV) pip compile -q --universal -p 3.11 requirements/mcp.in -o requirements/mcp.lock
	@# the FAB stack's: Airflow 3's lock as the starting point, so that only the provider's needs move
	cp requirements/airflow3.lock requirements/fab.lock
	$(UV) pip compile -q --universal -p 3.11 --no-emit-package rfc3987-syntax --no-emit-package lark \
		requirements/fab.in -o requirements/fab.lock

.venv/.kit-lock: requirements/airflow3.lock scripts/bootstrap.sh
	@scripts/bootstrap.sh requirements/airflow3.lock .venv --kit

.venv-airflow2/.kit-lock: requirements/airflow2.lock scripts/bootstrap.sh
	@scripts/bootstrap.sh requirements/airflow2.lock .venv-airflow2

# The MCP server of notebook 63, in an environment of its own (requirements/mcp.in says why); after .venv,
# whose install brings the installer (uv) where none is on PATH.
.venv-mcp/.kit-lock: requirements/mcp.lock scripts/bootstrap.sh | .venv/.kit-lock
	@scripts/bootstrap.sh requirements/mcp.lock .venv-mcp

# The FAB auth manager's stack (`make airflow AUTH=fab`, lesson 71), in an environment of its own
# (requirements/fab.in says why); after .venv, as .venv-mcp.
.venv-fab/.kit-lock: requirements/fab.lock scripts/bootstrap.sh | .venv/.kit-lock
	@scripts/bootstrap.sh requirements/fab.lock .venv-fab

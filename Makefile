# The two commands: `make run` (demo portal on http://127.0.0.1:8000) and `make test`.
# Everything runs from .venv, built from requirements.lock with a Python >= 3.12 found on this machine.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers; 0 runs the suite in one process. CI uses 2 (on PostgreSQL, two workers took ~6 min
# where one took ~10.5 on two cores, 2026-11); the default stays 1 process for the quiet output on SQLite.
TEST_WORKERS ?= 0
# Benchmarks run on PostgreSQL, in a database of their own (created when missing).
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= prm_bench
BENCH_ARGS ?=
PYTEST_ARGS ?=
LANGUAGES := de fr es ja

# Prints the first interpreter >= 3.12: $PYTHON if set, python3.12/3.13/3.14/3 on PATH (3.12 first,
# as in the Docker image), then pyenv's builds, then uv's.
# Each candidate is run, because a pyenv shim can exist for a version that is not selected.
define FIND_PYTHON
ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
if [ -n "$${PYTHON:-}" ]; then \
  if ok "$$PYTHON"; then command -v "$$PYTHON" || echo "$$PYTHON"; exit 0; fi; \
  echo "PYTHON=$$PYTHON is not a Python >= 3.12." >&2; exit 1; \
fi; \
for c in python3.12 python3.13 python3.14 python3; do \
  if command -v "$$c" >/dev/null 2>&1 && ok "$$c"; then "$$c" -c 'import sys; print(sys.executable)'; exit 0; fi; \
done; \
for c in $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do \
  if ok "$$c"; then echo "$$c"; exit 0; fi; \
done; \
if command -v uv >/dev/null 2>&1; then \
  c=$$(uv python find '>=3.12' 2>/dev/null) && ok "$$c" && { echo "$$c"; exit 0; }; \
fi; \
echo "No Python >= 3.12 found. Install one (python3.12 on PATH, pyenv or uv), or run: make install PYTHON=/path/to/python3.12" >&2; \
exit 1
endef
export PYTHON

.PHONY: help python install run test test-postgres bench messages check lint clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

python: ## Print the Python used to create .venv
	@$(FIND_PYTHON)

$(PY):
	@py="$$($(FIND_PYTHON))" || exit 1; \
	echo "Creating $(VENV) with $$py ($$("$$py" -V))"; \
	"$$py" -m venv "$(VENV)"

# Re-runs only when the lock or pyproject.toml changes, so `make run` starts at once the second time.
$(STAMP): requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(STAMP) ## Create .venv with the pinned dependencies (fast when nothing changed)

run: install ## Migrate, compile messages, seed the demo, run web + worker + scheduler, print the logins
	$(PY) manage.py quickstart --host $(HOST) --port $(PORT)

test: install ## Run the test suite (SQLite; set DATABASE_URL and REDIS_URL for Postgres + Redis)
	$(VENV)/bin/pytest $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS)) -p no:cacheprovider $(PYTEST_ARGS)

test-postgres: ## The suite against the local Postgres + Redis, as CI runs it
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/prm REDIS_URL=redis://127.0.0.1:6379/0 $(MAKE) test

bench: install ## Run the benchmarks on PostgreSQL ($(BENCH_DB)); results in .bench/results.json
	@mkdir -p .bench
	@psql "$(BENCH_PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'" | grep -q 1 \
		|| psql "$(BENCH_PG)/postgres" -qc 'CREATE DATABASE "$(BENCH_DB)"'
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(PY) manage.py migrate --noinput --verbosity 0
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(PY) manage.py bench --output .bench/results.json $(BENCH_ARGS)

messages: install ## Extract translatable strings into locale/*.po and compile them
	$(PY) manage.py makemessages $(addprefix -l ,$(LANGUAGES)) --no-obsolete \
		--ignore=.venv --ignore=.run --ignore=.bench --ignore=tests --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.run --ignore=node_modules

check: install ## Django system checks, migrations in sync, production deploy checks
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=prm.settings.production ALLOWED_HOSTS=portal.example.com \
		SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(60))')" \
		PAYOUT_ENCRYPTION_KEYS="$$($(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
		$(PY) manage.py check --deploy --fail-level WARNING

lint: install ## ruff
	$(VENV)/bin/ruff check .

clean: ## Remove the demo database, broker folders and caches (keeps .venv)
	rm -rf .run .bench .pytest_cache

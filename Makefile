# Marginalia's everyday commands. `make run` and `make test` are the two the README opens with.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SEED := fixtures/000_17fd64235e3a3294.txt
BENCH_DATABASE_URL ?= postgres://marginalia@127.0.0.1:5432/marginalia_bench
# `make bench PAPERS=1000000`; BENCH_ARGS passes any other option of manage.py benchmark (say --skip-import).
PAPERS ?= 100000
BENCH_ARGS ?=

.PHONY: run test install install-dev browser lint format bench load ci clean screenshots

# The stamp files make a second run skip the install unless the requirements changed.
$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

# Debian's Chromium drives the browser tests; Playwright never downloads a browser of its own.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py import_papers $(SEED)
	$(BIN)/python manage.py load_demo --sample-annotations
	$(BIN)/python manage.py compute_similar --missing-only
	@# Tasks a killed worker left running are reported failed or queued again (a cron can run it too).
	$(BIN)/python manage.py recover_jobs
	@# The task worker runs the background imports beside the web server and stops when it does.
	$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install-dev browser
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_roles WHERE rolname = 'marginalia'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE ROLE marginalia LOGIN CREATEDB"
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'marginalia_bench'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE marginalia_bench OWNER marginalia"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --no-input
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py benchmark --papers $(PAPERS) $(BENCH_ARGS)

# Fifty reviewers screening one review through gunicorn for 10 minutes (benchmarks/load/; README "Load test").
# LOAD_ARGS adds options, e.g. LOAD_ARGS="--instances 2" or "--minutes 1".
LOAD_DATABASE_URL ?= postgres://marginalia@127.0.0.1:5432/marginalia_load_bench
LOAD_ARGS ?=
load: install-dev
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_roles WHERE rolname = 'marginalia'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE ROLE marginalia LOGIN CREATEDB"
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'marginalia_load_bench'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE marginalia_load_bench OWNER marginalia"
	DATABASE_URL=$(LOAD_DATABASE_URL) $(BIN)/python manage.py migrate --no-input
	DATABASE_URL=$(LOAD_DATABASE_URL) $(BIN)/python manage.py load_test $(LOAD_ARGS)

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache

# README screenshots (desktop and phone) from a throwaway demo database; see tests/readme_screenshots.py.
screenshots: install-dev browser
	$(BIN)/python -m tests.readme_screenshots

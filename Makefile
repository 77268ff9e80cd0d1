# The README's commands. `make run` serves the whole site; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint format setup demo migrations check-deploy clean bench-import fault-drill bench-send bench-public drill

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

demo: setup
	mkdir -p var
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py load_demo

run: demo
	@echo "Serving http://127.0.0.1:$(PORT)/ with a Celery worker and beat (Ctrl-C stops all)."
	DEBUG=$${DEBUG:-true} PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port $(PORT) --procfile Procfile

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: setup
	DEBUG=true $(BIN)/python manage.py makemigrations

# Needs DATABASE_URL=postgres://...; creates and drops the database bench_import.
bench-import: setup
	$(BIN)/python bench/import_votes.py

fault-drill: setup
	$(BIN)/python -m bench.fault_drill

bench-send: setup
	$(BIN)/python -m bench.send_throughput

bench-public: setup
	$(BIN)/python bench/public_pages.py

# About 8 minutes: DRILL_SECONDS=60 (or `.venv/bin/python -m bench.drill --quick`)
# for a short try. Uses DATABASE_URL's PostgreSQL server if set.
drill: setup
	$(BIN)/python -m bench.drill

clean:
	rm -rf var/broker var/celery-results var/cache var/drill

# Two commands for a fresh machine: `make run` and `make test`. Everything else is optional.
# Settings are safe by default (production mode); these development targets ask for debug.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench lock setup browser lighthouse prod-check

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

setup: $(STAMP)

## Debian's Chromium (and CJK fonts) for the browser tests; Playwright downloads no browser here.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	else echo "Chromium is missing and cannot be installed here: the browser tests will be skipped."; fi

## Set up and serve the portal on the embedded default (SQLite, eager tasks, demo data).
run: export DJANGO_DEBUG = 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## Set up and run the tests (against DATABASE_URL / REDIS_URL when they are set).
test: export DJANGO_DEBUG = 1
test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

## Style, and the layers (import-linter contracts in pyproject.toml): no upward import.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## Speed targets at Foshan scale; needs DATABASE_URL pointing at a PostgreSQL database of its own.
bench: export DJANGO_DEBUG = 1
bench: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bench

## Lighthouse (npm, pinned in bench/lighthouse) in Debian's Chromium against the public pages,
## served as in production; fails below 0.95 in any category.
lighthouse: $(STAMP) browser
	cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/lighthouse.py

## Production as deploy/ runs it: nginx (TLS, static files, uploads), gunicorn, a Celery worker and
## beat against the machine's PostgreSQL and Redis, checked through nginx (deploy/prod-check.sh).
prod-check: $(STAMP)
	bash deploy/prod-check.sh

## Re-pin requirements.lock after changing pyproject.toml.
lock:
	rm -rf /tmp/portal-lock && $(PYTHON) -m venv /tmp/portal-lock
	/tmp/portal-lock/bin/pip install --quiet '.[dev]'
	/tmp/portal-lock/bin/pip freeze --exclude guicheng-portal > requirements.lock

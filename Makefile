# The two commands a newcomer runs:  make run   and   make test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
OS_PACKAGES := libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk fonts-arphic-ukai \
  fonts-hanazono fonts-babelstone-han fonts-symbola fonts-dejavu-core
TEST_OS_PACKAGES := chromium poppler-utils caddy slapd ldap-utils libldap2-dev libsasl2-dev libreoffice-writer-nogui  # caddy: the compose proxy's config check; slapd and python-ldap's build: the LDAP login tests; LibreOffice: the .docx open test

.PHONY: help run test install install-test os-deps os-deps-test lint checks fmt clean
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

run: os-deps install  ## install, migrate SQLite, load the demo cycle, serve on http://127.0.0.1:8000
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: os-deps os-deps-test install-test  ## install test extras and run the whole suite
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory checks
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python  ## install the portal into .venv
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python  ## install the portal and the test extras into .venv
	$(BIN)/pip install --quiet -e '.[test]'

# OS packages WeasyPrint (fonts, HarfBuzz) and the browser tests need; installed when missing.
os-deps:
	@missing=""; for p in $(OS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing OS packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

os-deps-test:
	@missing=""; for p in $(TEST_OS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing OS packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install-test  ## the static checks: ruff lint and format, djhtml, the import contracts, mypy, bandit
	$(MAKE) --no-print-directory checks

checks:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/bandit -q -r config reform_portal proposals catalog grassroots bidding evaluation tools -lll

fmt: install-test  ## format the code (ruff format and import sorting, djhtml for templates)
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

clean:  ## remove .venv, the SQLite database and generated files
	rm -rf $(VENV) db.sqlite3 staticfiles var .pytest_cache

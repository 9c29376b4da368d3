# FrameSeller: `make run` starts the shop, `make test` runs the whole suite.
# Both set everything up first: system packages (Node.js and npm included), a
# Python >= 3.12 virtualenv, the pinned requirements, the site's npm build.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= .venv
PY        := $(VENV)/bin/python
HOST      ?= 127.0.0.1
PORT      ?= 8000
STRIPE_EMULATOR_PORT ?= 8420
export STRIPE_EMULATOR_PORT
# A local run: SQLite, the Stripe emulator and a per-checkout development key by default
# (frameseller/settings.py). Anything else runs as production and needs its secrets.
run test bench: export DJANGO_ENV := local

# The starter catalog's photos (catalog/data/photos/catalog.json): full-resolution photographs from a
# Debian package, fetched and unpacked here at set-up (not in git: about 15 MB), or read from
# /usr/share/backgrounds when the package is installed.
STARTER_PACKAGE     := lomiri-wallpapers-16.04
STARTER_PHOTOS_DIR  ?= $(abspath $(or $(FRAMESELLER_VAR_DIR),var)/starter-photos)
export STARTER_PHOTOS_DIR

# Find a Python >= 3.12: $(PYTHON) if given, then python3.13/3.12 on PATH,
# then pyenv's installed versions.
define find_python
for c in $${PYTHON:-} python3.14 python3.13 python3.12 python3 \
         $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
  if command -v "$$c" >/dev/null 2>&1 && "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
    command -v "$$c"; exit 0; fi; \
done; exit 1
endef

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := default-libmysqlclient-dev pkg-config build-essential

.PHONY: help run test bench lint system-deps venv frontend starter-photos emulator clean

help:
	@echo "make run   - set up and start the shop on http://$(HOST):$(PORT)/"
	@echo "make test  - set up and run the whole test suite"
	@echo "make bench - the API under gunicorn against a bare-Django peer, with wrk (a few minutes)"
	@echo "make lint  - ruff check and format check"

system-deps:
	@missing=""; \
	pkg-config --exists mysqlclient 2>/dev/null || pkg-config --exists mariadb 2>/dev/null || missing="$(APT_PACKAGES)"; \
	if [ -n "$(WITH_NPM)" ] && ! command -v npm >/dev/null 2>&1; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$(WITH_CHROMIUM)" ] && ! command -v chromium >/dev/null 2>&1; then missing="$$missing chromium"; fi; \
	if [ -n "$(WITH_WRK)" ] && ! command -v wrk >/dev/null 2>&1; then missing="$$missing wrk"; fi; \
	if [ -n "$(WITH_NGINX)" ] && ! PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null 2>&1; then missing="$$missing nginx"; fi; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing (not a Debian system)"; exit 1; fi; \
	fi

# apt-get download needs no root, only the package lists (updated once if the package is not in them).
starter-photos: $(STARTER_PHOTOS_DIR)/.fetched
$(STARTER_PHOTOS_DIR)/.fetched:
	@if [ -f /usr/share/doc/$(STARTER_PACKAGE)/copyright ]; then \
	  echo "Starter photos: $(STARTER_PACKAGE) is installed, read from /usr/share/backgrounds"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "Starter photos: not a Debian system, not fetched; the starter catalog stays empty (README.md)"; exit 0; \
	else \
	  rm -rf $(STARTER_PHOTOS_DIR) && mkdir -p $(STARTER_PHOTOS_DIR)/deb && \
	  { apt-cache show $(STARTER_PACKAGE) >/dev/null 2>&1 || $(SUDO) apt-get update -qq; } && \
	  (cd $(STARTER_PHOTOS_DIR)/deb && apt-get download -qq $(STARTER_PACKAGE) 2>/dev/null) && \
	  dpkg-deb -x $(STARTER_PHOTOS_DIR)/deb/*.deb $(STARTER_PHOTOS_DIR) && rm -rf $(STARTER_PHOTOS_DIR)/deb \
	  || { echo "Starter photos: $(STARTER_PACKAGE) could not be fetched; the starter catalog stays empty"; exit 0; }; \
	  echo "Starter photos: $(STARTER_PACKAGE) unpacked in $(STARTER_PHOTOS_DIR)"; \
	fi; \
	touch $@

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@py=$$( $(find_python) ) || { echo "ERROR: no Python >= 3.12 found (Django 6.1 needs one)."; \
	  echo "Install one (e.g. 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12 ...'."; exit 1; }; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  rm -rf $(VENV); echo "Creating $(VENV) with $$py ($$($$py --version))"; $$py -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: system-deps $(VENV)/.installed

# The site's build needs npm: system-deps installs Node.js and npm (WITH_NPM) when it is missing.
# Set on run and test too: they reach system-deps through venv first, and make runs it once.
run test frontend: WITH_NPM=1
frontend: system-deps
	@if [ -f frontend/package.json ]; then \
	  command -v npm >/dev/null || { echo "ERROR: npm is needed to build frontend/"; exit 1; }; \
	  cd frontend && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run --silent build; \
	fi

run: venv frontend starter-photos
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_catalog
	$(PY) manage.py collectstatic --noinput -v0
	@set -m; \
	if [ "$${STRIPE_BACKEND:-emulator}" != emulator ]; then \
	  echo "STRIPE_BACKEND=$$STRIPE_BACKEND: using real Stripe, no emulator"; \
	elif curl -sf -o /dev/null http://127.0.0.1:$(STRIPE_EMULATOR_PORT)/js.stripe.com/v3/; then \
	  echo "Stripe emulator already running on port $(STRIPE_EMULATOR_PORT)"; \
	else \
	  $(PY) -m devtools.stripe_emulator --port $(STRIPE_EMULATOR_PORT) & emu=$$!; \
	  trap 'kill $$emu 2>/dev/null' EXIT INT TERM; \
	  for _ in $$(seq 50); do curl -sf -o /dev/null http://127.0.0.1:$(STRIPE_EMULATOR_PORT)/js.stripe.com/v3/ && break; sleep 0.2; done; \
	fi; \
	if [ "$${STRIPE_BACKEND:-emulator}" = emulator ]; then \
	  curl -sf -o /dev/null -X POST http://127.0.0.1:$(STRIPE_EMULATOR_PORT)/_config/webhooks/frameseller \
	    -d url=http://$(HOST):$(PORT)/api/stripe/webhook/ \
	    -d secret=$${STRIPE_WEBHOOK_SECRET:-whsec_frameseller_local_development} \
	  && echo "Stripe emulator sends its events to http://$(HOST):$(PORT)/api/stripe/webhook/"; \
	fi; \
	$(PY) manage.py run_worker --no-reload & worker=$$!; \
	trap 'kill $$worker $${emu:-} 2>/dev/null' EXIT INT TERM; \
	echo "Background worker running (receipts, password-reset mails): manage.py run_worker"; \
	echo "FrameSeller on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: WITH_CHROMIUM=1
test: WITH_NGINX=1
test: venv frontend starter-photos
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

bench: WITH_WRK=1
bench: venv
	$(PY) -m devtools.bench $(BENCH_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles frontend/node_modules frontend/dist

# Two commands for a newcomer: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
# Links printed in QR codes, and the embedded TSA, follow the address served.
export MEETINGSVC_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

RUN_DEBS := fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) poppler-utils qpdf softhsm2 openssl chromium

.PHONY: run test venv dev-venv debs test-debs translations instance lint bench clean

run: venv debs translations instance
	@$(PY) -m flask --app meetingsvc seed-demo --if-empty
	@echo
	@echo "meetingsvc on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "  demo accounts: secretariat thuky / demo-thuky-2026, delegate lyminhhoang / demo-daibieu-2026,"
	@echo "  auditor kiemtra / demo-kiemtra-2026 (more in README.md)"
	$(VENV)/bin/gunicorn --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) \
		--access-logfile - "meetingsvc.wsgi:app"

test: dev-venv test-debs translations
	$(PY) -m pytest $(PYTEST_ARGS)

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

debs:
	@scripts/ensure-debian-packages $(RUN_DEBS)

test-debs:
	@scripts/ensure-debian-packages $(TEST_DEBS)

translations: venv
	@$(VENV)/bin/pybabel compile -d meetingsvc/translations >/dev/null

instance: venv
	@$(PY) -m meetingsvc.instance_setup
	@$(PY) -m flask --app meetingsvc init
	@$(PY) -m flask --app meetingsvc signing init-pki

lint: dev-venv
	$(VENV)/bin/ruff check meetingsvc signing tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

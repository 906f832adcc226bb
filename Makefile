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

# Node and npm only install PDF.js for the viewer and Swagger UI for the API docs; Debian's packages when there is no node at all.
NODE_DEBS := $(if $(shell command -v npm),,nodejs npm)
# postgresql-client: pg_dump and psql for `flask backup` on PostgreSQL (Debian's, the server's major version).
RUN_DEBS := fonts-dejavu-core postgresql-client $(NODE_DEBS)
TEST_DEBS := $(RUN_DEBS) poppler-utils qpdf softhsm2 openssl chromium nginx
# PDF.js, served from our own static files (the office network is closed).
PDFJS_DIR := meetingsvc/static/vendor/pdfjs
PDFJS_FILES := build/pdf.min.mjs build/pdf.worker.min.mjs LICENSE
# Swagger UI for the API's documentation page at /api/v1/docs, likewise.
SWAGGER_DIR := meetingsvc/static/vendor/swagger-ui
SWAGGER_FILES := swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE

.PHONY: run test venv dev-venv debs test-debs translations instance static-vendor lint bench clean

# A person reads make run's console: plain text lines (a deployment logs JSON, the default).
run: export MEETINGSVC_LOG_FORMAT ?= text
# Each process under honcho (gunicorn's workers, the issuance worker) writes its Prometheus
# timings here and one scrape of /metrics adds them up; the last run's files go first.
METRICS_DIR = $(or $(PROMETHEUS_MULTIPROC_DIR),$(abspath $(or $(MEETINGSVC_INSTANCE_PATH),instance))/prometheus)
run: venv debs translations instance static-vendor
	@$(PY) -m flask --app meetingsvc seed-demo --if-empty
	@mkdir -p "$(METRICS_DIR)" && find "$(METRICS_DIR)" -maxdepth 1 -name '*.db' -delete
	@echo
	@echo "meetingsvc on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "  demo accounts: secretariat thuky / demo-thuky-2026, delegate lyminhhoang / demo-daibieu-2026,"
	@echo "  auditor kiemtra / demo-kiemtra-2026 (more in README.md)"
	@# gunicorn serves; one `flask issuance worker` signs; honcho keeps both and stops both.
	HOST=$(HOST) WORKERS=$(WORKERS) PROMETHEUS_MULTIPROC_DIR="$(METRICS_DIR)" $(VENV)/bin/honcho --no-colour start --procfile Procfile --port $(PORT)

test: dev-venv test-debs translations static-vendor
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

static-vendor: $(PDFJS_DIR)/.installed $(SWAGGER_DIR)/.installed

# npm ci again when node_modules is missing or older than the lock file.
node_modules/.package-lock.json: package-lock.json package.json | debs
	npm ci --no-audit --no-fund --omit=optional --ignore-scripts
	touch $@

$(PDFJS_DIR)/.installed: node_modules/.package-lock.json
	rm -rf $(PDFJS_DIR)
	mkdir -p $(PDFJS_DIR)/standard_fonts
	cp $(addprefix node_modules/pdfjs-dist/,$(PDFJS_FILES)) $(PDFJS_DIR)/
	cp node_modules/pdfjs-dist/standard_fonts/* $(PDFJS_DIR)/standard_fonts/
	touch $@

$(SWAGGER_DIR)/.installed: node_modules/.package-lock.json
	rm -rf $(SWAGGER_DIR)
	mkdir -p $(SWAGGER_DIR)
	cp $(addprefix node_modules/swagger-ui-dist/,$(SWAGGER_FILES)) $(SWAGGER_DIR)/
	touch $@

translations: venv
	@$(VENV)/bin/pybabel compile -d meetingsvc/translations >/dev/null

instance: venv
	@$(PY) -m meetingsvc.instance_setup
	@$(PY) -m flask --app meetingsvc init
	@$(PY) -m flask --app meetingsvc signing init-pki

# Timing checks: the tests marked perf, which make test leaves out; figures in BENCHMARKS.md
# come from the scripts in bench/.
bench: dev-venv test-debs translations static-vendor
	$(PY) -m pytest -m perf $(PYTEST_ARGS)

lint: dev-venv
	$(VENV)/bin/ruff check meetingsvc signing tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache

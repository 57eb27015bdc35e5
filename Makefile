# kamidrop developer entry points (GNU make).
#   make run      start the local stack (moto, localstripe, the API front, worker) with a demo shop
#   make test     lint + the whole test suite (browsers included); what CI runs
#   make lint     ruff, mypy, import-linter, cfn-lint
#   make package  build the CloudFormation/SAM package for prod into build/package

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= prod
PACKAGE_DIR := build/package

.PHONY: help install browsers run lint test package clean distclean

help:
	@echo "make run | test | lint | package | clean | distclean"

# (Re)install the Python dependencies whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(STAMP)

# Debian's Chromium and chromedriver for the browser tests (Playwright drives them via
# executable_path, so no browser download is needed), and a CJK font so zh-CN pages render
# (and are screenshotted) as buyers see them. Non-interactive; sudo only when not root, and
# `sudo -n` so a missing password fails instead of hanging.
CJK_FONT = /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
browsers:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -f $(CJK_FONT) ]; then exit 0; fi; \
	sudo=""; \
	if [ "$$(id -u)" -ne 0 ]; then \
	  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; \
	  else echo "chromium is missing and we are not root (no sudo): install chromium chromium-driver fonts-wqy-microhei" >&2; exit 1; fi; \
	fi; \
	echo "installing chromium, chromium-driver and fonts-wqy-microhei"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver fonts-wqy-microhei </dev/null

run: $(STAMP)
	$(BIN)/python -m devstack.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy chalicelib app.py
	$(BIN)/lint-imports
	$(BIN)/cfn-lint infra/resources.json

# pytest exits 5 when nothing was collected; like any other non-zero code it fails the target.
# Two workers, one test module each at a time (module-scoped tables and servers stay per worker).
test: $(STAMP) browsers lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# Needs AWS_DEFAULT_REGION (or a configured profile region) and network access for
# the Lambda wheels; see docs/deploy.md for the CloudFormation steps that follow.
package: $(STAMP)
	rm -rf $(PACKAGE_DIR)
	$(BIN)/chalice package --stage $(STAGE) --merge-template infra/resources.json $(PACKAGE_DIR)

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

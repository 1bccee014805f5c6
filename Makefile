# Gen Image Factory — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
# Debian/Ubuntu libraries QtWebEngine needs that a bare system lacks.
QT_DEBS := libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-image0 libxcb-randr0 \
           libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libnss3 libegl1 libgl1 libxcomposite1 \
           libxdamage1 libxrandr2 libxtst6 libxkbfile1 libasound2 libfontconfig1 libdbus-1-3
TEST_DEBS := chromium xvfb fonts-dejavu-core libcairo2 libimage-exiftool-perl

.PHONY: run test setup setup-dev system-deps system-deps-test lint bench bundle clean

run: setup system-deps
	$(BIN)/gif-app --auto-sandbox

test: setup-dev system-deps system-deps-test
	bash tools/run_tests.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(STAMP)

setup-dev: $(DEVSTAMP)

system-deps:
	@bash tools/system_deps.sh $(QT_DEBS)

system-deps-test:
	@bash tools/system_deps.sh $(TEST_DEBS)

lint: setup-dev
	$(BIN)/ruff check gif_app tests bench
	$(BIN)/mypy

bench: setup-dev
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/processing.py
	$(BIN)/python bench/lists.py
	$(BIN)/python bench/startup.py

bundle: setup-dev
	$(BIN)/pyinstaller --noconfirm --workpath .pyinstaller/work --distpath dist pyinstaller.spec

.PHONY: package
package: bundle  # the platform's installer (.deb here; Inno Setup on Windows, DMG on macOS) from dist/gif-app
	$(BIN)/python tools/package.py

clean:
	rm -rf .pyinstaller dist test-artifacts

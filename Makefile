# Gen Image Factory — the two set-up commands are `make run` and `make test`.
# They, and clean/distclean, are thin calls of tools/dev.py, the one implementation every OS runs
# (Windows: `py -3.11 tools\dev.py run` / `py -3.11 tools\dev.py test`, see the README).
PYTHON ?= python3
DEV    := $(PYTHON) tools/dev.py
BIN    := .venv/bin
# This system's names of the Qt WebEngine libraries (tools/devkit/sysdeps.py holds the list; evaluated on use).
QT_DEBS = $(shell $(DEV) debs)

.PHONY: run test setup setup-dev system-deps system-deps-test lint bench bundle clean distclean

run:
	$(DEV) run

# Extra pytest arguments: make test ARGS="tests/unit -k venv"
test:
	$(DEV) test $(ARGS)

setup:
	$(DEV) setup

setup-dev:
	$(DEV) setup-dev

system-deps:
	$(DEV) system-deps

system-deps-test:
	$(DEV) system-deps --test

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

# clean keeps .venv (a venv made by the wrong Python is rebuilt by run/test anyway); distclean removes it too.
clean:
	$(DEV) clean

distclean:
	$(DEV) distclean

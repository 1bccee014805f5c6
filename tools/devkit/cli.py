"""The runner's commands: run, test, clean, distclean (and the set-up steps the Makefile exposes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import chromium, sysdeps
from .venv import ensure_installed, ensure_venv, pip_installer

ROOT = Path(__file__).resolve().parents[2]
VENV_NAME = ".venv"
BUILD_OUTPUTS = (".pyinstaller", "dist", "test-artifacts")
PYTEST_NO_TESTS = 5  # pytest's "no tests collected": a selection that matched nothing must not pass

USAGE = """usage: python tools/dev.py COMMAND [ARGS]

  run        make .venv, install the app, start it (on the sandbox when no API key is set)
  test       make .venv, install the app and test tools, run ruff, mypy and pytest [ARGS go to pytest]
  clean      remove .pyinstaller, dist and test-artifacts (keeps .venv)
  distclean  clean, and remove .venv too

  setup | setup-dev        only make .venv and install (without / with the test tools)
  system-deps [--test]     only check/install the Debian/Ubuntu packages (with --test: the tests' too)
  debs [--test]            print this system's names of those packages
  --check-python           only check the Python version"""


def pytest_status(code: int) -> int:
    """Map pytest's exit code to ours: 'no tests collected' (5) is a failure, everything else passes through."""
    return 1 if code == PYTEST_NO_TESTS else code


def base_python() -> Path:
    """Return the interpreter to build the venv with (the base one when this runs inside a venv)."""
    return Path(getattr(sys, "_base_executable", "") or sys.executable)


def prepare(root: Path, *, dev: bool) -> Path:
    """Make or repair the venv and install the app into it; return the venv's Python."""
    venv = root / VENV_NAME
    python = ensure_venv(venv, base_python())
    ensure_installed(root, venv, dev=dev, install=pip_installer(python, root))
    return python


def is_root() -> bool:
    """Return whether this process runs as root (never on Windows)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def suite_environ(environ: Mapping[str, str], as_root: bool) -> dict[str, str]:
    """Return the suite's environment: Qt offscreen, and Chromium's sandbox off as root (it refuses otherwise)."""
    env = {**environ, "QT_QPA_PLATFORM": "offscreen"}
    if as_root:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    return env


def suite_steps(python: Path, pytest_args: Sequence[str]) -> list[list[str]]:
    """Return the suite's commands in order: lint, types, tests."""
    py = str(python)
    return [[py, "-m", "ruff", "check", "gif_app", "tests", "bench"], [py, "-m", "mypy"],
            [py, "-m", "pytest", *pytest_args]]


def run_steps(steps: Sequence[Sequence[str]], cwd: Path, env: Mapping[str, str]) -> int:
    """Run `steps` in order, stop at the first failure, and return the exit code (pytest's mapped)."""
    for step in steps:
        code = subprocess.run(list(step), cwd=cwd, env=dict(env)).returncode
        if list(step[1:3]) == ["-m", "pytest"]:
            if code == PYTEST_NO_TESTS:
                print("pytest collected no tests: failing on purpose.", file=sys.stderr)
            code = pytest_status(code)
        if code != 0:
            return code
    return 0


def remove_outputs(root: Path, *, with_venv: bool) -> list[str]:
    """Delete the build and test outputs (and the venv); return the names removed."""
    names = [*BUILD_OUTPUTS, VENV_NAME] if with_venv else list(BUILD_OUTPUTS)
    removed = []
    for name in names:
        path = root / name
        if path.exists():
            shutil.rmtree(path)
            removed.append(name)
    return removed


def package_specs(*, for_tests: bool, has_browser: bool, has_chromium_deb: bool) -> list[str]:
    """Return the packages to check: Qt's; for the tests theirs too, and the Chromium deb only when it helps."""
    specs = list(sysdeps.QT_DEBS)
    if for_tests:
        specs += sysdeps.TEST_DEBS
        if not has_browser and has_chromium_deb:
            specs.append(sysdeps.CHROMIUM_DEB)
    return specs


def ensure_system_packages(*, for_tests: bool) -> bool:
    """Check the Debian/Ubuntu packages the app (and the tests) need; install or print the sudo line."""
    browser, searched = chromium.locate_chromium(os.environ) if for_tests else (None, "")
    has_deb = for_tests and browser is None and sysdeps.is_chromium_deb_available()
    if for_tests and browser is None and not has_deb:
        print(f"No Chromium for the browser tests ({searched}). Install Chromium or Google Chrome, or set "
              f"{chromium.ENV_VAR}; until then those tests are skipped (they fail when CI is set).")
    specs = package_specs(for_tests=for_tests, has_browser=browser is not None, has_chromium_deb=has_deb)
    return sysdeps.ensure_packages(specs)


def cmd_run(args: Sequence[str]) -> int:
    """Set up and start the app with --auto-sandbox."""
    if not ensure_system_packages(for_tests=False):
        return 1
    python = prepare(ROOT, dev=False)
    return subprocess.run([str(python), "-m", "gif_app", "--auto-sandbox", *args], cwd=ROOT).returncode


def cmd_test(args: Sequence[str]) -> int:
    """Set up with the test tools and run ruff, mypy and pytest (extra args go to pytest)."""
    if not ensure_system_packages(for_tests=True):
        return 1
    python = prepare(ROOT, dev=True)
    return run_steps(suite_steps(python, args), ROOT, suite_environ(os.environ, is_root()))


def cmd_debs(args: Sequence[str]) -> int:
    """Print this system's package names (the Makefile's QT_DEBS, read by the workflow)."""
    specs = [*sysdeps.QT_DEBS, *(sysdeps.TEST_DEBS if "--test" in args else ())]
    print(" ".join(sysdeps.resolved(specs)))
    return 0


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "run": cmd_run,
    "test": cmd_test,
    "clean": lambda args: _clean(with_venv=False),
    "distclean": lambda args: _clean(with_venv=True),
    "setup": lambda args: _setup(dev=False),
    "setup-dev": lambda args: _setup(dev=True),
    "system-deps": lambda args: 0 if ensure_system_packages(for_tests="--test" in args) else 1,
    "debs": cmd_debs,
}


def _clean(*, with_venv: bool) -> int:
    """Remove the outputs and say what went."""
    removed = remove_outputs(ROOT, with_venv=with_venv)
    print("Removed: " + (", ".join(removed) if removed else "nothing (already clean)"))
    return 0


def _setup(*, dev: bool) -> int:
    """Only make the venv and install."""
    prepare(ROOT, dev=dev)
    return 0


def run_command(argv: Sequence[str]) -> int:
    """Dispatch `argv` (command first) and return the exit code."""
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[0]](list(argv[1:]))
    except subprocess.CalledProcessError as failed:
        print(f"Failed ({failed.returncode}): {' '.join(map(str, failed.cmd))}", file=sys.stderr)
        return failed.returncode or 1
    except KeyboardInterrupt:
        return 130

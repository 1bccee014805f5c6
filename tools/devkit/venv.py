"""The project's virtual environment: where its Python is, whether it is current, (re)building and installing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

try:  # run through tools/dev.py: tools/ is on the path
    from dev import MINIMUM, VERSION_PROBE, parse_version  # the launcher's (3.6-safe): one copy of each
except ImportError:  # imported as tools.devkit (the tests)
    from tools.dev import MINIMUM, VERSION_PROBE, parse_version

BASE_STAMP = ".installed"  # `pip install -e .` done after the last pyproject.toml change
DEV_STAMP = ".installed-dev"  # `pip install -e .[dev]` done after that

Installer = Callable[[Sequence[str]], None]


def venv_python(venv: Path, os_name: str = os.name) -> Path:
    """Return the venv's interpreter: Scripts\\python.exe on Windows, bin/python elsewhere."""
    return venv / "Scripts" / "python.exe" if os_name == "nt" else venv / "bin" / "python"


def cfg_version(cfg_text: str) -> tuple[int, ...] | None:
    """Return the Python version a pyvenv.cfg records (`version_info`, else `version`), or None."""
    values: dict[str, str] = {}
    for line in cfg_text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    for key in ("version_info", "version"):  # 3.11+ writes version_info; older venvs only version
        if key in values and (found := parse_version(values[key])) is not None:
            return found
    return None


def probe_version(python: Path) -> tuple[int, ...] | None:
    """Run `python` and return its version, or None when it is missing or does not run."""
    try:
        done = subprocess.run([str(python), "-c", VERSION_PROBE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(done.stdout) if done.returncode == 0 else None


def dotted(version: tuple[int, ...]) -> str:
    """Return '3.9.18' for (3, 9, 18)."""
    return ".".join(str(part) for part in version)


def stale_reason(venv: Path, os_name: str = os.name) -> str | None:
    """Return why `venv` must be (re)built, or None when it is a working Python 3.11+ venv."""
    cfg = venv / "pyvenv.cfg"
    if not venv.exists():
        return f"{venv.name} does not exist yet"
    if not cfg.is_file():
        return f"{venv.name} has no pyvenv.cfg (not a virtual environment)"
    recorded = cfg_version(cfg.read_text(encoding="utf-8", errors="replace"))
    if recorded is not None and recorded < MINIMUM:
        return f"{venv.name} was made with Python {dotted(recorded)}"
    python = venv_python(venv, os_name)
    if not python.exists():
        return f"{venv.name} has no interpreter at {python}"
    running = probe_version(python)
    if running is None:
        return f"{venv.name}'s interpreter {python} does not run (its base Python moved or was removed?)"
    if running < MINIMUM:
        return f"{venv.name}'s interpreter is Python {dotted(running)}"
    return None


def ensure_venv(venv: Path, base_python: Path, *, with_pip: bool = True,
                log: Callable[[str], None] = print, os_name: str = os.name) -> Path:
    """Make `venv` with `base_python` unless it is current (a stale one is removed first); return its Python."""
    reason = stale_reason(venv, os_name)
    if reason is None:
        return venv_python(venv, os_name)
    if venv.exists():
        log(f"Rebuilding {venv.name}: {reason}.")
        shutil.rmtree(venv)
    command = [str(base_python), "-m", "venv", str(venv)]
    if not with_pip:
        command.insert(3, "--without-pip")
    subprocess.run(command, check=True)
    python = venv_python(venv, os_name)
    if with_pip:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    return python


def is_stamp_fresh(stamp: Path, *inputs: Path) -> bool:
    """Return whether `stamp` exists and is no older than any of `inputs` (make's rule)."""
    if not stamp.exists():
        return False
    made = stamp.stat().st_mtime
    return all(not src.exists() or src.stat().st_mtime <= made for src in inputs)


def ensure_installed(root: Path, venv: Path, *, dev: bool, install: Installer) -> bool:
    """Install the app (`-e .`, or `-e .[dev]` when `dev`) unless its stamp is fresh; return whether it ran."""
    pyproject = root / "pyproject.toml"
    base, extra = venv / BASE_STAMP, venv / DEV_STAMP
    if not dev:
        if is_stamp_fresh(base, pyproject):
            return False
        install(["-e", "."])
        base.touch()
        return True
    if is_stamp_fresh(base, pyproject) and is_stamp_fresh(extra, pyproject, base):
        return False
    install(["-e", ".[dev]"])  # the dev extra includes the app itself, so both stamps are now true
    base.touch()
    extra.touch()
    return True


def pip_installer(python: Path, root: Path) -> Installer:
    """Return an installer running `python -m pip install --quiet <args>` in `root`."""
    def install(args: Sequence[str]) -> None:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args], cwd=root, check=True)
    return install

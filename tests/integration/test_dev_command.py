"""tools/dev.py end to end: old Pythons stop before any venv, stale venvs are rebuilt, clean/distclean, exit codes."""

from __future__ import annotations

import glob
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tools.devkit import cli, sysdeps
from tools.devkit.venv import MINIMUM, cfg_version, ensure_installed, ensure_venv, stale_reason, venv_python

ROOT = Path(__file__).resolve().parents[2]
BASE_PYTHON = Path(getattr(sys, "_base_executable", "") or sys.executable)
MESSAGE = "Gen Image Factory needs Python 3.11 or newer; found 3."


def old_interpreters() -> list[str]:
    """Return the real Pythons older than 3.11 on this machine (pyenv's, or python3.6 ... python3.10 on PATH)."""
    found = {shutil.which(f"python3.{minor}") or "" for minor in range(6, 11)}
    found |= set(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.*" / "bin" / "python3.[6-9]")))
    found |= set(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.10*" / "bin" / "python3.10")))
    # pyenv's shims are shell scripts that pick a version by configuration, not the interpreter they name.
    return sorted(path for path in found if path and "shims" not in Path(path).parts)


OLD = old_interpreters()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a throwaway checkout holding the runner (its root is where it makes .venv and cleans)."""
    root = tmp_path / "checkout"
    shutil.copytree(ROOT / "tools" / "devkit", root / "tools" / "devkit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "tools" / "dev.py", root / "tools" / "dev.py")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    return root


def run_dev(python: str, root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the checkout's tools/dev.py with `python`, without a PYTHON override unless given."""
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHON", "GIF_DEV_REEXEC"}}
    return subprocess.run([python, str(root / "tools" / "dev.py"), *args], cwd=root, env={**environ, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not OLD, reason="no Python older than 3.11 on this machine")
@pytest.mark.parametrize("old", OLD)
def test_an_old_python_gets_the_message_and_no_venv(project: Path, old: str) -> None:
    done = run_dev(old, project, "run")
    assert done.returncode == 2, done.stderr
    assert MESSAGE in done.stderr and f"at {old}." in done.stderr and "(or set PYTHON=...)" in done.stderr
    assert not (project / ".venv").exists()


def stand_in(tmp_path: Path) -> str:
    """Return an executable that answers the version probe like a Python 3.9 would."""
    path = tmp_path / "bin" / "python3"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\necho 3.9.18\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.parametrize("kind", ["real", "stand-in"])
def test_a_python_override_naming_an_old_interpreter_is_refused(project: Path, tmp_path: Path, kind: str) -> None:
    if kind == "real" and not OLD:
        pytest.skip("no Python older than 3.11 on this machine")
    if kind == "stand-in" and os.name == "nt":
        pytest.skip("the stand-in is a POSIX shell script")
    old = OLD[-1] if kind == "real" else stand_in(tmp_path)
    done = run_dev(sys.executable, project, "run", PYTHON=old)
    assert done.returncode == 2, done.stderr
    assert MESSAGE in done.stderr and f" at {old}. Install 3.11+" in done.stderr
    assert not (project / ".venv").exists()


@pytest.mark.skipif(not OLD, reason="no Python older than 3.11 on this machine")
def test_an_old_python_hands_over_to_the_python_override(project: Path) -> None:
    (project / "dist").mkdir()
    done = run_dev(OLD[0], project, "clean", PYTHON=sys.executable)  # the README's "(or set PYTHON=...)"
    assert done.returncode == 0, done.stderr
    assert "Removed: dist" in done.stdout and not (project / "dist").exists()


def test_check_python_passes_on_this_interpreter(project: Path) -> None:
    done = run_dev(sys.executable, project, "--check-python")
    assert done.returncode == 0 and done.stdout.strip().endswith(": OK")


def test_no_command_prints_the_usage(project: Path) -> None:
    done = run_dev(sys.executable, project)
    assert done.returncode == 2 and "distclean" in done.stderr


def make_venv(python: Path | str, venv: Path) -> None:
    """Make a real venv without pip (fast, offline)."""
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)


def test_a_venv_recorded_as_39_is_rebuilt_and_a_current_one_kept(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    make_venv(BASE_PYTHON, venv)
    assert stale_reason(venv) is None
    keep = venv / "keep-me"
    keep.touch()
    assert ensure_venv(venv, BASE_PYTHON, with_pip=False, log=lambda _: None) == venv_python(venv)
    assert keep.exists()  # a current venv is reused as is

    cfg = venv / "pyvenv.cfg"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text("\n".join(line for line in text.splitlines() if not line.startswith("version"))
                   + "\nversion = 3.9.18\n", encoding="utf-8")
    assert stale_reason(venv) == ".venv was made with Python 3.9.18"
    said: list[str] = []
    python = ensure_venv(venv, BASE_PYTHON, with_pip=False, log=said.append)
    assert said == ["Rebuilding .venv: .venv was made with Python 3.9.18."]
    assert not keep.exists()
    rebuilt = cfg_version(cfg.read_text(encoding="utf-8"))
    assert rebuilt is not None and rebuilt >= MINIMUM
    prefix = subprocess.run([str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert Path(prefix).samefile(venv)


def test_a_venv_with_a_missing_interpreter_is_rebuilt(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    make_venv(BASE_PYTHON, venv)
    venv_python(venv).unlink()
    assert "has no interpreter" in (stale_reason(venv) or "")
    ensure_venv(venv, BASE_PYTHON, with_pip=False, log=lambda _: None)
    assert stale_reason(venv) is None


@pytest.mark.skipif(not OLD, reason="no Python older than 3.11 on this machine")
def test_a_venv_made_by_a_real_old_python_is_rebuilt(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    make_venv(OLD[-1], venv)
    assert (stale_reason(venv) or "").startswith(".venv was made with Python 3.")
    ensure_venv(venv, BASE_PYTHON, with_pip=False, log=lambda _: None)
    assert stale_reason(venv) is None


def test_installs_follow_the_stamps(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    venv.mkdir()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\n", encoding="utf-8")
    os.utime(pyproject, (1_000, 1_000))
    calls: list[list[str]] = []

    def install(args: Sequence[str]) -> None:
        calls.append(list(args))

    assert ensure_installed(tmp_path, venv, dev=False, install=install)
    assert not ensure_installed(tmp_path, venv, dev=False, install=install)
    assert ensure_installed(tmp_path, venv, dev=True, install=install)
    assert not ensure_installed(tmp_path, venv, dev=True, install=install)
    assert not ensure_installed(tmp_path, venv, dev=False, install=install)  # dev install covers the app
    later = time.time() + 60
    os.utime(pyproject, (later, later))  # pyproject.toml edited after the installs: both are due again
    assert ensure_installed(tmp_path, venv, dev=True, install=install)
    assert calls == [["-e", "."], ["-e", ".[dev]"], ["-e", ".[dev]"]]


def test_clean_keeps_the_venv_and_distclean_removes_it(project: Path) -> None:
    for name in (".pyinstaller/work", "dist/gif-app", "test-artifacts", ".venv/bin"):
        (project / name).mkdir(parents=True)
    done = run_dev(sys.executable, project, "clean")
    assert done.returncode == 0, done.stderr
    assert "Removed: .pyinstaller, dist, test-artifacts" in done.stdout
    assert [p.name for p in project.iterdir() if p.name.startswith((".", "dist", "test"))] == [".venv"]
    done = run_dev(sys.executable, project, "distclean")
    assert done.returncode == 0 and "Removed: .venv" in done.stdout
    assert not (project / ".venv").exists()


def test_pytest_collecting_nothing_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    pytest_step = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                   "-c", os.devnull, str(tmp_path / "empty")]
    assert cli.run_steps([pytest_step], tmp_path, os.environ) == 1
    assert "pytest collected no tests: failing on purpose." in capsys.readouterr().err
    (tmp_path / "empty" / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n", encoding="utf-8")
    assert cli.run_steps([pytest_step], tmp_path, os.environ) == 0
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    assert cli.run_steps([failing, pytest_step], tmp_path, os.environ) == 3  # stops at the first failure


@pytest.mark.skipif(not sysdeps.is_debian_like(), reason="needs dpkg and apt (Debian/Ubuntu)")
def test_every_package_name_resolves_on_this_distribution() -> None:
    specs = [*sysdeps.QT_DEBS, *sysdeps.TEST_DEBS]
    apt = sysdeps.Apt(sysdeps.names_of(specs))
    found = sysdeps.plan(specs, apt.is_installed, apt.is_installable)
    assert found.unknown == ()
    assert len(sysdeps.resolved(specs)) == len(specs)

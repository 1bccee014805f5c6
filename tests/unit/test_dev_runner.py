"""tools/dev.py's decisions as pure functions: venv paths per OS, venv freshness, messages, apt names, Chromium."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

from tests.helpers.chromium import chromium_executable
from tools import dev
from tools.devkit import cli, sysdeps
from tools.devkit.chromium import locate_chromium
from tools.devkit.venv import cfg_version, venv_python

ROOT = Path(__file__).resolve().parents[2]


def exe(name: str) -> str:
    """Return `name` as the PATH lookup finds it on this OS (Windows needs an extension from PATHEXT)."""
    return f"{name}.exe" if os.name == "nt" else name


def make_executable(path: Path) -> Path:
    """Create a real executable file at `path` (a shell script that exits 0)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def test_the_launcher_parses_as_python_3_6() -> None:
    source = (ROOT / "tools" / "dev.py").read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 6))  # raises SyntaxError on anything newer (walrus, match, ...)


def test_the_version_message_names_the_version_the_path_and_the_way_out() -> None:
    message = dev.too_old_message((3, 9, 18), "/usr/bin/python3")
    assert message == ("Gen Image Factory needs Python 3.11 or newer; found 3.9 at /usr/bin/python3. "
                       "Install 3.11+ and run again (or set PYTHON=...)")


@pytest.mark.parametrize(("text", "expected"), [
    ("3.9.18\n", (3, 9, 18)), ("3.13.0rc1", (3, 13, 0)), ("3.11", (3, 11)), ("garbage", None), ("", None),
])
def test_the_launcher_reads_a_version_probe(text: str, expected: tuple[int, ...] | None) -> None:
    assert dev.parse_version(text) == expected


def test_the_venv_python_is_scripts_python_exe_on_windows_and_bin_python_elsewhere() -> None:
    venv = Path("proj") / ".venv"
    assert venv_python(venv, "nt") == venv / "Scripts" / "python.exe"
    assert venv_python(venv, "posix") == venv / "bin" / "python"


@pytest.mark.parametrize(("cfg", "expected", "is_current"), [
    ("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.18\n", (3, 9, 18), False),
    ("home = C:\\Python311\nversion_info = 3.11.7.final.0\nversion = 3.11.7\n", (3, 11, 7), True),
    ("version_info = 3.12.1.final.0\nversion = 3.9.2\n", (3, 12, 1), True),  # version_info wins
    ("home = /usr/bin\n", None, False),
])
def test_a_pyvenv_cfg_tells_whether_the_venv_is_current(cfg: str, expected: tuple[int, ...] | None,
                                                        is_current: bool) -> None:
    found = cfg_version(cfg)
    assert found == expected
    assert (found is not None and found >= (3, 11)) is is_current


def test_pytest_finding_no_tests_is_a_failure_and_other_codes_pass_through() -> None:
    assert [cli.pytest_status(code) for code in (0, 1, 2, 5)] == [0, 1, 2, 1]


def test_the_suite_runs_lint_types_then_pytest_with_the_extra_arguments() -> None:
    python = Path(".venv") / "bin" / "python"
    steps = cli.suite_steps(python, ["-k", "venv", "tests/unit"])
    assert [step[1:3] for step in steps] == [["-m", "ruff"], ["-m", "mypy"], ["-m", "pytest"]]
    assert steps[0][3:] == ["check", "gif_app", "tests", "bench"]
    assert steps[2][3:] == ["-k", "venv", "tests/unit"]
    assert all(step[0] == str(python) for step in steps)


def test_the_suite_environment_is_offscreen_and_drops_the_sandbox_only_as_root() -> None:
    assert cli.suite_environ({"A": "1"}, as_root=False) == {"A": "1", "QT_QPA_PLATFORM": "offscreen"}
    assert cli.suite_environ({}, as_root=True)["QTWEBENGINE_DISABLE_SANDBOX"] == "1"


@pytest.mark.parametrize(("installed", "installable", "expected"), [
    (set(), {"libasound2t64"}, "libasound2t64"),                # Ubuntu 24.04: libasound2 is only virtual
    (set(), {"libasound2"}, "libasound2"),                      # Debian 12, Ubuntu 22.04
    ({"libasound2"}, {"libasound2", "libasound2t64"}, "libasound2"),  # an installed one is never replaced
    (set(), set(), None),                                       # apt knows neither (stale lists)
])
def test_the_first_installed_then_the_first_installable_alternative_is_chosen(
        installed: set[str], installable: set[str], expected: str | None) -> None:
    assert sysdeps.pick_alternative("libasound2t64|libasound2", installed.__contains__,
                                    installable.__contains__) == expected


def test_the_plan_lists_what_to_install_and_what_apt_does_not_know() -> None:
    installed = {"libnss3"}
    installable = {"libnss3", "libgl1", "libasound2t64"}
    found = sysdeps.plan(["libnss3", "libgl1", "libasound2t64|libasound2", "libnope1"],
                         installed.__contains__, installable.__contains__)
    assert found == sysdeps.Plan(missing=("libgl1", "libasound2t64"), unknown=("libnope1",))
    assert sysdeps.sudo_line(found) == ("sudo apt-get update && sudo apt-get install -y --no-install-recommends "
                                        "libgl1 libasound2t64 libnope1")
    assert sysdeps.sudo_line(sysdeps.Plan(("libgl1",), ())) == "sudo apt-get install -y --no-install-recommends libgl1"


def test_no_test_package_is_xvfb_and_the_qt_list_names_the_2404_alsa() -> None:
    assert not any("xvfb" in spec for spec in [*sysdeps.QT_DEBS, *sysdeps.TEST_DEBS])
    assert "libasound2t64|libasound2" in sysdeps.QT_DEBS


def test_the_chromium_deb_is_asked_for_only_when_no_browser_is_found_and_apt_has_a_real_one() -> None:
    run = cli.package_specs(for_tests=False, has_browser=False, has_chromium_deb=True)
    assert run == list(sysdeps.QT_DEBS)
    test = cli.package_specs(for_tests=True, has_browser=False, has_chromium_deb=True)
    assert test == [*sysdeps.QT_DEBS, *sysdeps.TEST_DEBS, "chromium"]
    assert "chromium" not in cli.package_specs(for_tests=True, has_browser=True, has_chromium_deb=True)
    assert "chromium" not in cli.package_specs(for_tests=True, has_browser=False, has_chromium_deb=False)  # Ubuntu


def test_apt_policy_and_dpkg_output_are_read() -> None:
    policy = ("libasound2:\n  Installed: 1.2.8-1+b1\n  Candidate: 1.2.8-1+b1\n  Version table:\n"
              "chromium:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n"
              "libgl1:amd64:\n  Installed: (none)\n  Candidate: 1.6.0-1\n")
    assert sysdeps.parse_apt_policy(policy) == {"libasound2", "libgl1"}
    status = "libasound2 install ok installed\nlibgl1 deinstall ok config-files\nlibnss3 install ok installed\n"
    assert sysdeps.parse_dpkg_status(status) == {"libasound2", "libnss3"}


def test_gif_chromium_wins_and_a_wrong_one_is_named(tmp_path: Path) -> None:
    browser = make_executable(tmp_path / "my browser" / "chrome")
    on_path = make_executable(tmp_path / "bin" / exe("chromium"))
    env = {"GIF_CHROMIUM": str(browser), "PATH": str(on_path.parent)}
    assert locate_chromium(env, "Linux")[0] == browser
    plain = tmp_path / "not-executable"
    plain.write_text("", encoding="utf-8")
    found, searched = locate_chromium({**env, "GIF_CHROMIUM": str(plain)}, "Linux")
    assert found is None and "is not an executable file" in searched


def test_the_path_is_searched_in_name_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    chrome = make_executable(first / exe("google-chrome"))
    chromium_browser = make_executable(second / exe("chromium-browser"))
    path = f"{first}{os.pathsep}{second}"
    assert locate_chromium({"PATH": path}, "Linux")[0] == chromium_browser  # chromium-browser before google-chrome
    chromium_browser.unlink()
    assert locate_chromium({"PATH": path}, "Linux")[0] == chrome


def test_the_usual_windows_and_macos_install_places_are_tried(tmp_path: Path) -> None:
    program_files = tmp_path / "Program Files"
    chrome = make_executable(program_files / "Google" / "Chrome" / "Application" / "chrome.exe")
    assert locate_chromium({"PATH": "", "PROGRAMFILES": str(program_files)}, "Windows")[0] == chrome
    home = tmp_path / "home"
    mac = make_executable(home / "Applications" / "Chromium.app" / "Contents" / "MacOS" / "Chromium")
    assert locate_chromium({"PATH": "", "HOME": str(home)}, "Darwin")[0] == mac
    assert locate_chromium({"PATH": "", "HOME": str(home)}, "Linux")[0] is None


def test_no_chromium_skips_locally_and_fails_under_ci(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path)}
    with pytest.raises(pytest.skip.Exception, match="GIF_CHROMIUM"):
        chromium_executable(env)
    with pytest.raises(pytest.fail.Exception, match="No Chromium for the browser tests"):
        chromium_executable({**env, "CI": "true"})
    browser = make_executable(tmp_path / exe("chromium"))
    assert chromium_executable({**env, "CI": "true"}) == browser

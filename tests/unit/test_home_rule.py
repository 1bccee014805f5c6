"""The one home rule of every command and the window: an explicit home is used as is, sandbox or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from gif_app.cli import build_parser
from gif_app.paths import APP_NAME, HOME_ENV, resolve_home, sandbox_home_hint
from gif_app.settings import example_assignment, similar_keys, unknown_key_message
from gif_app.settings_schema import SETTINGS


@pytest.fixture
def platform_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Drop $GIF_APP_HOME and point the platform's user data folder into tmp; return that home."""
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / APP_NAME


def test_home_flag_is_the_same_folder_for_sandbox_and_real_commands(tmp_path: Path) -> None:
    chosen = str(tmp_path / "h")
    assert resolve_home(chosen, is_sandbox=True) == resolve_home(chosen, is_sandbox=False) == tmp_path / "h"
    assert sandbox_home_hint(chosen, is_sandbox=False) == ""


def test_the_environment_home_is_used_as_is_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "env-home"))
    assert resolve_home(None, is_sandbox=True) == resolve_home(None, is_sandbox=False) == tmp_path / "env-home"
    assert sandbox_home_hint(None, is_sandbox=False) == ""


def test_without_an_explicit_home_the_sandbox_has_its_own_subfolder(platform_home: Path) -> None:
    assert resolve_home(None, is_sandbox=False) == platform_home
    assert resolve_home(None, is_sandbox=True) == platform_home / "sandbox"
    assert str(platform_home / "sandbox") in sandbox_home_hint(None, is_sandbox=False)
    assert sandbox_home_hint(None, is_sandbox=True) == ""


@pytest.mark.parametrize("argv", [["run", "--sandbox"], ["export", "1", "--xlsx", "x.xlsx", "--sandbox"],
                                  ["settings", "show", "--sandbox"], ["--sandbox", "export", "1", "--zip", "z"],
                                  ["process", "in", "--out", "out", "--sandbox"]])
def test_sandbox_is_accepted_before_or_after_each_subcommand(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.sandbox or args.sub_sandbox


def test_set_hints_come_from_the_schema() -> None:
    assert similar_keys("generation.concurrency") == ["parameters.concurrency"]
    assert example_assignment("ai.run_quality_check") == "ai.run_quality_check=true"
    assert example_assignment().split("=", 1)[0] in SETTINGS
    assert "parameters.concurrency" not in unknown_key_message("zz.qq")
    assert example_assignment() in unknown_key_message("zz.qq")

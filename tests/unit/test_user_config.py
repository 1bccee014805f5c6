"""The data folder's precedence: --home > $GIF_APP_HOME > config.toml's data_folder > the platform's folder."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from gif_app import paths
from gif_app.paths import APP_NAME, HOME_ENV, resolve_home
from gif_app.user_config import pick_home, read_data_folder


@pytest.mark.parametrize(("explicit", "env", "configured", "chosen"), [
    ("/flag", "/env", "/file", "/flag"),
    (None, "/env", "/file", "/env"),
    (None, None, "/file", "/file"),
    (None, None, None, None),
    ("", "", "/file", "/file"),  # an empty variable is no choice
])
def test_the_first_choice_wins(explicit: str | None, env: str | None, configured: str | None,
                               chosen: str | None) -> None:
    assert pick_home(explicit, env, configured) == chosen


def test_the_file_sets_the_data_folder(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    assert read_data_folder(config) is None  # no file: the usual case
    config.write_text(f"# where the data lives\ndata_folder = '{tmp_path / 'abs'}'\n", encoding="utf-8")
    assert read_data_folder(config) == str(tmp_path / "abs")
    config.write_text('data_folder = "stock-data"\n', encoding="utf-8")
    assert read_data_folder(config) == str(tmp_path / "stock-data")  # relative to the file's folder
    config.write_text('data_folder = "~/stock"\n', encoding="utf-8")
    assert read_data_folder(config) == str(Path.home() / "stock")


@pytest.mark.parametrize("text", ["data_folder = ", "data_folder = 3", 'data_folder = "  "', "other = 'x'"])
def test_a_broken_or_silent_file_is_ignored(tmp_path: Path, text: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    assert read_data_folder(config) is None


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app's config file into tmp and the platform's data folder too; drop $GIF_APP_HOME."""
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    monkeypatch.setattr(paths, "user_config_file", lambda: config)
    return config


def test_every_command_follows_the_precedence(tmp_path: Path, config_file: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    default = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    assert resolve_home(None, is_sandbox=False) == default  # nothing chosen: the platform's folder
    config_file.write_text(f"data_folder = '{tmp_path / 'from-file'}'\n", encoding="utf-8")
    assert resolve_home(None, is_sandbox=False) == tmp_path / "from-file"
    # The file replaces the platform folder: sandbox work keeps its own subfolder there.
    assert resolve_home(None, is_sandbox=True) == tmp_path / "from-file" / "sandbox"
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "from-env"))
    assert resolve_home(None, is_sandbox=False) == tmp_path / "from-env"
    assert resolve_home(str(tmp_path / "from-flag"), is_sandbox=False) == tmp_path / "from-flag"


def test_the_window_and_cli_read_the_file(tmp_path: Path, config_file: Path) -> None:
    from gif_app.cli.entry import main

    config_file.write_text(f"data_folder = '{tmp_path / 'from-file'}'\n", encoding="utf-8")
    assert main(["settings", "show"]) == 0
    assert main(["export", "1", "--xlsx", str(tmp_path / "x.xlsx")]) != 0  # no such job, but in that folder
    assert (tmp_path / "from-file" / "gif_app.db").is_file()

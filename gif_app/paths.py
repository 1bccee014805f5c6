"""Where the app keeps its data, and where its bundled resources live (source tree or frozen bundle)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from gif_app.path_text import clean_path_text
from gif_app.user_config import CONFIG_NAME, pick_home, read_data_folder

APP_NAME = "GenImageFactory"
HOME_ENV = "GIF_APP_HOME"


def app_home(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the app home: the override, else $GIF_APP_HOME, else the config file's data_folder, else the
    platform's user data dir."""
    explicit, env = (os.fspath(override) if override else None), os.environ.get(HOME_ENV)
    env = clean_path_text(env) if env else None  # set with quotes in Windows' dialog
    # The file is read only when it can matter: a broken one must not add warnings to a run given --home.
    chosen = pick_home(explicit, env, None if explicit or env else read_data_folder(user_config_file()))
    if chosen:
        return Path(chosen).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_file() -> Path:
    """Return the config file (config.toml in the platform's user config folder) that can set the data folder."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME


def resolve_home(home: str | None, *, is_sandbox: bool) -> Path:
    """Return the home of every command and of the window: the one rule the README documents.

    An explicit home (`--home DIR`, else $GIF_APP_HOME) is that very folder for every command, sandbox or not,
    so `run --sandbox` and a later `export` on the same home see the same jobs. Without one, real work lives
    in the data folder (the config file's `data_folder`, else the platform's user data folder) and sandbox
    work in its `sandbox` subfolder, so demo jobs, their settings and keys never mix with real ones;
    `--sandbox` on `export` or `settings show` finds them there.
    """
    if home:
        return app_home(home)
    if os.environ.get(HOME_ENV):
        return app_home()
    base = app_home()
    return base / "sandbox" if is_sandbox else base


def sandbox_home_hint(home: str | None, *, is_sandbox: bool) -> str:
    """Return where sandbox jobs live when this command looks elsewhere (no explicit home, no --sandbox), or ""."""
    if home or is_sandbox or os.environ.get(HOME_ENV):
        return ""
    return (f"Jobs run with --sandbox live in {resolve_home(None, is_sandbox=True)}: add --sandbox to reach them.")


def is_frozen() -> bool:
    """Return True when running from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def resource_dir() -> Path:
    """Return the folder holding `web/` and `build/` assets, in the source tree or in the bundle."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class HomeLayout:
    """The files and folders inside one app home."""

    root: Path

    @property
    def database(self) -> Path:
        """Return the SQLite file."""
        return self.root / "gif_app.db"

    @property
    def settings_file(self) -> Path:
        """Return the settings JSON file."""
        return self.root / "settings.json"

    @property
    def keys_file(self) -> Path:
        """Return the fallback key file (mode 0600), used only without an OS keychain."""
        return self.root / "keys.json"

    @property
    def logs(self) -> Path:
        """Return the folder for application logs."""
        return self.root / "logs"

    @property
    def thumbnails(self) -> Path:
        """Return the thumbnail cache folder."""
        return self.root / "cache" / "thumbnails"

    @property
    def default_temp(self) -> Path:
        """Return the default temp folder for downloads and QC-failed files."""
        return self.root / "temp"

    @property
    def default_output(self) -> Path:
        """Return the default output folder for finished files."""
        return self.root / "output"

    @property
    def exports(self) -> Path:
        """Return the default export folder."""
        return self.root / "exports"

    @property
    def models(self) -> Path:
        """Return the folder for local background-removal models."""
        return self.root / "models"

    def create(self) -> HomeLayout:
        """Create every folder of the home (idempotent) and return self."""
        for folder in (self.root, self.logs, self.thumbnails, self.default_temp, self.default_output,
                       self.exports, self.models):
            folder.mkdir(parents=True, exist_ok=True)
        return self

"""The small config file read before anything else: the data folder, for an app started from Finder or the
Start menu, which sees none of the shell's environment variables (so no GIF_APP_HOME)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

log = logging.getLogger(__name__)

CONFIG_NAME = "config.toml"
DATA_FOLDER_KEY = "data_folder"


def read_data_folder(path: Path) -> str | None:
    """Return the `data_folder` the file sets (relative to the file's folder, `~` expanded), else None.

    A missing file is the usual case. A broken one is reported in the log and ignored: an app started from the
    Dock has no terminal to show an error in, and the platform's folder still works.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read %s (%s); using the default data folder", path, exc.strerror or exc)
        return None
    try:
        value = tomllib.loads(text).get(DATA_FOLDER_KEY)
    except tomllib.TOMLDecodeError as exc:
        log.warning("%s is not valid TOML (%s); using the default data folder", path, exc)
        return None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        log.warning("%s: %s must be a folder path in quotes; using the default data folder", path, DATA_FOLDER_KEY)
        return None
    folder = Path(value.strip()).expanduser()
    return str(folder if folder.is_absolute() else path.parent / folder)


def pick_home(explicit: str | None, env: str | None, configured: str | None) -> str | None:
    """Return the data folder the user chose: --home, else $GIF_APP_HOME, else the config file; None: the default."""
    for chosen in (explicit, env, configured):
        if chosen:
            return chosen
    return None

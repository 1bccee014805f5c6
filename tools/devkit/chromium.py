"""Find a Chromium or Chrome executable for the browser tests: GIF_CHROMIUM, the PATH, the usual install places."""

from __future__ import annotations

import os
import platform
import shutil
from collections.abc import Mapping
from pathlib import Path

ENV_VAR = "GIF_CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def is_executable(path: Path) -> bool:
    """Return whether `path` is a file this process may execute."""
    return path.is_file() and os.access(path, os.X_OK)


def install_locations(system: str, environ: Mapping[str, str]) -> list[Path]:
    """Return where Chrome/Chromium installers put the executable on Windows and macOS (none elsewhere)."""
    if system == "Windows":
        bases = [environ[key] for key in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA") if environ.get(key)]
        tails = (("Google", "Chrome", "Application", "chrome.exe"), ("Chromium", "Application", "chrome.exe"))
        return [Path(base).joinpath(*tail) for base in bases for tail in tails]
    if system == "Darwin":
        apps = [Path("/Applications")]
        if environ.get("HOME"):
            apps.insert(0, Path(environ["HOME"]) / "Applications")
        bundles = (("Google Chrome.app", "Google Chrome"), ("Chromium.app", "Chromium"))
        return [app / bundle / "Contents" / "MacOS" / exe for app in apps for bundle, exe in bundles]
    return []


def locate_chromium(environ: Mapping[str, str], system: str | None = None) -> tuple[Path | None, str]:
    """Return (executable or None, what was looked at); an explicit GIF_CHROMIUM is the only place tried."""
    system = system or platform.system()
    explicit = environ.get(ENV_VAR, "").strip().strip('"')
    if explicit:
        path = Path(explicit)
        if is_executable(path):
            return path, f"{ENV_VAR}={explicit}"
        return None, f"{ENV_VAR}={explicit} is not an executable file"
    search_path = environ.get("PATH", "")
    for name in NAMES:
        found = shutil.which(name, path=search_path)
        if found:
            return Path(found), f"{name} on the PATH"
    for candidate in install_locations(system, environ):
        if is_executable(candidate):
            return candidate, str(candidate)
    places = ", ".join(NAMES)
    return None, f"{ENV_VAR} is not set, none of {places} is on the PATH, and no usual install location has one"

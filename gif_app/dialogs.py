"""The native file dialogs the page may open, behind a protocol so tests can stand in for the OS."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from gif_app.path_text import clean_path_text


class Dialogs(Protocol):
    """Open and save dialogs."""

    def pick_path(self, kind: str, file_types: list[str], current: str) -> str | None:
        """Ask for a file ("file") or folder ("dir"); return the chosen path or None when cancelled."""
        ...

    def save_path(self, suggested_name: str, file_types: list[str], folder: str) -> str | None:
        """Ask where to save a file; return the chosen path or None when cancelled."""
        ...

    def pick_paths(self, file_types: list[str]) -> list[str]:
        """Ask for one or more files; return the chosen paths (empty when cancelled)."""
        ...

    def confirm(self, title: str, message: str) -> bool:
        """Ask a yes/no question in a native dialog the page cannot answer; return True only for yes."""
        ...


class NoDialogs:
    """Used when no window exists (headless runs): every dialog is cancelled."""

    def pick_path(self, kind: str, file_types: list[str], current: str) -> str | None:
        """Return None: there is no window to show a dialog in."""
        return None

    def save_path(self, suggested_name: str, file_types: list[str], folder: str) -> str | None:
        """Return None: there is no window to show a dialog in."""
        return None

    def pick_paths(self, file_types: list[str]) -> list[str]:
        """Return nothing: there is no window to show a dialog in."""
        return []

    def confirm(self, title: str, message: str) -> bool:
        """Return False: with no window nobody can say yes."""
        return False


def validate_path(path: str, kind: str) -> tuple[bool, str]:
    """Check that a file exists and is readable, or that a folder exists or can be created."""
    path = clean_path_text(path)  # as the settings will save it
    if not path:
        return True, "Empty: the default is used."
    target = Path(path).expanduser()
    if kind == "file":
        if not target.is_file():
            return False, "No file at this path."
        try:
            with target.open("rb"):
                pass
        except OSError as exc:
            return False, f"The file cannot be read: {exc.strerror}."
        return True, "File found."
    if target.exists() and not target.is_dir():
        return False, "This path is a file, not a folder."
    if target.is_dir():
        probe = target / ".gif-write-test"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            return False, f"The folder is not writable: {exc.strerror}."
        return True, "Folder found."
    return True, "The folder will be created when needed."

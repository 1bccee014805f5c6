"""Files dropped on the window: the host reports their paths by name, and the page asks for one by its name."""

from __future__ import annotations

import threading


class DroppedFiles:
    """Paths of dropped files as the window reported them; empty (and never waited on) without a window."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._paths: dict[str, str] = {}
        self._handed_out: set[str] = set()
        self._is_enabled = False

    def enable(self) -> None:
        """Say that a window reports drops (only then does `take` wait for one)."""
        self._is_enabled = True

    def record(self, name: str, path: str) -> None:
        """Keep the path of a file dropped under `name` (called on the window's event thread)."""
        with self._changed:
            self._paths[name] = path
            self._changed.notify_all()

    def take(self, name: str, timeout: float) -> str | None:
        """Return and forget the path dropped under `name`, waiting up to `timeout` s for the window's report."""
        if not self._is_enabled:
            return None
        with self._changed:
            # The page's question and the window's report travel separately: either may arrive first.
            self._changed.wait_for(lambda: name in self._paths, timeout)
            path = self._paths.pop(name, None)
            if path is not None:
                self._handed_out.add(path)
            return path

    def was_dropped(self, path: str) -> bool:
        """Return whether `path` is one the window reported as dropped and the page was given."""
        with self._changed:
            return path in self._handed_out

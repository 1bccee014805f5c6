"""One shutdown, whichever way the process ends: window closing or closed, the Dock's Quit, atexit, SIGTERM."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

EXIT_SIGTERM = 128 + 15  # the shell's code for "ended by SIGTERM", kept after the clean shutdown


class ShutdownOnce:
    """Run a shutdown action exactly once; a call from another thread meanwhile waits until it has finished.

    On macOS the Dock's (or the menu's) Quit ends the process from Cocoa once the window's `closing` event has
    run: nothing after `webview.start()` runs then, so every exit path calls this and the first one does the work.
    """

    def __init__(self, action: Callable[[], None]) -> None:
        self._action = action
        # Re-entrant: a path triggered from inside the action (a window event, atexit) returns at once.
        self._lock = threading.RLock()
        self._is_done = False

    @property
    def is_done(self) -> bool:
        """Return True once the action has started (it runs at most once)."""
        return self._is_done

    def __call__(self) -> None:
        """Run the action unless it ran already."""
        with self._lock:
            if self._is_done:
                return
            self._is_done = True
            self._action()


def exit_on_sigterm() -> bool:
    """Make SIGTERM raise SystemExit in the main thread, so `finally` blocks shut down; False where it cannot."""
    if threading.current_thread() is not threading.main_thread():
        return False

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(EXIT_SIGTERM)

    signal.signal(signal.SIGTERM, handler)
    return True

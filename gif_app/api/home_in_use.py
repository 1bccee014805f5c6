"""The bridge of the small window a second start opens when the home is in use: Quit, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gif_app.api.envelope import envelope


class HomeInUseApi:
    """The one call the "already running" page makes; it reaches no database, no settings, no keys."""

    def __init__(self) -> None:
        # Set by the window once it exists (closing it); counted so a self-test can tell the button worked.
        self.on_quit: Callable[[], None] | None = None
        self.quit_calls = 0

    @envelope
    def quit(self) -> dict[str, Any]:
        """Close the window (the page's Quit button)."""
        self.quit_calls += 1
        if self.on_quit is not None:
            self.on_quit()
        return {"quitting": self.on_quit is not None}

"""The recovery page's API: what the window offers when the database is damaged or from a newer version."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gif_app import __version__
from gif_app.api.envelope import envelope
from gif_app.errors import ConflictError, DatabaseDamagedError, DatabaseTooNewError
from gif_app.paths import HomeLayout
from gif_app.store.db import move_aside
from gif_app.store.repository import Repository

log = logging.getLogger(__name__)


@dataclass
class RecoveryContext:
    """Why the app opened on the recovery page, and what has been done about it."""

    home: HomeLayout
    problem: DatabaseDamagedError | DatabaseTooNewError
    moved_to: Path | None = None
    self_test_sink: Callable[[str], None] | None = None
    on_quit: Callable[[], None] | None = None
    # Set by the window: build the app on the fresh database under the same lock and open it (raises if not).
    on_open_app: Callable[[], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class RecoveryApi:
    """The few calls the recovery page makes; nothing else of the app is reachable in this state."""

    def __init__(self, ctx: RecoveryContext) -> None:
        self.ctx = ctx

    @envelope
    def app_info(self) -> dict[str, Any]:
        """Return the app's name, version and home, marked as in recovery."""
        return {"name": "Gen Image Factory", "version": __version__, "home": str(self.ctx.home.root),
                "is_sandbox": False, "notices": [], "recovery": True}

    @envelope
    def recovery_info(self) -> dict[str, Any]:
        """Return what is wrong with the database and which ways out the page may offer."""
        problem = self.ctx.problem
        database = self.ctx.home.database
        info: dict[str, Any] = {"database": str(database), "database_name": database.name,
                                "message": problem.message, "moved_to": None,
                                "log_file": str(self.ctx.home.logs / "gif-app.log")}
        if isinstance(problem, DatabaseTooNewError):
            # A newer version's data is not ours to throw away: no "start fresh" here.
            info.update(kind="too_new", can_start_fresh=False, db_version=problem.db_version,
                        app_version=problem.app_version)
        else:
            info.update(kind="damaged", can_start_fresh=self.ctx.moved_to is None)
        if self.ctx.moved_to is not None:
            info["moved_to"] = str(self.ctx.moved_to)
        return info

    @envelope
    def recover_database(self) -> dict[str, Any]:
        """Move the damaged database aside and create a fresh one; return where the old file went."""
        if isinstance(self.ctx.problem, DatabaseTooNewError):
            raise ConflictError("This database belongs to a newer version of the app; it is left untouched.")
        with self.ctx.lock:  # two clicks must not move the fresh database aside too
            if self.ctx.moved_to is None:
                database = self.ctx.home.database
                moved = move_aside(database)
                log.warning("moved the damaged database %s to %s; starting with a fresh one", database, moved)
                Repository.open(database).close()  # proves the fresh file opens before the page says so
                self.ctx.moved_to = moved
        return {"moved_to": str(self.ctx.moved_to), "database": str(self.ctx.home.database)}

    @envelope
    def open_app(self) -> dict[str, Any]:
        """Go on into the app on the fresh database (after Start fresh); `opening` is False without a window."""
        if self.ctx.moved_to is None:
            raise ConflictError("The damaged database is still in place; move it aside first.")
        if self.ctx.on_open_app is None:
            return {"opening": False}
        self.ctx.on_open_app()
        return {"opening": True}

    @envelope
    def quit_app(self) -> dict[str, Any]:
        """Close the window (the page's Quit button)."""
        if self.ctx.on_quit is not None:
            self.ctx.on_quit()
        return {"quitting": self.ctx.on_quit is not None}

    @envelope
    def self_test_report(self, result: str) -> dict[str, Any]:
        """Receive the page's answer in `gif-app --self-test` (ignored otherwise)."""
        sink = self.ctx.self_test_sink
        if sink is not None:
            sink(str(result))
        return {"received": sink is not None}

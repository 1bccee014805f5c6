"""The repository: the one door to the database, speaking domain dataclasses only."""

from __future__ import annotations

from pathlib import Path

import peewee

from gif_app.store.charges_repo import ChargesRepository
from gif_app.store.db import open_database
from gif_app.store.images_repo import ImageFilter, ImagesRepository
from gif_app.store.jobs_repo import JobFilter, JobsRepository
from gif_app.store.logs_repo import LogsRepository

__all__ = ["ImageFilter", "JobFilter", "Repository"]


class Repository(JobsRepository, ImagesRepository, LogsRepository, ChargesRepository):
    """All intent-named reads and writes of the app's data."""

    def __init__(self, db: peewee.SqliteDatabase) -> None:
        self.db = db

    @classmethod
    def open(cls, path: Path) -> Repository:
        """Open the database file (migrating it) and return a repository on it."""
        return cls(open_database(path))

    def close(self) -> None:
        """Close this thread's connection."""
        if not self.db.is_closed():
            self.db.close()

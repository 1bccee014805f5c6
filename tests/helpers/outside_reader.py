"""Read an app home's database the way another program would: read-only, and empty before it exists."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def read_rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    """Return the rows of `sql` on the home's database (none before the file or its tables exist)."""
    database = home / "gif_app.db"
    if not database.is_file():
        return []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        try:
            return list(db.execute(sql))
        except sqlite3.OperationalError:  # the tables are not created yet
            return []

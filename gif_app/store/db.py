"""Open the SQLite database: deferred init, explicit pragmas, migrations, models bound."""

from __future__ import annotations

from pathlib import Path

import peewee

from gif_app.errors import StorageError
from gif_app.store import migrations, models

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -32_000,
}


def open_database(path: Path, migrate_to: int | None = None) -> peewee.SqliteDatabase:
    """Open (creating if needed) the database file, migrate it and bind the models to it."""
    if str(path) == ":memory:":
        raise StorageError("An in-memory database cannot be shared across threads; use a file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # BEGIN IMMEDIATE: a transaction that reads before it writes would otherwise fail at once with
    # "database is locked" when another thread wrote first (SQLite skips the busy timeout for that upgrade).
    db = peewee.SqliteDatabase(str(path), pragmas=PRAGMAS, thread_safe=True, check_same_thread=False,
                               lock_type="IMMEDIATE")
    try:
        db.connect(reuse_if_open=True)
        migrations.migrate(db, migrate_to)
    except peewee.DatabaseError as exc:
        raise StorageError(f"The database {path} could not be opened: {exc}") from exc
    db.bind(models.ALL_MODELS, bind_refs=False, bind_backrefs=False)
    return db

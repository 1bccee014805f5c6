"""Open the SQLite database: deferred init, explicit pragmas, migrations, models bound."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import peewee

from gif_app.errors import DatabaseDamagedError, DatabaseTooNewError, StorageError
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
        newest = max(migrations.applied_versions(db), default=0)
        if newest > migrations.LATEST:
            # Migrating or even writing would corrupt what a newer version laid out; refuse before touching it.
            raise DatabaseTooNewError(str(path), newest, migrations.LATEST)
        migrations.migrate(db, migrate_to)
    except DatabaseTooNewError:
        db.close()
        raise
    except peewee.OperationalError as exc:  # locked, unreadable folder, disk I/O: not the file's content
        db.close()
        raise StorageError(f"The database {path} could not be opened: {exc}") from exc
    except peewee.DatabaseError as exc:  # SQLITE_NOTADB / SQLITE_CORRUPT: the file itself is damaged
        db.close()
        raise DatabaseDamagedError(str(path), str(exc)) from exc
    db.bind(models.ALL_MODELS, bind_refs=False, bind_backrefs=False)
    return db


def move_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a damaged database (and its -wal/-shm companions) to <name>.damaged-<timestamp>; return the new path."""
    stamp = f"{now or datetime.now():%Y%m%d-%H%M%S}"
    target, n = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while target.exists():  # never overwrite an earlier damaged copy
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        path.replace(target)
        for suffix in ("-wal", "-shm"):
            # The journal belongs to the damaged file: left behind, SQLite would replay it into the fresh one.
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.replace(target.with_name(target.name + suffix))
    except OSError as exc:
        raise StorageError(f"Could not move the database {path} aside: {exc.strerror or exc}") from exc
    return target

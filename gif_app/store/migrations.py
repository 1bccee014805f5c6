"""Ordered, numbered schema migrations with an applied-migrations table."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

# Each migration is a list of SQL statements; never edit a released one, append a new one.
MIGRATIONS: Sequence[tuple[int, str, Sequence[str]]] = (
    (1, "initial jobs and images", (
        """CREATE TABLE job_configuration (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            settings TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL)""",
        """CREATE TABLE job_execution (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            configuration_id INTEGER REFERENCES job_configuration(id) ON DELETE SET NULL,
            parent_id INTEGER REFERENCES job_execution(id) ON DELETE SET NULL,
            label TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            started_at DATETIME,
            finished_at DATETIME,
            planned INTEGER NOT NULL DEFAULT 0,
            generated INTEGER NOT NULL DEFAULT 0,
            approved INTEGER NOT NULL DEFAULT 0,
            qc_failed INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0,
            error TEXT,
            settings_snapshot TEXT NOT NULL,
            queue_position INTEGER)""",
        """CREATE TABLE generated_image (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mapping_id TEXT NOT NULL UNIQUE,
            execution_id INTEGER NOT NULL REFERENCES job_execution(id) ON DELETE CASCADE,
            generation_index INTEGER NOT NULL,
            variation_index INTEGER NOT NULL,
            prompt TEXT NOT NULL,
            keyword TEXT NOT NULL DEFAULT '',
            seed INTEGER,
            provider TEXT NOT NULL DEFAULT '',
            provider_ids TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            reason TEXT,
            temp_path TEXT,
            final_path TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            processing TEXT NOT NULL DEFAULT '{}',
            cost REAL NOT NULL DEFAULT 0,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL)""",
        "CREATE INDEX idx_execution_status ON job_execution(status)",
        "CREATE INDEX idx_execution_created ON job_execution(created_at)",
        "CREATE INDEX idx_image_execution ON generated_image(execution_id)",
        "CREATE INDEX idx_image_status_created ON generated_image(status, created_at)",
    )),
    (2, "logs and retry queue", (
        """CREATE TABLE log_entry (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            execution_id INTEGER NOT NULL REFERENCES job_execution(id) ON DELETE CASCADE,
            time DATETIME NOT NULL,
            level TEXT NOT NULL,
            step TEXT NOT NULL DEFAULT '',
            sub_step TEXT NOT NULL DEFAULT '',
            image_index INTEGER,
            message TEXT NOT NULL,
            duration_ms REAL,
            error_code TEXT,
            data TEXT NOT NULL DEFAULT '{}')""",
        "CREATE INDEX idx_log_execution ON log_entry(execution_id, id)",
        """CREATE TABLE retry_task (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            image_id INTEGER NOT NULL REFERENCES generated_image(id) ON DELETE CASCADE,
            mode TEXT NOT NULL,
            settings TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            error TEXT)""",
        "CREATE INDEX idx_retry_status ON retry_task(status, id)",
    )),
    (3, "resume bookkeeping, search text and list indexes", (
        "ALTER TABLE job_execution ADD COLUMN completed_generations TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE job_execution ADD COLUMN updated_at DATETIME",
        "ALTER TABLE generated_image ADD COLUMN search_text TEXT NOT NULL DEFAULT ''",
        "UPDATE generated_image SET search_text = lower(prompt || ' ' || keyword || ' ' || metadata)",
        "CREATE INDEX idx_image_created ON generated_image(created_at)",
        "CREATE INDEX idx_image_updated ON generated_image(updated_at)",
        "CREATE INDEX idx_execution_queue ON job_execution(queue_position)",
        "CREATE INDEX idx_execution_parent ON job_execution(parent_id)",
        "CREATE INDEX idx_execution_config ON job_execution(configuration_id)",
    )),
    (4, "list speed: title sort column and index, job name index", (
        "ALTER TABLE generated_image ADD COLUMN title_sort TEXT NOT NULL DEFAULT ''",
        "UPDATE generated_image SET title_sort = lower(coalesce(json_extract(metadata, '$.title'), ''))",
        "CREATE INDEX idx_image_title ON generated_image(title_sort)",
        "CREATE INDEX idx_execution_name ON job_execution(lower(label))",
    )),
    # Word-prefix search without scanning every row: an FTS5 index over search_text that reads its text
    # from generated_image (external content) and is kept in step by triggers; 'rebuild' fills it.
    # prefix='1 2' indexes 1- and 2-letter prefixes: the first keystrokes of a search stay fast.
    # The status is indexed too, so that a search within statuses (the gallery opens on approved images)
    # is counted and paged from the index alone instead of checking every match against the table.
    (5, "full-text index over image search text and status", (
        """CREATE VIRTUAL TABLE image_search USING fts5(search_text, status, content='generated_image',
            content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='1 2')""",
        """CREATE TRIGGER image_search_insert AFTER INSERT ON generated_image BEGIN
            INSERT INTO image_search (rowid, search_text, status) VALUES (new.id, new.search_text, new.status);
        END""",
        """CREATE TRIGGER image_search_delete AFTER DELETE ON generated_image BEGIN
            INSERT INTO image_search (image_search, rowid, search_text, status)
                VALUES ('delete', old.id, old.search_text, old.status);
        END""",
        # Only a changed text or status touches the index: path and processing updates leave it alone.
        """CREATE TRIGGER image_search_update AFTER UPDATE OF id, search_text, status ON generated_image
            WHEN old.id IS NOT new.id OR old.search_text IS NOT new.search_text OR old.status IS NOT new.status
            BEGIN
            INSERT INTO image_search (image_search, rowid, search_text, status)
                VALUES ('delete', old.id, old.search_text, old.status);
            INSERT INTO image_search (rowid, search_text, status) VALUES (new.id, new.search_text, new.status);
        END""",
        "INSERT INTO image_search (image_search) VALUES ('rebuild')",
    )),
    # The job list shows Resume for a finished job whose paid images still wait for their files.
    (6, "count of billed images awaiting their download per execution", (
        "ALTER TABLE job_execution ADD COLUMN awaiting_download INTEGER NOT NULL DEFAULT 0",
        """UPDATE job_execution SET awaiting_download = (SELECT COUNT(*) FROM generated_image
            WHERE generated_image.execution_id = job_execution.id AND generated_image.status = 'download_failed')""",
    )),
    # Spend control: every paid call on record (vendor, step, image), and why the app stopped a job.
    (7, "charges per paid call and the stop reason of a job", (
        """CREATE TABLE charge (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            execution_id INTEGER NOT NULL REFERENCES job_execution(id) ON DELETE CASCADE,
            image_id INTEGER REFERENCES generated_image(id) ON DELETE SET NULL,
            vendor TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            step TEXT NOT NULL,
            amount REAL NOT NULL,
            is_estimated INTEGER NOT NULL DEFAULT 0,
            at DATETIME NOT NULL)""",
        "CREATE INDEX idx_charge_execution ON charge(execution_id)",
        "CREATE INDEX idx_charge_at ON charge(at)",
        "ALTER TABLE job_execution ADD COLUMN stop_reason TEXT",
        # Costs recorded before this table (Runware renders) become render charges, so totals stay the same.
        """INSERT INTO charge (execution_id, image_id, vendor, model, step, amount, is_estimated, at)
            SELECT execution_id, id, provider, '', 'render', cost, 0, created_at FROM generated_image
            WHERE cost > 0""",
    )),
)

LATEST = MIGRATIONS[-1][0]


def applied_versions(db: Any) -> set[int]:
    """Return the migration numbers already applied."""
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at DATETIME NOT NULL)"
    )
    return {int(row[0]) for row in db.execute_sql("SELECT version FROM schema_migration").fetchall()}


def migrate(db: Any, target: int | None = None) -> list[int]:
    """Apply pending migrations up to `target` (default: all), each in its own transaction."""
    done = applied_versions(db)
    applied: list[int] = []
    for version, name, statements in MIGRATIONS:
        if version in done or (target is not None and version > target):
            continue
        with db.atomic():
            for sql in statements:
                db.execute_sql(sql)
            db.execute_sql(
                "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, datetime.now().isoformat(sep=" ")),
            )
        log.info("applied migration %s: %s", version, name)
        applied.append(version)
    return applied

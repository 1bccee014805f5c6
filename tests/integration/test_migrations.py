"""Migrations: an old database upgraded in place ends with the same schema as a new one, data intact."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gif_app.store import migrations
from gif_app.store.db import open_database
from gif_app.store.models import ALL_MODELS
from gif_app.store.repository import ImageFilter, Repository


def _schema(db: Any) -> dict[str, Any]:
    """Return the normalised CREATE statements and the columns of every table."""
    rows = db.execute_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL"
        " ORDER BY type, name").fetchall()
    statements = {(kind, name): re.sub(r"\s+", " ", sql).strip() for kind, name, sql in rows}
    tables = [name for kind, name in statements if kind == "table"]
    columns = {table: [tuple(col[1:]) for col in db.execute_sql(f"PRAGMA table_info({table})").fetchall()]
               for table in tables}
    return {"statements": statements, "columns": columns}


def _versions(db: Any) -> list[int]:
    return [row[0] for row in db.execute_sql("SELECT version FROM schema_migration ORDER BY version")]


def test_upgraded_database_matches_a_fresh_one_and_keeps_its_rows(tmp_path: Path) -> None:
    fresh = open_database(tmp_path / "fresh.db")
    expected = _schema(fresh)
    assert _versions(fresh) == [m[0] for m in migrations.MIGRATIONS]
    fresh.close()

    old_path = tmp_path / "old.db"
    old = open_database(old_path, migrate_to=1)
    assert _versions(old) == [1]
    old.execute_sql(
        "INSERT INTO job_execution (id, label, status, created_at, settings_snapshot)"
        " VALUES (7, 'Winter job', 'completed', '2024-12-01 10:00:00', '{}')")
    old.execute_sql(
        "INSERT INTO generated_image (mapping_id, execution_id, generation_index, variation_index, prompt,"
        " keyword, status, created_at, updated_at) VALUES ('7-0', 7, 0, 0, 'A Snowy Owl', 'owl', 'approved',"
        " '2024-12-01 10:01:00', '2024-12-01 10:01:00')")
    old.close()

    upgraded = open_database(old_path)
    try:
        assert _versions(upgraded) == [m[0] for m in migrations.MIGRATIONS]
        assert _schema(upgraded) == expected
        repo = Repository(upgraded)
        job = repo.get_execution(7)
        assert job.label == "Winter job" and job.completed_generations == ()
        found = repo.list_images(ImageFilter(search="snowy owl"))
        assert [i.mapping_id for i in found.items] == ["7-0"]
        assert found.items[0].execution_label == "Winter job"
    finally:
        upgraded.close()


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    db = open_database(path)
    before = _schema(db)
    assert migrations.migrate(db) == []
    db.close()
    again = open_database(path)
    try:
        assert _schema(again) == before
    finally:
        again.close()


def test_models_match_the_migrated_tables(tmp_path: Path) -> None:
    db = open_database(tmp_path / "models.db")
    try:
        for model in ALL_MODELS:
            table = model._meta.table_name
            info = {row[1]: row for row in db.execute_sql(f"PRAGMA table_info({table})").fetchall()}
            fields = {field.column_name: field for field in model._meta.sorted_fields}
            assert info, f"table {table} does not exist"
            assert set(fields) - set(info) == set(), f"{table}: model fields without a column"
            assert set(info) - set(fields) == set(), f"{table}: columns the model does not know"
            for name, field in fields.items():
                if not field.primary_key:  # a model that allows NULL where the table refuses it fails late
                    assert bool(info[name][3]) == (not field.null), f"{table}.{name}: NULL rule differs"
    finally:
        db.close()

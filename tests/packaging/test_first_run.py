"""First start of an installed app: the data folder is the platform's, created if missing; old DBs upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import platformdirs
import pytest

from gif_app.app import AppOptions, build_app
from gif_app.paths import APP_NAME, HOME_ENV, app_home
from gif_app.store import migrations
from gif_app.store.db import open_database

_OPTIONS = AppOptions(prefer_keychain=False, start_workers=False)


def test_app_home_is_the_platform_data_folder_without_an_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    assert app_home() == Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def test_first_start_creates_the_data_folder_and_a_current_database(tmp_path: Path) -> None:
    home = tmp_path / "AppData" / APP_NAME
    app = build_app(home, _OPTIONS)
    app.close()
    with sqlite3.connect(home / "gif_app.db") as db:
        versions = [row[0] for row in db.execute("SELECT version FROM schema_migration ORDER BY version")]
    assert versions == [m[0] for m in migrations.MIGRATIONS]
    assert (home / "output").is_dir() and (home / "temp").is_dir()


def test_first_start_of_a_new_version_upgrades_the_old_database_and_keeps_the_jobs(tmp_path: Path) -> None:
    home = tmp_path / APP_NAME
    open_database(home / "gif_app.db", migrate_to=1).close()
    with sqlite3.connect(home / "gif_app.db") as db:
        db.execute("INSERT INTO job_execution (id, label, status, created_at, settings_snapshot)"
                   " VALUES (5, 'Autumn leaves', 'completed', '2025-10-01 08:00:00', '{}')")

    app = build_app(home, _OPTIONS)
    try:
        job = app.repo.get_execution(5)
        assert job.label == "Autumn leaves"
        assert job.status == "completed"
    finally:
        app.close()
    with sqlite3.connect(home / "gif_app.db") as db:
        versions = [row[0] for row in db.execute("SELECT version FROM schema_migration ORDER BY version")]
    assert versions == [m[0] for m in migrations.MIGRATIONS]

"""The one-folder bundle builds from pyinstaller.spec, carries the page and the icon, and opens its window.

The build runs once per session (the `bundle` fixture in conftest.py, about 1-2 minutes on 2 cores with a warm
disk, more on a cold one) with PyInstaller's workpath in .pyinstaller/ (never build/, which holds our assets)
and its distpath in a temp folder.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gif_app.store import migrations
from gif_app.store.db import open_database

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 25 * 60  # the conftest.py fixture builds the bundle within this
RUN_TIMEOUT_S = 180

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 300)]


def _frozen_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GIF_APP_HOME"}
    env.update(QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1", **extra)
    return env


def _self_test(exe: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args, "--self-test"], cwd=exe.parent, env=env or _frozen_env(),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-4000:]}"


def _versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT version FROM schema_migration ORDER BY version")]


def test_bundle_carries_the_page_and_the_window_icon(bundle: Path) -> None:
    resources = bundle.parent / "_internal"  # sys._MEIPASS of a one-folder bundle
    page = resources / "web" / "index.html"
    assert page.is_file(), "the page is missing from the bundle"
    assert 'data-testid="nav-' in page.read_text(encoding="utf-8")
    icon = resources / "build" / "icons" / "gif-app-256.png"
    with Image.open(icon) as image:
        assert image.size == (256, 256) and image.mode == "RGBA"
    # File names are transliterated with anyascii, which reads its tables from package data at run time.
    assert (resources / "anyascii" / "_data" / "000").is_file(), "anyascii's tables are missing"


def test_bundle_has_local_background_removal_and_no_dev_tools(bundle: Path) -> None:
    viewer = [sys.executable, "-m", "PyInstaller.utils.cliutils.archive_viewer"]
    listing = subprocess.run([*viewer, "-r", "-b", str(bundle)], capture_output=True, text=True,
                             timeout=RUN_TIMEOUT_S, check=True).stdout
    modules = {line.strip() for line in listing.splitlines()}
    # rembg is imported lazily (only when the user picks local removal), so it must be named to be bundled.
    needed_modules = ["rembg", "rembg.sessions.u2net_custom", "pymatting", "onnxruntime",
                      "gif_app.providers.rembg_local", "gif_app.sandbox.servers", "resvg_py"]
    if sys.platform.startswith("linux"):
        needed_modules.append("webview.platforms.qt")
    for needed in needed_modules:
        assert needed in modules, f"{needed} is not in the bundle"
    for dev_only in ("pytest", "playwright", "mypy", "onnx"):
        assert dev_only not in modules, f"{dev_only} should not be bundled"
    assert any(p.name.startswith("libonnxruntime") for p in (bundle.parent / "_internal").rglob("libonnxruntime*"))


def test_bundle_opens_its_window_and_answers_through_the_bridge(bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    result = _self_test(bundle, "--home", str(home))
    assert result.returncode == 0, _explain(result)
    assert "SELF-TEST OK: Gen Image Factory" in result.stdout, _explain(result)
    assert _versions(home / "gif_app.db") == [m[0] for m in migrations.MIGRATIONS]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux app-data root")
def test_frozen_app_creates_its_data_folder_on_first_run(bundle: Path, tmp_path: Path) -> None:
    data_root = tmp_path / "xdg-data"
    result = _self_test(bundle, env=_frozen_env(XDG_DATA_HOME=str(data_root)))
    assert result.returncode == 0, _explain(result)
    home = data_root / "GenImageFactory"
    assert (home / "gif_app.db").is_file()
    assert {p.name for p in home.iterdir()} >= {"gif_app.db", "logs", "output", "temp", "models"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux app-data root")
def test_frozen_app_upgrades_an_older_database_and_keeps_its_jobs(bundle: Path, tmp_path: Path) -> None:
    data_root = tmp_path / "xdg-data"
    old_path = data_root / "GenImageFactory" / "gif_app.db"
    open_database(old_path, migrate_to=1).close()
    with sqlite3.connect(old_path) as db:
        db.execute("INSERT INTO job_execution (id, label, status, created_at, settings_snapshot)"
                   " VALUES (3, 'Spring batch', 'completed', '2025-04-01 09:00:00', '{}')")
    assert _versions(old_path) == [1]

    result = _self_test(bundle, env=_frozen_env(XDG_DATA_HOME=str(data_root)))
    assert result.returncode == 0, _explain(result)
    assert _versions(old_path) == [m[0] for m in migrations.MIGRATIONS]
    with sqlite3.connect(old_path) as db:
        assert db.execute("SELECT label, status FROM job_execution WHERE id = 3").fetchone() == (
            "Spring batch", "completed")

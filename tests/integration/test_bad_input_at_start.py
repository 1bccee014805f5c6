"""Bad input at start: a damaged or too-new database gives the recovery state, the CLI one line, exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gif_app.api.recovery import RecoveryApi
from gif_app.api.surface import exposed_names
from gif_app.app import App, AppOptions, RecoveryApp, build_app, build_window_app
from gif_app.errors import DatabaseDamagedError, DatabaseTooNewError, HomeInUseError
from gif_app.home_lock import HomeLock
from gif_app.store import migrations
from gif_app.store.db import open_database
from gif_app.store.repository import Repository

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = AppOptions(prefer_keychain=False, environ={}, start_workers=False)


def _damaged_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "gif_app.db").write_bytes(os.urandom(8192))
    return home


def _newer_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    db = open_database(home / "gif_app.db")
    db.execute_sql("INSERT INTO schema_migration (version, name, applied_at) VALUES (?, 'from the future', "
                   "'2030-01-01')", (migrations.LATEST + 1,))
    db.close()
    return home


def test_a_damaged_database_gives_the_recovery_state_and_can_be_moved_aside(tmp_path: Path) -> None:
    home = _damaged_home(tmp_path)
    garbage = (home / "gif_app.db").read_bytes()
    with pytest.raises(DatabaseDamagedError):
        build_app(home, OPTIONS)
    app = build_window_app(home, OPTIONS)
    try:
        assert isinstance(app, RecoveryApp)
        info = app.api.recovery_info()
        assert info["ok"] and info["data"]["kind"] == "damaged" and info["data"]["can_start_fresh"]
        assert info["data"]["database"] == str(home / "gif_app.db")
        moved = app.api.recover_database()
        assert moved["ok"], moved
        kept = Path(moved["data"]["moved_to"])
        assert kept.name.startswith("gif_app.db.damaged-") and kept.read_bytes() == garbage
        again = app.api.recover_database()  # a second click moves nothing more
        assert again["data"]["moved_to"] == str(kept)
        assert not app.api.recovery_info()["data"]["can_start_fresh"]
    finally:
        app.close()
    log_text = (home / "logs" / "gif-app.log").read_text(encoding="utf-8")
    assert str(kept) in log_text
    fresh = build_app(home, OPTIONS)  # the fresh database is a working one
    try:
        assert fresh.api.app_info()["ok"]
        assert fresh.repo.db.execute_sql("SELECT max(version) FROM schema_migration").fetchone()[0] == \
            migrations.LATEST
    finally:
        fresh.close()


def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    home = _newer_home(tmp_path)
    before = (home / "gif_app.db").read_bytes()
    with pytest.raises(DatabaseTooNewError) as raised:
        Repository.open(home / "gif_app.db")
    assert f"migration {migrations.LATEST + 1}" in raised.value.message
    assert f"({migrations.LATEST})" in raised.value.message
    app = build_window_app(home, OPTIONS)
    try:
        assert isinstance(app, RecoveryApp)
        info = app.api.recovery_info()["data"]
        assert info["kind"] == "too_new" and not info["can_start_fresh"]
        assert (info["db_version"], info["app_version"]) == (migrations.LATEST + 1, migrations.LATEST)
        refused = app.api.recover_database()
        assert not refused["ok"] and refused["error"]["code"] == "conflict"
    finally:
        app.close()
    assert (home / "gif_app.db").read_bytes() == before
    assert not list(home.glob("gif_app.db.damaged-*"))


def test_the_recovery_page_sees_only_the_recovery_calls() -> None:
    assert exposed_names(RecoveryApi) == ("app_info", "open_app", "quit_app", "recover_database", "recovery_info",
                                          "self_test_report")


def test_start_fresh_goes_on_into_the_app_under_the_lock_held_from_the_start(tmp_path: Path) -> None:
    home = _damaged_home(tmp_path)
    recovery = build_window_app(home, OPTIONS)
    assert isinstance(recovery, RecoveryApp)
    opened: list[App] = []
    recovery.recovery.on_open_app = lambda: opened.append(recovery.open_app())  # what the window does
    try:
        early = recovery.api.open_app()  # the damaged file is still in place: nothing to open
        assert not early["ok"] and early["error"]["code"] == "conflict" and not opened
        assert recovery.api.recover_database()["ok"]
        answer = recovery.api.open_app()
        assert answer["ok"] and answer["data"] == {"opening": True}, answer
        app = opened[0]
        assert app is recovery.open_app()  # once: a second ask gets the same app
        assert app.lock is not None and app.lock.is_held and recovery.lock is None
        with pytest.raises(HomeInUseError):  # never free on the way: no other start can slip in
            HomeLock(home).acquire()
        info = app.api.app_info()["data"]
        assert any("The damaged database was kept as" in notice for notice in info["notices"])
        assert app.api.list_jobs({})["data"]["total"] == 0  # the fresh database, working
    finally:
        recovery.close()  # closes the app it went on into, which releases the lock
    free = HomeLock(home)
    free.acquire()
    free.release()


def test_without_a_window_open_app_says_so(tmp_path: Path) -> None:
    recovery = build_window_app(_damaged_home(tmp_path), OPTIONS)
    assert isinstance(recovery, RecoveryApp)
    try:
        assert recovery.api.recover_database()["ok"]
        assert recovery.api.open_app()["data"] == {"opening": False}  # the page then says to quit and reopen
    finally:
        recovery.close()


def _cli(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gif_app", "--home", str(home), *args], cwd=ROOT,
                          env=env or dict(os.environ), capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("make_home", [_damaged_home, _newer_home], ids=["damaged", "newer"])
def test_the_cli_names_the_file_and_the_fix_and_exits_1(tmp_path: Path, make_home: object) -> None:
    home = make_home(tmp_path)  # type: ignore[operator]
    result = _cli(home, "run")
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert str(home / "gif_app.db") in errors[0]
    assert "Traceback" not in result.stderr
    if make_home is _newer_home:
        assert f"migration {migrations.LATEST + 1}" in errors[0] and f"({migrations.LATEST})" in errors[0]
    else:
        assert "damaged" in errors[0] and "Move it aside" in errors[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is for Linux")
def test_no_display_is_one_plain_line_and_exit_1(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    started = time.monotonic()
    result = _cli(tmp_path / "home", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == ("No display found: the window needs a desktop session. "
                                     "Use `gif-app run` for headless jobs.")
    assert time.monotonic() - started < 30
    assert not (tmp_path / "home").exists()  # refused before anything was built

"""The recovery page in a real browser: a damaged database is moved aside; a newer one is only explained."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import install_bridge
from playwright.sync_api import Page, expect

from gif_app.app import AppOptions, RecoveryApp, build_window_app
from gif_app.store import migrations
from gif_app.store.db import open_database


@pytest.fixture
def recovery_page(page: Page, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Page, Path]]:
    """Open the recovery page of a home whose database is damaged (or newer, by the test's parameter)."""
    home = tmp_path / "home"
    if getattr(request, "param", "damaged") == "newer":
        db = open_database(home / "gif_app.db")
        db.execute_sql("INSERT INTO schema_migration VALUES (?, 'future', '2030-01-01')", (migrations.LATEST + 1,))
        db.close()
    else:
        home.mkdir()
        (home / "gif_app.db").write_bytes(os.urandom(8192))
    app = build_window_app(home, AppOptions(prefer_keychain=False, environ={}, start_workers=False))
    assert isinstance(app, RecoveryApp)
    install_bridge(page, app.api)  # type: ignore[arg-type]
    page.goto(app.start_server() + RecoveryApp.page)
    view = page.get_by_test_id("recovery-view")
    expect(view).to_be_visible()
    expect(view).not_to_have_attribute("aria-busy", "true")
    yield page, home
    app.close()


def test_start_fresh_moves_the_damaged_database_aside(recovery_page: tuple[Page, Path]) -> None:
    page, home = recovery_page
    expect(page.get_by_test_id("recovery-message")).to_contain_text("is damaged")
    expect(page.get_by_test_id("recovery-path")).to_have_text(str(home / "gif_app.db"))
    fresh = page.get_by_test_id("recovery-start-fresh")
    expect(fresh).to_contain_text("gif_app.db.damaged-")
    fresh.click()
    done = page.get_by_test_id("recovery-done")
    expect(done).to_contain_text("gif_app.db.damaged-")
    expect(fresh).to_be_hidden()
    assert len(list(home.glob("gif_app.db.damaged-*"))) == 1
    # Without a window to go on in (this browser), the page says exactly what to do.
    expect(done).to_contain_text("A fresh database is ready. Quit and open the app again to start with it.")
    expect(page.get_by_test_id("recovery-quit")).to_be_visible()


def test_start_fresh_goes_on_into_the_app_when_the_window_can(page: Page, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "gif_app.db").write_bytes(os.urandom(8192))
    app = build_window_app(home, AppOptions(prefer_keychain=False, environ={}, start_workers=False))
    assert isinstance(app, RecoveryApp)

    def open_here() -> None:
        app.open_app()  # the desktop then swaps the windows; here the test opens the app's page itself

    app.recovery.on_open_app = open_here
    try:
        install_bridge(page, app.api)  # type: ignore[arg-type]
        page.goto(app.start_server() + RecoveryApp.page)
        page.get_by_test_id("recovery-start-fresh").click()
        done = page.get_by_test_id("recovery-done")
        expect(done).to_contain_text("A fresh database is ready. Opening the app on it…")
        assert app.app is not None and app.app.lock is not None and app.app.lock.is_held
        # The app it went on into is the real one: its page (the desktop's new window) loads on the fresh
        # database and shows where the damaged file went.
        window = page.context.new_page()
        install_bridge(window, app.app.api)
        window.goto(app.app.start_server())
        expect(window.locator("[data-testid^='nav-']").first).to_be_visible()
        expect(window.locator("#app-notices")).to_contain_text("The damaged database was kept as")
    finally:
        app.close()


@pytest.mark.parametrize("recovery_page", ["newer"], indirect=True)
def test_a_newer_database_offers_only_quit(recovery_page: tuple[Page, Path]) -> None:
    page, home = recovery_page
    message = page.get_by_test_id("recovery-message")
    expect(message).to_contain_text(f"migration {migrations.LATEST + 1}")
    expect(message).to_contain_text(f"({migrations.LATEST})")
    expect(page.get_by_test_id("recovery-start-fresh")).to_be_hidden()
    expect(page.get_by_test_id("recovery-quit")).to_be_visible()
    assert not list(home.glob("gif_app.db.damaged-*"))

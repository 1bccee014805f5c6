"""The "already running" page in a real browser: the folder as plain text, a bridge of one function, Quit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import install_bridge
from playwright.sync_api import Page, expect

from gif_app.app import HomeInUseApp


@pytest.fixture
def home_in_use(tmp_path: Path) -> Iterator[HomeInUseApp]:
    """Return the small window's app for a home whose name would be markup if the page trusted it."""
    app = HomeInUseApp(tmp_path / "<b id='bold'>studio</b> & co")
    yield app
    app.close()


def test_the_page_names_the_folder_and_quit_closes_the_window(page: Page, home_in_use: HomeInUseApp) -> None:
    closed = threading.Event()
    home_in_use.api.on_quit = closed.set  # the window's destroy, in the desktop app
    names = install_bridge(page, home_in_use.api)  # type: ignore[arg-type]
    assert names == ["quit"]

    page.goto(home_in_use.start_server())
    view = page.get_by_test_id("home-in-use-view")
    expect(view).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_test_id("home-in-use-message")).to_have_text(
        f"Gen Image Factory is already running on this data folder: {home_in_use.home}. Switch to that window.")
    expect(page.locator("#bold")).to_have_count(0)  # the folder's name is shown as text, never as markup
    assert page.evaluate("Object.keys(window.pywebview.api).sort()") == ["quit"]

    page.get_by_test_id("home-in-use-quit").click()
    assert closed.wait(10), "Quit did not reach the window"
    assert home_in_use.api.quit_calls == 1
    expect(page.get_by_test_id("home-in-use-error")).to_be_hidden()
    # The home was never touched: no lock, no database, not even the folder.
    assert not home_in_use.home.exists()

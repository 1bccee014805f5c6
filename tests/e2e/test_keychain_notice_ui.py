"""A keychain that refuses access: the window shows one notice saying what to do, on every view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import UI
from playwright.sync_api import expect

from gif_app.app import App, AppOptions, build_app
from tests.helpers.refusing_keyring import RefusingKeyring, installed


@pytest.fixture
def gif(app_home: Path, picked_paths: object) -> Iterator[App]:
    """Return the app with its keys in an OS keychain that refuses every read and write."""
    with installed(RefusingKeyring()):
        app = build_app(app_home, AppOptions(prefer_keychain=True, environ={}, dialogs=picked_paths))  # type: ignore[arg-type]
        try:
            yield app
        finally:
            app.close()


def test_the_refused_keychain_is_said_once_with_what_to_do(ui: UI) -> None:
    ui.open("dashboard")
    notice = ui.by("notice").filter(has_text="The system keychain refused access")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("restart the app")
    ui.by("nav-settings").click()
    ui.wait_view("settings")
    expect(ui.by("notice").filter(has_text="keychain refused")).to_have_count(1)  # not a second banner

"""A settings file that cannot be read: the app starts with defaults and says so on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import UI
from playwright.sync_api import expect


@pytest.fixture
def app_home(tmp_path: Path) -> Path:
    """Return an app home whose settings file is not JSON."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text("{ this is not json", encoding="utf-8")
    return home


def test_broken_settings_file_is_replaced_and_the_user_is_told(ui: UI, app_home: Path) -> None:
    ui.open("settings/parameters")
    notice = ui.by("notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("could not be read")
    expect(ui.field("parameters.count")).to_have_value("1")
    assert list(app_home.glob("settings.broken-*.json")), "the unreadable file was kept as a backup"

    notice.get_by_role("button", name="Dismiss").click()
    expect(ui.by("notice")).to_have_count(0)
    ui.by("nav-dashboard").click()
    ui.wait_view("dashboard")
    ui.by("nav-settings").click()
    ui.wait_view("settings")
    expect(ui.by("notice")).to_have_count(0)

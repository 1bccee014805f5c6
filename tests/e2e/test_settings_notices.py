"""A settings file that cannot be read: the app starts with defaults and says so on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import UI
from playwright.sync_api import expect


@pytest.fixture
def app_home(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """Return an app home whose settings file is not JSON (or, with param "deep", nested 200k deep)."""
    home = tmp_path / "home"
    home.mkdir()
    content = "[" * 200_000 + "]" * 200_000 if getattr(request, "param", "") == "deep" else "{ this is not json"
    (home / "settings.json").write_text(content, encoding="utf-8")
    return home


def test_broken_settings_file_is_replaced_and_the_user_is_told(ui: UI, app_home: Path) -> None:
    ui.open("settings/parameters")
    notice = ui.by("notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("could not be read")
    expect(ui.field("parameters.count")).to_have_value("1")
    assert list(app_home.glob("settings.json.bad-*")), "the unreadable file was kept as a backup"

    notice.get_by_role("button", name="Dismiss").click()
    expect(ui.by("notice")).to_have_count(0)
    ui.by("nav-dashboard").click()
    ui.wait_view("dashboard")
    ui.by("nav-settings").click()
    ui.wait_view("settings")
    expect(ui.by("notice")).to_have_count(0)


@pytest.mark.parametrize("app_home", ["deep"], indirect=True)
def test_a_deeply_nested_settings_file_is_replaced_and_the_user_is_told(ui: UI, app_home: Path) -> None:
    ui.open("settings/parameters")
    expect(ui.by("notice")).to_contain_text("nested too deeply")
    assert [p.read_bytes()[:3] for p in app_home.glob("settings.json.bad-*")] == [b"[[["]

"""The update check in the page: asked once, a quiet banner for a newer version, its notes link and Dismiss."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import UI, PickedPaths
from layout_support import MIN_WINDOW, layout_problems
from playwright.sync_api import expect
from review_support import shoot_both

from gif_app.app import App, AppOptions, build_app
from gif_app.updates import FEED_ENV
from tests.helpers.fake_feed import FakeFeed, release_body
from tests.helpers.waiting import wait_until

NEWER = "v999.0.0"
CHECK_MS = 15_000  # the background check plus the page's next ask for its result


@pytest.fixture
def feed() -> Iterator[FakeFeed]:
    """Return a fake release feed announcing a version far above the running one."""
    server = FakeFeed()
    server.serve(release_body(NEWER))
    yield server
    server.close()


@pytest.fixture
def opened() -> list[str]:
    """Return what the app asked the system browser to open."""
    return []


@pytest.fixture
def gif(app_home: Path, picked_paths: PickedPaths, feed: FakeFeed, opened: list[str]) -> Iterator[App]:
    """Return the real app pointed at the fake feed through GIF_UPDATE_FEED, the system browser recorded."""
    app = build_app(app_home, AppOptions(prefer_keychain=False, environ={FEED_ENV: feed.url}, dialogs=picked_paths,
                                         open_url=opened.append))
    yield app
    app.close()


def test_yes_shows_the_banner_whose_link_opens_the_notes_and_dismiss_hides_it(
        ui: UI, gif: App, feed: FakeFeed, opened: list[str]) -> None:
    ui.open("dashboard")
    expect(ui.by("update-slot")).to_have_attribute("data-state", "ask")
    ask = ui.by("update-ask")
    expect(ask).to_contain_text("Check for new versions once a day?")
    assert feed.requests == 0, "nothing is fetched before the user answers"

    ask.get_by_role("button", name="Yes").click()
    banner = ui.by("update-banner")
    expect(banner).to_be_visible(timeout=CHECK_MS)
    expect(ui.by("update-ask")).to_have_count(0)
    expect(ui.by("update-version")).to_have_text("999.0.0")
    shoot_both(ui, "update-banner")
    ui.page.set_viewport_size(MIN_WINDOW)  # type: ignore[arg-type]
    assert layout_problems(ui.page)[0] == [], "the banner fits the sidebar at the window's minimum size"
    assert gif.ctx.settings_file.load().settings["ui"]["update_check"] == "daily"

    ui.by("update-notes").click()
    wait_until(lambda: opened, timeout=10, what="the release notes to open")
    assert opened == [release_body(NEWER)["html_url"]]

    ui.by("update-dismiss").click()
    expect(banner).to_have_count(0)
    ui.reload("dashboard")
    expect(ui.by("update-slot")).to_have_attribute("data-state", "none")  # the page asked the app again
    expect(ui.by("update-banner")).to_have_count(0)
    expect(ui.by("update-ask")).to_have_count(0)
    assert feed.requests == 1, "at most one check a day"


def test_no_asks_nothing_more_and_settings_turn_it_on_later(ui: UI, gif: App, feed: FakeFeed) -> None:
    ui.open("dashboard")
    ui.by("update-ask").get_by_role("button", name="No").click()
    expect(ui.by("update-ask")).to_have_count(0)
    ui.reload("dashboard")
    expect(ui.by("update-slot")).to_have_attribute("data-state", "none")
    expect(ui.by("update-ask")).to_have_count(0)
    assert feed.requests == 0

    ui.open("settings")
    ui.tab("ui")
    expect(ui.field("ui.update_check")).to_have_value("off")
    ui.field("ui.update_check").select_option("daily")
    ui.by("settings-save").click()
    expect(ui.by("update-banner")).to_be_visible(timeout=CHECK_MS)
    assert feed.requests == 1

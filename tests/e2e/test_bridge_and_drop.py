"""A host slow to start never leaves a dead page, and a dropped file never navigates the window away."""

from __future__ import annotations

from pathlib import Path

from e2e_support import UI, install_bridge
from playwright.sync_api import Page, expect

from gif_app.app import App

# A synthetic drop of one file on `target` (the page cannot be handed a real OS drag); returns whether the
# page stopped the browser's default (which navigates to the file).
DROP_JS = """([selector, name]) => {
  const target = document.querySelector(selector);
  const data = new DataTransfer();
  data.items.add(new File(['cat\\nkitten\\n'], name, { type: 'text/plain' }));
  const over = new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true });
  target.dispatchEvent(over);
  const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
  target.dispatchEvent(drop);
  return { over: over.defaultPrevented, drop: drop.defaultPrevented };
}"""


def test_a_late_bridge_is_waited_for_and_the_page_recovers(page: Page, gif: App, page_url: str) -> None:
    install_bridge(page, gif.api, is_held=True)
    page.clock.install()
    page.goto(f"{page_url}#/dashboard")
    # Well past the old 15 s readiness timeout, with no bridge yet: the page says it is still connecting.
    page.clock.fast_forward("00:20")
    connecting = page.get_by_test_id("bridge-connecting")
    expect(connecting).to_be_visible()
    expect(connecting).to_contain_text("still trying")
    expect(page.get_by_test_id("view-dashboard")).to_have_attribute("aria-busy", "true")
    expect(page.get_by_test_id("notice")).to_have_count(0)  # no "backend not answering" dead end

    page.evaluate("window.__gif_release_bridge()")
    page.clock.fast_forward("00:05")  # the next check, at the backoff's longest step
    ui = UI(page, page_url)
    ui.wait_view("dashboard")
    expect(connecting).to_have_count(0)
    expect(ui.by("app-version")).to_have_text(f"v{gif.api.app_info()['data']['version']}")
    expect(ui.by("first-run")).to_be_visible()  # the view's own calls went through


def test_a_quick_bridge_shows_no_connecting_state(ui: UI) -> None:
    ui.open("dashboard")
    expect(ui.by("bridge-connecting")).to_have_count(0)


def test_a_dropped_file_never_navigates_and_a_keyword_file_points_to_the_picker(ui: UI) -> None:
    ui.open("dashboard")
    url = ui.page.url
    result = ui.page.evaluate(DROP_JS, ['[data-testid="view-dashboard"] h1', "keywords.txt"])
    assert result == {"over": True, "drop": True}
    hint = ui.by("drop-use-picker")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("keywords.txt")
    expect(hint).to_contain_text("Use the file picker")
    assert ui.page.url == url
    hint.get_by_role("button", name="Open the file picker").click()
    ui.wait_view("settings")
    expect(ui.by("settings-tab-file_paths")).to_have_attribute("aria-selected", "true")

    # Neither a keyword file nor an image (images dropped here are imported): refused in words, no navigation.
    ui.open("dashboard")
    result = ui.page.evaluate(DROP_JS, ['[data-testid="view-dashboard"] h1', "notes.pdf"])
    assert result["drop"] is True
    expect(ui.toast("not a keyword file")).to_be_visible()
    expect(ui.by("drop-use-picker")).to_have_count(0)


def test_a_dropped_keyword_file_whose_path_the_window_reports_becomes_the_keyword_file(
        ui: UI, gif: App, tmp_path: Path) -> None:
    keywords = tmp_path / "my keywords.csv"
    keywords.write_text("keyword\ncat\n", encoding="utf-8")
    ui.open("dashboard")
    expect(ui.by("first-run-step-keywords")).to_have_attribute("data-done", "false")
    # The window's drop handler (the edge) reports where the file lies, as pywebview does.
    gif.ctx.drops.enable()
    gif.ctx.drops.record(keywords.name, str(keywords))
    result = ui.page.evaluate(DROP_JS, ['[data-testid="view-dashboard"] h1', keywords.name])
    assert result == {"over": True, "drop": True}
    expect(ui.toast("Keyword file set")).to_be_visible()
    expect(ui.by("first-run-step-keywords")).to_have_attribute("data-done", "true")
    assert gif.api.get_settings()["data"]["settings"]["file_paths"]["keywords_file"] == str(keywords)
    expect(ui.by("drop-use-picker")).to_have_count(0)


def test_a_drop_outside_the_keyword_places_is_ignored(ui: UI) -> None:
    ui.open("jobs")
    url = ui.page.url
    result = ui.page.evaluate(DROP_JS, ['[data-testid="view-jobs"]', "keywords.txt"])
    assert result == {"over": True, "drop": True}
    assert ui.page.url == url
    expect(ui.by("drop-use-picker")).to_have_count(0)
    expect(ui.by("toast")).to_have_count(0)

"""The Start dialog lists what would stop a job at once, each with a button to its setting; Start records nothing."""

from __future__ import annotations

from e2e_support import UI
from playwright.sync_api import expect

from gif_app.app import App


def _executions(gif: App) -> int:
    return int(gif.repo.db.execute_sql("SELECT count(*) FROM job_execution").fetchone()[0])


def _open_start(ui: UI) -> None:
    ui.open("dashboard")
    ui.by("job-start").click()
    expect(ui.by("start-dialog")).to_be_visible()
    expect(ui.by("start-problems")).to_be_visible()


def test_missing_key_is_listed_and_its_button_opens_settings_on_the_api_keys_tab(ui: UI, gif: App) -> None:
    _open_start(ui)
    problems = ui.by("start-problem")
    expect(problems.and_(ui.page.locator("[data-setting='keys.runware']"))).to_contain_text("No Runware API key")
    expect(problems.and_(ui.page.locator("[data-setting='keys.openai']"))).to_contain_text("No OpenAI API key")
    expect(problems.and_(ui.page.locator("[data-setting='file_paths.keywords_file']"))).to_contain_text(
        "No keyword file is set")
    ui.by("start-problem-open-keys.runware").click()
    expect(ui.by("start-dialog")).to_have_count(0)
    ui.wait_view("settings")
    expect(ui.by("settings-tab-keys")).to_have_attribute("aria-selected", "true")
    expect(ui.by("key-input-runware")).to_be_focused()
    assert _executions(gif) == 0


def test_start_with_problems_keeps_the_dialog_and_records_no_job(ui: UI, gif: App) -> None:
    _open_start(ui)
    ui.by("start-submit").click()
    expect(ui.by("start-problem")).to_have_count(3)
    expect(ui.by("start-dialog")).to_be_visible()
    assert _executions(gif) == 0
    ui.by("start-problem-open-file_paths.keywords_file").click()
    ui.wait_view("settings")
    expect(ui.by("settings-tab-file_paths")).to_have_attribute("aria-selected", "true")
    expect(ui.field("file_paths.keywords_file")).to_be_focused()


def test_the_list_follows_the_dialogs_choices(ui: UI, gif: App) -> None:
    _open_start(ui)
    expect(ui.page.locator("[data-testid='start-problem'][data-setting='keys.runware']")).to_have_count(1)
    ui.by("start-provider").select_option("openai")
    # OpenAI Images needs the OpenAI key only: the Runware line goes, the OpenAI line stays.
    expect(ui.page.locator("[data-testid='start-problem'][data-setting='keys.runware']")).to_have_count(0)
    expect(ui.page.locator("[data-testid='start-problem'][data-setting='keys.openai']")).to_have_count(1)
    ui.by("start-count").fill("0")
    expect(ui.page.locator("[data-error-for='parameters.count']")).to_have_text("Must be between 1 and 2500.")
    assert _executions(gif) == 0

"""Single Job View in the browser: summary, as-run settings, logs, images, configuration edits for reruns."""

from __future__ import annotations

import pytest
from e2e_support import UI
from playwright.sync_api import Locator, expect
from review_support import ok, run_job, shoot_both, wait_for

from gif_app.app import App
from tests.helpers.processing import NOTHING_ON_OVERRIDES

pytestmark = pytest.mark.parametrize("app_is_sandbox", [True])


def _shown(ui: UI, label: str) -> Locator:
    """Return the value cell of an as-run settings row."""
    return ui.by("job-settings").locator("[data-testid='job-setting-row']", has_text=label).locator("dd")


def _row(gif: App, execution_id: int, label: str) -> str:
    rows = ok(gif.api.get_job(execution_id))["settings_rows"]
    return str(next(r["value"] for r in rows if r["label"] == label))


def test_job_view_shows_the_run_and_its_log(ui: UI, gif: App) -> None:
    job = run_job(gif, **{"parameters.label": "View run", "parameters.count": 2, "parameters.variations": 2,
                          "ai.run_quality_check": True})
    ui.open(f"jobs/{job['id']}", "job")
    expect(ui.by("job-title")).to_have_text("View run")
    expect(ui.by("job-status")).to_have_text(job["status"].capitalize())
    expect(ui.by("job-summary-approved")).to_have_text(f"{job['approved']} of {job['planned']}")
    expect(ui.by("job-summary-qc_failed")).to_have_text(str(job["qc_failed"]))

    # As-run settings, grouped, with the steps that were off shown muted as "Not applied".
    settings = ui.by("job-settings")
    expect(settings.locator("h3", has_text="Processing")).to_be_visible()
    generations = settings.locator("[data-testid='job-setting-row']", has_text="Generations")
    expect(generations.locator("dd")).to_have_text("2")
    off = settings.locator(".as-run-row.is-off", has_text="Background remover")
    expect(off.locator("dd")).to_have_text("Not applied")
    expect(off.locator("dd")).to_have_css("font-style", "italic")
    shoot_both(ui, "job-overview")
    ui.by("job-settings-hide-off").check()
    expect(off).to_be_hidden()

    # The log is persisted: lines are there after the job finished; search is case-insensitive.
    ui.by("job-tab-logs").click()
    lines = ui.by("job-logs").locator("[data-testid='log-line']")
    expect(lines.first).to_be_visible()
    total = len(ok(gif.api.get_logs(job["id"], {})))
    expect(lines).to_have_count(total)
    ui.by("job-logs-search").fill("VIEW RUN")
    expect(lines.first).to_contain_text("View run")
    expected = len(ok(gif.api.get_logs(job["id"], {"search": "view run"})))
    expect(lines).to_have_count(expected)
    ui.by("job-logs-search").fill("")
    ui.by("job-logs-level-info").uncheck()
    expect(lines).to_have_count(len(ok(gif.api.get_logs(job["id"], {"levels": ["debug", "warning", "error"]}))))
    ui.by("job-logs-level-info").check()
    expect(lines).to_have_count(total)
    shoot_both(ui, "job-logs")

    # Images: one thumbnail per rendered image; a click opens the image modal.
    ui.by("job-tab-images").click()
    cards = ui.by("job-images").locator("[data-testid='job-images-card']")
    expect(cards).to_have_count(job["generated"])
    shoot_both(ui, "job-images")
    cards.first.click()
    expect(ui.by("image-modal")).to_be_visible()


def test_edited_configuration_is_used_by_the_rerun(ui: UI, gif: App) -> None:
    # Nothing processed in the recorded run, so turning conversion on below is a change the rerun must carry.
    job = run_job(gif, **{"parameters.label": "Config run", "parameters.count": 2, "parameters.variations": 1,
                          "ai.run_quality_check": False, **NOTHING_ON_OVERRIDES})
    ui.open(f"jobs/{job['id']}", "job")
    ui.by("job-edit-config").click()
    expect(ui.by("config-dialog")).to_be_visible()
    expect(ui.by("config-note")).to_contain_text("future reruns only")
    ui.by("config-tab-parameters").click()
    expect(ui.field("parameters.count")).to_have_value("2")
    ui.field("parameters.count").fill("3")
    ui.by("config-tab-processing").click()
    ui.field("processing.image_convert").check()
    ui.field("processing.convert_format").select_option("jpg")
    shoot_both(ui, "job-config-dialog")
    ui.by("config-save").click()
    expect(ui.by("config-dialog")).to_be_hidden()
    expect(ui.toast("Configuration saved")).to_be_visible()
    # The recorded run is unchanged.
    expect(_shown(ui, "Generations")).to_have_text("2")

    ui.by("job-rerun").click()
    link = ui.by("job-rerun-link")
    expect(link).to_have_text("Config run (rerun 1)")
    rerun_id = int(str(link.get_attribute("href")).rsplit("/", 1)[1])
    wait_for(lambda: ok(gif.api.get_job(rerun_id))["execution"]["status"] in ("completed", "failed"), "the rerun")
    assert _row(gif, rerun_id, "Generations") == "3"
    assert _row(gif, rerun_id, "Format") == "JPG"
    assert _row(gif, job["id"], "Generations") == "2" and _row(gif, job["id"], "Format") == "Not applied"

    link.click()
    ui.wait_view("job")
    expect(ui.by("job-title")).to_have_text("Config run (rerun 1)")
    expect(ui.by("job-subtitle")).to_contain_text(f"rerun of #{job['id']}")
    expect(_shown(ui, "Generations")).to_have_text("3")
    expect(ui.by("job-status")).to_have_text("Completed")


def test_job_list_follows_a_running_job(ui: UI, gif: App) -> None:
    ui.open("jobs")
    expect(ui.by("jobs-empty")).to_be_visible()
    started = ok(gif.api.start_job({"parameters.label": "Live run", "parameters.count": 4,
                                    "parameters.variations": 2, "ai.run_quality_check": False}))
    # The list picks the job up and follows it to the end without a reload.
    expect(ui.by(f"job-label-{started['id']}")).to_have_text("Live run", timeout=15_000)
    expect(ui.by(f"job-status-{started['id']}")).to_have_text("Completed", timeout=30_000)
    job = ok(gif.api.get_job(started["id"]))["execution"]
    expect(ui.by(f"job-images-{started['id']}")).to_have_text(f"{job['approved']} / {job['planned']}")


def test_unknown_job_shows_not_found(ui: UI) -> None:
    ui.open("jobs/4242", "job")
    expect(ui.by("job-missing")).to_be_visible()

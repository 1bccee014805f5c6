"""Layouts that fit: at the window's minimum size and at 1024x640 no control of any panel leaves the window
horizontally or overlaps another (Dashboard, Jobs, Single Job View and its tabs, Failed Images, every Settings tab)."""

from __future__ import annotations

import pytest
from e2e_support import UI
from layout_support import MIN_WINDOW, SMALL_LAPTOP, layout_problems
from playwright.sync_api import expect
from seed_images import seed_job

from gif_app.app import App
from gif_app.domain import FailureStage, ImageStatus

SIZES = [pytest.param(MIN_WINDOW, id="min-960x640"), pytest.param(SMALL_LAPTOP, id="1024x640")]


def _check(ui: UI, where: str, found: list[str]) -> None:
    """Add the problems of the panel shown now to `found` (all panels are checked before the test fails)."""
    ui.page.evaluate("document.getAnimations().forEach(a => a.finish())")
    problems, count = layout_problems(ui.page)
    assert count > 0, f"{where}: no control was seen"
    found.extend(f"{where}: {problem}" for problem in problems)


def _seed(gif: App) -> int:
    approved = seed_job(gif, "Cats on a sofa with a rather long job label", ["Grey cat", "Ginger kitten", "Black cat"])
    failed = seed_job(gif, "Dogs", ["Wet dog", "Puppy"], status=ImageStatus.QC_FAILED)
    gif.repo.update_image(failed[0].id, reason=FailureStage.REMOVE_BG.reason)
    return approved[0].execution_id


@pytest.mark.parametrize("size", SIZES)
def test_every_panel_fits_the_window(ui: UI, gif: App, size: dict[str, int]) -> None:
    job_id = _seed(gif)
    ui.page.set_viewport_size(size)  # type: ignore[arg-type]
    found: list[str] = []
    for path, view in [("dashboard", "dashboard"), ("jobs", "jobs"), ("failed", "failed")]:
        ui.open(path, view)
        _check(ui, path, found)

    ui.open(f"jobs/{job_id}", "job")
    for tab in ["overview", "images", "logs"]:
        ui.by(f"job-tab-{tab}").click()
        expect(ui.by(f"job-panel-{tab}")).to_be_visible()
        _check(ui, f"job view, {tab} tab", found)

    ui.open("settings")
    # A saved key shows its masked value as a chip beside the label: the row must still fit.
    ui.by("key-input-openai").fill("sk-layout-000011112222")
    ui.by("key-save-openai").click()
    expect(ui.by("key-mask-openai")).to_have_text("••••2222")
    tabs = ui.page.locator("[data-testid^='settings-tab-']")
    names = [str(t.get_attribute("data-testid")).removeprefix("settings-tab-") for t in tabs.all()]
    assert "keys" in names and len(names) > 5
    for name in names:
        ui.tab(name)
        _check(ui, f"settings, {name} tab", found)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("size", SIZES)
def test_jobs_row_actions_stay_reachable(ui: UI, gif: App, size: dict[str, int]) -> None:
    _seed(gif)
    ui.page.set_viewport_size(size)  # type: ignore[arg-type]
    ui.open("jobs")
    width = ui.page.evaluate("document.documentElement.clientWidth")
    actions = ui.page.locator("[data-testid^='job-row-'] .row-actions .btn:visible")
    expect(actions.first).to_be_visible()
    for button in actions.all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("size", SIZES)
def test_the_jobs_table_fits_without_scrolling(ui: UI, gif: App, size: dict[str, int]) -> None:
    _seed(gif)
    ui.page.set_viewport_size(size)  # type: ignore[arg-type]
    ui.open("jobs")
    expect(ui.by("jobs-table")).to_be_visible()
    overflow = ui.page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap'); return w.scrollWidth - w.clientWidth; })()")
    assert overflow <= 0, f"the jobs table scrolls by {overflow} px"

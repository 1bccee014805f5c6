"""Screenshots of every view in light and dark (for people to look at), plus the shell's basics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_support import SCREENSHOTS, UI
from layout_support import SMALL_LAPTOP
from playwright.sync_api import expect
from seed_images import seed_job

from gif_app.app import App
from gif_app.domain import FailureStage, ImageStatus

VIEWS = [("dashboard", "dashboard"), ("jobs", "jobs"), ("jobs/42", "job"), ("failed", "failed"),
         ("settings", "settings")]


# Lazy thumbnails in the window have loaded (or failed); ones below the fold are never asked for.
SHOWN_IMAGES_LOADED = """() => Promise.all([...document.images]
  .filter((img) => {
    const r = img.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.width > 0;
  })
  .map((img) => img.decode().catch(() => null)))"""


def _shoot(ui: UI, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Wait out the view's entrance so the picture shows the settled page, thumbnails in view included.
    ui.page.evaluate("document.getAnimations().forEach(a => a.finish())")
    ui.page.evaluate(SHOWN_IMAGES_LOADED)
    ui.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, f"{path.name} looks blank"
    return path


def _settings_processing(ui: UI) -> None:
    ui.open("settings/processing")
    ui.field("processing.image_convert").check()
    ui.field("processing.convert_format").select_option("jpg")
    ui.field("processing.jpg_quality").fill("150")
    expect(ui.by("field-error-processing.jpg_quality")).to_have_text("Must be between 1 and 100.")


def _settings_keys(ui: UI) -> None:
    ui.open("settings")
    ui.by("key-input-openai").fill("sk-screenshot-000011112222")
    ui.by("key-save-openai").click()
    expect(ui.by("key-mask-openai")).to_have_text("••••2222")


def _reset_dialog(ui: UI) -> None:
    ui.open("settings/parameters")
    ui.by("settings-reset").click()
    expect(ui.by("reset-dialog")).to_be_visible()


def _settings_file_paths(ui: UI) -> None:
    ui.open("settings/file_paths")
    ui.field("file_paths.keywords_file").fill("/home/me/stock/keywords.csv")


SCENES: dict[str, Callable[[UI], None]] = {
    "settings-file-paths": _settings_file_paths,
    "settings-processing": _settings_processing,
    "settings-keys": _settings_keys,
    "settings-reset-dialog": _reset_dialog,
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_every_view(ui: UI, scheme: str) -> None:
    ui.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    for path, view in VIEWS:
        ui.open(path, view)
        expect(ui.by(f"nav-{path.split('/')[0]}")).to_have_attribute("aria-current", "page")
        _shoot(ui, f"{path.replace('/', '-')}-{scheme}")
    for name, scene in SCENES.items():
        scene(ui)
        _shoot(ui, f"{name}-{scheme}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_every_panel_at_1024x640(ui: UI, gif: App, scheme: str) -> None:
    """Every panel with data in it, at the small laptop size, for people to look at (small-<panel>-<scheme>)."""
    job_id = seed_job(gif, "Cats on a sofa", ["Grey cat", "Ginger kitten", "Black cat"])[0].execution_id
    failed = seed_job(gif, "Dogs", ["Wet dog", "Puppy"], status=ImageStatus.QC_FAILED)
    gif.repo.update_image(failed[0].id, reason=FailureStage.REMOVE_BG.reason)
    ui.page.set_viewport_size(SMALL_LAPTOP)  # type: ignore[arg-type]
    ui.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    for path, view in [("dashboard", "dashboard"), ("jobs", "jobs"), (f"jobs/{job_id}", "job"), ("failed", "failed")]:
        ui.open(path, view)
        _shoot(ui, f"small-{view}-{scheme}")
    ui.open("settings")
    for tab in ui.page.locator("[data-testid^='settings-tab-']").all():
        name = str(tab.get_attribute("data-testid")).removeprefix("settings-tab-")
        ui.tab(name)
        _shoot(ui, f"small-settings-{name}-{scheme}")


def test_shell_shows_name_version_and_no_sandbox_badge(ui: UI) -> None:
    ui.open("dashboard")
    expect(ui.by("app-name")).to_have_text("Gen Image Factory")
    expect(ui.by("app-version")).to_have_text("v0.1.0")
    expect(ui.by("sandbox-badge")).to_be_hidden()


@pytest.mark.parametrize("app_is_sandbox", [True])
def test_sandbox_run_shows_the_sandbox_badge(ui: UI) -> None:
    ui.open("settings/file_paths")
    expect(ui.by("sandbox-badge")).to_be_visible()
    expect(ui.by("sandbox-badge")).to_have_text("Sandbox")
    # The sandbox prepares demo inputs, so the keyword file is already filled in.
    expect(ui.field("file_paths.keywords_file")).not_to_have_value("")


def test_every_nav_link_opens_its_view_with_an_empty_state(ui: UI) -> None:
    ui.open("dashboard")
    for view, empty in [("jobs", "jobs-empty"), ("failed", "failed-empty"), ("dashboard", "job-start")]:
        ui.by(f"nav-{view}").click()
        ui.wait_view(view)
        expect(ui.by(empty)).to_be_visible()
    expect(ui.by("gallery-empty")).to_be_visible()
    expect(ui.by("view-jobs")).to_have_count(0)


def test_unknown_route_falls_back_to_the_dashboard(ui: UI) -> None:
    ui.page.goto(f"{ui.base_url}#/nowhere")
    ui.wait_view("dashboard")

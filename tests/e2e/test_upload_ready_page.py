"""Upload-ready output in the browser: category selects in the image modal, the stock target's list of
changes (Settings and the Start dialog), and the "Background kept" badge with its gallery filter."""

from __future__ import annotations

from dataclasses import replace

import pytest
from e2e_support import UI
from playwright.sync_api import expect
from seed_images import seed_job

from gif_app.app import App
from gif_app.domain import GeneratedImage
from tests.helpers.processing import NOTHING_ON


@pytest.fixture
def app_is_sandbox() -> bool:
    """Run against the sandbox: the Start dialog needs its keys, the modal its default Adobe preset."""
    return True


@pytest.fixture
def images(gif: App) -> list[GeneratedImage]:
    """Record three approved images of one job."""
    return seed_job(gif, "Cats", ["Ginger kitten", "Grey kitten", "Black kitten"])


def open_card(ui: UI, image: GeneratedImage) -> None:
    """Open the modal from the image's gallery card and wait for it to load."""
    ui.page.locator(f"[data-testid=gallery-card][data-id='{image.id}']").click()
    expect(ui.by("image-modal")).to_be_visible()
    expect(ui.by("image-modal")).not_to_have_attribute("aria-busy", "true")


def test_category_selects_save_and_come_back(ui: UI, gif: App, images: list[GeneratedImage]) -> None:
    ui.open("dashboard")
    open_card(ui, images[0])
    ui.by("modal-tab-metadata").click()
    adobe = ui.by("modal-meta-category-adobe")
    expect(adobe).to_have_value("")
    expect(adobe.locator("option")).to_have_count(22)  # "none" and the 21 numbered categories
    expect(ui.by("modal-meta-save")).to_be_disabled()
    adobe.select_option("1")
    ui.by("modal-meta-category-shutterstock-1").select_option("Animals/Wildlife")
    ui.by("modal-meta-category-shutterstock-2").select_option("Nature")
    ui.by("modal-meta-save").click()
    expect(ui.toast("Metadata saved")).to_be_visible()
    stored = gif.repo.get_image(images[0].id).metadata
    assert stored.categories_for("adobe") == ("1",)
    assert stored.categories_for("shutterstock") == ("Animals/Wildlife", "Nature")
    assert stored.title == "Ginger kitten" and stored.category == "Animals"  # the other fields are untouched

    ui.reload("dashboard")
    open_card(ui, images[0])
    ui.by("modal-tab-metadata").click()
    expect(ui.by("modal-meta-category-adobe")).to_have_value("1")
    expect(ui.by("modal-meta-category-adobe")).to_contain_text("1 · Animals")
    expect(ui.by("modal-meta-category-shutterstock-2")).to_have_value("Nature")


def save_nothing_on(gif: App) -> None:
    """Save settings with no processing step on and PNG as the format (the defaults already fit Adobe Stock)."""
    values = gif.ctx.settings_file.load().settings
    values["processing"].update({**NOTHING_ON, "convert_format": "png"})
    assert gif.api.save_settings(values)["ok"]


def test_choosing_a_stock_target_in_settings_lists_what_changed(ui: UI, gif: App) -> None:
    save_nothing_on(gif)
    ui.open("settings/output")
    target = ui.field("output.stock_target")
    expect(target).to_have_value("adobe")
    target.select_option("none")
    expect(ui.by("settings-target-notice")).to_contain_text("your settings already fit")
    target.select_option("shutterstock")
    notice = ui.by("settings-target-notice")
    expect(notice).to_have_count(1)  # the new list replaces the old one
    changes = ui.by("settings-target-notice-changes")
    expect(changes.locator("li[data-key='processing.convert_format']")).to_have_text("Format: PNG → JPG")
    expect(changes.locator("li[data-key='processing.image_convert']")).to_have_text("Convert format: Off → On")
    expect(changes.locator("li[data-key='processing.min_megapixels']")).to_contain_text("0 → 4")
    expect(changes.locator("li[data-key='metadata.site_preset']")).to_contain_text("Adobe Stock → Shutterstock")
    ui.by("settings-save").click()
    expect(ui.toast("Settings saved")).to_be_visible()
    ui.by("settings-target-apply").click()  # the target shown again: nothing left to change
    expect(ui.by("settings-target-notice")).to_contain_text("Shutterstock: your settings already fit")
    saved = gif.ctx.settings_file.load().settings
    assert saved["output"]["stock_target"] == "shutterstock"
    assert saved["processing"]["image_convert"] is True and saved["processing"]["convert_format"] == "jpg"
    assert saved["processing"]["min_megapixels"] == 4.0


def test_the_start_dialogs_target_becomes_this_runs_settings(ui: UI, gif: App) -> None:
    save_nothing_on(gif)
    ui.open("dashboard")
    ui.by("job-start").click()
    expect(ui.by("start-dialog")).to_be_visible()
    ui.by("start-count").fill("1")
    ui.by("start-variations").fill("1")
    ui.by("start-stock-target").select_option("freepik")
    notice = ui.by("start-target-notice")
    expect(notice).to_contain_text("Freepik")
    expect(notice.locator("li[data-key='processing.convert_format']")).to_have_text("Format: PNG → JPG")
    ui.by("start-submit").click()
    expect(ui.by("start-dialog")).to_have_count(0)
    snapshot = gif.repo.get_execution(1).settings_snapshot
    assert snapshot["output"]["stock_target"] == "freepik"
    assert snapshot["processing"]["convert_format"] == "jpg" and snapshot["metadata"]["site_preset"] == "freepik"
    saved = gif.ctx.settings_file.load().settings  # saved settings kept
    assert saved["output"]["stock_target"] == "adobe" and saved["processing"]["convert_format"] == "png"


def test_background_kept_badge_and_filter(ui: UI, gif: App, images: list[GeneratedImage]) -> None:
    kept = images[1]
    soft = ({"stage": "remove_bg", "message": "remove.bg: Could not identify foreground in image."},)
    gif.repo.update_image(kept.id, processing=replace(kept.processing, soft_failures=soft))
    ui.open("dashboard")
    expect(ui.by("gallery-card")).to_have_count(3)
    badge = ui.by(f"gallery-background-kept-{kept.id}")
    expect(badge).to_have_text("Background kept")
    expect(badge).to_have_attribute("title", "Background removal failed: remove.bg: Could not identify "
                                             "foreground in image.")
    expect(ui.page.get_by_text("Background kept", exact=True).and_(ui.page.locator(".badge"))).to_have_count(1)
    ui.by("gallery-background-kept").check()
    expect(ui.by("gallery-card")).to_have_count(1)
    expect(ui.page.locator(f"[data-testid=gallery-card][data-id='{kept.id}']")).to_be_visible()
    ui.page.locator(f"[data-testid=gallery-card][data-id='{kept.id}']").click()
    expect(ui.by("modal-background-kept")).to_be_visible()  # the modal's Details say it too
    ui.page.keyboard.press("Escape")
    expect(ui.by("image-modal")).to_have_count(0)
    ui.by("gallery-background-kept").uncheck()
    expect(ui.by("gallery-card")).to_have_count(3)

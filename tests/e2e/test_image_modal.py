"""The image modal in the browser: details, metadata editing with live limits, zoom, navigation, delete."""

from __future__ import annotations

from dataclasses import replace

import pytest
from e2e_support import SCREENSHOTS, UI
from playwright.sync_api import Page, expect
from seed_images import file_of, seed_job

from gif_app import vector
from gif_app.app import App
from gif_app.domain import GeneratedImage, ImageStatus


@pytest.fixture
def app_is_sandbox() -> bool:
    """Run against the sandbox (metadata limits of the default Adobe Stock preset)."""
    return True


@pytest.fixture
def images(gif: App) -> list[GeneratedImage]:
    """Record three approved images of one job (a tall one first, to exercise Fit)."""
    return seed_job(gif, "Cats", ["Ginger kitten", "Grey kitten", "Black kitten"], size=1600)


def open_card(ui: UI, image: GeneratedImage) -> None:
    """Open the modal from the image's gallery card and wait for it to load."""
    ui.page.locator(f"[data-testid=gallery-card][data-id='{image.id}']").click()
    expect(ui.by("image-modal")).to_be_visible()
    expect(ui.by("image-modal")).not_to_have_attribute("aria-busy", "true")


# Two animation frames: the page has restyled and painted in the new colour scheme.
FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def shoot(page: Page, name: str) -> None:
    """Write a screenshot of the modal in light and dark."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")  # type: ignore[arg-type]
        page.evaluate(FRAMES)
        page.screenshot(path=str(SCREENSHOTS / f"image-modal-{name}-{scheme}.png"))
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")


def test_edit_metadata_with_live_limits_is_kept_after_reload(ui: UI, gif: App, images: list[GeneratedImage]) -> None:
    """Counters follow typing and turn red past the limit; a save is stored, embedded and survives a reload."""
    ui.open("dashboard")
    open_card(ui, images[1])
    ui.by("modal-tab-metadata").click()
    expect(ui.by("modal-meta-title")).to_have_value("Grey kitten")
    expect(ui.by("modal-meta-title-count")).to_have_text("11/70")
    expect(ui.by("modal-meta-save")).to_be_disabled()
    ui.by("modal-meta-title").fill("G" * 75)
    expect(ui.by("modal-meta-title-count")).to_have_text("75/70")
    expect(ui.by("modal-meta-title-count")).to_have_class("meta-count is-over")
    ui.by("modal-meta-keywords").fill("cat, kitten")
    expect(ui.by("modal-meta-keywords-count")).to_have_class("meta-count is-over")  # below the minimum
    shoot(ui.page, "metadata")

    new_title = "Grey kitten asleep on a knitted blanket"
    ui.by("modal-meta-title").fill(new_title)
    expect(ui.by("modal-meta-title-count")).to_have_text(f"{len(new_title)}/70")
    expect(ui.by("modal-meta-title-count")).to_have_class("meta-count")
    ui.by("modal-meta-keywords").fill("cat, kitten, grey, blanket, sleep, cosy, pet, animal")
    expect(ui.by("modal-meta-keywords-count")).to_have_text("8/49 (min 5)")
    ui.by("modal-meta-save").click()
    expect(ui.toast("Metadata saved")).to_be_visible()
    expect(ui.by("modal-meta-save")).to_be_disabled()
    expect(ui.by(f"gallery-title-{images[1].id}")).to_have_text(new_title)  # the card behind updated in place
    stored = gif.repo.get_image(images[1].id).metadata
    assert stored.title == new_title and "blanket" in stored.keywords
    assert new_title.encode() in file_of(images[1]).read_bytes()  # re-embedded in the file

    ui.page.keyboard.press("Escape")
    expect(ui.by("image-modal")).to_have_count(0)
    ui.reload("dashboard")
    open_card(ui, images[1])
    ui.by("modal-tab-metadata").click()
    expect(ui.by("modal-meta-title")).to_have_value(new_title)
    expect(ui.by("modal-meta-keywords")).to_have_value("cat, kitten, grey, blanket, sleep, cosy, pet, animal")


def test_details_zoom_navigation_copy_and_reveal(ui: UI, images: list[GeneratedImage],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Details show the prompt and paths; zoom buttons, wheel and double-click work; ←/→ and Esc too."""
    monkeypatch.setenv("GIF_APP_NO_REVEAL", "1")
    ui.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ui.open("dashboard")
    newest_first = list(reversed(images))
    open_card(ui, newest_first[0])
    expect(ui.by("modal-counter")).to_have_text("1 / 3")
    expect(ui.by("modal-title")).to_have_text("Black kitten")
    expect(ui.by("modal-status")).to_have_text("Approved")
    expect(ui.by("modal-prompt")).to_have_text("A photo of black kitten on a plain background")
    expect(ui.by("modal-final-path")).to_have_text(str(file_of(newest_first[0])))
    expect(ui.by("modal-prev")).to_be_disabled()

    level = ui.by("modal-zoom-level")
    expect(level).not_to_have_text("—")
    fit = level.inner_text()
    assert int(fit.rstrip("%")) < 100  # a 1600 px image is fitted into the window
    shoot(ui.page, "details")
    ui.by("modal-zoom-in").click()
    expect(level).not_to_have_text(fit)
    ui.by("modal-zoom-fit").click()
    expect(level).to_have_text(fit)
    viewer = ui.by("modal-viewer")
    viewer.dblclick()
    expect(level).to_have_text("100%")
    viewer.dblclick()
    expect(level).to_have_text(fit)
    viewer.hover()
    ui.page.mouse.wheel(0, -400)
    expect(level).not_to_have_text(fit)
    ui.page.keyboard.press("0")
    expect(level).to_have_text(fit)

    ui.by("modal-copy-prompt").click()
    expect(ui.toast("Prompt copied")).to_be_visible()
    assert ui.page.evaluate("() => navigator.clipboard.readText()") == newest_first[0].prompt
    ui.by("modal-reveal").click()
    expect(ui.toast("Shown in the file manager")).to_be_visible()

    ui.by("modal-close").focus()
    ui.page.keyboard.press("ArrowRight")
    expect(ui.by("modal-counter")).to_have_text("2 / 3")
    expect(ui.by("modal-title")).to_have_text("Grey kitten")
    ui.by("modal-next").click()
    expect(ui.by("modal-title")).to_have_text("Ginger kitten")
    expect(ui.by("modal-next")).to_be_disabled()
    ui.page.keyboard.press("ArrowLeft")
    expect(ui.by("modal-counter")).to_have_text("2 / 3")
    ui.by("modal-tab-processing").click()
    expect(ui.by("modal-applied")).to_contain_text("No processing step")
    ui.page.keyboard.press("Escape")
    expect(ui.by("image-modal")).to_have_count(0)


def test_modal_shows_the_qc_reason_of_a_rejected_image(ui: UI, gif: App) -> None:
    """A QC-failed image opened from the status filter shows its reason in Details."""
    rejected = seed_job(gif, "Rejects", ["Blurry fox"], status=ImageStatus.QC_FAILED)
    ui.open("dashboard")
    ui.by("gallery-status").select_option("qc_failed")
    open_card(ui, rejected[0])
    expect(ui.by("modal-status")).to_have_text("QC failed")
    expect(ui.by("modal-reason")).to_have_text("Blurry subject")


def test_delete_from_the_modal_asks_and_moves_on(ui: UI, gif: App, images: list[GeneratedImage]) -> None:
    """Delete asks first; confirming removes the file, the card, and shows the next image."""
    ui.open("dashboard")
    open_card(ui, images[2])
    ui.by("modal-delete").click()
    ui.by("confirm-delete-image-cancel").click()
    expect(ui.by("modal-counter")).to_have_text("1 / 3")
    ui.by("modal-delete").click()
    ui.by("confirm-delete-image-ok").click()
    expect(ui.toast("Image deleted")).to_be_visible()
    expect(ui.by("modal-counter")).to_have_text("1 / 2")
    expect(ui.by("gallery-card")).to_have_count(2)
    assert not file_of(images[2]).exists()
    assert gif.repo.count_images_by_status(images[2].execution_id).get("approved") == 2


def test_a_vector_image_shows_its_preview_and_why_processing_was_skipped(ui: UI, gif: App) -> None:
    """An SVG is shown through its PNG preview; the Processing tab says why nothing ran on it."""
    [seeded] = seed_job(gif, "Vectors", ["Fox logo"])
    svg = file_of(seeded).with_suffix(".svg")
    svg.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
                    b'<rect width="200" height="100" fill="#e63"/></svg>')
    vector.write_preview(svg)
    file_of(seeded).unlink()
    image = gif.repo.update_image(seeded.id, final_path=str(svg), processing=replace(
        seeded.processing, skipped=vector.PROCESSING_SKIPPED))
    ui.open("dashboard")
    thumb = ui.page.locator(f"[data-testid=gallery-card][data-id='{image.id}'] img")
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("(img) => img.naturalWidth") > 0  # the preview, drawn from the SVG
    open_card(ui, image)
    ui.by("modal-tab-processing").click()
    expect(ui.by("modal-processing-skipped")).to_contain_text("Processing skipped")
    expect(ui.by("modal-processing-skipped")).to_contain_text("vector (SVG) image")

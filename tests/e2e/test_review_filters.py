"""Failed Images Review filters by job and failure reason, sorts, and shows a list view; the Single Job View
filters its images by status. Images are recorded through the repository with real files."""

from __future__ import annotations

from e2e_support import UI
from playwright.sync_api import expect
from review_support import shoot_both
from seed_images import seed_job

from gif_app.app import App
from gif_app.domain import FailureStage, ImageStatus


def _card_ids(ui: UI) -> list[int]:
    cards = ui.by("failed-grid").locator(".failed-card")
    return [int(x) for x in cards.evaluate_all("els => els.map(e => e.dataset.id)")]


def test_failed_images_filter_by_job_and_reason_sort_and_list_view(ui: UI, gif: App) -> None:
    first = seed_job(gif, "Cats run", ["Cat one", "Cat two", "Cat three"], status=ImageStatus.QC_FAILED)
    second = seed_job(gif, "Dogs run", ["Dog one", "Dog two"], status=ImageStatus.QC_FAILED)
    # Two of them failed a processing step rather than QC.
    trimmed = gif.repo.update_image(first[2].id, reason=FailureStage.TRIM.reason)
    gif.repo.update_image(second[1].id, reason=FailureStage.TRIM.reason)
    every = [i.id for i in first + second]

    ui.open("failed")
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(5)
    assert _card_ids(ui) == sorted(every, reverse=True), "newest first by default"

    jobs = ui.by("failed-filter-job")
    expect(jobs.locator("option")).to_have_text(["All jobs", "Dogs run (2)", "Cats run (3)"])
    jobs.select_option(label="Cats run (3)")
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(3)
    assert set(_card_ids(ui)) == {i.id for i in first}

    reasons = ui.by("failed-filter-reason")
    expect(reasons.locator("option")).to_have_text(["All reasons", "Rejected by QC (3)", "Trim failed (2)"])
    reasons.select_option(label="Trim failed (2)")
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(1)
    expect(ui.by(f"failed-reason-{trimmed.id}")).to_have_text("Trim failed")

    jobs.select_option(label="All jobs")
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(2)
    reasons.select_option(label="Rejected by QC (3)")
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(3)
    qc_ids = [first[0].id, first[1].id, second[0].id]
    assert _card_ids(ui) == sorted(qc_ids, reverse=True)

    ui.by("failed-sort").select_option("oldest")
    expect(ui.by(f"failed-card-{qc_ids[0]}")).to_be_visible()
    ui.page.wait_for_function(f"document.querySelector('.failed-card').dataset.id === '{min(qc_ids)}'")
    assert _card_ids(ui) == sorted(qc_ids)

    # List view: the same cards in rows, remembered after a reload.
    ui.by("failed-layout-list").click()
    expect(ui.by("failed-grid")).to_have_attribute("data-layout", "list")
    expect(ui.by("failed-layout-list")).to_have_attribute("aria-pressed", "true")
    boxes = [ui.by(f"failed-card-{i}").bounding_box() for i in qc_ids]
    assert all(b is not None for b in boxes)
    assert len({round(b["x"]) for b in boxes if b}) == 1, "list rows share one left edge"
    shoot_both(ui, "failed-list-view")
    ui.reload("failed")
    expect(ui.by("failed-grid")).to_have_attribute("data-layout", "list")
    ui.by("failed-layout-grid").click()
    expect(ui.by("failed-grid")).to_have_attribute("data-layout", "grid")


def test_job_view_filters_its_images_by_status(ui: UI, gif: App) -> None:
    images = seed_job(gif, "Mixed run", ["One", "Two", "Three", "Four"])
    gif.repo.update_image(images[1].id, status=ImageStatus.QC_FAILED, reason="Blurry subject")
    gif.repo.update_image(images[3].id, status=ImageStatus.RETRY_FAILED, reason=FailureStage.TRIM.reason)

    ui.open(f"jobs/{images[0].execution_id}", "job")
    ui.by("job-tab-images").click()
    cards = ui.by("job-images").locator("[data-testid='job-images-card']")
    expect(cards).to_have_count(4)
    ui.by("job-images-status").select_option("qc_failed")
    expect(cards).to_have_count(1)
    expect(ui.by("job-images").locator(f"[data-id='{images[1].id}']")).to_be_visible()
    expect(ui.by("job-images-counts")).to_have_text("1 qc failed")
    ui.by("job-images-status").select_option("approved")
    expect(cards).to_have_count(2)
    ui.by("job-images-status").select_option("processing")
    expect(cards).to_have_count(0)
    expect(ui.by("job-images-empty")).to_contain_text("No images with this status")
    ui.by("job-images-status").select_option("")
    expect(cards).to_have_count(4)

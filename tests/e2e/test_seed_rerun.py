"""Seeds in the browser: the Seed settings, and 'Rerun with this seed' from the image modal running a real job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import UI
from playwright.sync_api import expect
from seed_images import seed_job

from gif_app.app import App
from gif_app.domain import GeneratedImage, ImageStatus, JobExecution, JobStatus, NewImage
from gif_app.sandbox.servers import SandboxServers
from tests.helpers.waiting import wait_until


@pytest.fixture
def app_is_sandbox() -> bool:
    """Run against the sandbox, so the rerun's job really renders."""
    return True


@pytest.fixture
def images(gif: App) -> list[GeneratedImage]:
    """Record two approved images of one job (seeds 1000 and 1001)."""
    return seed_job(gif, "Cats", ["Ginger kitten", "Grey kitten"])


def open_card(ui: UI, image: GeneratedImage) -> None:
    """Open the modal from the image's gallery card and wait for it to load."""
    ui.page.locator(f"[data-testid=gallery-card][data-id='{image.id}']").click()
    expect(ui.by("image-modal")).to_be_visible()
    expect(ui.by("image-modal")).not_to_have_attribute("aria-busy", "true")


def test_rerun_with_this_seed_queues_a_job_that_renders_the_prompt_with_that_seed(
        ui: UI, gif: App, images: list[GeneratedImage]) -> None:
    ui.open("dashboard")
    open_card(ui, images[1])
    expect(ui.by("modal-seed")).to_have_text("1001")
    ui.by("modal-rerun-seed").click()
    expect(ui.toast("Queued “Cats (seed 1001)”")).to_be_visible()

    child = wait_until(lambda: _finished_child(gif, images[1]), timeout=60, what="the seed rerun to finish")
    [rendered] = gif.repo.images_of_execution(child.id)
    assert (rendered.prompt, rendered.seed) == (images[1].prompt, 1001)
    assert isinstance(gif.sandbox, SandboxServers)
    sent = [json.loads(r.body) for r in gif.sandbox.requests("runware") if r.body]
    assert [t["seed"] for body in sent for t in body if t.get("taskType") == "imageInference"] == [1001]


def test_an_image_without_a_seed_offers_no_rerun_with_it(ui: UI, gif: App, images: list[GeneratedImage]) -> None:
    recorded = gif.repo.record_image(NewImage(
        mapping_id="no-seed", execution_id=images[0].execution_id, generation_index=5, variation_index=0,
        prompt="A photo of a cat", keyword="cat", seed=None, provider="openai", provider_ids={}, temp_path=""))
    seedless = gif.repo.update_image(recorded.id, status=ImageStatus.APPROVED, final_path=images[0].final_path)
    ui.open("dashboard")
    open_card(ui, images[0])
    expect(ui.by("modal-rerun-seed")).to_be_visible()
    ui.by("modal-close").click()
    open_card(ui, seedless)
    expect(ui.by("modal-seed")).to_have_text("—")
    expect(ui.by("modal-rerun-seed")).to_be_hidden()


def test_the_seed_number_shows_only_for_a_fixed_or_incrementing_seed(ui: UI, app_home: Path) -> None:
    ui.open("settings/parameters")
    expect(ui.field("parameters.seed_mode")).to_have_value("random")
    expect(ui.field("parameters.seed")).to_be_hidden()
    ui.field("parameters.seed_mode").select_option("increment")
    ui.field("parameters.seed").fill("4294967296")
    expect(ui.by("field-error-parameters.seed")).to_have_text("Must be between 0 and 4294967295.")
    ui.field("parameters.seed").fill("42")
    ui.by("settings-save").click()
    expect(ui.toast("Settings saved")).to_be_visible()
    saved = json.loads((app_home / "settings.json").read_text(encoding="utf-8"))["parameters"]
    assert (saved["seed_mode"], saved["seed"]) == ("increment", 42)


def _finished_child(gif: App, image: GeneratedImage) -> JobExecution | None:
    """Return the finished seed rerun of the image's job, or None while it has not finished."""
    for execution in gif.repo.executions_with_status(JobStatus.COMPLETED):
        if execution.id != image.execution_id and execution.label.endswith(f"(seed {image.seed})"):
            return execution
    return None

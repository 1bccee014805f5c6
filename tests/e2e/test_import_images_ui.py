"""Dashboard → Add images: the picked files are imported as a job and their finished copies fill the gallery."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from e2e_support import UI, PickedPaths
from PIL import Image
from playwright.sync_api import expect

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from tests.helpers.waiting import wait_until

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def app_is_sandbox() -> bool:
    """Run against the sandbox vendors, with the job worker running."""
    return True


def _pngs(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for number in range(count):
        path = folder / f"holiday_{number}.png"
        Image.new("RGB", (300, 200 + 10 * number), (40 * number, 120, 200)).save(path)
        paths.append(path)
    return paths


def test_add_images_through_the_picker_fills_the_gallery(ui: UI, gif: App, picked_paths: PickedPaths,
                                                        tmp_path: Path) -> None:
    settings = gif.ctx.settings_file.load().settings
    settings["ai"]["run_quality_check"] = False  # QC is optional; the sandbox's judge refuses some by design
    gif.ctx.settings_file.save(settings)
    originals = _pngs(tmp_path / "mine", 3)
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in originals]
    ui.open("dashboard")

    ui.by("job-add-images").click()  # the picker is cancelled: nothing starts
    wait_until(lambda: picked_paths.many_asked, what="the file picker to be asked")
    assert picked_paths.many_asked == [["bmp", "gif", "jpeg", "jpg", "png", "tif", "tiff", "webp"]]
    assert not gif.repo.executions_with_status(*JobStatus)

    picked_paths.many_answers.append([str(p) for p in originals])
    ui.by("import-metadata").select_option("merge")
    ui.by("job-add-images").click()
    expect(ui.toast("Importing 3 images")).to_be_visible()
    expect(ui.by("progress-status")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    expect(ui.by("gallery-card")).to_have_count(3)
    expect(ui.by("gallery-total")).to_have_text("3 approved images")

    images = gif.repo.images_of_execution(1)
    assert [i.status for i in images] == [ImageStatus.APPROVED] * 3 and {i.provider for i in images} == {"import"}
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in originals] == before
    assert gif.repo.get_execution(1).settings_snapshot["import_metadata"] == "merge"

    # The Single Job View says what the job imported.
    ui.open("jobs/1", "job")
    rows = ui.by("job-settings")
    expect(rows.locator("[data-testid='job-setting-row']", has_text="Source files").locator("dd")).to_have_text(
        "3 files")
    expect(rows.locator("[data-testid='job-setting-row']", has_text="Metadata they carried").locator("dd")
           ).to_have_text("merge")


# A synthetic drop of image files on the Dashboard (the page cannot be handed a real OS drag).
DROP_IMAGES_JS = """(names) => {
  const target = document.querySelector('[data-testid="view-dashboard"] h1');
  const data = new DataTransfer();
  for (const name of names) data.items.add(new File(['x'], name, { type: 'image/png' }));
  target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
  const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
  target.dispatchEvent(drop);
  return drop.defaultPrevented;
}"""


def test_images_dropped_on_the_dashboard_are_imported(ui: UI, gif: App, tmp_path: Path) -> None:
    settings = gif.ctx.settings_file.load().settings
    settings["ai"]["run_quality_check"] = False
    gif.ctx.settings_file.save(settings)
    originals = _pngs(tmp_path / "dropped", 2)
    ui.open("dashboard")
    # The window's drop handler (the edge) reports where each file lies, as pywebview does.
    gif.ctx.drops.enable()
    for path in originals:
        gif.ctx.drops.record(path.name, str(path))
    assert ui.page.evaluate(DROP_IMAGES_JS, [p.name for p in originals]) is True
    expect(ui.toast("Importing 2 images")).to_be_visible()
    expect(ui.by("progress-status")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    expect(ui.by("gallery-card")).to_have_count(2)
    assert sorted(Path(i.provider_ids["source_path"]).name for i in gif.repo.images_of_execution(1)) == \
        [p.name for p in originals]

"""Vector jobs end to end: Runware's vectorize task -> SVG files with XMP, PNG previews that QC and metadata read."""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from gif_app import imaging, vector
from gif_app import settings as settings_mod
from gif_app.app import App
from gif_app.domain import CancelToken, ImageStatus, JobStatus, NewImage
from gif_app.errors import ValidationError
from gif_app.export.archive import write_images_zip
from gif_app.export.embed import read_embedded_metadata
from gif_app.export.svg_xmp import read_svg_metadata
from gif_app.export.xmp import tag
from gif_app.sandbox.images import render_svg
from tests.integration.conftest import images_of, jobs_of, log_text, run_job
from tests.integration.retry_support import Done, retries_of

CHAT = "/v1/chat/completions"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _pixels(data: bytes) -> str:
    """Return a digest of an image's decoded pixels (embedding metadata changes bytes, never pixels)."""
    with Image.open(io.BytesIO(data)) as image:
        return hashlib.sha256(image.mode.encode() + image.tobytes()).hexdigest()


def test_vector_job_writes_svgs_with_xmp_and_previews_that_qc_and_metadata_read(sandbox_app: App,
                                                                                tmp_path: Path) -> None:
    execution = run_job(sandbox_app, {
        "parameters.provider": "runware", "parameters.runware_model": "recraft:v4@vector",
        "parameters.runware_format": "svg", "parameters.count": 4, "parameters.variations": 2,
        "parameters.use_llm_prompts": False, "ai.run_quality_check": True, "ai.run_metadata_gen": True,
        # Processing is on, and must be skipped for vectors, with the reason on record.
        "processing.remove_bg": True, "processing.image_convert": True, "output.embed_metadata": True,
    })
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    approved = [i for i in images if i.status is ImageStatus.APPROVED]
    assert len(images) == 8 and approved  # one in four fails the sandbox's QC; all eight failing is ~1e-5
    assert all(i.status in (ImageStatus.APPROVED, ImageStatus.QC_FAILED) for i in images)
    for image in approved:
        final = Path(image.final_path or "")
        assert final.suffix == ".svg" and final.parent == sandbox_app.home.default_output
        root = ET.parse(final).getroot()  # a valid SVG document, parsed back
        assert root.tag == f"{{{vector.SVG_NS}}}svg"
        titles = root.findall(f".//{tag('dc:title')}//{tag('rdf:li')}")
        assert [t.text for t in titles] == [image.metadata.title] and image.metadata.title
        assert {li.text for li in root.findall(f".//{tag('dc:subject')}//{tag('rdf:li')}")} == \
            set(image.metadata.keywords)
        preview = vector.preview_path(final)
        assert preview.read_bytes().startswith(PNG_SIGNATURE)
        with Image.open(preview) as shown:
            assert shown.format == "PNG" and max(shown.size) == vector.PREVIEW_EDGE
        assert image.processing.applied == () and image.processing.skipped == vector.PROCESSING_SKIPPED
    # No remove.bg call: processing never ran on a vector, and the log says why.
    assert sandbox_app.sandbox.request_count("removebg", "/v1.0/removebg") == 0
    assert "Processing skipped: not applied to a vector (SVG) image" in log_text(sandbox_app, execution)
    # Every QC call (one per image) and metadata call (one per approved image) carried a PNG preview.
    seen = sandbox_app.sandbox.images_seen("openai")
    assert sandbox_app.sandbox.request_count("openai", CHAT) == len(seen) == len(images) + len(approved)
    assert all(data.startswith(PNG_SIGNATURE) for data in seen)
    seen_pixels = [_pixels(data) for data in seen]
    for image in approved:
        shown, _ = imaging.downscale_for_vision(vector.preview_path(Path(image.final_path or "")).read_bytes())
        assert seen_pixels.count(_pixels(shown)) == 2  # once for QC, once for metadata
    # The ZIP export carries each SVG (its XMP intact) with its preview beside it.
    archive_path = write_images_zip(tmp_path / "vectors.zip", approved, ["adobe_stock"], embed=True,
                                    progress=lambda done, total: None, cancel=CancelToken()).path
    with zipfile.ZipFile(archive_path) as archive:
        names = set(archive.namelist())
        for image in approved:
            final = Path(image.final_path or "")
            assert {f"images/{final.name}", f"images/{vector.preview_path(final).name}"} <= names
            assert read_svg_metadata(archive.read(f"images/{final.name}")).title == image.metadata.title
    # A title edited in the image modal is embedded into the SVG and its preview; deleting removes both.
    edited = sandbox_app.api.update_image_metadata(approved[0].id, {
        "title": "Edited fox logo title", "description": approved[0].metadata.description,
        "keywords": list(approved[0].metadata.keywords)})
    assert edited["ok"] and edited["data"]["embedded"], edited
    final = Path(approved[0].final_path or "")
    assert read_svg_metadata(final.read_bytes()).title == "Edited fox logo title"
    assert read_embedded_metadata(vector.preview_path(final)).title == "Edited fox logo title"
    assert sandbox_app.api.delete_images([approved[0].id])["ok"]
    assert not final.exists() and not vector.preview_path(final).exists()


def test_svg_with_a_raster_model_is_refused_before_anything_is_paid(sandbox_app: App) -> None:
    with pytest.raises(ValidationError) as refused:
        jobs_of(sandbox_app).start_job({
            "parameters.provider": "runware", "parameters.runware_model": "runware:101@1",
            "parameters.runware_format": "svg", "parameters.count": 1, "parameters.variations": 1,
        })
    assert "vector model" in refused.value.fields["parameters.runware_format"]
    assert sandbox_app.sandbox.billed("runware") == []


def test_retrying_a_vector_skips_processing_and_moves_the_svg_with_its_preview(sandbox_app: App) -> None:
    snapshot = settings_mod.defaults()
    execution = sandbox_app.repo.create_execution(label="vectors", configuration_id=None,
                                                  settings_snapshot=snapshot, planned=1)
    temp = sandbox_app.home.default_temp / "vectors-0.svg"
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(render_svg("a fox logo", 7, 1024, 1024))
    vector.write_preview(temp)
    image = sandbox_app.repo.record_image(NewImage(
        mapping_id="vectors-0", execution_id=execution.id, generation_index=0, variation_index=0,
        prompt="a fox logo", keyword="fox", seed=7, provider="runware", provider_ids={}, temp_path=str(temp),
        status=ImageStatus.QC_FAILED, reason="Distorted text on the sign"))
    done = Done(sandbox_app)
    retries_of(sandbox_app).start_worker()
    modified = {"image_convert": True, "convert_format": "jpg"}
    assert sandbox_app.api.retry_images([image.id], "modified", modified, False, [])["ok"]
    done.wait(1)
    image = sandbox_app.repo.get_image(image.id)
    assert image.status is ImageStatus.APPROVED and image.processing.skipped == vector.PROCESSING_SKIPPED
    final = Path(image.final_path or "")
    assert final.suffix == ".svg" and vector.parse_svg(final.read_bytes()) is not None
    assert vector.preview_path(final).read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(p.name for p in temp.parent.iterdir()) == []  # no original, copy or preview left in temp

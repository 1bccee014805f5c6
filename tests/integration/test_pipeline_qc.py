"""Quality check first: failures keep their file in temp with the model's reason and cost nothing more."""

from __future__ import annotations

from pathlib import Path

from gif_app import imaging
from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from gif_app.sandbox.demo import KEYWORDS
from gif_app.sandbox.replies import QC_FAIL_REASONS, Conversation, qc_verdict
from tests.integration.conftest import image_file, images_of, run_job

CHAT = "/v1/chat/completions"


def _keyword_file(tmp_path: Path) -> Path:
    path = tmp_path / "keywords.txt"
    path.write_text("\n".join(KEYWORDS) + "\n", encoding="utf-8")
    return path


def test_qc_failures_stay_in_temp_and_are_never_processed(sandbox_app: App, tmp_path: Path) -> None:
    # OpenAI Images in the sandbox draws from the prompt alone, and with the keyword as the prompt the
    # verdicts are the same on every run: this job always has passes and failures.
    execution = run_job(sandbox_app, {
        "parameters.provider": "openai", "parameters.use_llm_prompts": False,
        "file_paths.keywords_file": str(_keyword_file(tmp_path)), "parameters.count": 6,
        "parameters.variations": 2, "ai.run_quality_check": True, "ai.run_metadata_gen": True,
        "processing.remove_bg": True, "processing.remove_bg_failure_mode": "approve",
    })
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    failed = [i for i in images if i.status is ImageStatus.QC_FAILED]
    passed = [i for i in images if i.status is ImageStatus.APPROVED]
    assert len(images) == 12 and failed and passed and len(failed) + len(passed) == 12
    for image in failed:
        assert image.reason in QC_FAIL_REASONS  # the model's own reason, for Failed Images Review
        assert image.final_path is None
        temp = Path(image.temp_path or "")
        assert temp.parent == sandbox_app.home.default_temp and temp.is_file()
        assert image.processing.applied == () and image.metadata.is_empty
        # The stored file is exactly what the model rejected.
        small, _ = imaging.downscale_for_vision(temp.read_bytes())
        assert qc_verdict(Conversation(images=[small]))[0] is False
    for image in passed:
        assert image_file(image).parent == sandbox_app.home.default_output
        assert "remove_bg" in image.processing.applied and image.metadata.title
    sandbox = sandbox_app.sandbox
    # Only images that passed were sent to remove.bg and described: one QC call per image, no more.
    assert sandbox.request_count("removebg", "/v1.0/removebg") == len(passed)
    assert sandbox.request_count("openai", CHAT) == len(images) + len(passed)
    assert (execution.approved, execution.qc_failed) == (len(passed), len(failed))


def test_qc_off_makes_no_vision_call(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, {
        "parameters.provider": "runware", "parameters.count": 2, "parameters.variations": 2,
        "parameters.use_llm_prompts": True, "ai.run_quality_check": False, "ai.run_metadata_gen": True,
    })
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 4 and all(i.status is ImageStatus.APPROVED for i in images)
    assert all(i.metadata.title and i.metadata.keywords for i in images)
    # Two prompts and four metadata calls; not a single QC call.
    assert sandbox_app.sandbox.request_count("openai", CHAT) == 2 + 4

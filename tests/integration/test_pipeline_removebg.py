"""The remove.bg failure policy of story 1.20, end to end: soft fail approves and records, mark_failed holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import GeneratedImage, ImageStatus, JobStatus
from gif_app.errors import InsufficientCreditsError
from gif_app.sandbox.demo import KEYWORDS
from gif_app.sandbox.servers import SandboxServers
from tests.helpers.processing import NOTHING_ON_OVERRIDES
from tests.integration.conftest import image_file, images_of, jobs_of, log_text, run_job

REMOVE_BG = "/v1.0/removebg"
MARK_FAILED_REASON = "processing_failed:remove_bg"


def _overrides(mode: str, **extra: Any) -> dict[str, Any]:
    # Background removal alone: no conversion to JPG (which would flatten the cut-out), no upscale.
    return {"parameters.provider": "runware", "parameters.count": 2, "parameters.variations": 1,
            "parameters.use_llm_prompts": False, "parameters.generation_retries": 0,
            "ai.run_quality_check": False, "ai.run_metadata_gen": False, **NOTHING_ON_OVERRIDES,
            "processing.remove_bg": True, "processing.remover": "removebg",
            "processing.remove_bg_failure_mode": mode, **extra}


def _has_transparency(path: Path) -> bool:
    with Image.open(path) as picture:
        if picture.mode != "RGBA":
            return False
        low, _ = picture.getchannel("A").getextrema()
        return bool(low == 0)


def _assert_held_back(app: App, image: GeneratedImage) -> None:
    assert image.status is ImageStatus.QC_FAILED and image.reason == MARK_FAILED_REASON
    assert image.final_path is None
    temp = Path(image.temp_path or "")
    assert temp.is_file() and temp.parent == app.home.default_temp


@pytest.mark.parametrize("fault", ["402", "500", "timeout"])
def test_soft_fail_approves_and_records_the_failure(sandbox_app: App, fault: str) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.set_fault("removebg", fault)
    sandbox.config.timeout_delay = 5.0
    # A 0.6 s call timeout turns the sandbox's silence into a client timeout quickly.
    execution = run_job(sandbox_app, _overrides("approve", **{"parameters.timeout_minutes": 0.01}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 2
    for image in images:
        assert image.status is ImageStatus.APPROVED
        assert image_file(image).parent == sandbox_app.home.default_output and image_file(image).is_file()
        assert "remove_bg" not in image.processing.applied
        assert [f["stage"] for f in image.processing.soft_failures] == ["remove_bg"]
        assert "remove.bg" in image.processing.soft_failures[0]["message"]
        assert not _has_transparency(image_file(image))
    assert sandbox.request_count("removebg", REMOVE_BG) == 2
    assert "remove_bg soft failure recorded" in log_text(sandbox_app, execution)


def test_mark_failed_holds_images_back_when_removal_fails(sandbox_app: App) -> None:
    sandbox_app.sandbox.config.set_fault("removebg", "500")
    execution = run_job(sandbox_app, _overrides("mark_failed"))
    images = images_of(sandbox_app, execution)
    assert len(images) == 2
    for image in images:
        _assert_held_back(sandbox_app, image)
    assert not any(sandbox_app.home.default_output.iterdir())
    assert execution.approved == 0 and execution.failed == 2


def test_mark_failed_approves_a_real_cut_out(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, _overrides("mark_failed"))
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 2
    for image in images:
        assert image.status is ImageStatus.APPROVED
        assert image.processing.applied[:1] == ("remove_bg",) and image.processing.soft_failures == ()
        assert image_file(image).parent == sandbox_app.home.default_output
        assert _has_transparency(image_file(image))


def test_mark_failed_with_qc_on_never_processes_qc_failures(sandbox_app: App, tmp_path: Path) -> None:
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("\n".join(KEYWORDS) + "\n", encoding="utf-8")
    sandbox_app.sandbox.config.set_fault("removebg", "500")
    # OpenAI Images draws from the prompt alone: these six keywords always give QC passes and failures.
    execution = run_job(sandbox_app, _overrides("mark_failed", **{
        "parameters.provider": "openai", "parameters.count": 6, "parameters.variations": 2,
        "file_paths.keywords_file": str(keywords), "ai.run_quality_check": True}))
    images = images_of(sandbox_app, execution)
    held = [i for i in images if i.reason == MARK_FAILED_REASON]
    rejected = [i for i in images if i.reason != MARK_FAILED_REASON]
    assert held and rejected and len(images) == 12
    for image in held:
        _assert_held_back(sandbox_app, image)
    for image in rejected:
        assert image.status is ImageStatus.QC_FAILED and image.processing.applied == ()
        assert Path(image.temp_path or "").is_file()
    assert sandbox_app.sandbox.request_count("removebg", REMOVE_BG) == len(held)
    assert not any(sandbox_app.home.default_output.iterdir())


@pytest.fixture
def keyless_removebg_app(tmp_path: Path) -> Iterator[App]:
    """Return a real (non-sandbox) app pointed at sandbox servers, with keys for all but remove.bg."""
    servers = SandboxServers.start()
    app = build_app(tmp_path / "real-home", AppOptions(prefer_keychain=False, start_workers=False))
    try:
        settings = app.ctx.settings_file.load().settings
        for vendor, url in servers.base_urls.items():
            settings["providers"][f"{vendor}_base_url"] = url
        keywords = tmp_path / "keywords.txt"
        keywords.write_text("\n".join(KEYWORDS) + "\n", encoding="utf-8")
        settings["file_paths"]["keywords_file"] = str(keywords)
        app.ctx.settings_file.save(settings)
        app.ctx.keystore.set("openai", "sk-test-openai-00000000")
        app.ctx.keystore.set("runware", "rw-test-key-00000000")
        app.sandbox = servers  # so the test can count requests; App.close() stops it
        yield app
    finally:
        app.close()
        servers.stop()


@pytest.mark.parametrize("mode", ["mark_failed", "approve"])
def test_missing_removebg_key_follows_the_policy(keyless_removebg_app: App, mode: str) -> None:
    app = keyless_removebg_app
    execution = run_job(app, _overrides(mode))
    images = images_of(app, execution)
    assert len(images) == 2
    assert "No remove.bg API key is set" in log_text(app, execution)
    assert app.sandbox.request_count("removebg") == 0
    assert app.sandbox.request_count("runware", "/v1") == 2  # the real vendor path was used
    for image in images:
        if mode == "mark_failed":
            _assert_held_back(app, image)
        else:
            assert image.status is ImageStatus.APPROVED and image_file(image).is_file()
            assert [f["stage"] for f in image.processing.soft_failures] == ["remove_bg"]


@pytest.mark.parametrize("mode", ["approve", "mark_failed"])
def test_auto_preview_without_credits_is_recorded_never_swapped_in_silently(sandbox_app: App, mode: str) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.removebg_credits = 0.0  # free API calls only: remove.bg answers size=auto with previews
    execution = run_job(sandbox_app, _overrides(mode, **{"processing.remove_bg_size": "auto"}))
    images = images_of(sandbox_app, execution)
    assert len(images) == 2
    assert sandbox.request_count("removebg", REMOVE_BG) == 2
    for image in images:
        if mode == "mark_failed":
            _assert_held_back(sandbox_app, image)
            assert "smaller than the" in image.processing.error and "size auto" in image.processing.error
            continue
        assert image.status is ImageStatus.APPROVED
        assert image.processing.applied[:1] == ("remove_bg",)  # the paid cut-out is kept ...
        [notice] = image.processing.soft_failures  # ... and the image says it is a preview
        assert notice["stage"] == "remove_bg"
        assert "smaller than the" in notice["message"] and "preview" in notice["message"]
        with Image.open(image_file(image)) as picture:
            assert picture.width * picture.height <= 250_000
        assert _has_transparency(image_file(image))
    if mode == "approve":
        assert "remove_bg soft failure recorded: remove.bg returned" in log_text(sandbox_app, execution)


def test_full_size_without_credits_is_refused_before_anything_is_rendered(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.removebg_credits = 0.0
    # The balance check before the job (spend control) refuses it: no render is paid for images that
    # could not get their background removed.
    with pytest.raises(InsufficientCreditsError, match="0 credits .* 3 images"):
        jobs_of(sandbox_app).start_job(_overrides("approve", **{"parameters.count": 3}))  # size: full
    assert sandbox_app.repo.queued_executions() == []
    assert sandbox.request_count("runware", "/v1") == 0
    assert sandbox.request_count("removebg", REMOVE_BG) == 0  # nothing uploaded that could not be paid for
    assert sandbox.request_count("removebg", "/v1.0/account") == 1  # one check for the whole run

"""Stop finishes what is in flight and starts nothing new; force stop leaves recorded images for resume."""

from __future__ import annotations

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from tests.integration.conftest import JobWatch, image_file, images_of, jobs_of, wait_until

CHAT = "/v1/chat/completions"


def test_stop_finishes_in_flight_images_and_starts_nothing_new(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.latency["runware"] = 0.3
    watch = JobWatch(sandbox_app, {"parameters.provider": "runware", "parameters.count": 8,
                                   "parameters.variations": 1, "parameters.concurrency": 2,
                                   "parameters.use_llm_prompts": False, "ai.run_quality_check": False,
                                   "ai.run_metadata_gen": False})
    wait_until(lambda: bool(images_of(sandbox_app, watch.execution)), what="the first image")
    jobs_of(sandbox_app).stop()
    execution = watch.wait()
    assert execution.status is JobStatus.STOPPED
    images = images_of(sandbox_app, execution)
    assert 1 <= len(images) < 8
    assert sandbox.request_count("runware", "/v1") < 8
    # Graceful: every image that was rendered went all the way through.
    for image in images:
        assert image.status in {ImageStatus.APPROVED, ImageStatus.QC_FAILED}
        assert image_file(image).is_file()
    assert execution.approved == len(images)


def test_force_stop_leaves_recorded_images_pending_with_their_files(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.latency["openai"] = 0.5  # QC and metadata are slow; renders are instant
    watch = JobWatch(sandbox_app, {"parameters.provider": "runware", "parameters.count": 8,
                                   "parameters.variations": 2, "parameters.concurrency": 2,
                                   "parameters.use_llm_prompts": False, "ai.run_quality_check": True,
                                   "ai.run_metadata_gen": True})
    wait_until(lambda: bool(images_of(sandbox_app, watch.execution)), what="the first image")
    jobs_of(sandbox_app).force_stop()
    calls_at_stop = sandbox.request_count("openai", CHAT)
    execution = watch.wait()
    assert execution.status is JobStatus.STOPPED
    images = images_of(sandbox_app, execution)
    assert 2 <= len(images) < 16
    # Only the calls already in flight (at most one per worker) were answered after the force stop.
    assert sandbox.request_count("openai", CHAT) - calls_at_stop <= 2
    pending = [i for i in images if i.status is ImageStatus.PENDING]
    assert pending, "a force stop leaves unfinished images pending for resume"
    for image in images:
        assert image.status in {ImageStatus.PENDING, ImageStatus.APPROVED, ImageStatus.QC_FAILED}
        assert image_file(image).is_file()
    for image in pending:
        assert image.final_path is None and image_file(image).parent == sandbox_app.home.default_temp


def test_concurrency_keeps_several_renders_in_flight(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.latency["runware"] = 1.0
    watch = JobWatch(sandbox_app, {"parameters.provider": "runware", "parameters.count": 4,
                                   "parameters.variations": 1, "parameters.concurrency": 4,
                                   "parameters.use_llm_prompts": False, "ai.run_quality_check": False,
                                   "ai.run_metadata_gen": False})
    execution = watch.wait()
    assert execution.status is JobStatus.COMPLETED and execution.approved == 4
    starts = sorted(r.at for r in sandbox.requests("runware") if r.method == "POST")
    # One at a time, each render would start a full latency after the previous one.
    assert len(starts) == 4 and starts[-1] - starts[0] < 1.0

"""Stop finishes what is in flight and starts nothing new; force stop leaves recorded images for resume."""

from __future__ import annotations

import time

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from tests.integration.conftest import JobWatch, image_file, images_of, jobs_of, resume, wait_until

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


def test_force_stop_keeps_paid_renders_in_flight_as_pending_and_resume_uses_them(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.latency["runware"] = 2.0  # four renders in flight, each answered (and billed) after 2 s
    overrides = {"parameters.provider": "runware", "parameters.count": 4, "parameters.variations": 1,
                 "parameters.concurrency": 4, "parameters.use_llm_prompts": False, "ai.run_quality_check": False,
                 "ai.run_metadata_gen": False}
    watch = JobWatch(sandbox_app, overrides)
    wait_until(lambda: sandbox.request_count("runware", "/v1") == 4, what="four renders in flight")
    jobs_of(sandbox_app).force_stop()
    # The job is stopped for the user at once, long before the renders answer.
    stopped = wait_until(lambda: sandbox_app.repo.get_execution(watch.execution.id).status is JobStatus.STOPPED,
                         timeout=1.5, what="the job to be marked stopped")
    assert stopped and not sandbox.billed("runware")
    execution = watch.wait()  # the worker is free once the kept renders are recorded
    assert execution.status is JobStatus.STOPPED
    images = images_of(sandbox_app, execution)
    assert sandbox.billed_images("runware") == 4
    assert len(images) == 4, "every render in flight at the force stop is on record"
    for image in images:
        assert image.status is ImageStatus.PENDING and image.final_path is None and image_file(image).is_file()
    assert execution.generated == 4 and execution.cost > 0
    # Resume runs the stages on them; no generation is rendered again.
    sandbox.config.latency["runware"] = 0.0
    resumed = resume(sandbox_app, execution)
    assert resumed.status is JobStatus.COMPLETED, resumed.error
    assert sandbox.request_count("runware", "/v1") == 4 and sandbox.billed_images("runware") == 4
    assert {i.status for i in images_of(sandbox_app, resumed)} == {ImageStatus.APPROVED}



def _paid_requests_after(app: App, vendor: str, path: str, moment: float) -> list[float]:
    """Return the arrival times of the vendor's POSTs on `path` (renders, task creates) after `moment`."""
    return [r.at for r in app.sandbox.requests(vendor) if r.method == "POST" and r.path.startswith(path)
            and r.at >= moment]


def test_after_a_force_stop_no_task_is_created_and_the_tasks_sent_are_kept(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.piapi_task_duration = 1.5  # two tasks created, both still rendering at the force stop
    watch = JobWatch(sandbox_app, {"parameters.provider": "piapi", "parameters.count": 6,
                                   "parameters.variations": 4, "parameters.concurrency": 2,
                                   "parameters.use_llm_prompts": True, "ai.run_quality_check": True,
                                   "ai.run_metadata_gen": True})
    # Both pool workers wait on a created task: no generation is between its prompt and its create.
    wait_until(lambda: len(sandbox.billed("piapi")) == 2, what="two tasks created")
    stopped_at = time.time()
    jobs_of(sandbox_app).force_stop()
    execution = watch.wait()
    assert execution.status is JobStatus.STOPPED
    assert _paid_requests_after(sandbox_app, "piapi", "/api/v1/task", stopped_at) == []
    assert _paid_requests_after(sandbox_app, "openai", "/v1/", stopped_at) == []  # no prompt, QC or metadata
    assert len(sandbox.billed("piapi")) == 2 and sandbox.billed_images("piapi") == 8
    # The tasks sent were polled to their end after the stop and their images kept for resume.
    assert any(r.at > stopped_at for r in sandbox.requests("piapi") if r.method == "GET")
    images = images_of(sandbox_app, execution)
    assert len(images) == 8 and {i.status for i in images} == {ImageStatus.PENDING}
    assert all(image_file(i).is_file() for i in images)


def test_after_a_force_stop_a_refused_render_is_not_sent_again(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.latency["runware"] = 1.0
    sandbox.config.set_fault("runware", "503")  # every render is refused (unbilled) after a second
    watch = JobWatch(sandbox_app, {"parameters.provider": "runware", "parameters.count": 6,
                                   "parameters.variations": 1, "parameters.concurrency": 2,
                                   "parameters.generation_retries": 3, "parameters.use_llm_prompts": False,
                                   "ai.run_quality_check": False, "ai.run_metadata_gen": False})
    wait_until(lambda: sandbox.request_count("runware", "/v1") == 2, what="two renders in flight")
    stopped_at = time.time()
    jobs_of(sandbox_app).force_stop()
    execution = watch.wait()
    assert execution.status is JobStatus.STOPPED
    # Refused renders cost nothing, but their retries would be new paid calls made after the stop.
    assert _paid_requests_after(sandbox_app, "runware", "/v1", stopped_at) == []
    assert sandbox.request_count("runware", "/v1") == 2 and not sandbox.billed("runware")
    assert images_of(sandbox_app, execution) == []

"""Every image a vendor billed ends up on record: bad downloads are fetched again, or kept with their URL for resume."""

from __future__ import annotations

import threading
from pathlib import Path

from gif_app.app import App
from gif_app.domain import FailureStage, ImageStatus, JobStatus
from gif_app.sandbox.servers import SandboxServers
from tests.integration.conftest import JOB_TIMEOUT_S, image_file, images_of, jobs_of, log_text, resume, run_job

# Concurrency 1: the fault schedule counts requests across threads, so only one thread keeps it reproducible
# (with four, one image's three tries could all land on cut numbers).
NO_AI = {"ai.run_quality_check": False, "ai.run_metadata_gen": False, "parameters.concurrency": 1}


def servers(app: App) -> SandboxServers:
    """Return the app's own sandbox servers."""
    assert isinstance(app.sandbox, SandboxServers)
    return app.sandbox



def test_runware_job_keeps_a_row_for_every_billed_image_when_downloads_break(sandbox_app: App) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.set_fault("runware", "truncated", 0.4)  # deterministic: downloads 3, 5, 8, 10, ... are cut
    execution = run_job(sandbox_app, {"parameters.provider": "runware", "parameters.count": 4,
                                      "parameters.variations": 5, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert sandbox.billed_images("runware") == 20
    assert len(images) == 20  # before: 12, each cut download lost a paid image
    assert all(i.status is ImageStatus.APPROVED and image_file(i).is_file() for i in images)
    # Each billed request's images are all on record, under its taskUUID.
    for bill in sandbox.billed("runware"):
        assert sum(1 for i in images if i.provider_ids["taskUUID"] == bill.request_id) == bill.images
    assert sandbox.request_count("runware", "/image/") > 20  # the cut ones were fetched again


def test_piapi_job_keeps_a_row_for_every_billed_image_when_downloads_break(sandbox_app: App) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.set_fault("piapi", "truncated", 0.4)
    execution = run_job(sandbox_app, {"parameters.provider": "piapi", "parameters.count": 5,
                                      "parameters.variations": 4, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(sandbox.billed("piapi")) == 5 and sandbox.billed_images("piapi") == 20
    assert len(images) == 20  # before: 0, one cut file dropped its whole task
    assert all(i.status is ImageStatus.APPROVED for i in images)
    assert {str(i.provider_ids["task_id"]) for i in images} == {b.request_id for b in sandbox.billed("piapi")}


def test_a_download_that_keeps_failing_is_recorded_and_resume_fetches_it(sandbox_app: App) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.set_fault("runware", "truncated")  # every download is cut
    execution = run_job(sandbox_app, {"parameters.provider": "runware", "parameters.count": 1,
                                      "parameters.variations": 2, **NO_AI})
    images = images_of(sandbox_app, execution)
    assert sandbox.billed_images("runware") == len(images) == 2
    for image in images:
        assert image.status is ImageStatus.DOWNLOAD_FAILED and image.status.label == "Download failed"
        assert image.reason == FailureStage.DOWNLOAD.reason and not image.temp_path
        assert str(image.provider_ids["source_url"]).startswith(sandbox.base_urls["runware"])
    assert sandbox.request_count("runware", "/image/") == 2 * 3  # three tries each, then it gave up
    assert "resume the job to fetch it again" in log_text(sandbox_app, execution)

    sandbox.config.clear_faults()
    billed = sandbox.billed()
    renders = sandbox.request_count("runware", "/v1")
    resumed = resume(sandbox_app, execution)
    assert resumed.status is JobStatus.COMPLETED, resumed.error
    again = images_of(sandbox_app, resumed)
    assert [i.mapping_id for i in again] == [i.mapping_id for i in images]  # the same rows, now with files
    assert all(i.status is ImageStatus.APPROVED and image_file(i).is_file() for i in again)
    assert sandbox.billed() == billed and sandbox.request_count("runware", "/v1") == renders  # no new render
    assert resumed.generated == 2 and resumed.approved == 2


def test_piapi_keeps_three_of_four_when_one_file_stays_bad(sandbox_app: App, tmp_path: Path) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.broken_files = {"/1.png"}  # the second image of every task never arrives whole
    execution = run_job(sandbox_app, {"parameters.provider": "piapi", "parameters.count": 1,
                                      "parameters.variations": 4, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = sorted(images_of(sandbox_app, execution), key=lambda i: i.variation_index)
    assert sandbox.billed_images("piapi") == len(images) == 4
    assert [i.status for i in images] == [ImageStatus.APPROVED, ImageStatus.DOWNLOAD_FAILED,
                                          ImageStatus.APPROVED, ImageStatus.APPROVED]
    assert str(images[1].provider_ids["source_url"]).endswith("/1.png")

    sandbox.config.broken_files = set()
    resumed = resume(sandbox_app, execution)
    assert resumed.status is JobStatus.COMPLETED, resumed.error
    assert all(i.status is ImageStatus.APPROVED for i in images_of(sandbox_app, resumed))
    assert sandbox.billed_images("piapi") == 4  # fetched, not rendered again


def test_a_completed_job_with_a_lost_download_offers_resume_which_fetches_it_without_a_new_charge(
        sandbox_app: App) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.broken_files = {"/2.png"}  # the third image of every task arrives cut, every time
    execution = run_job(sandbox_app, {"parameters.provider": "piapi", "parameters.count": 2,
                                      "parameters.variations": 4, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    lost = [i for i in images_of(sandbox_app, execution) if i.status is ImageStatus.DOWNLOAD_FAILED]
    assert len(lost) == 2 and all(str(i.provider_ids["source_url"]).endswith("/2.png") for i in lost)
    # The page is told through the API's flags: the job list and the job view offer Resume.
    listed = sandbox_app.api.list_jobs({})
    assert listed["ok"], listed.get("error")
    row = next(j for j in listed["data"]["items"] if j["id"] == execution.id)
    assert row["status"] == "completed" and row["is_resumable"] is True and row["awaiting_download"] == 2
    assert sandbox_app.api.get_job(execution.id)["data"]["execution"]["is_resumable"] is True

    sandbox.config.broken_files = set()
    billed, creates = sandbox.billed(), sandbox.request_count("piapi", "/api/v1/task")
    done = threading.Event()
    jobs_of(sandbox_app).add_listener(lambda event, changed: done.set() if event == "finished" else None)
    answer = sandbox_app.api.resume_job(execution.id)
    assert answer["ok"] and answer["data"]["status"] == "queued", answer.get("error")
    assert done.wait(JOB_TIMEOUT_S), "the resumed job did not finish"
    resumed = sandbox_app.repo.get_execution(execution.id)
    assert resumed.status is JobStatus.COMPLETED and resumed.awaiting_download == 0, resumed.error
    images = images_of(sandbox_app, resumed)
    assert len(images) == 8 and all(i.status is ImageStatus.APPROVED and image_file(i).is_file() for i in images)
    assert {i.mapping_id for i in lost} <= {i.mapping_id for i in images}  # the same rows, now with their files
    assert sandbox.billed() == billed  # fetched from the recorded URLs: nothing billed again
    assert sandbox.request_count("piapi", "/api/v1/task") == creates  # no task created, none even polled
    assert sandbox_app.api.get_job(execution.id)["data"]["execution"]["is_resumable"] is False
    assert "Fetched image" in log_text(sandbox_app, resumed)

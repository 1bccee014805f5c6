"""A paid answer lost on the way back is read back by its task id on resume: never rendered (or billed) again.

Runware answers `getTaskDetails` for a taskUUID it took, PiAPI `GET /api/v1/task/{id}`: resume asks them, fetches
the images and settles the charge; a task the vendor no longer knows stays download_failed, asked once only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gif_app.app import App
from gif_app.domain import NO_RESULT, ChargeStep, GeneratedImage, ImageStatus, JobExecution, JobStatus
from gif_app.errors import ConflictError
from gif_app.providers.fetch import CHARGE_UNKNOWN, SOURCE_URL
from gif_app.providers.runware import READ_BACK_ASKS
from gif_app.sandbox import runware as runware_sandbox
from gif_app.sandbox.servers import SandboxServers
from tests.integration.conftest import image_file, images_of, jobs_of, log_text, resume, run_job

BASE: dict[str, Any] = {"parameters.count": 1, "parameters.concurrency": 1, "parameters.use_llm_prompts": False,
                        "parameters.generation_retries": 1, "parameters.generation_retry_backoff_ms": 0,
                        "parameters.polling_interval_s": 0.05, "ai.run_quality_check": False,
                        "ai.run_metadata_gen": False}
TASK_PATH = "/api/v1/task"


def servers(app: App) -> SandboxServers:
    """Return the app's own sandbox servers."""
    assert isinstance(app.sandbox, SandboxServers)
    return app.sandbox


def lose_runware_answer(app: App, model: str = "runware:101@1") -> tuple[JobExecution, str]:
    """Run a Runware job whose every send outlasts the client's timeout; return it and the lost task's id."""
    sandbox = servers(app)
    sandbox.config.timeout_delay = 1.0  # past the job's 0.6 s client timeout; then served and billed
    sandbox.config.set_fault("runware", "timeout")
    execution = run_job(app, {**BASE, "parameters.provider": "runware", "parameters.variations": 2,
                              "parameters.timeout_minutes": 0.01, "parameters.runware_model": model})
    assert sandbox.wait_idle(10.0), "the sandbox still holds requests"
    sandbox.config.clear_faults()
    rows = images_of(app, execution)
    assert len(rows) == 2 and all(r.status is ImageStatus.DOWNLOAD_FAILED for r in rows)
    assert all(r.provider_ids[CHARGE_UNKNOWN] and SOURCE_URL not in r.provider_ids for r in rows)
    [task_uuid] = {str(r.provider_ids["taskUUID"]) for r in rows}  # the taskUUID is recorded on each row
    assert [b.request_id for b in sandbox.billed("runware")] == [task_uuid]
    return execution, task_uuid


def lose_piapi_answer(app: App) -> tuple[JobExecution, str]:
    """Run a PiAPI job whose task is created but whose polls keep failing; return it and the task's id."""
    sandbox = servers(app)
    # Request 1 (the create) goes through; requests 2-4 (the polls) get a 500: the client gives up after three.
    sandbox.config.set_fault("piapi", "500", 0.75)
    execution = run_job(app, {**BASE, "parameters.provider": "piapi", "parameters.variations": 4})
    sandbox.config.clear_faults()
    rows = images_of(app, execution)
    assert len(rows) == 4 and all(r.status is ImageStatus.DOWNLOAD_FAILED for r in rows)
    assert all(r.provider_ids[CHARGE_UNKNOWN] and SOURCE_URL not in r.provider_ids for r in rows)
    [task_id] = {str(r.provider_ids["task_id"]) for r in rows}
    assert [b.request_id for b in sandbox.billed("piapi")] == [task_id]
    return execution, task_id


def asks(sandbox: SandboxServers, task_uuid: str, task_type: str = "getTaskDetails") -> int:
    """Return how many Runware requests carried a task of this type about the task."""
    return sum(1 for r in sandbox.requests("runware") if r.body and any(
        task.get("taskType") == task_type and task.get("taskUUID") == task_uuid for task in json.loads(r.body)))


def render_charges(app: App, execution: JobExecution, rows: list[GeneratedImage]) -> list[tuple[float, bool]]:
    """Return (amount, is_estimated) of the render charges on the rows."""
    ids = {r.id for r in rows}
    return [(c.amount, c.is_estimated) for c in app.repo.charges_of_execution(execution.id)
            if c.step is ChargeStep.RENDER and c.image_id in ids]


# runware:101@1 answers at once (sync); google:4@1 acknowledges, so its details lead on to getResponse.
@pytest.mark.parametrize("model", ["runware:101@1", "google:4@1"])
def test_resume_reads_a_lost_runware_answer_back_by_its_task_uuid(sandbox_app: App, model: str) -> None:
    sandbox = servers(sandbox_app)
    execution, task_uuid = lose_runware_answer(sandbox_app, model)
    lost = images_of(sandbox_app, execution)
    assert "read it back from the vendor by its task id" in log_text(sandbox_app, execution)
    estimates = render_charges(sandbox_app, execution, lost)
    assert len(estimates) == 2 and all(estimated for _, estimated in estimates)  # priced from the table for now
    finished = sandbox_app.repo.get_execution(execution.id)
    assert finished.awaiting_download == 2 and finished.is_resumable  # the job offers resume
    sends, billed = sandbox.sends("runware"), sandbox.billed()

    resumed = resume(sandbox_app, execution)
    assert resumed.status is JobStatus.COMPLETED and resumed.awaiting_download == 0, resumed.error
    rows = images_of(sandbox_app, resumed)
    assert [r.mapping_id for r in rows] == [r.mapping_id for r in lost]  # the same rows, now with their files
    assert all(r.status is ImageStatus.APPROVED and image_file(r).is_file() for r in rows)
    assert all(CHARGE_UNKNOWN not in r.provider_ids and r.provider_ids["taskUUID"] == task_uuid for r in rows)
    assert sandbox.sends("runware") == sends and sandbox.billed() == billed  # no imageInference sent again
    assert asks(sandbox, task_uuid) == 1  # one free question for the task, not one per image
    assert (asks(sandbox, task_uuid, "getResponse") > 0) is (model == "google:4@1")  # async: then its results
    # The charge is now the one Runware's answer states, per image, no longer an estimate.
    assert render_charges(sandbox_app, resumed, rows) == [(runware_sandbox.COST_PER_IMAGE, False)] * 2
    assert resumed.cost == pytest.approx(sum(c.amount for c in sandbox_app.repo.charges_of_execution(resumed.id)))
    assert f"Read task {task_uuid} back from runware: 2 image(s) recovered" in log_text(sandbox_app, resumed)
    assert not sandbox_app.repo.get_execution(execution.id).is_resumable


def test_resume_reads_a_lost_piapi_task_back_without_creating_another(sandbox_app: App) -> None:
    sandbox = servers(sandbox_app)
    execution, task_id = lose_piapi_answer(sandbox_app)
    lost = images_of(sandbox_app, execution)
    assert "resume the job to read it back" in log_text(sandbox_app, execution)
    assert sandbox_app.repo.get_execution(execution.id).awaiting_download == 4
    creates = sum(1 for r in sandbox.requests("piapi") if r.method == "POST" and r.path == TASK_PATH)
    assert creates == 1
    billed = sandbox.billed()
    charged = sum(amount for amount, _ in render_charges(sandbox_app, execution, lost))
    assert charged > 0  # the possible charge is on record from the start

    resumed = resume(sandbox_app, execution)
    assert resumed.status is JobStatus.COMPLETED and resumed.awaiting_download == 0, resumed.error
    rows = images_of(sandbox_app, resumed)
    assert sorted(r.variation_index for r in rows) == [0, 1, 2, 3]
    assert all(r.status is ImageStatus.APPROVED and image_file(r).is_file() for r in rows)
    assert len({image_file(r).read_bytes() for r in rows}) == 4  # the task's four images, each its own
    assert all(str(r.provider_ids[SOURCE_URL]).startswith(sandbox.base_urls["piapi"]) for r in rows)
    assert sandbox.billed() == billed  # nothing billed again
    assert sum(1 for r in sandbox.requests("piapi") if r.method == "POST") == creates  # no second POST /task
    assert any(r.method == "GET" and r.path == f"{TASK_PATH}/{task_id}" for r in sandbox.requests("piapi"))
    # The task's charge is settled once, split over its four images (no second charge for the read-back).
    settled = render_charges(sandbox_app, resumed, rows)
    assert len(settled) == 4 and sum(a for a, _ in settled) == pytest.approx(charged)


@pytest.mark.parametrize("vendor", ["runware", "piapi"])
def test_a_task_the_vendor_no_longer_knows_stays_failed_with_the_reason_and_is_asked_once(
        sandbox_app: App, vendor: str) -> None:
    sandbox = servers(sandbox_app)
    execution, task_id = lose_runware_answer(sandbox_app) if vendor == "runware" else lose_piapi_answer(sandbox_app)
    sandbox.forget_task(vendor, task_id)
    before = len(sandbox.requests(vendor))
    billed = sandbox.billed()

    resumed = resume(sandbox_app, execution)
    rows = images_of(sandbox_app, resumed)
    message = f"The vendor has no result for task {task_id}; it may not have been billed"
    assert all(r.status is ImageStatus.DOWNLOAD_FAILED for r in rows)
    assert all(str(r.provider_ids[NO_RESULT]).startswith(message) for r in rows)
    assert message in log_text(sandbox_app, resumed)
    shown = sandbox_app.api.get_image(rows[0].id)  # the image view shows the reason, not a bare "Download failed"
    assert shown["ok"] and shown["data"]["reason_label"].startswith(message), shown
    # Free questions only (Runware's "not found" may mean "still rendering", so it is asked a few times).
    questions = READ_BACK_ASKS if vendor == "runware" else 1
    assert len(sandbox.requests(vendor)) == before + questions
    assert sandbox.billed() == billed
    # Not offered again, and resume cannot loop on it.
    assert resumed.awaiting_download == 0 and not resumed.is_resumable
    with pytest.raises(ConflictError):
        jobs_of(sandbox_app).resume(execution.id)
    assert len(sandbox.requests(vendor)) == before + questions


def test_a_piapi_job_with_one_variation_keeps_all_four_paid_images(sandbox_app: App) -> None:
    sandbox = servers(sandbox_app)
    overrides = {**BASE, "parameters.provider": "piapi", "parameters.variations": 1, "parameters.count": 2}
    estimate = sandbox_app.api.estimate_job(overrides)
    assert estimate["ok"] and estimate["data"]["images"] == 8, estimate  # told before anything is spent
    execution = run_job(sandbox_app, overrides)
    assert execution.status is JobStatus.COMPLETED, execution.error
    rows = images_of(sandbox_app, execution)
    assert sandbox.billed_images("piapi") == len(rows) == 8  # paid for four per task: given four per task
    assert all(r.status is ImageStatus.APPROVED and image_file(r).is_file() for r in rows)
    by_generation = sorted((r.generation_index, r.variation_index) for r in rows)
    assert by_generation == [(g, v) for g in range(2) for v in range(4)]
    assert execution.planned == execution.generated == execution.approved == 8
    progress = jobs_of(sandbox_app).progress()
    assert progress is not None and progress["planned"] == 8 and progress["counts"]["approved"] == 8
    charged = [c for c in sandbox_app.repo.charges_of_execution(execution.id) if c.step is ChargeStep.RENDER]
    assert {c.image_id for c in charged} == {r.id for r in rows}  # each kept image carries its share

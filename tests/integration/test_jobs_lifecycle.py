"""The job worker on the sandbox: lifecycle sequences, one job at a time, stop, force stop, resume, queue."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from gif_app.domain import ImageStatus, JobStatus
from tests.integration.jobs_support import (
    RECORDED_STATES,
    image_files,
    jobs_of,
    ok,
    quick,
    row_files,
    sandbox_app,
    wait_until,
)


def test_a_job_goes_queued_running_completed_and_every_image_is_recorded(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        queued = ok(app.api.start_job(quick(count=3, variations=2)))
        assert queued["status"] == "queued"
        recorder.wait_finished(1)

        assert recorder.sequence() == [("started", queued["id"], "running"), ("finished", queued["id"], "completed")]
        execution = app.repo.get_execution(queued["id"])
        assert execution.status is JobStatus.COMPLETED and execution.queue_position is None
        assert execution.started_at is not None and execution.finished_at is not None
        images = app.repo.images_of_execution(execution.id)
        assert len(images) == execution.planned == 6
        assert {i.status for i in images} <= {ImageStatus.APPROVED, ImageStatus.QC_FAILED}
        assert execution.approved + execution.qc_failed + execution.failed == execution.generated == 6
        assert execution.cost > 0
        # Every row points at a file that exists, and every file in temp/output has a row.
        assert row_files(app, execution.id) == image_files(app.home.default_temp, app.home.default_output)
        assert execution.completed_generations == (0, 1, 2)


def _start_together(app: Any, when_busy: str) -> list[dict[str, Any]]:
    barrier = threading.Barrier(2, timeout=10)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait()
        answer = app.api.start_job(quick(count=2, variations=1), when_busy)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_two_starts_at_once_with_refuse_accept_exactly_one(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        answers = _start_together(app, "refuse")
        accepted = [a for a in answers if a["ok"]]
        refused = [a for a in answers if not a["ok"]]
        assert len(accepted) == 1 and len(refused) == 1
        assert refused[0]["error"]["code"] == "conflict"
        assert "already running" in refused[0]["error"]["message"]
        recorder.wait_finished(1)
        assert [e.execution_id for e in recorder.finished()] == [accepted[0]["data"]["id"]]
        assert len(ok(app.api.list_jobs({}))["items"]) == 1


def test_two_starts_at_once_with_queue_run_both_one_after_the_other(home: Path) -> None:
    with sandbox_app(home, latency={"runware": 0.2}) as (app, recorder):
        answers = _start_together(app, "queue")
        assert all(a["ok"] for a in answers)
        recorder.wait_finished(2)
        names = [name for name, _, _ in recorder.sequence()]
        # A second "started" never comes before the first "finished": the jobs never overlap.
        assert names == ["started", "finished", "started", "finished"]
        ids = {a["data"]["id"] for a in answers}
        assert {e.execution_id for e in recorder.finished()} == ids
        runs = sorted((app.repo.get_execution(i) for i in ids), key=lambda e: e.started_at or 0)
        assert runs[0].finished_at is not None and runs[1].started_at is not None
        assert runs[0].finished_at <= runs[1].started_at
        assert all(r.status is JobStatus.COMPLETED for r in runs)


def test_stop_finishes_in_flight_images_and_starts_no_new_generation(home: Path) -> None:
    with sandbox_app(home, latency={"openai": 0.15, "runware": 0.15}) as (app, recorder):
        job = ok(app.api.start_job(quick(count=8, variations=2, **{"parameters.concurrency": 2})))
        wait_until(lambda: app.repo.images_of_execution(job["id"]), what="a first image")
        assert ok(app.api.stop_job()) == {"stopping": True}
        recorder.wait_finished(1)

        execution = app.repo.get_execution(job["id"])
        assert recorder.sequence()[-1] == ("finished", job["id"], "stopped")
        assert execution.status is JobStatus.STOPPED
        assert len(execution.completed_generations) < 8  # nothing new started after the stop
        images = app.repo.images_of_execution(job["id"])
        # Graceful: images already rendered were finished, none is left half-way.
        assert images and {i.status for i in images} <= {ImageStatus.APPROVED, ImageStatus.QC_FAILED}
        assert row_files(app, job["id"]) == image_files(app.home.default_temp, app.home.default_output)
        assert app.api.stop_job()["error"]["code"] == "conflict"  # nothing runs any more


def test_force_stop_aborts_now_and_resume_finishes_without_paying_twice(home: Path) -> None:
    with sandbox_app(home, latency={"openai": 0.3}) as (app, recorder):
        job = ok(app.api.start_job(quick(count=6, variations=2, **{"parameters.concurrency": 2})))
        wait_until(lambda: app.repo.get_execution(job["id"]).completed_generations, what="a rendered generation")
        ok(app.api.force_stop_job())
        recorder.wait_finished(1)

        stopped = app.repo.get_execution(job["id"])
        assert stopped.status is JobStatus.STOPPED
        images = app.repo.images_of_execution(job["id"])
        assert {i.status for i in images} <= RECORDED_STATES
        # Force stop does not wait for the images in hand: some are left pending, with their files, for resume.
        assert any(i.status is ImageStatus.PENDING for i in images)
        assert row_files(app, job["id"]) == image_files(app.home.default_temp, app.home.default_output)
        done_before = len(stopped.completed_generations)
        renders_before = app.sandbox.request_count("runware", "/v1")

        app.sandbox.config.latency.clear()
        resumed = ok(app.api.resume_job(job["id"]))
        assert resumed["status"] == "queued"
        recorder.wait_finished(2)
        finished = app.repo.get_execution(job["id"])
        assert finished.status is JobStatus.COMPLETED
        assert finished.completed_generations == (0, 1, 2, 3, 4, 5)
        assert app.sandbox.request_count("runware", "/v1") - renders_before == 6 - done_before
        after = app.repo.images_of_execution(job["id"])
        assert len(after) == 12
        assert {i.status for i in after} <= {ImageStatus.APPROVED, ImageStatus.QC_FAILED}
        assert recorder.sequence() == [("started", job["id"], "running"), ("finished", job["id"], "stopped"),
                                       ("started", job["id"], "running"), ("finished", job["id"], "completed")]


def test_a_running_job_cannot_be_deleted_or_resumed(home: Path) -> None:
    with sandbox_app(home, latency={"runware": 0.3}) as (app, recorder):
        job = ok(app.api.start_job(quick(count=4, variations=1, **{"parameters.concurrency": 1})))
        recorder.wait_started(1)
        answer = app.api.delete_jobs([job["id"]], True)
        assert answer["error"]["code"] == "conflict" and "running" in answer["error"]["message"]
        assert app.api.resume_job(job["id"])["error"]["code"] == "conflict"
        assert app.repo.get_execution(job["id"]).status is JobStatus.RUNNING
        ok(app.api.stop_job())
        recorder.wait_finished(1)
        assert ok(app.api.delete_jobs([job["id"]], True))["deleted"] == 1


def test_a_queued_job_can_be_cancelled_and_never_runs(home: Path) -> None:
    with sandbox_app(home, start_worker=False) as (app, recorder):
        first = ok(app.api.start_job(quick(count=1)))
        second = ok(app.api.start_job(quick(count=1)))
        assert [e["id"] for e in ok(app.api.get_queue())] == [first["id"], second["id"]]
        cancelled = ok(app.api.cancel_queued(second["id"]))
        assert cancelled["status"] == "cancelled" and cancelled["queue_position"] is None
        assert [e["id"] for e in ok(app.api.get_queue())] == [first["id"]]
        assert app.api.cancel_queued(second["id"])["error"]["code"] == "conflict"

        jobs_of(app).start_worker()
        recorder.wait_finished(1)
        assert [e.execution_id for e in recorder.events] == [first["id"], first["id"]]
        assert app.repo.get_execution(second["id"]).started_at is None
        assert app.repo.images_of_execution(second["id"]) == []
        assert ok(app.api.get_queue()) == []

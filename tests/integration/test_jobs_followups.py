"""Job behaviours a user meets after the first run: following a new job, partial edits, resuming a failure."""

from __future__ import annotations

from pathlib import Path

from gif_app.domain import JobStatus
from tests.integration.jobs_support import ok, quick, sandbox_app, wait_until


def test_progress_follows_a_new_job_from_its_first_log_line(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        first = ok(app.api.start_job(quick()))
        recorder.wait_finished(1)
        cursor = ok(app.api.get_progress({}))["cursor"]
        assert cursor["execution_id"] == first["id"] and cursor["log_id"] > 0
        app.sandbox.config.latency["runware"] = 0.3
        second = ok(app.api.start_job(quick(count=2)))
        recorder.wait_started(2)
        lines: list[dict[str, object]] = []

        def poll() -> bool:
            nonlocal cursor
            progress = ok(app.api.get_progress(cursor))
            cursor = progress["cursor"]
            lines.extend(progress["logs"])
            return bool(lines)

        wait_until(poll, what="the new job's first log line")
        assert cursor["execution_id"] == second["id"]
        assert {line["execution_id"] for line in lines} == {second["id"]}
        assert "started" in str(lines[0]["message"])
        recorder.wait_finished(2)


def test_a_partial_configuration_edit_keeps_every_other_setting(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        job = ok(app.api.start_job(quick(count=2, variations=2, **{"processing.image_convert": True,
                                                                    "processing.convert_format": "webp"})))
        recorder.wait_finished(1)
        saved = ok(app.api.update_job_configuration(job["id"], {"parameters.count": 3}))["settings"]
        assert saved["parameters"]["count"] == 3
        assert saved["parameters"]["variations"] == 2
        assert saved["processing"]["convert_format"] == "webp"


def test_a_failed_job_resumes_once_its_key_is_fixed_without_paying_again(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        app.ctx.keystore.set("openai", "invalid")  # QC and metadata refuse the key: the job fails
        job = ok(app.api.start_job(quick(count=2, variations=1)))
        recorder.wait_finished(1)
        failed = app.repo.get_execution(job["id"])
        assert failed.status is JobStatus.FAILED
        renders = app.sandbox.request_count("runware", "/v1")
        recorded = len(failed.completed_generations)
        app.ctx.keystore.clear("openai")
        ok(app.api.resume_job(job["id"]))
        recorder.wait_finished(2)
        resumed = app.repo.get_execution(job["id"])
        assert resumed.status is JobStatus.COMPLETED
        assert resumed.started_at == failed.started_at
        assert app.sandbox.request_count("runware", "/v1") - renders == 2 - recorded

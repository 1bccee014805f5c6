"""Provider faults during a job: rate limits are waited out, a bad key ends the job fast, keys never leak."""

from __future__ import annotations

import logging

import pytest

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from tests.integration.conftest import image_file, images_of, log_text, run_job

NO_AI = {"ai.run_quality_check": False, "ai.run_metadata_gen": False}
CANARY = "sk-canary-ABCDEFGH12345678"


def test_rate_limit_is_waited_out_and_shown_in_the_job_log(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.set_fault("runware", "429", 0.5)  # every second render request is refused once
    execution = run_job(sandbox_app, {"parameters.provider": "runware", "parameters.count": 2,
                                      "parameters.variations": 1, "parameters.concurrency": 1,
                                      "parameters.use_llm_prompts": False, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 2 and all(i.status is ImageStatus.APPROVED for i in images)
    assert sandbox.request_count("runware", "/v1") == 3  # two renders plus one retry
    text = log_text(sandbox_app, execution)
    # Retry-After is 1 s; the user sees why the job paused.
    assert "HTTP 429" in text and "retry 1 of 2 in 1.0 s" in text


def test_invalid_key_fails_the_job_fast_in_the_vendors_words(sandbox_app: App) -> None:
    sandbox_app.ctx.keystore.set("runware", "invalid")
    execution = run_job(sandbox_app, {"parameters.provider": "runware", "parameters.count": 8,
                                      "parameters.concurrency": 2, "parameters.use_llm_prompts": False,
                                      **NO_AI})
    assert execution.status is JobStatus.FAILED
    assert execution.error is not None and "Invalid API key" in execution.error
    assert "Runware" in execution.error and "401" in execution.error
    assert images_of(sandbox_app, execution) == []
    # A bad key is not retried, and the other six generations never call the provider.
    assert sandbox_app.sandbox.request_count("runware", "/v1") <= 2
    assert "Stopping the job: Runware: Invalid API key" in log_text(sandbox_app, execution)


def test_keys_never_reach_logs_or_errors(sandbox_app: App, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox_app.ctx.keystore.set("runware", "invalid")
    sandbox_app.ctx.keystore.set("openai", CANARY)
    execution = run_job(sandbox_app, {"parameters.provider": "runware", "parameters.count": 2,
                                      "parameters.use_llm_prompts": True, **NO_AI})
    assert execution.status is JobStatus.FAILED
    # The OpenAI key was really used (prompts were written) before Runware refused its key.
    assert sandbox_app.sandbox.request_count("openai", "/v1/chat/completions") >= 1
    records = sandbox_app.repo.logs_of_execution(execution.id, limit=10_000)
    assert records
    assert all(CANARY not in r.message and CANARY not in repr(r.data) for r in records)
    assert CANARY not in (execution.error or "")
    assert CANARY not in caplog.text
    assert CANARY not in repr(sandbox_app.repo.get_execution(execution.id).settings_snapshot)


def test_invalid_openai_key_at_qc_ends_the_job_instead_of_failing_every_image(sandbox_app: App) -> None:
    sandbox_app.ctx.keystore.set("openai", "invalid")
    execution = run_job(sandbox_app, {"parameters.provider": "runware", "parameters.count": 8,
                                      "parameters.variations": 2, "parameters.concurrency": 2,
                                      "parameters.use_llm_prompts": False, "ai.run_quality_check": True})
    assert execution.status is JobStatus.FAILED
    assert execution.error is not None and "OpenAI" in execution.error and "401" in execution.error
    images = images_of(sandbox_app, execution)
    # No made-up QC verdicts: what was rendered waits, with its file, for a run with a good key.
    assert images and all(i.status is ImageStatus.PENDING and i.temp_path for i in images)
    assert all(image_file(i).is_file() for i in images)
    assert sandbox_app.sandbox.request_count("runware", "/v1") <= 2  # the other renders were never bought

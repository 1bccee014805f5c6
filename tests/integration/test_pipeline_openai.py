"""Jobs on OpenAI as strict as the real account: dall-e-3's n=1, an unverified organisation, an empty quota."""

from __future__ import annotations

from typing import Any

import pytest

from gif_app.app import App
from gif_app.domain import ImageStatus, JobExecution, JobStatus
from tests.integration.conftest import image_file, images_of, log_text, run_job

IMAGES = "/v1/images/generations"


def _overrides(**extra: Any) -> dict[str, Any]:
    return {"parameters.provider": "openai", "parameters.count": 1, "parameters.variations": 1,
            "parameters.use_llm_prompts": False, "parameters.generation_retries": 2,
            "ai.run_quality_check": False, "ai.run_metadata_gen": False, **extra}


def _stop_code(app: App, execution: JobExecution) -> str | None:
    """Return the error code of the job's "Stopping the job" line."""
    stops = [r for r in app.repo.logs_of_execution(execution.id, limit=10_000) if r.message.startswith("Stopping")]
    assert len(stops) == 1, [r.message for r in stops]
    return stops[0].error_code


@pytest.mark.parametrize("is_verified", [True, False])
def test_dalle3_with_two_variations_completes_with_one_call_per_image(sandbox_app: App, is_verified: bool) -> None:
    # dall-e-3 is also the way out for an organisation that is not verified for gpt-image-1.
    sandbox_app.sandbox.config.openai_org_verified = is_verified
    execution = run_job(sandbox_app, _overrides(**{"parameters.variations": 2,
                                                   "parameters.openai_image_model": "dall-e-3"}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 2 and all(i.status is ImageStatus.APPROVED for i in images)
    # The sandbox answers 400 to n>1 on dall-e-3, so two successful calls were two n=1 calls.
    assert sandbox_app.sandbox.request_count("openai", IMAGES) == 2
    assert image_file(images[0]).read_bytes() != image_file(images[1]).read_bytes()


def test_unverified_organisation_ends_the_job_with_the_fix_in_words(sandbox_app: App) -> None:
    sandbox_app.sandbox.config.openai_org_verified = False
    execution = run_job(sandbox_app, _overrides(**{"parameters.count": 3, "parameters.concurrency": 1}))
    assert execution.status is JobStatus.FAILED
    error = execution.error or ""
    assert "not verified" in error and "https://platform.openai.com/settings/organization/general" in error
    assert "dall-e-3" in error and "another image provider" in error
    assert _stop_code(sandbox_app, execution) == "organization_not_verified"
    assert sandbox_app.sandbox.request_count("openai", IMAGES) == 1  # no retry, no later generation
    assert images_of(sandbox_app, execution) == []


@pytest.mark.parametrize("first_call", ["prompt", "image"])
def test_exhausted_quota_ends_the_job_as_credits(sandbox_app: App, first_call: str) -> None:
    sandbox_app.sandbox.config.openai_quota_exhausted = True
    execution = run_job(sandbox_app, _overrides(**{"parameters.count": 3, "parameters.concurrency": 1,
                                                   "parameters.use_llm_prompts": first_call == "prompt"}))
    assert execution.status is JobStatus.FAILED
    assert "exceeded your current quota" in (execution.error or "")
    assert _stop_code(sandbox_app, execution) == "insufficient_credits"
    assert sandbox_app.sandbox.request_count("openai") == 1  # a 429 for quota is not waited out and retried
    assert "Stopping the job" in log_text(sandbox_app, execution)


def test_settings_refuse_a_text_model_without_structured_outputs(sandbox_app: App) -> None:
    answer = sandbox_app.api.start_job({"parameters.openai_model": "gpt-4-turbo"})
    assert answer["ok"] is False
    fields = answer["error"]["fields"]
    assert "gpt-4-turbo" in fields["parameters.openai_model"] and "gpt-4o-mini" in fields["parameters.openai_model"]
    assert sandbox_app.sandbox.request_count("openai") == 0

"""The remove.bg balance check before a job: refused with both numbers when the credits cannot cover the plan."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from gif_app import settings as settings_mod
from gif_app.app import App
from gif_app.domain import JobStatus
from gif_app.errors import InsufficientCreditsError
from gif_app.jobs.accounts import check_balance
from gif_app.jobs.planning import ProviderAccess
from tests.integration.conftest import FAST, JOB_TIMEOUT_S, images_of, jobs_of, log_text, run_job
from tests.integration.jobs_support import error_code


def _overrides(**extra: Any) -> dict[str, Any]:
    return {"parameters.provider": "runware", "parameters.count": 3, "parameters.variations": 2,
            "parameters.use_llm_prompts": False, "parameters.generation_retries": 0,
            "ai.run_quality_check": False, "ai.run_metadata_gen": False,
            "processing.remove_bg": True, "processing.remover": "removebg", **extra}


def _settings(**extra: Any) -> settings_mod.Settings:
    return settings_mod.validated(settings_mod.flatten_values(_overrides(**extra)))


def _access(app: App) -> ProviderAccess:
    assert app.ctx.services.access is not None
    return app.ctx.services.access()


def test_a_job_the_credits_cannot_cover_is_refused_naming_both_numbers(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.removebg_credits = 2.0
    refused = sandbox_app.api.start_job(_overrides())
    assert error_code(refused) == "insufficient_credits"
    message = refused["error"]["message"]
    assert "remove.bg has 2 credits" in message and "plans 6 images" in message and "6 credits" in message
    assert sandbox_app.repo.queued_executions() == []
    assert sandbox.request_count("runware") == 0  # refused before anything was spent


def test_a_queued_job_is_checked_again_when_it_runs(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.removebg_credits = 6.0
    jobs = jobs_of(sandbox_app)
    finished = threading.Event()
    jobs.add_listener(lambda event, _execution: finished.set() if event == "finished" else None)
    execution = jobs.start_job({**FAST, **_overrides()})  # 6 credits cover 6 images when it is queued ...
    sandbox.config.removebg_credits = 2.0  # ... then they are spent elsewhere before it runs
    jobs.start_worker()
    assert finished.wait(JOB_TIMEOUT_S)
    ended = sandbox_app.repo.get_execution(execution.id)
    assert ended.status is JobStatus.FAILED
    assert "remove.bg has 2 credits" in (ended.error or "") and "plans 6 images" in (ended.error or "")
    assert (ended.error or "") in log_text(sandbox_app, ended)
    assert images_of(sandbox_app, ended) == []
    assert sandbox.billed("runware") == []  # only balance questions reached Runware, no render


def test_a_job_the_credits_cover_runs(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.removebg_credits = 6.0
    execution = run_job(sandbox_app, _overrides())
    assert execution.status is JobStatus.COMPLETED, execution.error
    assert len(images_of(sandbox_app, execution)) == 6
    assert sandbox.credits_left() == pytest.approx(0.0)


def test_previews_count_the_free_api_calls(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.removebg_credits = 0.5
    sandbox.config.removebg_free_calls = 4
    access = _access(sandbox_app)
    check_balance(_settings(**{"processing.remove_bg_size": "preview"}), access, 6)  # 0.5 + 4 x 0.25 >= 1.5
    with pytest.raises(InsufficientCreditsError, match="0.5 credits and 4 free preview calls"):
        check_balance(_settings(**{"processing.remove_bg_size": "preview"}), access, 7)


def test_no_check_without_remove_bg_or_when_it_cannot_be_made(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.removebg_credits = 0.0
    sandbox.config.removebg_free_calls = 0
    access = _access(sandbox_app)
    check_balance(_settings(**{"processing.remover": "rembg"}), access, 6)
    check_balance(_settings(**{"processing.remove_bg": False}), access, 6)
    assert sandbox.request_count("removebg") == 0
    ok_key = sandbox_app.api.set_key("removebg", "invalid")
    assert ok_key["ok"]
    # A refused key is not a balance: the failure policy decides, as without the check.
    check_balance(_settings(), _access(sandbox_app), 6)
    assert sandbox.request_count("removebg", "/v1.0/account") == 1


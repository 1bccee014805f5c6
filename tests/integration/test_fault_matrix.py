"""Every vendor x every fault at rate 0.5: each billed image has a row, none is billed twice, the job ends sensibly.

The sandbox's faults fire on a fixed schedule (every second request of the vendor), and jobs run with
concurrency 1, so each case meets the same faults on every run. A "timeout" outlasts the client's 0.6 s
timeout and is then served and billed; "drop" and "malformed" strike after the vendor served and billed
the request (gif_app/sandbox/faults.py). Rows are counted against the sandbox's billing log once every
held request has been answered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from gif_app.app import App
from gif_app.domain import GeneratedImage, ImageStatus, JobExecution, JobStatus
from gif_app.errors import ConflictError
from gif_app.providers.fetch import CHARGE_UNKNOWN, is_fetchable
from gif_app.sandbox.config import FAULTS
from gif_app.sandbox.servers import SandboxServers
from tests.integration.conftest import images_of, jobs_of, log_text, resume, run_job

RATE = 0.5
CLIENT_TIMEOUT_MIN = 0.01  # 0.6 s, the settings' minimum
HELD_S = 1.0  # a "timeout" fault holds the answer this long, past the client's timeout
GENERATIONS = 2
# Where each case's fault goes, the image provider of its job, and images per generation (PiAPI: a task of 4).
TARGETS = {"runware": ("runware", 2), "runware_async": ("runware", 2), "piapi": ("piapi", 4), "openai": ("openai", 2),
           "removebg": ("runware", 2)}
ENDED_ROWS = {ImageStatus.APPROVED, ImageStatus.QC_FAILED, ImageStatus.DOWNLOAD_FAILED}
# What a job ended by a refused key or an empty account must tell the user to do.
FIX_WORDS = {"401": "API key in Settings → API keys, then resume the job",
             "402": "Add credits to the {label} account, then resume the job"}
LABELS = {"runware": "Runware", "piapi": "PiAPI", "openai": "OpenAI"}


@dataclass(frozen=True)
class Case:
    """One cell of the matrix."""

    name: str  # the vendor, or runware_async: Runware with a model delivered by getResponse polls
    fault: str

    @property
    def vendor(self) -> str:
        """Return the sandbox vendor the fault is set on."""
        return self.name.removesuffix("_async")

    @property
    def provider(self) -> str:
        """Return the job's image provider."""
        return TARGETS[self.name][0]

    @property
    def variations(self) -> int:
        """Return images per generation."""
        return TARGETS[self.name][1]

    @property
    def ends_the_job(self) -> bool:
        """Return whether the fault refuses the key or the account (remove.bg follows the failure policy)."""
        return self.fault in ("401", "402") and self.vendor != "removebg"

    def overrides(self) -> dict[str, Any]:
        """Return the tiny job's settings."""
        job: dict[str, Any] = {
            "parameters.provider": self.provider, "parameters.count": GENERATIONS,
            "parameters.variations": self.variations, "parameters.concurrency": 1,
            "parameters.use_llm_prompts": False, "parameters.timeout_minutes": CLIENT_TIMEOUT_MIN,
            "parameters.generation_retries": 2, "parameters.generation_retry_backoff_ms": 0,
            "parameters.polling_interval_s": 0.05, "ai.run_quality_check": True, "ai.run_metadata_gen": False,
            # Fixed seeds: the sandbox draws each image (and so its QC verdict) from its seed, so every run of
            # a case sees the same images; a missing seed would come from the random taskUUID.
            "parameters.seed_mode": "increment", "parameters.seed": 1,
        }
        if self.vendor == "openai":
            job["parameters.openai_image_model"] = "dall-e-3"  # URL answers, one call per image
        if self.name == "runware_async":
            job["parameters.runware_model"] = "google:4@1"  # acknowledged at once, then polled
        if self.vendor == "removebg":
            # Every image goes to remove.bg: none is held back by QC before the paid step under test.
            job.update({"ai.run_quality_check": False, "processing.remove_bg": True, "processing.remover": "removebg",
                        "processing.remove_bg_size": "full", "processing.remove_bg_failure_mode": "approve"})
        return job


CASES = [Case(name, fault) for name in TARGETS for fault in FAULTS]


def servers(app: App) -> SandboxServers:
    """Return the app's own sandbox servers."""
    assert isinstance(app.sandbox, SandboxServers)
    return app.sandbox


def run_case(app: App, case: Case) -> tuple[SandboxServers, JobExecution, list[GeneratedImage]]:
    """Run the case's job against its faulty vendor; return once every request the sandbox held is answered."""
    sandbox = servers(app)
    sandbox.config.timeout_delay = HELD_S
    sandbox.config.retry_after = 0  # the backoff comes from the job's settings
    sandbox.config.piapi_task_duration = 0.1
    sandbox.config.set_fault(case.vendor, case.fault, RATE)
    execution = run_job(app, case.overrides())
    # A held request is billed when its hold ends, perhaps after the job: count only once all were answered.
    assert sandbox.wait_idle(10.0), "the sandbox still holds requests"
    return sandbox, execution, images_of(app, execution)


def check_rows_match_the_bill(case: Case, sandbox: SandboxServers, rows: list[GeneratedImage]) -> None:
    """Assert each billed image of the image vendor has exactly one row, and no row is a second render."""
    assert len(rows) == sandbox.billed_images(case.provider), [(r.status, r.provider_ids) for r in rows]
    pairs = Counter((r.generation_index, r.variation_index) for r in rows)
    assert all(n == 1 for n in pairs.values()), f"a (generation, variation) was billed twice: {pairs}"
    assert len(pairs) <= GENERATIONS * case.variations
    assert len({b.request_id for b in sandbox.billed(case.provider)}) == len(sandbox.billed(case.provider))
    for row in rows:
        if row.status is ImageStatus.DOWNLOAD_FAILED:
            # Fetchable again from its URL, or a call whose answer was lost with what it may have billed.
            assert is_fetchable(row.provider_ids) or row.provider_ids.get(CHARGE_UNKNOWN), row.provider_ids


def check_runware_dedup(case: Case, sandbox: SandboxServers, rows: list[GeneratedImage]) -> None:
    """Assert a Runware task sent again went with the same taskUUID and was billed once."""
    billed = Counter(b.request_id for b in sandbox.billed("runware"))
    sends = Counter(sandbox.sends("runware"))
    assert all(n == 1 for n in billed.values())
    assert set(billed) <= set(sends)
    if case.vendor == "runware" and case.fault in ("timeout", "drop", "malformed"):
        repeated = [task for task, n in sends.items() if n > 1]
        assert repeated, "no unanswered task was sent again"
        assert all(billed[task] == 1 for task in repeated)  # the repeat was refused, not billed again
        assert all(r.provider_ids["taskUUID"] in billed for r in rows)


def check_removebg_credits(sandbox: SandboxServers, rows: list[GeneratedImage], start_credits: float) -> None:
    """Assert remove.bg's credits charged equal the credits recorded on the images, at most one per image."""
    charged = start_credits - sandbox.credits_left()
    recorded = sum(r.processing.credits for r in rows)
    assert abs(charged - recorded) < 1e-9, (charged, recorded)
    assert all(r.processing.credits <= 1.0 for r in rows)
    assert charged <= len(rows)


def check_ending(case: Case, app: App, execution: JobExecution, rows: list[GeneratedImage]) -> None:
    """Assert the job's status and reason fit the fault."""
    if case.ends_the_job:
        assert execution.status is JobStatus.FAILED
        fix = FIX_WORDS[case.fault].format(label=LABELS[case.vendor])
        assert execution.error and fix in execution.error and LABELS[case.vendor] in execution.error, execution.error
        assert f"Stopping the job: {execution.error}" in log_text(app, execution)
        assert all(r.status in ENDED_ROWS | {ImageStatus.PENDING} for r in rows)
        return
    assert execution.status is JobStatus.COMPLETED, execution.error
    assert execution.error is None
    assert all(r.status in ENDED_ROWS for r in rows), [r.status for r in rows]
    assert len(rows) == GENERATIONS * case.variations
    if case.vendor == "removebg" and case.fault in ("401", "402"):
        # A refused remove.bg key or empty account follows the failure policy: approved without the cut-out.
        assert "remove.bg" in log_text(app, execution)
        assert any(r.processing.soft_failures for r in rows)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-{c.fault}" for c in CASES])
def test_fault_matrix(sandbox_app: App, case: Case) -> None:
    start_credits = servers(sandbox_app).credits_left()
    sandbox, execution, rows = run_case(sandbox_app, case)
    assert sandbox.billed_images(case.provider) > 0 or case.ends_the_job
    check_rows_match_the_bill(case, sandbox, rows)
    check_runware_dedup(case, sandbox, rows)
    if case.vendor == "removebg":
        check_removebg_credits(sandbox, rows, start_credits)
    check_ending(case, sandbox_app, execution, rows)


def test_images_lost_with_their_answer_are_on_record_but_not_offered_for_resume(sandbox_app: App) -> None:
    sandbox, execution, rows = run_case(sandbox_app, Case("openai", "drop"))
    lost = [r for r in rows if r.provider_ids.get(CHARGE_UNKNOWN)]
    assert lost and all(r.status is ImageStatus.DOWNLOAD_FAILED for r in lost)
    assert len(rows) == sandbox.billed_images("openai")
    assert "it cannot be fetched again" in log_text(sandbox_app, execution)
    # Nothing left to fetch, and a resume must not render the generation (and bill it) again.
    with pytest.raises(ConflictError):
        jobs_of(sandbox_app).resume(execution.id)


def test_gpt_image_bad_payload_is_recorded_as_paid(sandbox_app: App) -> None:
    case = Case("openai", "truncated")
    sandbox = servers(sandbox_app)
    sandbox.config.set_fault("openai", "truncated", RATE)
    execution = run_job(sandbox_app, {**case.overrides(), "parameters.openai_image_model": "gpt-image-1"})
    rows = images_of(sandbox_app, execution)
    assert execution.status is JobStatus.COMPLETED, execution.error
    assert len(rows) == sandbox.billed_images("openai") == GENERATIONS * case.variations
    missing = [r for r in rows if r.status is ImageStatus.DOWNLOAD_FAILED]
    assert missing and not any(is_fetchable(r.provider_ids) for r in missing)  # base64 has no URL


def test_dalle_download_that_stays_bad_is_fetched_by_resume_without_a_new_render(sandbox_app: App) -> None:
    case = Case("openai", "truncated")
    sandbox = servers(sandbox_app)
    sandbox.config.set_fault("openai", "truncated")  # every download of a DALL-E URL is cut
    execution = run_job(sandbox_app, case.overrides())
    rows = images_of(sandbox_app, execution)
    assert len(rows) == sandbox.billed_images("openai") == GENERATIONS * case.variations
    assert all(r.status is ImageStatus.DOWNLOAD_FAILED and is_fetchable(r.provider_ids) for r in rows)
    assert "resume the job to fetch it again" in log_text(sandbox_app, execution)

    sandbox.config.clear_faults()
    billed = sandbox.billed()
    resumed = resume(sandbox_app, execution)
    again = images_of(sandbox_app, resumed)
    assert [r.mapping_id for r in again] == [r.mapping_id for r in rows]  # the same rows, now with files
    assert all(r.status in {ImageStatus.APPROVED, ImageStatus.QC_FAILED} for r in again)
    assert sandbox.billed() == billed  # fetched from the recorded URLs, not rendered again

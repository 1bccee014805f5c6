"""Cost per call, image and job with the sandbox vendors: every paid call is priced and on record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from gif_app.app import App
from gif_app.domain import CancelToken, ChargeStep, ImageStatus, JobStatus
from gif_app.export.service import perform_export
from gif_app.prices import Call, packaged_table, price_of
from tests.integration.conftest import images_of, run_job


def _job(**extra: Any) -> dict[str, Any]:
    return {"parameters.count": 2, "parameters.variations": 2, "parameters.concurrency": 2,
            "parameters.use_llm_prompts": False, "ai.run_quality_check": False, "ai.run_metadata_gen": False,
            **extra}


@pytest.mark.parametrize("provider", ["piapi", "openai"])
def test_piapi_and_openai_images_jobs_cost_more_than_zero(sandbox_app: App, provider: str) -> None:
    execution = run_job(sandbox_app, _job(**{"parameters.provider": provider}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    charges = sandbox_app.repo.charges_of_execution(execution.id)
    renders = [c for c in charges if c.step is ChargeStep.RENDER]
    assert renders and all(c.vendor == provider and c.amount > 0 for c in renders)
    assert execution.cost == pytest.approx(sum(c.amount for c in charges), abs=1e-6) and execution.cost > 0
    # Every image carries its share of the render that made it.
    images = images_of(sandbox_app, execution)
    assert all(i.cost > 0 for i in images)
    assert sum(i.cost for i in images) == pytest.approx(execution.cost, abs=1e-5)


def test_openai_images_are_priced_from_the_reported_token_usage(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, _job(**{"parameters.provider": "openai", "parameters.count": 1,
                                            "parameters.variations": 1}))
    (charge,) = sandbox_app.repo.charges_of_execution(execution.id)
    assert charge.is_estimated is False and charge.model == "gpt-image-1"
    # The sandbox answers with usage (auto quality = medium, 1056 output tokens for 1024x1024).
    assert 0.03 < charge.amount < 0.06


def test_piapi_task_is_priced_from_the_table_and_marked_estimated(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, _job(**{"parameters.provider": "piapi", "parameters.count": 1,
                                            "parameters.variations": 4, "parameters.process_mode": "fast"}))
    charges = sandbox_app.repo.charges_of_execution(execution.id)
    assert len(charges) == 4 and all(c.is_estimated for c in charges)  # one task split over its four images
    task = price_of(Call("piapi", "midjourney", images=4, dims={"mode": "fast"}), packaged_table())
    assert sum(c.amount for c in charges) == pytest.approx(task.amount, abs=1e-6)


def test_runware_cost_is_what_runware_reported(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, _job())
    charges = sandbox_app.repo.charges_of_execution(execution.id)
    assert sandbox_app.sandbox is not None
    billed = sandbox_app.sandbox.billed("runware")
    assert len(charges) == 4 and all(not c.is_estimated and c.image_id is not None for c in charges)
    assert execution.cost == pytest.approx(sum(b.cost for b in billed), abs=1e-6) and execution.cost > 0


def test_qc_and_metadata_cost_their_priced_token_usage(sandbox_app: App) -> None:
    off = run_job(sandbox_app, _job(**{"parameters.count": 1, "parameters.variations": 2}))
    on = run_job(sandbox_app, _job(**{"parameters.count": 1, "parameters.variations": 2,
                                      "parameters.use_llm_prompts": True, "ai.run_quality_check": True,
                                      "ai.run_metadata_gen": True}))
    assert on.status is JobStatus.COMPLETED, on.error
    text = [c for c in sandbox_app.repo.charges_of_execution(on.id) if c.vendor == "openai"]
    steps = {c.step for c in text}
    assert {ChargeStep.PROMPT, ChargeStep.QC} <= steps
    # Metadata is written (and paid) for each image that passed QC, and only for those.
    passed = [i for i in images_of(sandbox_app, on) if i.status.is_approved]
    assert sorted(c.image_id for c in text if c.step is ChargeStep.METADATA) == sorted(i.id for i in passed)
    assert all(not c.is_estimated and c.amount > 0 for c in text)
    renders = sum(c.amount for c in sandbox_app.repo.charges_of_execution(on.id) if c.step is ChargeStep.RENDER)
    assert renders == pytest.approx(off.cost, abs=1e-6)
    assert on.cost == pytest.approx(off.cost + sum(c.amount for c in text), abs=1e-6)
    assert on.cost > off.cost
    breakdown = sandbox_app.repo.cost_breakdown(on.id)
    assert {row["step"] for row in breakdown} >= {"prompt", "render", "qc"}


def test_the_job_workbook_has_a_costs_sheet_with_the_breakdown(sandbox_app: App, tmp_path: Path) -> None:
    execution = run_job(sandbox_app, _job(**{"parameters.count": 1, "ai.run_quality_check": True}))
    target = tmp_path / "job.xlsx"
    perform_export(sandbox_app.repo, "job_xlsx", {"execution_ids": [execution.id]}, target,
                   progress=lambda done, total: None, cancel=CancelToken())
    sheet = openpyxl.load_workbook(target)["Costs"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    by_step = {row[0]: row for row in rows}
    assert by_step["Renders"][1] == "runware" and by_step["Renders"][3] == 2
    assert by_step["Quality check"][1] == "openai" and by_step["Quality check"][3] == 2
    assert by_step["Total"][4] == pytest.approx(execution.cost, abs=1e-6)


REMOVAL = {"parameters.count": 2, "parameters.variations": 1, "parameters.generation_retries": 0,
           "processing.remove_bg": True, "processing.remover": "removebg", "processing.remove_bg_size": "full",
           "processing.remove_bg_failure_mode": "approve", "parameters.timeout_minutes": 0.01}


@pytest.mark.parametrize("fault", [None, "timeout", "500"])
def test_remove_bg_credits_are_counted_and_a_possibly_billed_timeout_too(sandbox_app: App, fault: str | None) -> None:
    assert sandbox_app.sandbox is not None
    if fault:
        sandbox_app.sandbox.config.set_fault("removebg", fault)
        sandbox_app.sandbox.config.timeout_delay = 5.0
    execution = run_job(sandbox_app, _job(**REMOVAL))
    assert execution.status is JobStatus.COMPLETED, execution.error
    removal = [c for c in sandbox_app.repo.charges_of_execution(execution.id) if c.step is ChargeStep.REMOVE_BG]
    credit = price_of(Call("removebg", images=1, dims={"size": "full"}), packaged_table()).amount
    if fault == "500":
        assert removal == []  # remove.bg charges nothing for an error it answered
        return
    # Answered: the credits remove.bg reported (X-Credits-Charged); sent but unanswered: priced as if billed.
    assert len(removal) == 2 and all(c.image_id is not None for c in removal)
    assert all(c.amount == pytest.approx(credit) for c in removal)
    assert all(c.is_estimated is (fault == "timeout") for c in removal)


def test_an_openai_image_call_sent_but_unanswered_is_on_the_jobs_bill(sandbox_app: App) -> None:
    assert sandbox_app.sandbox is not None
    sandbox_app.sandbox.config.set_fault("openai", "timeout")
    sandbox_app.sandbox.config.timeout_delay = 5.0
    execution = run_job(sandbox_app, _job(**{"parameters.provider": "openai", "parameters.count": 1,
                                            "parameters.variations": 1, "parameters.timeout_minutes": 0.01}))
    # Not repeated (it may have been billed): the image it may have paid for is on record, charge unknown.
    (image,) = images_of(sandbox_app, execution)
    assert execution.status is JobStatus.COMPLETED
    assert image.status is ImageStatus.DOWNLOAD_FAILED and image.provider_ids.get("charge_unknown")
    (charge,) = sandbox_app.repo.charges_of_execution(execution.id)
    # Counted as if it was billed, from the table's default quality, on that image's row.
    default = price_of(Call("openai", "gpt-image-1", images=1), packaged_table()).amount
    assert charge.step is ChargeStep.RENDER and charge.image_id == image.id and charge.is_estimated
    assert charge.amount == pytest.approx(default) and execution.cost == pytest.approx(default)


def test_the_breakdown_follows_the_pipelines_order(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, _job(**{"parameters.count": 1, "parameters.use_llm_prompts": True,
                                            "ai.run_quality_check": True}))
    steps = [row["step"] for row in sandbox_app.repo.cost_breakdown(execution.id)]
    assert steps == ["prompt", "render", "qc"]

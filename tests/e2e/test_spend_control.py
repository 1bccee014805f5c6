"""Spend control in the browser: the Start dialog's estimate and budget, the job view's cost breakdown,
and resuming a job stopped by its budget with a higher cap."""

from __future__ import annotations

import re

import pytest
from e2e_support import UI
from playwright.sync_api import expect

from gif_app.app import App
from gif_app.domain import JobStatus, StopReason

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def app_is_sandbox() -> bool:
    """Run against the sandbox vendors, with the job worker running."""
    return True


def test_start_dialog_shows_the_estimate_and_the_budget_field(ui: UI, gif: App) -> None:
    ui.open("dashboard")
    ui.by("job-start").click()
    expect(ui.by("start-dialog")).to_be_visible()
    expect(ui.by("start-budget-usd")).to_have_value("")  # no saved cap: empty means none
    ui.by("start-count").fill("3")
    ui.by("start-variations").fill("2")
    figures = ui.by("start-estimate-figures")
    expect(figures).to_contain_text("6 images")
    money = r"\$[\d.]+"
    expect(figures).to_have_text(re.compile(rf"6 images, \d+–\d+ paid calls, likely about {money} \({money}–{money}\)"))
    ui.by("start-count").fill("500")  # a mistyped count shows its price before anything is spent
    expect(figures).to_contain_text("1000 images")
    ui.by("start-budget-usd").fill("0.05")
    expect(ui.by("start-estimate-note")).to_contain_text("budget may stop the job")
    ui.by("start-cancel").click()
    assert gif.api.list_jobs({})["data"]["total"] == 0  # the estimate created no job


def test_a_budget_stop_shows_its_reason_and_breakdown_and_resumes_with_a_higher_cap(ui: UI, gif: App) -> None:
    ui.open("dashboard")
    ui.by("job-start").click()
    ui.by("start-label").fill("Capped")
    ui.by("start-count").fill("8")
    ui.by("start-variations").fill("2")
    ui.by("start-budget-usd").fill("0.02")
    ui.by("start-submit").click()
    expect(ui.by("start-dialog")).to_have_count(0)
    expect(ui.by("progress-status")).to_have_text(re.compile("Stopped"), timeout=JOB_TIMEOUT_MS)
    job = gif.repo.get_execution(1)
    assert job.status is JobStatus.STOPPED and job.stop_reason is StopReason.BUDGET

    ui.open(f"jobs/{job.id}", "job")
    expect(ui.by("job-status")).to_have_text("Stopped · Budget reached")
    expect(ui.by("job-error")).to_contain_text("Budget reached")
    expect(ui.by("job-costs")).to_be_visible()
    expect(ui.by("job-cost-prompt-openai")).to_contain_text("Prompts")
    expect(ui.by("job-cost-render-runware")).to_contain_text("Renders")
    expect(ui.by("job-costs-total")).to_have_text(f"${job.cost:.4f}")

    ui.by("job-resume").click()
    expect(ui.by("resume-budget-dialog")).to_be_visible()
    ui.by("resume-budget-input").fill("5")
    ui.by("resume-budget-ok").click()
    expect(ui.by("job-status")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    done = gif.repo.get_execution(job.id)
    assert done.status is JobStatus.COMPLETED and done.generated == 16 and done.cost > job.cost
    expect(ui.by("job-costs-total")).to_have_text(f"${done.cost:.4f}")
    expect(ui.by("job-cost-qc-openai")).to_contain_text("Quality check")  # the images left pending got their QC
    # The job list's cost column and the dashboard's cost tile (with today's spend) show the same figure.
    ui.open("jobs", "jobs")
    expect(ui.by(f"job-row-{job.id}")).to_contain_text(f"${done.cost:.4f}")
    ui.open("dashboard")
    expect(ui.by("stat-cost-value")).to_have_text(f"${done.cost:.4f}")
    expect(ui.by("stat-cost-today")).to_have_text(f"${done.cost:.4f} today")

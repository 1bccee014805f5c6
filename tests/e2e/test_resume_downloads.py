"""A finished job whose billed images never arrived offers Resume in the job list and the job view; it fetches them."""

from __future__ import annotations

import pytest
from e2e_support import UI
from playwright.sync_api import expect
from review_support import ok, run_job, wait_for

from gif_app.app import App
from gif_app.sandbox.servers import SandboxServers

pytestmark = pytest.mark.parametrize("app_is_sandbox", [True])

NO_AI = {"ai.run_quality_check": False, "ai.run_metadata_gen": False, "parameters.provider": "piapi",
         "parameters.count": 1, "parameters.variations": 4}


def _images(gif: App, execution_id: int) -> list[dict[str, object]]:
    return list(ok(gif.api.list_images({"execution_ids": [execution_id], "page_size": 50}))["items"])


def _finished(gif: App, execution_id: int) -> dict[str, object] | None:
    execution = ok(gif.api.get_job(execution_id))["execution"]
    return None if execution["is_active"] or ok(gif.api.get_progress({}))["running_id"] else execution


def test_resume_fetches_lost_downloads_from_the_list_and_the_job_view(ui: UI, gif: App) -> None:
    sandbox = gif.sandbox
    assert isinstance(sandbox, SandboxServers)
    sandbox.config.broken_files = {"/1.png"}  # the second image of every task never arrives whole
    first = run_job(gif, **NO_AI, **{"parameters.label": "Lost in the list"})
    second = run_job(gif, **NO_AI, **{"parameters.label": "Lost in the view"})
    for job in (first, second):
        assert job["status"] == "completed" and job["awaiting_download"] == 1
    sandbox.config.broken_files = set()
    billed = sandbox.billed()

    # The jobs table: a completed job offers Resume while a billed image waits for its file.
    ui.open("jobs")
    expect(ui.by(f"job-status-{first['id']}")).to_have_text("Completed")
    expect(ui.by(f"job-resume-{first['id']}")).to_be_visible()
    expect(ui.by(f"job-resume-{second['id']}")).to_be_visible()
    ui.by(f"job-resume-{first['id']}").click()
    expect(ui.toast("“Lost in the list” will resume")).to_be_visible()
    done = wait_for(lambda: _finished(gif, int(str(first["id"]))), "the resumed job to finish")
    assert done["status"] == "completed" and done["awaiting_download"] == 0 and done["approved"] == 4

    # The Single Job View offers it too, and hides it once every image is in.
    ui.open(f"jobs/{second['id']}", "job")
    expect(ui.by("job-status")).to_have_text("Completed")
    expect(ui.by("job-resume")).to_be_visible()
    ui.by("job-resume").click()
    expect(ui.toast("“Lost in the view” will resume")).to_be_visible()
    expect(ui.by("job-status")).to_have_text("Completed", timeout=30_000)
    expect(ui.by("job-resume")).to_be_hidden(timeout=30_000)
    expect(ui.by("job-summary-approved")).to_have_text("4 of 4")

    for job in (first, second):
        assert {i["status"] for i in _images(gif, int(str(job["id"])))} == {"approved"}
    assert sandbox.billed() == billed  # fetched from the recorded URLs, never rendered again

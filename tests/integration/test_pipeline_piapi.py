"""Whole PiAPI (Midjourney) jobs against the sandbox: slow tasks, the grid-only plan, credits, one aspect ratio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from gif_app.app import App
from gif_app.domain import GeneratedImage, ImageStatus, JobStatus
from gif_app.providers.piapi import DISCONTINUED_NOTICE
from gif_app.sandbox.servers import SandboxServers
from tests.helpers.processing import NOTHING_ON_OVERRIDES
from tests.integration.conftest import image_file, images_of, log_text, run_job

NO_AI = {"ai.run_quality_check": False, "ai.run_metadata_gen": False}


def piapi_job(tmp_path: Path, keywords: str, **overrides: Any) -> dict[str, Any]:
    """Return per-run settings for a PiAPI job on these keywords, prompts written by the template alone."""
    path = tmp_path / "keywords.txt"
    path.write_text(keywords, encoding="utf-8")
    return {"parameters.provider": "piapi", "parameters.use_llm_prompts": False,
            "file_paths.keywords_file": str(path), **NO_AI, **overrides}


def servers(app: App) -> SandboxServers:
    """Return the app's own sandbox servers."""
    assert isinstance(app.sandbox, SandboxServers)
    return app.sandbox


def sent_input(app: App, image: GeneratedImage) -> dict[str, Any]:
    """Return the task input PiAPI (the sandbox) received for an image, read back through its fetch endpoint."""
    url = f"{servers(app).base_urls['piapi']}/api/v1/task/{image.provider_ids['task_id']}"
    data: dict[str, Any] = httpx.get(url, headers={"X-API-Key": "sandbox-key"}).json()["data"]["input"]
    return data


def test_a_task_slower_than_the_generation_timeout_completes(sandbox_app: App, tmp_path: Path) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.piapi_task_duration = 2.5  # each request is answered at once; the task itself takes 2.5 s
    execution = run_job(sandbox_app, piapi_job(
        tmp_path, "blue teapot\n", **{"parameters.count": 1, "parameters.enable_timeout": True,
                                      "parameters.timeout_minutes": 1 / 60,  # 1 s per request
                                      "parameters.piapi_poll_timeout_minutes": 0.5}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 4 and all(i.status is ImageStatus.APPROVED for i in images)
    polls = [r.at for r in sandbox.requests("piapi") if r.path.startswith("/api/v1/task")]
    assert polls[-1] - polls[0] >= 2.0  # the client kept waiting well past the 1 s generation timeout
    # The provider choice carries PiAPI's own notice that Midjourney is discontinued, once per job.
    assert log_text(sandbox_app, execution).count(DISCONTINUED_NOTICE) == 1


def test_plan_without_temporary_urls_splits_each_grid_into_four_images(sandbox_app: App, tmp_path: Path) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.piapi_output = "grid"  # Free / Creator pay-as-you-go: only the 2x2 grid comes back
    # Nothing processed: each file is the quadrant as cut, not upscaled to a stock site's minimum.
    execution = run_job(sandbox_app, piapi_job(
        tmp_path, "blue teapot\nred kite\n", **{"parameters.count": 2, "parameters.aspect_ratios": "1:1,16:9"},
        **NOTHING_ON_OVERRIDES))
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 8
    by_task: dict[str, list[int]] = {}
    expected_size = {0: (1024, 1024), 1: (1024, 576)}  # a quarter of each generation's grid
    for image in images:
        assert image.status is ImageStatus.APPROVED and "grid" in image.provider_ids
        with Image.open(image_file(image)) as picture:
            assert picture.size == expected_size[image.generation_index]
        by_task.setdefault(str(image.provider_ids["task_id"]), []).append(image.variation_index)
    assert sorted(map(sorted, by_task.values())) == [[0, 1, 2, 3], [0, 1, 2, 3]]
    assert len({image_file(i).read_bytes() for i in images}) == 8  # four different quadrants per grid
    downloads = [r.path for r in sandbox.requests("piapi") if r.path.startswith("/files/")]
    assert sorted(downloads) == sorted(f"/files/{task}/grid.png" for task in by_task)


@pytest.mark.parametrize("reply", ["400", "200", "task", "402"])
def test_running_out_of_credits_ends_the_job_in_any_shape(sandbox_app: App, tmp_path: Path, reply: str) -> None:
    sandbox = servers(sandbox_app)
    sandbox.config.piapi_task_budget = 1  # the first task is paid for, the second is refused
    sandbox.config.piapi_credit_reply = reply
    execution = run_job(sandbox_app, piapi_job(
        tmp_path, "blue teapot\nred kite\ngreen frog\n", **{"parameters.count": 3, "parameters.concurrency": 1}))
    assert execution.status is JobStatus.FAILED
    assert execution.error is not None and "insufficient credits" in execution.error
    requests = sandbox.requests("piapi")
    creates = [n for n, r in enumerate(requests) if r.method == "POST"]
    assert len(creates) == 2  # the third generation never asked
    assert creates[-1] == len(requests) - 1  # and nothing at all followed the refusal
    assert "Stopping the job" in log_text(sandbox_app, execution)


def test_aspect_ratio_reaches_piapi_once(sandbox_app: App, tmp_path: Path) -> None:
    execution = run_job(sandbox_app, piapi_job(
        tmp_path, "blue teapot\nred kite --ar 2:3\n", **{"parameters.count": 2, "parameters.aspect_ratios": "16:9"}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    sent = {image.keyword: sent_input(sandbox_app, image) for image in images_of(sandbox_app, execution)}
    assert {keyword: data["aspect_ratio"] for keyword, data in sent.items()} == {
        "blue teapot": "16:9", "red kite --ar 2:3": "2:3"}  # a ratio written in the prompt wins
    assert all("--ar" not in data["prompt"] for data in sent.values())

"""A whole job per image provider, against the sandbox with the real clients: files, rows, seeds, costs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from tests.integration.conftest import image_file, images_of, log_text, run_job

NO_AI = {"ai.run_quality_check": False, "ai.run_metadata_gen": False}


def _output_dir(app: App) -> Path:
    return app.home.default_output


def test_runware_job_lands_approved_images_with_seed_and_cost(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, {"parameters.provider": "runware", "parameters.count": 2,
                                      "parameters.variations": 2, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 4
    assert all(i.status is ImageStatus.APPROVED for i in images)
    assert {image_file(i).parent for i in images} == {_output_dir(sandbox_app)}
    assert all(image_file(i).is_file() and i.temp_path is None for i in images)
    # Runware reports a seed and a cost per image; both must survive into the rows and the job total.
    assert all(isinstance(i.seed, int) for i in images)
    assert all(i.cost > 0 for i in images)
    assert execution.cost == pytest.approx(sum(i.cost for i in images))
    assert execution.approved == 4 and execution.generated == 4
    assert all(i.provider == "runware" and i.provider_ids for i in images)
    with Image.open(image_file(images[0])) as picture:
        assert picture.width > 0


def test_piapi_job_splits_each_task_into_four_images(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, {"parameters.provider": "piapi", "parameters.count": 2,
                                      "parameters.variations": 2, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 8  # a task is billed whole: all four Midjourney images are kept
    by_task: dict[str, list[int]] = {}
    for image in images:
        assert image.status is ImageStatus.APPROVED
        assert image_file(image).parent == _output_dir(sandbox_app) and image_file(image).is_file()
        by_task.setdefault(str(image.provider_ids["task_id"]), []).append(image.variation_index)
    assert sorted(map(sorted, by_task.values())) == [[0, 1, 2, 3], [0, 1, 2, 3]]
    # The client polled each task through its lifecycle before downloading.
    sandbox = sandbox_app.sandbox
    assert sandbox.request_count("piapi", "/api/v1/task/") >= 2 * 2


def test_openai_images_job_lands_approved_images(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, {"parameters.provider": "openai", "parameters.count": 1,
                                      "parameters.variations": 2, **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 2
    assert all(i.status is ImageStatus.APPROVED and image_file(i).is_file() for i in images)
    assert all(i.provider == "openai" for i in images)
    assert "Rendered 2 image(s) with openai" in log_text(sandbox_app, execution)


def test_piapi_failed_task_fails_only_its_generation(sandbox_app: App, tmp_path: Path) -> None:
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("blue teapot\nfailtask robot\nred kite\n", encoding="utf-8")
    execution = run_job(sandbox_app, {"parameters.provider": "piapi", "parameters.count": 3,
                                      "parameters.use_llm_prompts": False,
                                      "file_paths.keywords_file": str(keywords), **NO_AI})
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert sorted({i.keyword for i in images}) == ["blue teapot", "red kite"]
    assert len(images) == 8 and all(i.status is ImageStatus.APPROVED for i in images)
    text = log_text(sandbox_app, execution)
    assert "Generation 2 failed" in text
    assert "failed to do imagine task" in text  # PiAPI's own words reach the user

"""A whole job per image provider, against the sandbox with the real clients: files, rows, seeds, costs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from tests.helpers.processing import NOTHING_ON_OVERRIDES
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
    # The job total is the images' costs plus the prompts' (a prompt is charged to the job, not an image).
    prompts = sum(c.amount for c in sandbox_app.repo.charges_of_execution(execution.id) if c.image_id is None)
    assert execution.cost == pytest.approx(sum(i.cost for i in images) + prompts)
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


def test_default_settings_job_completes_against_the_strict_runware_sandbox(sandbox_app: App) -> None:
    # The app's own defaults: Runware, runware:101@1, no Dimensions set, LLM prompts, QC and metadata on;
    # processing off, so the file is the render as Runware sent it (a wholly default job's upload-ready files
    # are checked in test_export_cli.py).
    execution = run_job(sandbox_app, NOTHING_ON_OVERRIDES)
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert images and all(i.provider == "runware" and i.provider_ids["deliveryMethod"] == "sync" for i in images)
    for image in images:
        with Image.open(image_file(image)) as picture:
            assert picture.size == (1024, 1024)  # sent explicitly: the sandbox refuses a task without a size


def test_runware_async_model_job_completes_through_get_response(sandbox_app: App) -> None:
    execution = run_job(sandbox_app, {"parameters.runware_model": "google:4@1", "parameters.count": 1,
                                      "parameters.variations": 2,
                                      "parameters.runware_dimensions_csv": "1280x720", **NO_AI,
                                      **NOTHING_ON_OVERRIDES})  # the file as rendered, at the size the model gave
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 2 and all(i.status is ImageStatus.APPROVED for i in images)
    assert all(i.provider_ids["deliveryMethod"] == "async" and i.cost > 0 for i in images)
    with Image.open(image_file(images[0])) as picture:
        assert picture.size == (1344, 768)
    assert sandbox_app.sandbox.request_count("runware", "/v1") >= 3  # submit, then getResponse polls


def test_runware_failure_after_acceptance_reaches_the_job_log_in_runwares_words(
    sandbox_app: App, tmp_path: Path
) -> None:
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("failtask robot\n", encoding="utf-8")
    execution = run_job(sandbox_app, {"parameters.use_llm_prompts": False,
                                      "file_paths.keywords_file": str(keywords), **NO_AI})
    assert execution.status is JobStatus.FAILED
    assert "did not return a result in time" in log_text(sandbox_app, execution)


def test_lora_weight_5_is_refused_by_the_settings_panel(sandbox_app: App) -> None:
    answer = sandbox_app.api.save_settings({"parameters": {"lora_enabled": True,
                                                           "lora": "civitai:144142@160130:5"}})
    assert answer["ok"] is False
    assert "Runware takes -4 to 4" in answer["error"]["fields"]["parameters.lora"]

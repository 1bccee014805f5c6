"""Seeds: a fixed or incrementing seed reaches the provider request and each image row; Rerun with this seed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gif_app.app import App
from gif_app.domain import JobStatus
from gif_app.sandbox.servers import SandboxServers
from tests.helpers.processing import NOTHING_ON_OVERRIDES
from tests.integration.conftest import image_file, images_of, run_job
from tests.integration.jobs_support import error_code, ok, sandbox_app

NO_AI = {"ai.run_quality_check": False, "ai.run_metadata_gen": False, "parameters.use_llm_prompts": False}


def job(tmp_path: Path, provider: str, count: int, **overrides: Any) -> dict[str, Any]:
    """Return per-run settings for a small job on three keywords, the keyword itself as the prompt."""
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("red kite\nblue whale\ngreen frog\n", encoding="utf-8")
    return {"parameters.provider": provider, "parameters.count": count, "parameters.variations": 1,
            "file_paths.keywords_file": str(keywords), **NO_AI, **NOTHING_ON_OVERRIDES, **overrides}


def servers(app: App) -> SandboxServers:
    """Return the app's own sandbox servers."""
    assert isinstance(app.sandbox, SandboxServers)
    return app.sandbox


def runware_tasks(app: App) -> list[dict[str, Any]]:
    """Return every imageInference task the Runware sandbox received, from the bodies in its request log."""
    bodies = [json.loads(r.body) for r in servers(app).requests("runware") if r.body]
    return [task for body in bodies for task in body if task.get("taskType") == "imageInference"]


def piapi_prompts(app: App) -> list[str]:
    """Return the prompt of every imagine task the PiAPI sandbox received."""
    bodies = [json.loads(r.body) for r in servers(app).requests("piapi") if r.body and r.method == "POST"]
    return [str(body["input"]["prompt"]) for body in bodies]


def test_a_fixed_seed_reaches_every_runware_task_and_every_image_row(sandbox_app: App, tmp_path: Path) -> None:
    execution = run_job(sandbox_app, job(tmp_path, "runware", 2, **{
        "parameters.seed_mode": "fixed", "parameters.seed": 4242}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    tasks = runware_tasks(sandbox_app)
    assert len(tasks) == 2 and [t["seed"] for t in tasks] == [4242, 4242]
    images = images_of(sandbox_app, execution)
    assert len(images) == 2 and {i.seed for i in images} == {4242}


def test_increment_gives_each_generation_seed_plus_its_index(sandbox_app: App, tmp_path: Path) -> None:
    execution = run_job(sandbox_app, job(tmp_path, "runware", 3, **{
        "parameters.seed_mode": "increment", "parameters.seed": 100}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    by_prompt = {t["positivePrompt"]: t["seed"] for t in runware_tasks(sandbox_app)}
    assert by_prompt == {"red kite": 100, "blue whale": 101, "green frog": 102}
    assert sorted((i.generation_index, i.seed) for i in images_of(sandbox_app, execution)) == [
        (0, 100), (1, 101), (2, 102)]


def test_random_sends_no_seed_but_records_the_one_runware_chose(sandbox_app: App, tmp_path: Path) -> None:
    execution = run_job(sandbox_app, job(tmp_path, "runware", 1))
    assert execution.status is JobStatus.COMPLETED, execution.error
    assert ["seed" in t for t in runware_tasks(sandbox_app)] == [False]
    [image] = images_of(sandbox_app, execution)
    assert isinstance(image.seed, int)


def test_a_fixed_seed_travels_as_midjourneys_seed_flag_and_is_recorded(sandbox_app: App, tmp_path: Path) -> None:
    # A --seed the prompt already carries gives way to the one set: one seed only reaches Midjourney.
    execution = run_job(sandbox_app, job(tmp_path, "piapi", 1, **{
        "parameters.seed_mode": "fixed", "parameters.seed": 4294967295,
        "file_paths.system_prompt_file": str(_template(tmp_path, "${keyword} --seed 12"))}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    [prompt] = piapi_prompts(sandbox_app)
    assert prompt.endswith("--seed 4294967295") and prompt.count("--seed") == 1
    images = images_of(sandbox_app, execution)
    assert len(images) == 4 and {i.seed for i in images} == {4294967295}


def test_openai_images_ignores_the_seed(sandbox_app: App, tmp_path: Path) -> None:
    execution = run_job(sandbox_app, job(tmp_path, "openai", 1, **{
        "parameters.seed_mode": "fixed", "parameters.seed": 7}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    bodies = [json.loads(r.body) for r in servers(sandbox_app).requests("openai") if r.body]
    assert bodies and not any("seed" in body for body in bodies)
    assert [i.seed for i in images_of(sandbox_app, execution)] == [None]


def test_rerun_with_this_seed_renders_the_images_prompt_again_with_its_seed(home: Path, tmp_path: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        parent = ok(app.api.start_job(job(tmp_path, "runware", 2, **{
            "parameters.label": "Birds", "parameters.runware_dimensions_csv": "512x512,768x512"})))
        recorder.wait_finished(1)
        image = next(i for i in app.repo.images_of_execution(parent["id"]) if i.generation_index == 1)
        assert image.seed is not None

        rerun = ok(app.api.rerun_with_seed(image.id))
        [_, finished] = recorder.wait_finished(2)
        assert finished.execution_id == rerun["id"] and finished.status is JobStatus.COMPLETED
        assert rerun["label"] == f"Birds (seed {image.seed})"
        child = app.repo.get_execution(rerun["id"])
        params = child.settings_snapshot["parameters"]
        assert (params["seed_mode"], params["seed"], params["count"]) == ("fixed", image.seed, 1)
        # The task sent: the image's prompt, its seed, and the size its own generation took from the rotation.
        last = runware_tasks(app)[-1]
        assert (last["positivePrompt"], last["seed"], last["width"], last["height"]) == (
            image.prompt, image.seed, 768, 512)
        [again] = app.repo.images_of_execution(child.id)
        assert (again.prompt, again.seed) == (image.prompt, image.seed)
        assert image_file(again).read_bytes() == image_file(image).read_bytes()  # the same picture, reproduced
        assert app.repo.images_of_execution(parent["id"])[1].seed is not None  # the parent is untouched


def test_an_image_without_a_seed_cannot_be_rerun_with_it(home: Path, tmp_path: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        parent = ok(app.api.start_job(job(tmp_path, "openai", 1)))
        recorder.wait_finished(1)
        [image] = app.repo.images_of_execution(parent["id"])
        assert error_code(app.api.rerun_with_seed(image.id)) == "conflict"
        assert error_code(app.api.rerun_with_seed(999_999)) == "not_found"
        assert ok(app.api.list_jobs({}))["total"] == 1  # nothing was started


def _template(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.txt"
    path.write_text(text, encoding="utf-8")
    return path

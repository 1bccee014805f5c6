"""Keyword files drive the job: CSV columns fill the template, random order never repeats within a cycle."""

from __future__ import annotations

from pathlib import Path

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus
from gif_app.sandbox.demo import CSV_ROWS, TEMPLATE, write_demo_inputs
from tests.integration.conftest import images_of, log_text, run_job

NO_AI = {"ai.run_quality_check": False, "ai.run_metadata_gen": False}


def _expected_prompt(subject: str, style: str, mood: str) -> str:
    return (TEMPLATE.replace("${{Style}}", style).replace("${{Subject}}", subject)
            .replace("${{Mood}}", mood))


def test_csv_columns_fill_the_template_used_as_the_prompt(sandbox_app: App, tmp_path: Path) -> None:
    inputs = write_demo_inputs(tmp_path / "inputs")
    execution = run_job(sandbox_app, {
        "file_paths.keywords_file": str(inputs["keywords_csv"]),
        "file_paths.system_prompt_file": str(inputs["template"]),
        "parameters.use_llm_prompts": False, "parameters.count": 3, "parameters.variations": 1, **NO_AI,
    })
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert [i.keyword for i in images] == [row[0] for row in CSV_ROWS[:3]]
    for image, row in zip(images, CSV_ROWS, strict=False):
        assert image.prompt == _expected_prompt(*row)
        assert image.status is ImageStatus.APPROVED
    # No LLM was asked to write anything.
    assert sandbox_app.sandbox.request_count("openai", "/v1/chat/completions") == 0


def test_csv_template_reaches_the_llm(sandbox_app: App, tmp_path: Path) -> None:
    inputs = write_demo_inputs(tmp_path / "inputs")
    execution = run_job(sandbox_app, {
        "file_paths.keywords_file": str(inputs["keywords_csv"]),
        "file_paths.system_prompt_file": str(inputs["template"]),
        "parameters.use_llm_prompts": True, "parameters.count": 2, "parameters.variations": 1, **NO_AI,
    })
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert [i.keyword for i in images] == ["red apple", "cup of coffee"]
    assert all(i.prompt for i in images)
    assert sandbox_app.sandbox.request_count("openai", "/v1/chat/completions") == 2
    text = log_text(sandbox_app, execution)
    # The instructions the LLM received carry each row's columns, substituted.
    assert f"Prompt instructions: {_expected_prompt(*CSV_ROWS[0])}" in text
    assert f"Prompt instructions: {_expected_prompt(*CSV_ROWS[1])}" in text


def test_random_order_uses_every_keyword_once_per_cycle(sandbox_app: App, tmp_path: Path) -> None:
    words = ["amber", "birch", "cobalt", "dune", "ember", "fjord", "glacier"]
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("\n".join(words) + "\n", encoding="utf-8")
    execution = run_job(sandbox_app, {
        "file_paths.keywords_file": str(keywords), "parameters.keyword_random": True,
        "parameters.use_llm_prompts": False, "parameters.count": 14, "parameters.variations": 1,
        "parameters.concurrency": 4, **NO_AI,
    })
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = sorted(images_of(sandbox_app, execution), key=lambda i: i.generation_index)
    picked = [i.keyword for i in images]
    assert len(picked) == 14
    assert sorted(picked[:7]) == words and sorted(picked[7:]) == words

"""Pre-flight on a real app: a job that could not start is refused with its problems and records nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gif_app.app import App, AppOptions, build_app
from gif_app.settings_schema import SETTINGS
from gif_app.vendors import BY_ID


def _app(home: Path, environ: dict[str, str] | None = None) -> App:
    return build_app(home, AppOptions(prefer_keychain=False, environ=environ or {}, start_workers=False))


@pytest.fixture
def keyless_app(tmp_path: Path) -> Iterator[App]:
    """Return an app on real vendors with no key at all and the saved defaults (no keyword file)."""
    app = _app(tmp_path / "home")
    try:
        yield app
    finally:
        app.close()


def _rows(app: App, table: str) -> int:
    return int(app.repo.db.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0])


def _settings_of(problems: list[dict[str, Any]]) -> list[str]:
    return [p["setting"] for p in problems]


def test_start_job_without_keys_is_refused_with_problems_and_creates_nothing(keyless_app: App) -> None:
    answer = keyless_app.api.start_job({"parameters.count": 2}, "queue")
    assert answer["ok"] is False
    error = answer["error"]
    assert error["code"] == "validation_error"
    assert _settings_of(error["problems"]) == ["keys.openai", "keys.runware", "file_paths.keywords_file"]
    assert all(p["message"] for p in error["problems"])
    assert "Settings → API keys" in error["problems"][0]["message"]
    assert "OPENAI_API_KEY" in error["problems"][0]["message"]
    assert error["fields"]["keys.runware"] == error["problems"][1]["message"]
    # No execution, no configuration: nothing for the job list, nothing for the worker to pick up.
    assert (_rows(keyless_app, "job_execution"), _rows(keyless_app, "job_configuration")) == (0, 0)
    assert keyless_app.api.get_queue()["data"] == []


def test_preflight_names_each_problem_with_a_real_setting_or_key(keyless_app: App, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    answer = keyless_app.api.preflight({"file_paths.output_directory": str(blocker / "out"),
                                        "file_paths.system_prompt_file": str(tmp_path / "gone.txt"),
                                        "ai.run_quality_check": False, "ai.run_metadata_gen": False,
                                        "parameters.use_llm_prompts": False})
    problems = answer["data"]["problems"]
    settings = _settings_of(problems)
    # OpenAI is not needed once every text step is off: only the image provider's key is asked for.
    assert "keys.runware" in settings and "keys.openai" not in settings
    # Every problem at once: the invalid value first, then what pre-flight finds on the valid ones.
    assert settings == ["file_paths.output_directory", "keys.runware", "file_paths.keywords_file",
                        "file_paths.system_prompt_file"]
    for setting in settings:
        section, name = setting.split(".", 1)
        assert setting in SETTINGS or (section == "keys" and name in BY_ID), setting
    output = next(p for p in problems if p["setting"] == "file_paths.output_directory")
    assert "is a file" in output["message"]


def test_a_malformed_key_and_an_empty_keyword_file_are_problems(tmp_path: Path) -> None:
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("# only a comment\n\n", encoding="utf-8")
    app = _app(tmp_path / "home", {"RUNWARE_API_KEY": "rw key pasted twice", "OPENAI_API_KEY": "sk-good"})
    try:
        problems = app.api.preflight({"file_paths.keywords_file": str(keywords)})["data"]["problems"]
    finally:
        app.close()
    assert _settings_of(problems) == ["keys.runware", "file_paths.keywords_file"]
    assert "does not look like a key" in problems[0]["message"]
    assert "keywords.txt has no keywords" in problems[1]["message"]


def test_an_invalid_override_is_a_problem_on_its_setting(keyless_app: App) -> None:
    problems = keyless_app.api.preflight({"parameters.count": 0})["data"]["problems"]
    assert problems[0] == {"setting": "parameters.count", "message": "Must be between 1 and 2500."}
    assert _settings_of(problems)[1:] == ["keys.openai", "keys.runware", "file_paths.keywords_file"]


def test_the_sandbox_has_no_problem_and_its_job_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    app = build_app(tmp_path / "home", AppOptions(is_sandbox=True, prefer_keychain=False, environ={},
                                                  start_workers=False))
    try:
        assert app.api.preflight({})["data"]["problems"] == []
        started = app.api.start_job({"parameters.count": 1}, "queue")
        assert started["ok"] and started["data"]["status"] == "queued"
        assert _rows(app, "job_execution") == 1
    finally:
        app.close()

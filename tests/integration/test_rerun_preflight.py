"""Rerun, bulk rerun and resume check what a new job checks: a key removed since is refused before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import JobStatus

KEYS = {"OPENAI_API_KEY": "sk-test-1234", "RUNWARE_API_KEY": "rw-test-1234"}


def _app(home: Path, environ: dict[str, str]) -> App:
    return build_app(home, AppOptions(prefer_keychain=False, environ=environ, start_workers=False))


def _job_started_with_keys(home: Path, keywords: Path) -> int:
    """Queue one job while the keys are set (through their environment variables), then close the app."""
    app = _app(home, KEYS)
    try:
        answer = app.api.start_job({"file_paths.keywords_file": str(keywords), "parameters.count": 1}, "queue")
        assert answer["ok"], answer
        execution_id = int(answer["data"]["id"])
        app.repo.update_execution(execution_id, status=JobStatus.STOPPED, queue_position=None)
        return execution_id
    finally:
        app.close()


@pytest.fixture
def keywords(tmp_path: Path) -> Path:
    """Return a keyword file with one keyword."""
    path = tmp_path / "keywords.txt"
    path.write_text("red fox\n", encoding="utf-8")
    return path


def test_rerun_bulk_rerun_and_resume_refuse_when_a_needed_key_is_gone(tmp_path: Path, keywords: Path) -> None:
    execution_id = _job_started_with_keys(tmp_path / "home", keywords)

    app = _app(tmp_path / "home", {})  # the keys are no longer set
    try:
        executions_before = len(app.repo.executions_with_status(*JobStatus))
        for answer in (app.api.rerun_job(execution_id), app.api.bulk_rerun([execution_id, execution_id]),
                       app.api.resume_job(execution_id)):
            assert not answer["ok"], answer
            problems = [p["setting"] for p in answer["error"]["problems"]]
            assert problems == ["keys.openai", "keys.runware"], problems
        assert len(app.repo.executions_with_status(*JobStatus)) == executions_before, "nothing was queued"
        assert app.repo.get_execution(execution_id).status is JobStatus.STOPPED
    finally:
        app.close()

    app = _app(tmp_path / "home", KEYS)  # with the keys back, the same rerun and resume are queued
    try:
        assert app.api.rerun_job(execution_id)["ok"]
        assert app.api.resume_job(execution_id)["ok"]
    finally:
        app.close()


def test_a_rerun_whose_keyword_file_moved_away_is_refused(tmp_path: Path, keywords: Path) -> None:
    execution_id = _job_started_with_keys(tmp_path / "home", keywords)
    keywords.unlink()
    app = _app(tmp_path / "home", KEYS)
    try:
        answer = app.api.rerun_job(execution_id)
        assert not answer["ok"]
        assert [p["setting"] for p in answer["error"]["problems"]] == ["file_paths.keywords_file"]
    finally:
        app.close()

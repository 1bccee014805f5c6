"""The jobs API on real runs: lists, progress polling, logs and exports, statistics, deletes, redaction."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gif_app.domain import JobStatus
from tests.integration.jobs_support import error_code, image_files, ok, quick, sandbox_app, wait_until


@pytest.fixture
def kolkata_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test in a zone with a half-hour UTC offset, so local time cannot be mistaken for UTC."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield "+0530"
    monkeypatch.undo()
    time.tzset()


def _seed_jobs(app: Any) -> dict[str, int]:
    """Create executions with known labels, statuses, dates and durations straight through the repository."""
    now = datetime.now().replace(microsecond=0)
    rows = [  # label, status, created days ago, duration in seconds
        ("Beach sunset", JobStatus.COMPLETED, 10, 60), ("beach umbrella", JobStatus.FAILED, 5, 5),
        ("Mountain lake", JobStatus.COMPLETED, 3, 600), ("City at night", JobStatus.STOPPED, 1, 30),
        ("Alpine BEACH", JobStatus.COMPLETED, 0, 120),
    ]
    ids = {}
    for label, status, days, seconds in rows:
        created = now - timedelta(days=days)
        execution = app.repo.create_execution(label=label, configuration_id=None, settings_snapshot={},
                                              planned=1, status=status)
        app.repo.update_execution(execution.id, created_at=created, started_at=created,
                                  finished_at=created + timedelta(seconds=seconds))
        ids[label] = execution.id
    return ids


def test_list_jobs_filters_sorts_and_pages_on_the_server(home: Path) -> None:
    with sandbox_app(home, start_worker=False) as (app, _recorder):
        ids = _seed_jobs(app)

        def labels(query: dict[str, Any]) -> list[str]:
            return [j["label"] for j in ok(app.api.list_jobs(query))["items"]]

        assert labels({}) == ["Alpine BEACH", "City at night", "Mountain lake", "beach umbrella", "Beach sunset"]
        assert labels({"sort": "oldest"})[0] == "Beach sunset"
        assert labels({"sort": "name"}) == ["Alpine BEACH", "Beach sunset", "beach umbrella", "City at night",
                                            "Mountain lake"]
        assert labels({"sort": "duration"})[:2] == ["Mountain lake", "Alpine BEACH"]
        assert labels({"search": "beach"}) == ["Alpine BEACH", "beach umbrella", "Beach sunset"]  # any case
        assert labels({"search": str(ids["Mountain lake"])}) == ["Mountain lake"]
        assert labels({"status": ["completed"], "sort": "name"}) == ["Alpine BEACH", "Beach sunset", "Mountain lake"]
        assert labels({"status": "failed"}) == ["beach umbrella"]
        week_ago = (datetime.now() - timedelta(days=7)).date().isoformat()
        two_days_ago = (datetime.now() - timedelta(days=2)).date().isoformat()
        assert labels({"date_from": week_ago, "date_to": two_days_ago}) == ["Mountain lake", "beach umbrella"]
        assert labels({"date_from": week_ago, "search": "beach", "status": ["completed"]}) == ["Alpine BEACH"]

        first = ok(app.api.list_jobs({"page_size": 2, "sort": "name"}))
        last = ok(app.api.list_jobs({"page_size": 2, "sort": "name", "page": 3}))
        assert (first["total"], first["pages"], len(first["items"])) == (5, 3, 2)
        assert [j["label"] for j in last["items"]] == ["Mountain lake"]
        assert ok(app.api.list_jobs({"page_size": 10_000}))["page_size"] == 200  # capped on the server


def test_progress_polling_returns_only_what_is_new_after_the_cursor(home: Path) -> None:
    with sandbox_app(home, latency={"openai": 0.05}) as (app, recorder):
        job = ok(app.api.start_job(quick(count=4, variations=2, **{"parameters.concurrency": 2})))
        cursor: dict[str, Any] = {"execution_id": job["id"]}
        overall: list[float] = []
        log_ids: list[int] = []
        image_ids: set[int] = set()
        saw_generation_phase = False
        while True:
            data = ok(app.api.get_progress(cursor))
            log_ids += [line["id"] for line in data["logs"]]
            image_ids |= {i["id"] for i in data["images"] if i["execution_id"] == job["id"]}
            if data["job"] is not None and data["job"]["execution_id"] == job["id"]:
                overall.append(data["job"]["overall"])
                saw_generation_phase |= 0.2 <= data["job"]["overall"] < 1.0
                assert 0.0 <= data["job"]["current_fraction"] <= 1.0
            cursor = data["cursor"]
            if recorder.finished() and not data["is_running"]:
                break
            wait_until(lambda: True)  # yield a moment between polls, as the page does every ~500 ms
        last = ok(app.api.get_progress(cursor))
        log_ids += [line["id"] for line in last["logs"]]

        stored = [r.id for r in app.repo.logs_of_execution(job["id"])]
        assert log_ids == stored  # every line once, in order, none skipped
        assert image_ids == {i.id for i in app.repo.images_of_execution(job["id"])}
        assert overall == sorted(overall) and overall[-1] == 1.0 and saw_generation_phase
        snapshot = last["job"]
        execution = app.repo.get_execution(job["id"])
        assert snapshot["planned"] == 8 and snapshot["generations_done"] == 4
        assert snapshot["counts"] == {"generated": 8, "approved": execution.approved,
                                      "qc_failed": execution.qc_failed, "processing_failed": execution.failed}
        assert snapshot["cost"] == pytest.approx(execution.cost) and snapshot["eta_s"] is None

        later = ok(app.api.get_progress({"execution_id": job["id"], "log_id": stored[-3],
                                         "images_since": datetime.now().isoformat()}))
        assert [line["id"] for line in later["logs"]] == stored[-2:]
        assert later["images"] == []


def test_logs_filter_search_and_export_in_local_time(home: Path, tmp_path: Path, kolkata_time: str) -> None:
    with sandbox_app(home) as (app, recorder):
        job = ok(app.api.start_job(quick(count=2, variations=1)))
        recorder.wait_finished(1)
        every = ok(app.api.get_logs(job["id"]))
        assert every and all(line["execution_id"] == job["id"] for line in every)
        assert {line["level"] for line in ok(app.api.get_logs(job["id"], {"levels": ["info"]}))} == {"info"}
        found = ok(app.api.get_logs(job["id"], {"search": "JOB COMPLETED"}))
        assert [line["message"].split(":")[0] for line in found] == ["Job completed"]
        assert ok(app.api.get_logs(job["id"], {"after_id": every[-1]["id"]})) == []

        txt = ok(app.api.export_logs(job["id"], "txt", str(tmp_path / "log.txt")))
        jsonl = ok(app.api.export_logs(job["id"], "jsonl", str(tmp_path / "log.jsonl")))
        assert txt["lines"] == jsonl["lines"] == len(every)
        text_lines = (tmp_path / "log.txt").read_text(encoding="utf-8").splitlines()
        assert all(f" {kolkata_time} " in line for line in text_lines)
        records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()]
        stamps = [datetime.fromisoformat(r["time"]) for r in records]
        assert all(s.utcoffset() == timedelta(hours=5, minutes=30) for s in stamps)
        # Local wall-clock time: what the user's clock showed, not UTC.
        assert abs(stamps[-1].replace(tzinfo=None) - datetime.now()) < timedelta(minutes=5)
        assert error_code(app.api.export_logs(job["id"], "csv", str(tmp_path / "log.csv"))) == "validation_error"


def test_a_key_in_a_keyword_file_never_reaches_logs_or_exports(home: Path, tmp_path: Path) -> None:
    secret = "rw-SECRET-5f3a9c1e77"
    keywords = tmp_path / "keywords.txt"
    keywords.write_text(f"red apple {secret}\n", encoding="utf-8")
    with sandbox_app(home) as (app, recorder):
        ok(app.api.set_key("runware", secret))
        job = ok(app.api.start_job(quick(count=1, **{"parameters.use_llm_prompts": False,
                                                     "file_paths.keywords_file": str(keywords)})))
        recorder.wait_finished(1)
        lines = ok(app.api.get_logs(job["id"]))
        assert any("red apple" in line["message"] for line in lines)
        assert not any(secret in json.dumps(line) for line in lines)
        ok(app.api.export_logs(job["id"], "txt", str(tmp_path / "out.txt")))
        ok(app.api.export_logs(job["id"], "jsonl", str(tmp_path / "out.jsonl")))
        assert secret not in (tmp_path / "out.txt").read_text(encoding="utf-8")
        assert secret not in (tmp_path / "out.jsonl").read_text(encoding="utf-8")
        assert secret not in json.dumps(ok(app.api.get_progress({"execution_id": job["id"]})))


def test_statistics_add_up_the_runs(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        assert ok(app.api.statistics())["total_jobs"] == 0
        for count in (2, 3):
            ok(app.api.start_job(quick(count=count, variations=1)))
        recorder.wait_finished(2)
        runs = [app.repo.get_execution(e.execution_id) for e in recorder.finished()]
        stats = ok(app.api.statistics())
        generated = sum(r.generated for r in runs)
        approved = sum(r.approved for r in runs)
        assert stats["total_jobs"] == 2 and generated == 5
        assert (stats["images_generated"], stats["images_approved"]) == (generated, approved)
        assert stats["success_rate"] == round(approved / generated, 4)
        assert stats["cost"] == pytest.approx(sum(r.cost for r in runs), abs=1e-4) and stats["cost"] > 0
        assert stats["average_duration_s"] > 0
        assert stats["by_status"] == {"completed": 2}


def test_delete_removes_rows_and_only_the_files_asked_for(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        keep = ok(app.api.start_job(quick(count=2, variations=2)))
        drop = ok(app.api.start_job(quick(count=2, variations=2)))
        recorder.wait_finished(2)
        ok(app.api.rerun_job(keep["id"]))
        recorder.wait_finished(3)
        folders = (app.home.default_temp, app.home.default_output)
        keep_files = {Path(i.final_path or i.temp_path or "").resolve()
                      for i in app.repo.images_of_execution(keep["id"])}
        drop_files = {Path(i.final_path or i.temp_path or "").resolve()
                      for i in app.repo.images_of_execution(drop["id"])}
        assert len(keep_files) == len(drop_files) == 4

        assert ok(app.api.delete_jobs([keep["id"]], False)) == {"deleted": 1, "files_deleted": 0}
        assert error_code(app.api.get_job(keep["id"])) == "not_found"
        assert app.repo.images_of_execution(keep["id"]) == []
        assert app.repo.logs_of_execution(keep["id"]) == []
        assert keep_files <= image_files(*folders)  # the files stay when the user keeps them
        rerun = ok(app.api.list_jobs({"search": "rerun"}))["items"]
        assert len(rerun) == 1 and rerun[0]["parent_id"] is None  # the rerun outlives its parent

        assert ok(app.api.delete_jobs([drop["id"]], True)) == {"deleted": 1, "files_deleted": 4}
        assert not drop_files & image_files(*folders)
        assert error_code(app.api.delete_jobs([drop["id"]], True)) == "not_found"
        wait_until(lambda: ok(app.api.statistics())["total_jobs"] == 1, what="one job left")

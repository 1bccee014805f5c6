"""Reruns: a new execution from the edited stored configuration, the parent untouched, bulk order kept."""

from __future__ import annotations

from pathlib import Path

from gif_app.app import AppOptions, build_app
from gif_app.domain import JobStatus
from tests.integration.jobs_support import jobs_of, ok, quick, sandbox_app, wait_until


def test_rerun_uses_the_edited_configuration_and_leaves_the_parent_untouched(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        parent_id = ok(app.api.start_job(quick(count=2, variations=1, **{"parameters.label": "Autumn set"})))["id"]
        recorder.wait_finished(1)
        parent_before = app.repo.get_execution(parent_id)
        images_before = app.repo.images_of_execution(parent_id)
        files_before = {Path(i.final_path or i.temp_path or ""): Path(i.final_path or i.temp_path or "").read_bytes()
                        for i in images_before}

        config = ok(app.api.get_job_configuration(parent_id))
        assert config["settings"]["parameters"]["variations"] == 1
        config["settings"]["parameters"]["variations"] = 2
        config["settings"]["ai"]["run_metadata_gen"] = False
        ok(app.api.update_job_configuration(parent_id, config["settings"]))

        rerun = ok(app.api.rerun_job(parent_id))
        recorder.wait_finished(2)
        child = app.repo.get_execution(rerun["id"])
        assert child.id != parent_id and child.parent_id == parent_id
        assert child.label == "Autumn set (rerun 1)"
        assert child.status is JobStatus.COMPLETED
        assert child.settings_snapshot["parameters"]["variations"] == 2
        assert child.settings_snapshot["ai"]["run_metadata_gen"] is False
        child_images = app.repo.images_of_execution(child.id)
        assert len(child_images) == child.planned == 4
        assert sorted((i.generation_index, i.variation_index) for i in child_images) == [
            (0, 0), (0, 1), (1, 0), (1, 1)]
        assert all(i.metadata.is_empty for i in child_images)  # metadata was switched off in the edit

        # The original run, its rows and its files are exactly as they were.
        assert app.repo.get_execution(parent_id) == parent_before
        assert app.repo.images_of_execution(parent_id) == images_before
        assert {p: p.read_bytes() for p in files_before} == files_before
        assert parent_before.settings_snapshot["parameters"]["variations"] == 1


def test_reruns_of_reruns_get_distinct_labels(home: Path) -> None:
    with sandbox_app(home, start_worker=False) as (app, _recorder):
        parent = ok(app.api.start_job(quick(count=1, **{"parameters.label": "Spring"})))
        first = ok(app.api.rerun_job(parent["id"]))
        second = ok(app.api.rerun_job(first["id"]))
        third = ok(app.api.rerun_job(parent["id"]))
        assert [first["label"], second["label"], third["label"]] == [
            "Spring (rerun 1)", "Spring (rerun 2)", "Spring (rerun 3)"]
        assert second["parent_id"] == first["id"] and third["parent_id"] == parent["id"]
        assert ok(app.api.list_jobs({"has_queued_rerun": True}))["total"] == 2  # parent and first


def test_the_same_label_never_overwrites_another_jobs_configuration(home: Path) -> None:
    with sandbox_app(home, start_worker=False) as (app, _recorder):
        one = ok(app.api.start_job(quick(count=1, **{"parameters.label": "Same name"})))
        two = ok(app.api.start_job(quick(count=3, **{"parameters.label": "Same name"})))
        assert one["configuration_id"] != two["configuration_id"]
        settings = ok(app.api.get_job_configuration(two["id"]))["settings"]
        settings["parameters"]["count"] = 7
        ok(app.api.update_job_configuration(two["id"], settings))
        assert ok(app.api.get_job_configuration(one["id"]))["settings"]["parameters"]["count"] == 1
        assert ok(app.api.get_job_configuration(two["id"]))["settings"]["parameters"]["count"] == 7
        # Renaming a job changes its label only; the stored configuration stays as it was.
        renamed = ok(app.api.rename_job(one["id"], "  Better name "))
        assert renamed["label"] == "Better name"
        assert ok(app.api.get_job(one["id"]))["execution"]["label"] == "Better name"
        assert app.api.rename_job(one["id"], " ")["error"]["code"] == "conflict"


def test_bulk_rerun_order_survives_a_restart(home: Path) -> None:
    with sandbox_app(home) as (app, recorder):
        originals = [ok(app.api.start_job(quick(count=1, **{"parameters.label": f"Job {n}"})))["id"]
                     for n in range(3)]
        recorder.wait_finished(3)

    order = [originals[2], originals[0], originals[1]]
    second = build_app(home, AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    try:
        queued = ok(second.api.bulk_rerun(order))
        assert [q["parent_id"] for q in queued] == order
        assert [q["id"] for q in ok(second.api.get_queue())] == [q["id"] for q in queued]
    finally:
        second.close()  # the queue lives in the database, not in this process

    third = build_app(home, AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=True))
    try:
        ids = [q["id"] for q in queued]
        # The worker clears its current job just after the last status is written: wait for both.
        wait_until(lambda: all(third.repo.get_execution(i).status.is_terminal for i in ids)
                   and jobs_of(third).current_execution_id() is None, what="the bulk reruns")
        runs = [third.repo.get_execution(i) for i in ids]
        assert [r.status for r in runs] == [JobStatus.COMPLETED] * 3
        assert [r.parent_id for r in runs] == order
        for earlier, later in zip(runs, runs[1:], strict=False):
            assert earlier.finished_at is not None and later.started_at is not None
            assert earlier.finished_at <= later.started_at  # in queued order, one after another
        assert ok(third.api.get_queue()) == []
        assert jobs_of(third).current_execution_id() is None
    finally:
        third.close()

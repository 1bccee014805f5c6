"""Failed Images Review's server side: the reason filter (on the plain and the text-search paths), the
filter menus' counts, each image's latest retry state and its retry history, and the job images by status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gif_app import settings as settings_mod
from gif_app.app import App, AppOptions, build_app
from gif_app.domain import FailureStage, ImageStatus, JobStatus, NewImage, RetryStatus


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """Return the app with its workers off (retry tasks stay where the test puts them)."""
    built = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, start_workers=False))
    yield built
    built.close()


def ok(envelope: dict[str, Any]) -> Any:
    """Return an envelope's data, failing with its error otherwise."""
    assert envelope["ok"], envelope.get("error")
    return envelope["data"]


def seed(app: App, label: str, rows: list[tuple[str, ImageStatus, str | None]]) -> list[int]:
    """Record a job with one image per (keyword, status, reason); return the image ids."""
    execution = app.repo.create_execution(label=label, configuration_id=None, settings_snapshot=settings_mod.defaults(),
                                          planned=len(rows), status=JobStatus.COMPLETED)
    ids = []
    for n, (keyword, status, reason) in enumerate(rows):
        image = app.repo.record_image(NewImage(
            mapping_id=f"{label}-{n}", execution_id=execution.id, generation_index=n, variation_index=0,
            prompt=f"A {keyword} on white", keyword=keyword, seed=n, provider="runware", provider_ids={},
            temp_path=f"/nowhere/{label}-{n}.png"))
        ids.append(app.repo.update_image(image.id, status=status, reason=reason).id)
    return ids


TRIM = FailureStage.TRIM.reason


def test_reason_filter_menus_and_search(app: App) -> None:
    cats = seed(app, "Cats", [("cat", ImageStatus.QC_FAILED, "Blurry subject"),
                              ("cat toy", ImageStatus.QC_FAILED, TRIM),
                              ("kitten", ImageStatus.RETRY_FAILED, TRIM),
                              ("cat bed", ImageStatus.APPROVED, None)])
    dogs = seed(app, "Dogs", [("dog", ImageStatus.QC_FAILED, "Extra limbs")])

    def listed(tab: str, **query: Any) -> list[int]:
        return sorted(i["id"] for i in ok(app.api.list_failed(tab, query))["items"])

    assert listed("failed", reason="qc") == sorted([cats[0], dogs[0]])
    assert listed("failed", reason=TRIM) == [cats[1]]
    assert listed("all", reason=TRIM) == sorted([cats[1], cats[2]])
    cats_job, dogs_job = (ok(app.api.get_image(i))["execution_id"] for i in (cats[0], dogs[0]))
    assert listed("all", reason="qc", execution_ids=[dogs_job]) == [dogs[0]]
    assert listed("all", reason=TRIM, execution_ids=[dogs_job]) == []
    # The text search takes another path through the index; the reason filter holds there too.
    assert listed("all", search="cat", reason=TRIM) == [cats[1]]
    assert listed("all", search="cat", reason="qc") == [cats[0]]

    menus = ok(app.api.failed_filters("all"))
    assert [(j["label"], j["count"]) for j in menus["jobs"]] == [("Dogs", 1), ("Cats", 3)]
    assert [(r["value"], r["label"], r["count"]) for r in menus["reasons"]] == [
        ("qc", "Rejected by QC", 2), (TRIM, "Trim failed", 2)]

    by_status = ok(app.api.list_images_for_job(cats_job, ["qc_failed"]))
    assert sorted(i["id"] for i in by_status) == sorted(cats[:2])
    assert len(ok(app.api.list_images_for_job(cats_job))) == 4
    assert app.api.list_images_for_job(cats_job, [3])["ok"] is False


def test_latest_retry_state_on_each_card_and_the_history(app: App) -> None:
    ids = seed(app, "Retries", [("a", ImageStatus.QC_FAILED, "Blurry"), ("b", ImageStatus.QC_FAILED, "Blurry")])
    first = ok(app.api.retry_images([ids[0]], "original"))["task_ids"][0]
    app.repo.update_retry_task(first, RetryStatus.FAILED, "Trim failed: empty image")
    app.repo.update_image(ids[0], status=ImageStatus.RETRY_FAILED, reason=TRIM)
    ok(app.api.retry_images([ids[0]], "original"))

    states = {i["id"]: i["retry_state"] for i in ok(app.api.list_failed("all"))["items"]}
    assert states == {ids[0]: "queued", ids[1]: None}
    history = ok(app.api.retry_history(ids[0]))
    assert [(t["state"], t["mode"]) for t in history] == [("queued", "original"), ("failed", "original")]
    assert history[1]["error"] == "Trim failed: empty image"
    assert history[0]["mode_label"] == "Retry with the job's settings"
    assert ok(app.api.retry_history(ids[1])) == []

"""An import job reruns and retries like any job: a rerun imports its files again, a flagged duplicate retries."""

from __future__ import annotations

import threading
from pathlib import Path

from PIL import Image

from gif_app.app import App
from gif_app.domain import ImageStatus, JobExecution, JobStatus
from tests.integration.conftest import jobs_of
from tests.integration.retry_support import Done, retries_of

WAIT_S = 60.0


class Finished:
    """Collects the executions the job service reports as finished."""

    def __init__(self, app: App) -> None:
        self.ids: dict[int, JobExecution] = {}
        self._cond = threading.Condition()
        jobs_of(app).add_listener(self._heard)

    def _heard(self, event: str, execution: JobExecution) -> None:
        if event == "finished":
            with self._cond:
                self.ids[execution.id] = execution
                self._cond.notify_all()

    def wait(self, execution_id: int) -> JobExecution:
        """Return the execution once it finished; fail the test after WAIT_S."""
        with self._cond:
            assert self._cond.wait_for(lambda: execution_id in self.ids, WAIT_S), f"job {execution_id} never ended"
            return self.ids[execution_id]


def _drop(app: App, paths: list[Path]) -> list[str]:
    """Drop the files on the window as its drop handler reports them, and ask their paths as the page does."""
    app.ctx.drops.enable()
    for path in paths:
        app.ctx.drops.record(path.name, str(path))
    return [app.api.dropped_file_path(path.name)["data"]["path"] for path in paths]


def _import(app: App, finished: Finished, paths: list[Path]) -> JobExecution:
    answer = app.api.import_images(_drop(app, paths))
    assert answer["ok"], answer
    return finished.wait(answer["data"]["execution"]["id"])


def test_rerun_imports_again_and_a_flagged_duplicate_can_be_retried(sandbox_app: App, tmp_path: Path) -> None:
    app = sandbox_app
    settings = app.ctx.settings_file.load().settings
    settings["ai"]["run_quality_check"] = False
    app.ctx.settings_file.save(settings)
    paths = []
    for n in range(2):
        paths.append(tmp_path / f"own_{n}.png")
        Image.new("RGB", (256, 256), (30 + 100 * n, 90, 160)).save(paths[-1])
    finished = Finished(app)
    jobs_of(app).start_worker()

    first = _import(app, finished, paths)
    assert (first.status, first.approved, first.planned) == (JobStatus.COMPLETED, 2, 2)

    # A rerun is the same job again: its files are not duplicates of the run it repeats.
    rerun = jobs_of(app).rerun(first.id)
    again = finished.wait(rerun.id)
    assert again.status is JobStatus.COMPLETED and again.approved == 2

    # Adding them as a new job flags both; a retry of a flagged one imports it after all.
    second = _import(app, finished, paths[:1])
    flagged = app.repo.images_of_execution(second.id)
    assert [(i.status, i.reason) for i in flagged] == [(ImageStatus.QC_FAILED, "duplicate")]
    review = app.api.list_failed("failed", {"execution_ids": [second.id]})["data"]["items"]
    assert [(i["id"], i["reason_label"]) for i in review] == [(flagged[0].id, "Already imported (same content)")]
    done = Done(app)
    retries_of(app).start_worker()
    assert app.api.retry_images([flagged[0].id], "original", None, False, [])["ok"]
    done.wait(1)
    retried = app.repo.get_image(flagged[0].id)
    assert retried.status is ImageStatus.APPROVED and retried.final_path and Path(retried.final_path).is_file()


def test_nothing_to_import_is_refused_before_any_job_exists(sandbox_app: App, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    answer = sandbox_app.api.import_images(_drop(sandbox_app, [tmp_path / "empty"]))
    assert not answer["ok"] and "No image file" in answer["error"]["message"]
    assert not sandbox_app.repo.executions_with_status(*JobStatus)

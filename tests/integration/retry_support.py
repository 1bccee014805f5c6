"""Shared helpers for the retry tests: jobs whose images failed QC, and a listener that waits for ended tasks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from gif_app import settings as settings_mod
from gif_app.app import App
from gif_app.domain import ImageStatus, NewImage, RetryTask
from gif_app.jobs.retry import RetryService

WAIT_S = 60.0


def retries_of(app: App) -> RetryService:
    """Return the app's retry service."""
    service = app.ctx.services.retries
    assert isinstance(service, RetryService)
    return service


class Done:
    """Collects the retry tasks the service reports as ended, in order."""

    def __init__(self, app: App) -> None:
        self.tasks: list[RetryTask] = []
        self._cond = threading.Condition()
        retries_of(app).add_listener(self._heard)

    def _heard(self, task: RetryTask) -> None:
        with self._cond:
            self.tasks.append(task)
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = WAIT_S) -> list[RetryTask]:
        """Return the ended tasks once there are `count` of them; fail the test after `timeout`."""
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.tasks) >= count, timeout), f"only {self.tasks} ended"
            return list(self.tasks)


def failed_job(app: App, label: str, overrides: dict[str, Any], images: int = 2) -> list[int]:
    """Record a job whose images failed QC: real PNGs in temp, as a run leaves them; return the image ids."""
    settings = settings_mod.apply_overrides(settings_mod.defaults(), [f"{k}={v}" for k, v in overrides.items()])
    settings["ai"]["run_metadata_gen"] = False
    execution = app.repo.create_execution(label=label, configuration_id=None, settings_snapshot=settings,
                                          planned=images)
    ids = []
    for n in range(images):
        img = Image.new("RGB", (256, 256), (235, 235, 240))
        ImageDraw.Draw(img).ellipse((64, 64, 192, 192), fill=(200, 40, 40))
        path = app.home.default_temp / f"{label}-{n}.png"
        img.save(path)
        ids.append(app.repo.record_image(NewImage(
            mapping_id=f"{label}-{n}", execution_id=execution.id, generation_index=0, variation_index=n,
            prompt=f"{label} apple", keyword=label, seed=n, provider="runware", provider_ids={},
            temp_path=str(path), status=ImageStatus.QC_FAILED, reason="Distorted text on the sign")).id)
    return ids


def output_files(app: App) -> list[Path]:
    """Return the files in the default output folder (hidden claims and partial writes included)."""
    folder = app.home.default_output
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []

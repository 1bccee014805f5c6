"""The progress tracker's elapsed time runs while the job runs and stops when it finishes."""

from __future__ import annotations

from gif_app.jobs.progress import ProgressTracker


class Clock:
    """A clock the test moves by hand (no sleeping)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_elapsed_runs_while_the_job_runs_and_freezes_when_it_finishes() -> None:
    clock = Clock()
    tracker = ProgressTracker(execution_id=1, label="Clock", generations_total=1, variations=1, clock=clock)
    clock.now += 4.8
    assert tracker.snapshot()["elapsed_s"] == 4.8
    tracker.finish()
    clock.now += 33.2  # the page keeps polling after the end: the figure must not move
    assert tracker.snapshot()["elapsed_s"] == 4.8
    tracker.finish("stopped")  # a second finish keeps the first end
    clock.now += 10
    assert tracker.snapshot()["elapsed_s"] == 4.8

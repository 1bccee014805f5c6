"""Crash-test driver: run one sandbox job on a home folder, print "RECORDED <n>" per recorded image, until killed.

Usage: python tests/integration/crash_driver.py HOME
Lines on stdout: "EXECUTION <id>", then "RECORDED <n>" each time the job's n-th image row appears,
then "FINISHED <status>" if nobody killed the process first.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from gif_app.app import AppOptions, build_app
from gif_app.domain import JobExecution

COUNT, VARIATIONS = 6, 2
OVERRIDES = {
    "parameters.count": COUNT, "parameters.variations": VARIATIONS, "parameters.concurrency": 2,
    # Conversion renames the temp file mid-job, so a kill can land between the new file and its row.
    "processing.remove_bg": True, "processing.remover": "removebg", "processing.image_convert": True,
    "processing.convert_format": "jpg",
}
LATENCY = {"runware": 0.25, "openai": 0.08, "removebg": 0.08}


def main(argv: list[str]) -> int:
    """Run the job and report each recorded image on stdout."""
    app = build_app(Path(argv[1]), AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    assert app.sandbox is not None
    app.sandbox.config.latency.update(LATENCY)
    jobs = app.ctx.services.jobs
    finished: list[JobExecution] = []
    done = threading.Event()

    def on_event(event: str, execution: JobExecution) -> None:
        if event == "finished":
            finished.append(execution)
            done.set()

    jobs.add_listener(on_event)
    execution = jobs.start_job(OVERRIDES)
    print(f"EXECUTION {execution.id}", flush=True)
    jobs.start_worker()
    seen = 0
    while True:
        is_done = done.wait(0.005)
        recorded = len(app.repo.images_of_execution(execution.id))
        for number in range(seen + 1, recorded + 1):
            print(f"RECORDED {number}", flush=True)
        seen = max(seen, recorded)
        if is_done:
            break
    print(f"FINISHED {finished[0].status.value}", flush=True)
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

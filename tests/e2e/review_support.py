"""Helpers of the jobs/review browser tests: run a sandbox job to its end, wait for conditions, screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from e2e_support import SCREENSHOTS, UI

from gif_app.app import App
from tests.helpers.waiting import wait_until

WAIT_S = 60.0


def ok(envelope: dict[str, Any]) -> Any:
    """Return an Api envelope's data, failing the test with its error otherwise."""
    assert envelope["ok"], envelope.get("error")
    return envelope["data"]


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    """Return `condition()` once truthy; fail after `timeout` seconds."""
    return wait_until(condition, timeout, what, interval=0.1)


DETERMINISTIC_SEED = 1


def run_job(gif: App, **overrides: Any) -> dict[str, Any]:
    """Start a sandbox job with per-run overrides and return its execution once it has finished.

    Seeds are fixed unless a test says otherwise: the sandbox draws each image from its seed (a missing one
    comes from the random taskUUID) and its QC verdict from the image, so fixed seeds make "how many images
    fail QC" the same on every run instead of a draw a test could lose.
    """
    overrides = {"parameters.seed_mode": "increment", "parameters.seed": DETERMINISTIC_SEED, **overrides}
    started = ok(gif.api.start_job(overrides))

    def finished() -> dict[str, Any] | None:
        execution = ok(gif.api.get_job(started["id"]))["execution"]
        progress = ok(gif.api.get_progress({}))
        is_done = execution["status"] not in ("queued", "running") and progress["running_id"] is None
        return execution if is_done else None

    return wait_for(finished, f"job {started['id']} to finish")  # type: ignore[no-any-return]


def shoot(ui: UI, name: str) -> Path:
    """Save a screenshot of the page (animations settled) to test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Pictures in the shot must have arrived: wait for every visible <img> to finish loading.
    ui.page.wait_for_function("""[...document.images].filter((i) => {
        const r = i.getBoundingClientRect();
        return r.width > 0 && r.bottom > 0 && r.top < innerHeight;
    }).every((i) => i.complete)""")
    ui.page.evaluate("document.getAnimations().forEach(a => { try { a.finish(); } catch (e) {} })")
    ui.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, f"{path.name} looks blank"
    return path


def shoot_both(ui: UI, name: str) -> None:
    """Screenshot the current page in light and dark colour schemes."""
    for scheme in ("light", "dark"):
        ui.page.emulate_media(color_scheme=scheme)
        shoot(ui, f"{name}-{scheme}")
    ui.page.emulate_media(color_scheme="light")

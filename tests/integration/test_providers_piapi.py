"""PiAPI Midjourney adapter against the sandbox: task lifecycle, failures, polling limits, cancel."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from gif_app.domain import CancelToken
from gif_app.errors import (
    AuthenticationError,
    CancelledError,
    InsufficientCreditsError,
    ProviderError,
)
from gif_app.providers.base import RenderRequest
from gif_app.providers.fetch import CHARGE_UNKNOWN
from gif_app.providers.piapi import PiapiMidjourney
from gif_app.sandbox.servers import SandboxServers

KEY = "piapi-test-key-0123456789"


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers.start() as servers:
        servers.config.piapi_task_duration = 0.3
        yield servers


def midjourney(sandbox: SandboxServers, key: str = KEY, **kwargs: float) -> PiapiMidjourney:
    return PiapiMidjourney(
        key, sandbox.base_urls["piapi"], timeout_s=5.0, retries=1,
        poll_interval_s=kwargs.get("poll_interval_s", 0.05), poll_timeout_s=kwargs.get("poll_timeout_s", 10.0),
        max_total_poll_errors=int(kwargs.get("max_total_poll_errors", 10)), backoff_s=0.01,
    )


def test_task_runs_to_completion_and_returns_the_four_images(sandbox: SandboxServers) -> None:
    images = midjourney(sandbox).render(RenderRequest(prompt="a lighthouse at dusk", count=4, aspect_ratio="16:9"))
    assert len(images) == 4
    sizes = set()
    for image in images:
        with Image.open(io.BytesIO(image.data)) as picture:
            sizes.add(picture.size)
        assert image.extension == "png" and image.provider_ids["task_id"]
    assert sizes == {(1024, 576)}  # the sandbox honours the aspect ratio we sent
    assert sandbox.request_count("piapi", "/api/v1/task") >= 2  # one create, at least one poll


def test_more_than_four_images_take_several_tasks(sandbox: SandboxServers) -> None:
    images = midjourney(sandbox).render(RenderRequest(prompt="a lighthouse at dusk", count=6))
    assert len(images) == 6
    assert len({image.provider_ids["task_id"] for image in images}) == 2
    posts = [r for r in sandbox.requests("piapi") if r.method == "POST"]
    assert len(posts) == 2


def test_failed_task_reports_midjourneys_reason(sandbox: SandboxServers) -> None:
    with pytest.raises(ProviderError) as caught:
        midjourney(sandbox).render(RenderRequest(prompt="a failtask lighthouse"))
    assert caught.value.code == "task_failed"
    assert "Banned prompt detected" in caught.value.message


def test_invalid_key_is_refused_with_the_vendor_message(sandbox: SandboxServers) -> None:
    with pytest.raises(AuthenticationError) as caught:
        midjourney(sandbox, key="invalid").render(RenderRequest(prompt="a lighthouse"))
    assert "Unauthorized" in caught.value.message
    assert sandbox.request_count("piapi") == 1


def test_task_that_never_finishes_is_recorded_missing_under_its_id(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_task_duration = 60.0
    images = midjourney(sandbox, poll_timeout_s=0.4).render(RenderRequest(prompt="a lighthouse", count=4))
    # Created, so it may still complete and bill: its four images are on record for resume to read back.
    [task] = sandbox.billed("piapi")
    assert len(images) == 4 and all(i.is_missing and i.provider_ids[CHARGE_UNKNOWN] for i in images)
    assert {i.provider_ids["task_id"] for i in images} == {task.request_id}
    assert "did not finish" in images[0].download_error and "read its result back" in images[0].download_error


def test_polling_gives_up_after_the_total_error_limit(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_task_duration = 60.0
    sandbox.config.set_fault("piapi", "500", 0.5)  # request 1 (create) passes, then every second poll fails
    images = midjourney(sandbox, poll_interval_s=0.01, max_total_poll_errors=2).render(
        RenderRequest(prompt="a lighthouse")
    )
    assert all(i.is_missing and i.provider_ids["task_id"] for i in images)
    assert "gave up after 2 polling errors" in images[0].download_error
    assert sandbox.request_count("piapi", "/api/v1/task") == 4  # create, error, ok, error


def test_force_stop_interrupts_polling(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_task_duration = 60.0
    token = CancelToken()
    timer = threading.Timer(0.3, token.request_abort)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(CancelledError):
            midjourney(sandbox, poll_interval_s=30.0).render(RenderRequest(prompt="a lighthouse"), cancel=token)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5.0


def sent_input(sandbox: SandboxServers, task_id: object) -> dict[str, Any]:
    """Return the `input` the sandbox recorded for a task, read back through PiAPI's fetch endpoint."""
    answer = httpx.get(f"{sandbox.base_urls['piapi']}/api/v1/task/{task_id}", headers={"X-API-Key": KEY})
    data: dict[str, Any] = answer.json()["data"]["input"]
    return data


def test_aspect_ratio_is_sent_once_in_its_own_field(sandbox: SandboxServers) -> None:
    images = midjourney(sandbox).render(RenderRequest(prompt="a lighthouse at dusk", count=1, aspect_ratio="16:9"))
    sent = sent_input(sandbox, images[0].provider_ids["task_id"])
    assert sent["aspect_ratio"] == "16:9"
    assert "--ar" not in sent["prompt"] and "--aspect" not in sent["prompt"]
    assert sent["prompt"] == "a lighthouse at dusk --v 6.1"


def test_a_ratio_written_in_the_prompt_moves_to_the_field(sandbox: SandboxServers) -> None:
    request = RenderRequest(prompt="a lighthouse --ar 2:3 at dusk", count=1, aspect_ratio="16:9")
    images = midjourney(sandbox).render(request)
    sent = sent_input(sandbox, images[0].provider_ids["task_id"])
    assert (sent["aspect_ratio"], sent["prompt"].count("--ar")) == ("2:3", 0)
    with Image.open(io.BytesIO(images[0].data)) as picture:
        assert picture.width < picture.height  # Midjourney (the sandbox) drew the prompt's portrait ratio


@pytest.mark.parametrize("plan", ["temporary", "image_urls", "grid"])
def test_every_plan_gives_four_distinct_images(sandbox: SandboxServers, plan: str) -> None:
    sandbox.config.piapi_output = plan
    images = midjourney(sandbox).render(RenderRequest(prompt="a lighthouse", count=4, aspect_ratio="16:9"))
    assert len(images) == 4 and len({image.data for image in images}) == 4
    for image in images:
        with Image.open(io.BytesIO(image.data)) as picture:
            assert picture.size == (1024, 576)
    task_id = images[0].provider_ids["task_id"]
    downloads = sorted(r.path for r in sandbox.requests("piapi") if r.path.startswith("/files/"))
    if plan == "grid":  # only the 2x2 grid exists on this plan: it is fetched once and split
        assert downloads == [f"/files/{task_id}/grid.png"]
        assert [image.provider_ids["index"] for image in images] == [1, 2, 3, 4]
    else:
        assert downloads == [f"/files/{task_id}/{n}.png" for n in range(4)]


@pytest.mark.parametrize("reply", ["400", "402", "200", "task"])
def test_an_empty_balance_is_a_credit_error_in_every_shape(sandbox: SandboxServers, reply: str) -> None:
    sandbox.config.piapi_task_budget = 0
    sandbox.config.piapi_credit_reply = reply
    with pytest.raises(InsufficientCreditsError) as caught:
        midjourney(sandbox).render(RenderRequest(prompt="a lighthouse", count=8))
    assert "insufficient credits" in caught.value.message
    # Not retried, not polled, and the second task of the request is never created.
    assert [(r.method, r.path) for r in sandbox.requests("piapi")] == [("POST", "/api/v1/task")]

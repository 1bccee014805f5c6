"""PiAPI Midjourney adapter against the sandbox: task lifecycle, failures, polling limits, cancel."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from gif_app.domain import CancelToken
from gif_app.errors import AuthenticationError, CancelledError, ProviderError, ProviderTimeoutError
from gif_app.providers.base import RenderRequest
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


def test_task_that_never_finishes_times_out(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_task_duration = 60.0
    with pytest.raises(ProviderTimeoutError) as caught:
        midjourney(sandbox, poll_timeout_s=0.4).render(RenderRequest(prompt="a lighthouse"))
    assert "did not finish" in caught.value.message


def test_polling_gives_up_after_the_total_error_limit(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_task_duration = 60.0
    sandbox.config.set_fault("piapi", "500", 0.5)  # request 1 (create) passes, then every second poll fails
    with pytest.raises(ProviderError) as caught:
        midjourney(sandbox, poll_interval_s=0.01, max_total_poll_errors=2).render(
            RenderRequest(prompt="a lighthouse")
        )
    assert "gave up after 2 polling errors" in caught.value.message
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

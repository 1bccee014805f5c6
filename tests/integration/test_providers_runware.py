"""Runware adapter against the sandbox with the real httpx client: results, retries, faults, cancel."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest
from PIL import Image

from gif_app.domain import CancelToken
from gif_app.errors import (
    AuthenticationError,
    CancelledError,
    ConfigurationError,
    ProviderError,
)
from gif_app.providers.base import RenderRequest
from gif_app.providers.fetch import CHARGE_UNKNOWN
from gif_app.providers.runware import RunwareGenerator
from gif_app.sandbox.servers import SandboxServers

KEY = "rw-test-key-0123456789abcdef"


def generator(sandbox: SandboxServers, key: str = KEY, **kwargs: float) -> RunwareGenerator:
    options: dict[str, float] = {"timeout_s": 10.0, "retries": 2, "backoff_s": 0.01, "poll_interval_s": 0.02,
                                 "poll_timeout_s": 10.0, **kwargs}
    return RunwareGenerator(
        key, sandbox.base_urls["runware"], timeout_s=options["timeout_s"], retries=int(options["retries"]),
        backoff_s=options["backoff_s"], poll_interval_s=options["poll_interval_s"],
        poll_timeout_s=options["poll_timeout_s"],
    )


def test_renders_downloads_and_captures_seed_cost_and_ids(sandbox: SandboxServers) -> None:
    request = RenderRequest(prompt="a red apple on a table --ar 16:9", count=3, width=640, height=479)
    images = generator(sandbox).render(request)
    assert len(images) == 3
    for image in images:
        with Image.open(io.BytesIO(image.data)) as picture:
            assert picture.size == (640, 448)  # 479 snapped to FLUX.1 [dev]'s nearest multiple of 64
        assert image.extension == "png"
        assert image.cost > 0 and image.provider_ids["cost"] == image.cost
        assert image.provider_ids["imageUUID"] and image.provider_ids["taskUUID"]
    assert len({image.seed for image in images}) == 3 and all(image.seed is not None for image in images)
    assert sandbox.request_count("runware", "/v1") == 1


def test_no_dimensions_means_the_provider_default_size(sandbox: SandboxServers) -> None:
    images = generator(sandbox).render(RenderRequest(prompt="a blue teapot", output_format="jpg"))
    with Image.open(io.BytesIO(images[0].data)) as picture:
        assert picture.format == "JPEG" and picture.size == (1024, 1024)
    assert images[0].extension == "jpg"


def test_429_waits_for_retry_after_then_succeeds(sandbox: SandboxServers) -> None:
    sandbox.config.retry_after = 1
    sandbox.config.set_fault("runware", "429", 0.5)  # fires on every second request
    rw = generator(sandbox)
    rw.render(RenderRequest(prompt="first call passes"))
    images = rw.render(RenderRequest(prompt="second call is rate limited once"))
    assert len(images) == 1
    posts = [r for r in sandbox.requests("runware") if r.path == "/v1"]
    assert len(posts) == 3
    assert posts[2].at - posts[1].at >= 0.95  # waited for Retry-After, not the 0.01 s backoff


def test_invalid_key_fails_fast_with_the_vendor_message(sandbox: SandboxServers) -> None:
    with pytest.raises(AuthenticationError) as caught:
        generator(sandbox, key="invalid").render(RenderRequest(prompt="a red apple"))
    assert "Invalid API key" in caught.value.message and caught.value.status == 401
    assert sandbox.request_count("runware", "/v1") == 1


def test_key_never_appears_in_errors_or_logs(sandbox: SandboxServers, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.config.set_fault("runware", "500")
    with pytest.raises(ProviderError) as caught:
        generator(sandbox, retries=1).render(RenderRequest(prompt="a red apple"))
    assert KEY not in str(caught.value) and KEY not in repr(caught.value.args)
    assert KEY not in caplog.text
    assert "retry 1 of 1" in caplog.text


def test_server_errors_are_retried_then_reported(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "500")
    with pytest.raises(ProviderError) as caught:
        generator(sandbox, retries=2).render(RenderRequest(prompt="a red apple"))
    assert caught.value.status == 500 and "unexpected error" in caught.value.message
    assert sandbox.request_count("runware", "/v1") == 3


def test_retries_zero_means_one_attempt(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "503")
    with pytest.raises(ProviderError):
        generator(sandbox, retries=0).render(RenderRequest(prompt="a red apple"))
    assert sandbox.request_count("runware", "/v1") == 1


def test_slow_answer_comes_back_missing_as_possibly_billed(sandbox: SandboxServers) -> None:
    sandbox.config.timeout_delay = 5.0
    sandbox.config.set_fault("runware", "timeout")
    [image] = generator(sandbox, timeout_s=0.3, retries=0).render(RenderRequest(prompt="a red apple"))
    assert image.is_missing and image.provider_ids[CHARGE_UNKNOWN]
    assert "did not answer in time" in image.download_error and "may have charged" in image.download_error


def test_dropped_answers_repeat_the_task_uuid_and_bill_once(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "drop")  # served and billed, then the connection is cut
    [image] = generator(sandbox, retries=1).render(RenderRequest(prompt="a red apple"))
    assert image.is_missing and "could not be reached" in image.download_error
    [task_uuid] = set(sandbox.sends("runware"))
    assert sandbox.sends("runware") == [task_uuid] * 2 and image.provider_ids["taskUUID"] == task_uuid
    assert [b.request_id for b in sandbox.billed("runware")] == [task_uuid]


def test_malformed_answer_is_read_back_by_task_uuid(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "malformed", 0.5)  # the send's answer is garbled, the repeat's is not
    generator(sandbox).render(RenderRequest(prompt="a warm-up pear"))  # api request 1
    images = generator(sandbox).render(RenderRequest(prompt="a red apple", count=2))
    assert len(images) == 2 and not any(image.is_missing for image in images)
    task_uuid = images[0].provider_ids["taskUUID"]
    assert sandbox.sends("runware").count(task_uuid) == 2  # sent again with the same taskUUID, refused
    assert [b.images for b in sandbox.billed("runware") if b.request_id == task_uuid] == [2]


def test_truncated_image_comes_back_missing_with_its_source(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "truncated")
    [image] = generator(sandbox).render(RenderRequest(prompt="a red apple"))
    # Paid for, so it is returned (to be recorded) without bytes, saying why and where its file is.
    assert image.is_missing and image.data == b"" and "cannot be decoded" in image.download_error
    assert image.provider_ids["source_url"] == image.provider_ids["imageURL"]
    assert sandbox.request_count("runware", "/image/") == 3  # fetched again, bounded


def test_force_stop_interrupts_a_retry_after_wait(sandbox: SandboxServers) -> None:
    sandbox.config.retry_after = 30
    sandbox.config.set_fault("runware", "429")
    token = CancelToken()
    timer = threading.Timer(0.3, token.request_abort)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(CancelledError):
            generator(sandbox, retries=3).render(RenderRequest(prompt="a red apple"), cancel=token)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5.0  # far sooner than the 30 s the server asked for
    assert sandbox.request_count("runware", "/v1") == 1


def test_async_model_is_polled_with_get_response_until_its_images_arrive(sandbox: SandboxServers) -> None:
    images = generator(sandbox).render(RenderRequest(prompt="a blue teapot", model="google:4@1", count=2,
                                                     width=1280, height=720))
    assert len(images) == 2
    for image in images:
        assert image.provider_ids["deliveryMethod"] == "async" and image.cost > 0
        with Image.open(io.BytesIO(image.data)) as picture:
            assert picture.size == (1344, 768)  # Nano Banana's listed 16:9 size
    # One submit, one poll answered "processing", one poll with the images.
    assert sandbox.request_count("runware", "/v1") == 3


def test_async_task_that_never_finishes_ends_at_the_poll_timeout(sandbox: SandboxServers) -> None:
    sandbox.config.runware_async_polls = 10**6
    started = time.monotonic()
    [image] = generator(sandbox, poll_timeout_s=0.3).render(RenderRequest(prompt="a blue teapot", model="google:4@1"))
    # Accepted, so Runware bills it when it ends: recorded missing under its taskUUID, not dropped.
    assert image.is_missing and "did not finish task" in image.download_error
    assert image.provider_ids[CHARGE_UNKNOWN] and image.provider_ids["taskUUID"] in image.download_error
    assert time.monotonic() - started < 5.0
    assert sandbox.request_count("runware", "/v1") >= 2


def test_force_stop_interrupts_the_wait_between_polls(sandbox: SandboxServers) -> None:
    sandbox.config.runware_async_polls = 10**6
    token = CancelToken()
    timer = threading.Timer(0.3, token.request_abort)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(CancelledError):
            generator(sandbox, poll_interval_s=1.0, poll_timeout_s=60.0).render(
                RenderRequest(prompt="a blue teapot", model="google:4@1"), cancel=token)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5.0


@pytest.mark.parametrize("model", ["runware:101@1", "google:4@1"])
def test_errors_only_2xx_body_surfaces_runwares_message(sandbox: SandboxServers, model: str) -> None:
    with pytest.raises(ProviderError) as caught:
        generator(sandbox).render(RenderRequest(prompt="failtask a red apple", model=model))
    assert type(caught.value) is ProviderError
    assert caught.value.message.startswith("Runware: The model provider did not return a result in time")
    assert caught.value.status is None  # the HTTP exchange itself succeeded


def test_lora_weight_outside_minus_4_to_4_is_refused_before_anything_is_sent(sandbox: SandboxServers) -> None:
    request = RenderRequest(prompt="a red apple", options={"lora": "civitai:144142@160130:5"})
    with pytest.raises(ConfigurationError, match="out of range"):
        generator(sandbox).render(request)
    assert sandbox.request_count("runware") == 0

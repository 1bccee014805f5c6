"""Pure helpers of the provider adapters: dimensions, Midjourney flags, LoRA text, Retry-After, errors."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import httpx
import pytest
from PIL import Image

from gif_app.errors import AuthenticationError, ConfigurationError, InsufficientCreditsError, ProviderError
from gif_app.providers.base import RenderRequest
from gif_app.providers.http import (
    ERROR_TEXT_LIMIT,
    MAX_DELAY_S,
    backoff_delay,
    error_from_response,
    image_extension,
    parse_retry_after,
    redact,
    secrets_of,
    shorten,
    vendor_message,
)
from gif_app.providers.openai_images import size_for
from gif_app.providers.piapi import aspect_ratio_of, output_urls, split_grid
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.providers.runware import build_task, strip_mj_flags
from tests.helpers.bomb import bomb_png


def test_unsupported_runware_format_is_refused_not_mapped() -> None:
    with pytest.raises(ConfigurationError):
        build_task(RenderRequest(prompt="a red apple", output_format="svg"), 1, "uuid")


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a cat on a mat --ar 16:9 --v 6.1", "a cat on a mat"),
        ("a cat --tile on a mat", "a cat on a mat"),
        ("sunset --stylize 250 --chaos 10 --q 2", "sunset"),
        ("sunset --no people, cars --seed 42", "sunset"),
        ("sunset \u2014ar 3:2", "sunset"),
        ("a well-known pre--war street", "a well-known pre--war street"),
        ("plain prompt", "plain prompt"),
    ],
)
def test_midjourney_flags_are_stripped(prompt: str, expected: str) -> None:
    assert strip_mj_flags(prompt) == expected


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_is_exponential_and_never_shorter_than_retry_after() -> None:
    assert [backoff_delay(n, 1.0, None) for n in range(3)] == [1.0, 2.0, 4.0]
    assert backoff_delay(0, 1.0, 5.0) == 5.0
    assert backoff_delay(20, 1.0, None) == MAX_DELAY_S


def test_redact_hides_keys_from_auth_headers() -> None:
    secrets = secrets_of({"Authorization": "Bearer sk-secret-123", "Accept": "x"})
    assert redact("token sk-secret-123 leaked", secrets) == "token *** leaked"


@pytest.mark.parametrize(
    ("vendor", "body", "expected"),
    [
        ("runware", {"errors": [{"code": "invalidApiKey", "message": "Invalid API key."}]}, "Invalid API key."),
        ("piapi", {"code": 500, "message": "boom", "data": {"error": {"message": "Job Timeout"}}}, "Job Timeout"),
        ("piapi", {"code": 401, "message": "Unauthorized", "data": None}, "Unauthorized"),
        ("openai", {"error": {"message": "Quota exceeded", "type": "x"}}, "Quota exceeded"),
        ("removebg", {"errors": [{"title": "API Key invalid", "code": "auth_failed"}]}, "API Key invalid"),
    ],
)
def test_vendor_messages_are_read_from_each_error_shape(vendor: str, body: object, expected: str) -> None:
    assert vendor_message(vendor, body) == expected


def test_statuses_map_to_the_right_errors() -> None:
    request = httpx.Request("GET", "http://x")
    auth = error_from_response(httpx.Response(403, json={"errors": [{"title": "No"}]}, request=request), "removebg")
    credits = error_from_response(httpx.Response(402, json={}, request=request), "runware")
    limited = error_from_response(
        httpx.Response(429, json={}, headers={"Retry-After": "2"}, request=request), "runware"
    )
    bad = error_from_response(httpx.Response(400, text="nope", request=request), "piapi")
    assert isinstance(auth, AuthenticationError) and "No" in auth.message
    assert isinstance(credits, InsufficientCreditsError)
    assert limited.is_retryable and limited.retry_after == 2.0
    assert isinstance(bad, ProviderError) and not bad.is_retryable and bad.status == 400


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_truncated_images_are_rejected() -> None:
    data = _png(64, 64)
    assert image_extension(data) == "png"
    with pytest.raises(ValueError):
        image_extension(data[: len(data) // 2])
    with pytest.raises(ValueError, match="decompression bomb"):  # a per-image download failure, not a crash
        image_extension(bomb_png(14_000))


def test_grid_splits_into_four_quadrants() -> None:
    parts = split_grid(_png(200, 100))
    assert len(parts) == 4
    assert all(Image.open(io.BytesIO(p)).size == (100, 50) for p in parts)


def test_piapi_output_urls_fall_back_in_order() -> None:
    assert output_urls({"temporary_image_urls": ["a", "b"], "image_urls": ["c"]}) == (["a", "b"], False)
    assert output_urls({"temporary_image_urls": [], "image_urls": ["c"]}) == (["c"], False)
    assert output_urls({"image_url": "grid"}) == (["grid"], True)


def test_piapi_aspect_ratio_comes_from_the_request() -> None:
    assert aspect_ratio_of(RenderRequest(prompt="x", width=1920, height=1080)) == "16:9"
    assert aspect_ratio_of(RenderRequest(prompt="x")) == "1:1"


def test_openai_size_is_the_nearest_supported_shape() -> None:
    assert size_for(None, None) == "auto"
    assert size_for(1920, 1080) == "1536x1024"
    assert size_for(800, 1200) == "1024x1536"
    assert size_for(1100, 1000) == "1024x1024"


def test_removebg_sizes_are_kept_as_written_and_unknown_ones_refused() -> None:
    assert RemoveBgRemover("k", size="50mp")._size == "50MP"
    with pytest.raises(ConfigurationError):
        RemoveBgRemover("k", size="huge")


def test_an_error_body_is_redacted_before_it_is_cut() -> None:
    key = "rb_live_" + "x9" * 37  # 82 characters
    body = "E" * (ERROR_TEXT_LIMIT - 35) + key + " tail"  # the cut falls 35 characters into the key
    request = httpx.Request("POST", "https://api.remove.bg/v1.0/removebg")
    error = error_from_response(httpx.Response(500, text=body, request=request), "removebg", [key])
    assert key[:8] not in error.message and "E" * 20 in error.message
    assert shorten(body, [key]) == "E" * (ERROR_TEXT_LIMIT - 35) + "***" + " tail"

"""remove.bg adapter against the sandbox: a real cut-out, credits, sizes and the error statuses."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image

from gif_app.errors import AuthenticationError, InsufficientCreditsError, ProviderError
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.sandbox.servers import SandboxServers

KEY = "removebg-test-key-0123456789"


def remover(sandbox: SandboxServers, key: str = KEY, size: str = "auto", retries: int = 2) -> RemoveBgRemover:
    return RemoveBgRemover(
        key, sandbox.base_urls["removebg"], timeout_s=10.0, retries=retries, size=size, backoff_s=0.01
    )


def photo() -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", (400, 300), (240, 240, 240))
    picture.paste((30, 90, 200), (120, 80, 280, 220))
    picture.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def test_cut_out_has_a_transparent_background_and_records_credits(sandbox: SandboxServers) -> None:
    result = remover(sandbox).remove(photo(), "photo.jpg")
    with Image.open(io.BytesIO(result.data)) as picture:
        assert picture.format == "PNG" and picture.mode == "RGBA"
        alpha = picture.getchannel("A")
        assert alpha.getpixel((5, 5)) == 0  # background corner removed
        assert alpha.getpixel((200, 150)) == 255  # subject kept
        assert (result.width, result.height) == picture.size
    assert result.credits == 1.0
    assert sandbox.credits_left() == pytest.approx(999.0)


def test_preview_size_costs_a_quarter_credit_and_50mp_is_accepted(sandbox: SandboxServers) -> None:
    assert remover(sandbox, size="preview").remove(photo(), "photo.jpg").credits == 0.25
    assert remover(sandbox, size="50MP").remove(photo(), "photo.jpg").credits == 1.0


def test_no_credits_left_is_insufficient_credits_without_retry(sandbox: SandboxServers) -> None:
    sandbox.config.removebg_credits = 0.5
    with pytest.raises(InsufficientCreditsError) as caught:
        remover(sandbox, retries=3).remove(photo(), "photo.jpg")
    assert "Insufficient credits" in caught.value.message and caught.value.status == 402
    assert sandbox.request_count("removebg", "/v1.0/removebg") == 1
    assert sandbox.credits_left() == 0.5


def test_invalid_key_is_an_authentication_error(sandbox: SandboxServers) -> None:
    with pytest.raises(AuthenticationError) as caught:
        remover(sandbox, key="invalid").remove(photo(), "photo.jpg")
    assert "API Key invalid" in caught.value.message and caught.value.status == 403


def test_rate_limit_waits_for_retry_after_then_succeeds(
    sandbox: SandboxServers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.config.retry_after = 1
    sandbox.config.set_fault("removebg", "429", 0.5)
    rb = remover(sandbox)
    rb.remove(photo(), "first.jpg")
    assert rb.remove(photo(), "second.jpg").data
    calls = [r for r in sandbox.requests("removebg") if r.path == "/v1.0/removebg"]
    assert len(calls) == 3 and calls[2].at - calls[1].at >= 0.95
    assert "Rate limit exceeded" in caplog.text and KEY not in caplog.text


def test_truncated_result_is_rejected(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("removebg", "truncated")
    with pytest.raises(ProviderError) as caught:
        remover(sandbox).remove(photo(), "photo.jpg")
    assert caught.value.code == "invalid_response"


def test_account_credits_report_the_balance(sandbox: SandboxServers) -> None:
    rb = remover(sandbox)
    rb.remove(photo(), "photo.jpg")
    account = rb.account_credits()
    assert account["credits"]["total"] == pytest.approx(999.0)

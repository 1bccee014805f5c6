"""remove.bg adapter against the sandbox: a real cut-out, credits, sizes and the error statuses."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image

from gif_app.errors import AuthenticationError, InsufficientCreditsError, PossiblyChargedError
from gif_app.providers.removal import SmallerResultError
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.sandbox.servers import SandboxServers

KEY = "removebg-test-key-0123456789"


def remover(sandbox: SandboxServers, key: str = KEY, size: str = "full", retries: int = 2) -> RemoveBgRemover:
    return RemoveBgRemover(
        key, sandbox.base_urls["removebg"], timeout_s=10.0, retries=retries, size=size, backoff_s=0.01
    )


def photo(width: int = 400, height: int = 300) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", (width, height), (240, 240, 240))
    picture.paste((30, 90, 200), (width * 3 // 10, height * 4 // 15, width * 7 // 10, height * 11 // 15))
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


def test_full_size_without_credits_is_refused_before_upload(sandbox: SandboxServers) -> None:
    sandbox.config.removebg_credits = 0.5
    rb = remover(sandbox, retries=3)
    for _ in range(2):
        with pytest.raises(InsufficientCreditsError) as caught:
            rb.remove(photo(), "photo.jpg")
        assert "0.5 credits" in caught.value.message and "Preview or Auto" in caught.value.message
    assert sandbox.request_count("removebg", "/v1.0/removebg") == 0
    assert sandbox.request_count("removebg", "/v1.0/account") == 1  # checked once per remover (per run)
    assert sandbox.credits_left() == 0.5


def test_the_balance_is_kept_from_the_charges_after_one_check(sandbox: SandboxServers) -> None:
    sandbox.config.removebg_credits = 2.0
    rb = remover(sandbox, size="50MP")
    assert [rb.remove(photo(), f"{n}.jpg").credits for n in range(2)] == [1.0, 1.0]
    with pytest.raises(InsufficientCreditsError):
        rb.remove(photo(), "third.jpg")
    assert sandbox.request_count("removebg", "/v1.0/removebg") == 2
    assert sandbox.request_count("removebg", "/v1.0/account") == 1


def test_402_from_remove_bg_is_insufficient_credits_without_retry(sandbox: SandboxServers) -> None:
    rb = remover(sandbox, retries=3)
    rb.remove(photo(), "first.jpg")  # the account check saw plenty
    sandbox.config.removebg_credits = 1.0  # ... then the credits went elsewhere
    with pytest.raises(InsufficientCreditsError) as caught:
        rb.remove(photo(), "second.jpg")
    assert "Insufficient credits" in caught.value.message and caught.value.status == 402
    assert sandbox.request_count("removebg", "/v1.0/removebg") == 2
    assert sandbox.credits_left() == 0.0


def test_auto_without_credits_gives_a_preview_reported_as_smaller(sandbox: SandboxServers) -> None:
    sandbox.config.removebg_credits = 0.0
    with pytest.raises(SmallerResultError) as caught:
        remover(sandbox, size="auto").remove(photo(1600, 1200), "photo.jpg")
    result = caught.value.result
    assert result.width is not None and result.height is not None
    assert result.width * result.height <= 250_000 and result.credits == 0.0  # a free API call
    with Image.open(io.BytesIO(result.data)) as picture:
        assert picture.size == (result.width, result.height) and picture.mode == "RGBA"
    message = caught.value.message
    assert "smaller than the 1.92 MP asked" in message and "preview" in message and "size auto" in message
    assert sandbox.request_count("removebg", "/v1.0/account") == 0  # auto leaves the choice to remove.bg
    assert remover(sandbox, size="auto").account_credits()["api"]["free_calls"] == 49


def test_preview_asked_for_is_not_smaller_than_asked(sandbox: SandboxServers) -> None:
    result = remover(sandbox, size="preview").remove(photo(1600, 1200), "photo.jpg")
    assert result.width is not None and result.height is not None
    assert 240_000 <= result.width * result.height <= 250_000 and result.credits == 0.25


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


def test_truncated_result_is_rejected_with_its_charge(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("removebg", "truncated")
    credits = sandbox.credits_left()
    with pytest.raises(PossiblyChargedError) as caught:
        remover(sandbox).remove(photo(), "photo.jpg")
    assert "cannot be decoded" in caught.value.message and caught.value.charge == 1.0  # on the image's bill
    assert credits - sandbox.credits_left() == 1.0 and sandbox.request_count("removebg", "/v1.0/removebg") == 1


def test_account_credits_report_the_balance(sandbox: SandboxServers) -> None:
    rb = remover(sandbox)
    rb.remove(photo(), "photo.jpg")
    account = rb.account_credits()
    assert account["credits"]["total"] == pytest.approx(999.0)

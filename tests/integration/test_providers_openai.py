"""OpenAI adapters (text and images) against the sandbox with the official openai client."""

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
    InsufficientCreditsError,
    ProviderError,
    ProviderTimeoutError,
)
from gif_app.providers.base import RenderRequest
from gif_app.providers.fetch import SOURCE_URL
from gif_app.providers.openai_images import OpenAIImages
from gif_app.providers.openai_llm import OpenAIText
from gif_app.sandbox.servers import SandboxServers

KEY = "sk-test-openai-0123456789abcdef"
QC_PROMPT = "You are a stock-photo reviewer. Fail images with logos, text or watermarks."
META_PROMPT = "Write stock metadata: a title, a description and keywords."


def text_model(sandbox: SandboxServers, key: str = KEY, **kwargs: float) -> OpenAIText:
    return OpenAIText(
        key, sandbox.base_urls["openai"], model=str(kwargs.get("model", "gpt-4o-mini")),
        timeout_s=float(kwargs.get("timeout_s", 10.0)), retries=int(kwargs.get("retries", 2)), backoff_s=0.01,
    )


def photo(fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", (320, 240), (235, 235, 235))
    picture.paste((200, 40, 40), (100, 60, 220, 180))
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


def test_prompt_is_written_through_the_strict_schema(sandbox: SandboxServers) -> None:
    model = text_model(sandbox)
    prompt = model.write_prompt("You write stock-photo prompts.", "Keyword: red apple")
    assert isinstance(prompt, str) and len(prompt) > 3
    model.close()  # closing drops the connections; the next call opens new ones
    assert model.write_prompt("You write stock-photo prompts.", "Keyword: pear")


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-5-mini", "o4-mini"])
def test_qc_verdict_comes_back_for_a_real_image(sandbox: SandboxServers, model: str) -> None:
    verdict = text_model(sandbox, model=model).judge(photo(), "image/jpeg", QC_PROMPT)
    assert isinstance(verdict.passed, bool) and verdict.reason


def test_metadata_has_title_description_and_keywords(sandbox: SandboxServers) -> None:
    metadata = text_model(sandbox).describe(photo("PNG"), "image/png", META_PROMPT)
    assert metadata.title and metadata.description
    assert len(metadata.keywords) >= 3 and all(metadata.keywords)


def test_invalid_key_fails_fast_in_openais_words(sandbox: SandboxServers) -> None:
    with pytest.raises(AuthenticationError) as caught:
        text_model(sandbox, key="invalid").write_prompt("system", "user")
    assert "Incorrect API key" in caught.value.message
    assert sandbox.request_count("openai") == 1


def test_quota_error_is_insufficient_credits(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("openai", "402")
    with pytest.raises(InsufficientCreditsError):
        text_model(sandbox).write_prompt("system", "user")
    assert sandbox.request_count("openai") == 1


def test_429_honours_retry_after_then_succeeds(sandbox: SandboxServers) -> None:
    sandbox.config.retry_after = 1
    sandbox.config.set_fault("openai", "429", 0.5)
    model = text_model(sandbox)
    model.write_prompt("system", "first call passes")
    assert model.write_prompt("system", "second call is limited once")
    calls = sandbox.requests("openai")
    assert len(calls) == 3 and calls[2].at - calls[1].at >= 0.95


def test_server_errors_retried_then_reported_without_the_key(
    sandbox: SandboxServers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.config.set_fault("openai", "500")
    with pytest.raises(ProviderError) as caught:
        text_model(sandbox, retries=2).judge(photo(), "image/jpeg", QC_PROMPT)
    assert caught.value.status == 500 and "server had an error" in caught.value.message
    assert sandbox.request_count("openai") == 3
    assert KEY not in str(caught.value) and KEY not in caplog.text


def test_malformed_answer_is_an_invalid_response(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("openai", "malformed")
    with pytest.raises(ProviderError) as caught:
        text_model(sandbox).write_prompt("system", "user")
    assert caught.value.code == "invalid_response"


def test_slow_answer_becomes_a_timeout(sandbox: SandboxServers) -> None:
    sandbox.config.timeout_delay = 5.0
    sandbox.config.set_fault("openai", "timeout")
    with pytest.raises(ProviderTimeoutError):
        text_model(sandbox, timeout_s=0.3, retries=0).write_prompt("system", "user")


def test_force_stop_interrupts_the_retry_wait(sandbox: SandboxServers) -> None:
    sandbox.config.retry_after = 30
    sandbox.config.set_fault("openai", "429")
    token = CancelToken()
    timer = threading.Timer(0.3, token.request_abort)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(CancelledError):
            text_model(sandbox, retries=3).write_prompt("system", "user", cancel=token)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5.0


def test_images_are_generated_and_decoded(sandbox: SandboxServers) -> None:
    images = OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=1).render(
        RenderRequest(prompt="a green pear --ar 3:2", count=2, width=1536, height=1024)
    )
    assert len(images) == 2
    for image in images:
        with Image.open(io.BytesIO(image.data)) as picture:
            assert picture.size == (1536, 1024)
        assert image.extension == "png" and image.cost == 0.0


def test_truncated_image_payload_comes_back_missing(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("openai", "truncated")
    [image] = OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=0).render(
        RenderRequest(prompt="a green pear")
    )
    # Paid for, so returned to be recorded; base64 has no URL to fetch it again from.
    assert image.is_missing and "cannot be decoded" in image.download_error
    assert SOURCE_URL not in image.provider_ids


def test_dalle_url_answer_is_fetched_again_then_kept_with_its_url(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("openai", "truncated", 0.5)  # every second download is cut
    images = OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=0, model="dall-e-2").render(
        RenderRequest(prompt="a green pear", count=2)
    )
    assert len(images) == 2 and not any(image.is_missing for image in images)
    assert sandbox.request_count("openai", "/v1/sandbox-files/") == 3  # the cut one was fetched again
    sandbox.config.set_fault("openai", "truncated")
    [image] = OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=0, model="dall-e-3").render(
        RenderRequest(prompt="a green pear")
    )
    assert image.is_missing and image.provider_ids[SOURCE_URL].startswith(sandbox.base_urls["openai"])


def test_dalle3_variations_are_one_call_each(sandbox: SandboxServers) -> None:
    images = OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=0, model="dall-e-3").render(
        RenderRequest(prompt="a green pear", count=3, width=1600, height=900)
    )
    assert len(images) == 3
    assert sandbox.request_count("openai", "/v1/images/generations") == 3  # the sandbox refuses n>1 for dall-e-3
    assert len({image.data for image in images}) == 3
    for image in images:
        with Image.open(io.BytesIO(image.data)) as picture:
            assert picture.size == (1792, 1024)  # dall-e-3's own wide size, not gpt-image's 1536x1024
        assert image.provider_ids["model"] == "dall-e-3" and image.provider_ids["size"] == "1792x1024"
        assert image.provider_ids[SOURCE_URL].startswith(sandbox.base_urls["openai"])  # URL answers


def test_gpt_image_keeps_batching_up_to_ten_per_call(sandbox: SandboxServers) -> None:
    images = OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=0).render(
        RenderRequest(prompt="a green pear", count=12, output_format="webp")
    )
    assert len(images) == 12 and {image.extension for image in images} == {"webp"}
    assert sandbox.request_count("openai", "/v1/images/generations") == 2


def test_unverified_organisation_ends_with_the_fix_in_words(sandbox: SandboxServers) -> None:
    sandbox.config.openai_org_verified = False
    with pytest.raises(AuthenticationError) as caught:
        OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=3).render(
            RenderRequest(prompt="a green pear", model="gpt-image-1")
        )
    message = caught.value.message
    assert caught.value.code == "organization_not_verified" and caught.value.status == 403
    assert "not verified" in message and "https://platform.openai.com/settings/organization/general" in message
    assert "dall-e-3" in message and "another image provider" in message
    assert sandbox.request_count("openai") == 1  # not retried: verifying takes a person


def test_quota_429_is_insufficient_credits_and_not_retried(sandbox: SandboxServers) -> None:
    sandbox.config.openai_quota_exhausted = True
    with pytest.raises(InsufficientCreditsError) as caught:
        OpenAIImages(KEY, sandbox.base_urls["openai"], timeout_s=10.0, retries=3).render(
            RenderRequest(prompt="a green pear")
        )
    assert caught.value.status == 429 and "exceeded your current quota" in caught.value.message
    with pytest.raises(InsufficientCreditsError):
        text_model(sandbox, retries=3).write_prompt("system", "user")
    assert sandbox.request_count("openai") == 2


def test_a_model_without_structured_outputs_fails_in_openais_words(sandbox: SandboxServers) -> None:
    with pytest.raises(ProviderError) as caught:
        text_model(sandbox, model="gpt-4-turbo", retries=2).write_prompt("system", "user")
    assert caught.value.status == 400 and "not supported with this model" in caught.value.message
    assert sandbox.request_count("openai") == 1

"""Prompts, vision QC and stock metadata through the official openai client with strict JSON schemas."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import openai

from gif_app import charges
from gif_app.domain import CancelToken, StockMetadata
from gif_app.errors import (
    AppError,
    AuthenticationError,
    InsufficientCreditsError,
    ProviderError,
    ProviderTimeoutError,
)
from gif_app.prices import Call
from gif_app.providers.base import CategoryField, QCVerdict
from gif_app.providers.http import (
    backoff_delay,
    check_cancel,
    check_new_charge,
    is_retryable_status,
    is_unsent,
    not_repeated,
    redact,
    retry_after_from_headers,
    run_abortable,
    wait_or_cancel,
)
from gif_app.providers.tls import vendor_tls_context
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

T = TypeVar("T")
VENDOR = "openai"
# OpenAI answers 403 "Your organization must be verified to use the model `…`" (gpt-image-* and some newer
# text models) until the organisation is verified at this page.
ORG_NOT_VERIFIED = "organization_not_verified"
VERIFY_URL = "https://platform.openai.com/settings/organization/general"
_NO_TEMPERATURE = re.compile(r"^(gpt-5|o\d)", re.IGNORECASE)

PROMPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"prompt": {"type": "string"}},
    "required": ["prompt"],
    "additionalProperties": False,
}
QC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"passed": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["passed", "reason"],
    "additionalProperties": False,
}
METADATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "description", "keywords"],
    "additionalProperties": False,
}


def metadata_schema(categories: tuple[CategoryField, ...] = (), *, has_array_bounds: bool = True) -> dict[str, Any]:
    """Return the metadata schema, with a `categories` object holding one enum per asked site.

    Strict Structured Outputs accept minItems/maxItems on arrays, except on fine-tuned models (OpenAI's
    "Supported schemas"): without them the answer is capped by chosen_categories all the same.
    """
    if not categories:
        return METADATA_SCHEMA
    sites: dict[str, Any] = {}
    for question in categories:
        choice = {"type": "string", "enum": list(question.options),
                  "description": f"{question.label} category"}
        many: dict[str, Any] = {
            "type": "array", "items": {"type": "string", "enum": list(question.options)},
            "description": f"{question.label} categories, 1 to {question.max_count}, most fitting first",
        }
        if has_array_bounds:
            many.update(minItems=1, maxItems=question.max_count)
        sites[question.site] = choice if question.max_count <= 1 else many
    schema = dict(METADATA_SCHEMA)
    schema["properties"] = {**METADATA_SCHEMA["properties"], "categories": {
        "type": "object", "properties": sites, "required": list(sites), "additionalProperties": False}}
    schema["required"] = [*METADATA_SCHEMA["required"], "categories"]
    return schema


def chosen_categories(answer: Any, categories: tuple[CategoryField, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return each asked site's answered names that are on its list, in order, without repeats, capped."""
    answered = answer if isinstance(answer, dict) else {}
    chosen: list[tuple[str, tuple[str, ...]]] = []
    for question in categories:
        raw = answered.get(question.site)
        values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        kept = tuple(dict.fromkeys(v for v in values if v in question.options))[: question.max_count]
        if kept:
            chosen.append((question.site, kept))
    return tuple(sorted(chosen))


def translate_openai_error(exc: openai.OpenAIError, secrets: list[str]) -> AppError:
    """Return the gif_app error for an openai exception, in OpenAI's own words, without the key."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderTimeoutError("OpenAI did not answer in time.", vendor=VENDOR, is_retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            redact(f"OpenAI could not be reached: {exc.message}", secrets),
            vendor=VENDOR, code="network_error", is_retryable=True,
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        body = exc.body if isinstance(exc.body, dict) else {}
        text = str(body.get("message") or exc.message)
        message = redact(f"OpenAI: {text} (HTTP {status})", secrets)
        if status == 403 and "must be verified" in text.lower():
            return AuthenticationError(
                message + " Or choose another model in Settings → Parameters.",
                vendor=VENDOR, status=status, code=ORG_NOT_VERIFIED,
            )
        if status in (401, 403):
            return AuthenticationError(message, vendor=VENDOR, status=status)
        # An exhausted quota is a 429 like a rate limit, but waiting does not help: it ends the job.
        if status == 402 or "insufficient_quota" in (exc.code, exc.type):
            return InsufficientCreditsError(message, vendor=VENDOR, status=status)
        return ProviderError(
            message, vendor=VENDOR, status=status,
            code="rate_limited" if status == 429 else None,
            retry_after=retry_after_from_headers(exc.response.headers),
            is_retryable=is_retryable_status(status) or status == 409,
        )
    if isinstance(exc, openai.APIResponseValidationError):
        return ProviderError("OpenAI sent a response we cannot read.", vendor=VENDOR, code="invalid_response")
    return ProviderError(redact(f"OpenAI: {exc}", secrets), vendor=VENDOR, code="invalid_response")


def call_with_retries(
    call: Callable[[], T], *, retries: int, backoff_s: float, cancel: CancelToken | None, secrets: list[str],
    paid: bool = False,
) -> T:
    """Run one SDK call, retrying 429/5xx/network failures with backoff that honours Retry-After.

    A force stop ends a call in flight at once (see run_abortable). A `paid` call (an image) that was sent but
    not answered raises PossiblyChargedError: the Images API takes no idempotency key, so it is not repeated.
    """
    attempt = 0
    while True:
        check_cancel(cancel)
        if paid:
            check_new_charge(cancel)
        try:
            return run_abortable(call, cancel)
        except openai.OpenAIError as exc:
            check_cancel(cancel)
            error = translate_openai_error(exc, secrets)
            if paid and isinstance(exc, openai.APIConnectionError) and not _was_unsent(exc) and \
                    isinstance(error, ProviderError):
                raise not_repeated(error, VENDOR) from exc
        except ValueError as exc:  # a body the SDK could not decode at all
            error = ProviderError(
                f"OpenAI sent a response we cannot read ({type(exc).__name__}).",
                vendor=VENDOR, code="invalid_response",
            )
            if paid:  # answered, so done and billed: only the answer is lost
                raise not_repeated(error, VENDOR) from exc
        is_retryable = isinstance(error, ProviderError) and error.is_retryable
        if not is_retryable or attempt >= retries:
            raise error
        delay = backoff_delay(attempt, backoff_s, error.retry_after)
        logger.warning("OpenAI call failed (%s), retry %d of %d in %.1f s", error.message, attempt + 1,
                       retries, delay)
        wait_or_cancel(delay, cancel)
        attempt += 1


def _was_unsent(exc: openai.APIConnectionError) -> bool:
    """Return whether the SDK's connection error happened before the request reached OpenAI."""
    cause = exc.__cause__  # the SDK raises its connection and timeout errors from the httpx one
    return isinstance(cause, httpx.HTTPError) and is_unsent(cause)


def build_openai_client(api_key: str, base_url: str, timeout_s: float) -> openai.OpenAI:
    """Return an openai client without its own retries (ours honour cancellation and Retry-After)."""
    # The SDK's own httpx client (its defaults kept), verifying against the OS trust store like every vendor client.
    http_client = openai.DefaultHttpxClient(verify=vendor_tls_context())
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0,
                         http_client=http_client)


def data_url(image: bytes, mime: str) -> str:
    """Return the image as a base64 data URL labelled with its real MIME type."""
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


def parse_json_object(text: str | None, required: dict[str, type]) -> dict[str, Any]:
    """Parse the model's JSON answer and check the required keys and types; raise invalid_response."""
    try:
        value = json.loads(text or "")
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or any(not isinstance(value.get(k), t) for k, t in required.items()):
        raise ProviderError(
            "OpenAI's answer did not match the expected JSON shape.", vendor=VENDOR, code="invalid_response"
        )
    return value


class OpenAIClientHolder:
    """One lazily built, thread-safe openai client per adapter, closable and rebuilt on next use."""

    _api_key: str
    _base_url: str
    _timeout_s: float

    def _init_client(self) -> None:
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the underlying HTTP connections (a later call opens new ones)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _openai(self) -> openai.OpenAI:
        """Return the shared client, built on first use (the client is thread-safe)."""
        with self._lock:
            if self._client is None:
                self._client = build_openai_client(self._api_key, self._base_url, self._timeout_s)
            return self._client


class OpenAIText(OpenAIClientHolder):
    """Write prompts, judge images and describe them with one OpenAI chat model."""

    def __init__(
        self,
        api_key: str,
        base_url: str = default_base_url(VENDOR),
        model: str = "gpt-4o-mini",
        timeout_s: float = 60.0,
        retries: int = 2,
        backoff_s: float = 1.0,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._model = model
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._backoff_s = backoff_s
        self._init_client()

    def write_prompt(self, system_prompt: str, user_message: str, cancel: CancelToken | None = None) -> str:
        """Return one image prompt written by the model."""
        content = self._complete(system_prompt, user_message, "image_prompt", PROMPT_SCHEMA, cancel)
        prompt = str(parse_json_object(content, {"prompt": str})["prompt"]).strip()
        if not prompt:
            raise ProviderError("OpenAI returned an empty prompt.", vendor=VENDOR, code="invalid_response")
        return prompt

    def judge(
        self, image: bytes, mime: str, system_prompt: str, cancel: CancelToken | None = None
    ) -> QCVerdict:
        """Return the model's pass/fail verdict on one image."""
        user = _image_message("Assess this image for a stock-site submission.", image, mime)
        content = self._complete(system_prompt, user, "qc_result", QC_SCHEMA, cancel)
        value = parse_json_object(content, {"passed": bool, "reason": str})
        return QCVerdict(passed=bool(value["passed"]), reason=str(value["reason"]).strip())

    def describe(
        self, image: bytes, mime: str, system_prompt: str, cancel: CancelToken | None = None,
        categories: tuple[CategoryField, ...] = (),
    ) -> StockMetadata:
        """Return the title, description, keywords and asked categories the model writes for one image."""
        user = _image_message("Write the stock metadata for this image.", image, mime)
        schema = metadata_schema(categories, has_array_bounds=not self._model.strip().lower().startswith("ft:"))
        content = self._complete(system_prompt, user, "stock_metadata", schema, cancel)
        value = parse_json_object(content, {"title": str, "description": str, "keywords": list})
        keywords = tuple(str(k).strip() for k in value["keywords"] if str(k).strip())
        return StockMetadata(
            title=str(value["title"]).strip(),
            description=str(value["description"]).strip(),
            keywords=keywords,
            categories=chosen_categories(value.get("categories"), categories),
        )

    def _complete(
        self, system_prompt: str, user: str | list[dict[str, Any]], name: str, schema: dict[str, Any],
        cancel: CancelToken | None,
    ) -> str | None:
        """Run one chat completion with a strict JSON schema and return the message text."""
        params: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": "system", "content": system_prompt}, {"role": "user", "content": user}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            },
        }
        if not _NO_TEMPERATURE.match(self._model):
            params["temperature"] = 0.7  # reasoning models accept only their default temperature
        client = self._openai()
        completion = call_with_retries(
            lambda: client.chat.completions.create(**params),
            retries=self._retries, backoff_s=self._backoff_s, cancel=cancel, secrets=[self._api_key],
        )
        usage = completion.usage  # billed once answered, whatever the answer holds
        charges.report(Call(VENDOR, self._model, input_tokens=usage.prompt_tokens if usage else None,
                            output_tokens=usage.completion_tokens if usage else None))
        if not completion.choices:
            raise ProviderError("OpenAI returned no answer.", vendor=VENDOR, code="invalid_response")
        choice = completion.choices[0]
        if choice.message.refusal:
            raise ProviderError(f"OpenAI refused: {choice.message.refusal}", vendor=VENDOR, code="refused")
        if choice.finish_reason == "length":
            raise ProviderError("OpenAI's answer was cut off.", vendor=VENDOR, code="invalid_response")
        content = choice.message.content
        return content if isinstance(content, str) else None


def _image_message(text: str, image: bytes, mime: str) -> list[dict[str, Any]]:
    """Return a user message made of a text part and an image part."""
    return [
        {"type": "text", "text": text},
        {"type": "image_url", "image_url": {"url": data_url(image, mime), "detail": "auto"}},
    ]

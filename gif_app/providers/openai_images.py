"""OpenAI Images (gpt-image-1 and kin, dall-e-3, dall-e-2): base64 results decoded and checked.

Per model, as OpenAI's Images API takes them: gpt-image-* up to 10 images per call, with `output_format`
(openai>=1.76, the release that added the gpt-image-1 parameters) and sizes 1024x1024, 1536x1024,
1024x1536; dall-e-3 only n=1 (so one call per image) in 1024x1024, 1792x1024, 1024x1792; dall-e-2 up to
10 per call in 1024x1024. A gpt-image model refused with 403 for an organisation that is not verified ends
the job with the fix in words.
Every image paid for comes back, whole or missing: DALL-E answers with URLs (valid about an hour), fetched
again when a copy is bad and recorded with the URL when it stays bad, so resume can fetch it; gpt-image
answers only base64, so a bad payload is missing for good; a call sent but not answered (not repeated:
the Images API takes no idempotency key) comes back as `n` missing images that may have been billed.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
from typing import Any, Literal

import httpx
import openai

from gif_app import charges
from gif_app.domain import CancelToken
from gif_app.errors import (
    AuthenticationError,
    ConfigurationError,
    InsufficientCreditsError,
    PossiblyChargedError,
    ProviderError,
)
from gif_app.prices import Call
from gif_app.providers.base import RenderedImage, RenderRequest
from gif_app.providers.fetch import SOURCE_URL, extension_of_url, fetch_image, lost_results
from gif_app.providers.http import build_client, image_extension
from gif_app.providers.openai_llm import ORG_NOT_VERIFIED, VERIFY_URL, OpenAIClientHolder, call_with_retries
from gif_app.providers.runware import strip_mj_flags
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

VENDOR = "openai"
MAX_IMAGES_PER_CALL = 10
_SIZES = {"1024x1024": 1.0, "1536x1024": 1.5, "1024x1536": 1024 / 1536}
_DALLE3_SIZES = {"1024x1024": 1.0, "1792x1024": 1.75, "1024x1792": 1024 / 1792}
OutputFormat = Literal["png", "jpeg", "webp"]
_FORMATS: dict[str, OutputFormat] = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}


def size_for(width: int | None, height: int | None, model: str = "gpt-image-1") -> str:
    """Return the model's size whose aspect ratio is nearest to width x height ('auto' for GPT-image if none)."""
    if model.startswith("dall-e-2"):
        return "1024x1024"
    sizes = _DALLE3_SIZES if model.startswith("dall-e") else _SIZES
    if not width or not height:
        return "1024x1024" if model.startswith("dall-e") else "auto"
    ratio = math.log(width / height)
    return min(sizes, key=lambda size: abs(math.log(sizes[size]) - ratio))


def images_per_call(model: str) -> int:
    """Return how many images one call may ask of the model (dall-e-3 answers 400 to anything but n=1)."""
    return 1 if model.startswith("dall-e-3") else MAX_IMAGES_PER_CALL


def unverified_message(model: str) -> str:
    """Return the job-ending message for a model refused because the organisation is not verified."""
    return (f"OpenAI refused the image model {model}: your OpenAI organisation is not verified for it. Verify "
            f"it at {VERIFY_URL} (Verify Organization; access can take up to 15 minutes to arrive), or "
            "choose dall-e-3 as the OpenAI image model, or another image provider, in Settings → Parameters.")


class OpenAIImages(OpenAIClientHolder):
    """Render images with OpenAI's Images API."""

    name = "openai"

    def __init__(
        self,
        api_key: str,
        base_url: str = default_base_url(VENDOR),
        timeout_s: float = 180.0,
        retries: int = 2,
        model: str = "gpt-image-1",
        backoff_s: float = 1.0,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._model = model
        self._backoff_s = backoff_s
        self._init_client()

    def render(self, request: RenderRequest, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Render `request.count` images and return them decoded (no cost estimate: 0.0)."""
        if not self._api_key:
            raise ConfigurationError("OpenAI API key is missing. Set it in Settings > API keys.")
        images: list[RenderedImage] = []
        remaining = max(1, request.count)
        model = request.model or self._model
        per_call = images_per_call(model)
        while remaining > 0:
            if images and cancel is not None and cancel.refuses_new_charges:
                break  # after a force stop the images already paid for are kept, no further call is made
            count = min(remaining, per_call)
            try:
                batch = self._generate(request, count, cancel)
            except PossiblyChargedError as exc:
                # Earlier calls' images are kept; this call's may be billed, so they are recorded missing.
                logger.warning("%s", exc.message)
                batch = lost_results(count, exc, {"model": model})
            except ProviderError as exc:
                if not images:
                    raise
                if isinstance(exc, AuthenticationError | InsufficientCreditsError):
                    exc.paid_results = images  # the job ends; the images already paid for go on record first
                    raise
                logger.warning("OpenAI returned %d of %d images: %s", len(images), request.count, exc.message)
                break
            if not batch:
                break
            images.extend(batch)
            remaining -= len(batch)
        if not images:
            raise ProviderError("OpenAI returned no images for this prompt.", vendor=VENDOR)
        return images

    def _generate(self, request: RenderRequest, count: int, cancel: CancelToken | None) -> list[RenderedImage]:
        """Run one images.generate call and decode its base64 results."""
        client = self._openai()
        model = request.model or self._model
        is_dalle = model.startswith("dall-e")
        prompt = strip_mj_flags(request.prompt)
        size = size_for(request.width, request.height, model)
        fmt = _FORMATS.get(request.output_format.lower())
        if fmt is None:
            raise ConfigurationError(f"OpenAI cannot render the format {request.output_format!r}.")

        def call() -> openai.types.ImagesResponse:
            if is_dalle:  # URLs, so a bad copy can be fetched again; DALL-E knows no output_format
                return client.images.generate(model=model, prompt=prompt, n=count, response_format="url", size=size)
            return client.images.generate(model=model, prompt=prompt, n=count, size=size, output_format=fmt)

        try:
            # The client has max_retries=0 (build_openai_client); ours repeat only what cannot have been billed.
            response = call_with_retries(
                call, retries=self._retries, backoff_s=self._backoff_s, cancel=cancel, secrets=[self._api_key],
                paid=True,
            )
        except PossiblyChargedError:
            # May be billed: on the bill at the table's price (its default size when the model picks one).
            charges.report(Call(VENDOR, model, images=count, dims={"size": size} if size != "auto" else {}))
            raise
        except AuthenticationError as exc:
            if exc.code != ORG_NOT_VERIFIED:
                raise
            raise AuthenticationError(unverified_message(model), vendor=VENDOR, status=exc.status,
                                      code=ORG_NOT_VERIFIED) from exc
        usage = getattr(response, "usage", None)  # GPT Image models report tokens; DALL-E is priced per image
        charges.report(Call(VENDOR, model, images=len(response.data or []),
                            dims={"size": size, "quality": str(getattr(response, "quality", None) or "")},
                            input_tokens=getattr(usage, "input_tokens", None),
                            output_tokens=getattr(usage, "output_tokens", None)))
        ids = {"model": model, "size": size}
        items = response.data or []
        if not any(item.url for item in items):
            return [_decoded(item.b64_json, ids) for item in items]
        with build_client("", self._timeout_s, None) as cdn:  # the key never goes to the file host
            return [self._downloaded(cdn, item, ids, cancel) for item in items]

    def _downloaded(self, cdn: httpx.Client, item: openai.types.Image, ids: dict[str, Any],
                    cancel: CancelToken | None) -> RenderedImage:
        """Download one URL result (fetched again while it is bad); missing, with its URL, if it stays bad."""
        if not item.url:
            return _decoded(item.b64_json, ids)
        try:
            data, extension = fetch_image(cdn, item.url, vendor=VENDOR, retries=self._retries,
                                          backoff_s=self._backoff_s, cancel=cancel)
        except ProviderError as exc:
            logger.warning("OpenAI image %s: %s", item.url, exc.message)
            return RenderedImage(b"", extension_of_url(item.url), provider_ids={**ids, SOURCE_URL: item.url},
                                 download_error=exc.message)
        return RenderedImage(data=data, extension=extension, provider_ids={**ids, SOURCE_URL: item.url})


def _decoded(b64: str | None, ids: dict[str, Any]) -> RenderedImage:
    """Decode one base64 result; a bad one is missing for good (paid, but there is no URL to fetch it from)."""
    try:
        data = base64.b64decode(b64 or "", validate=True)
        extension = image_extension(data)
    except (binascii.Error, ValueError):
        logger.warning("OpenAI sent an image that cannot be decoded (%d base64 characters)", len(b64 or ""))
        return RenderedImage(b"", "png", provider_ids=dict(ids),
                             download_error="OpenAI sent an image that cannot be decoded; it has no URL to "
                                            "fetch it again from.")
    return RenderedImage(data=data, extension=extension, provider_ids=dict(ids))

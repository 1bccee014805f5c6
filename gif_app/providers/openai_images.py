"""OpenAI Images (gpt-image-1 and kin): base64 results decoded and checked."""

from __future__ import annotations

import base64
import binascii
import logging
import math
from typing import Literal

import openai

from gif_app.domain import CancelToken
from gif_app.errors import ConfigurationError, ProviderError
from gif_app.providers.base import RenderedImage, RenderRequest
from gif_app.providers.http import image_extension
from gif_app.providers.openai_llm import OpenAIClientHolder, call_with_retries
from gif_app.providers.runware import strip_mj_flags
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

VENDOR = "openai"
MAX_IMAGES_PER_CALL = 10
_SIZES = {"1024x1024": 1.0, "1536x1024": 1.5, "1024x1536": 1024 / 1536}
OutputFormat = Literal["png", "jpeg", "webp"]
_FORMATS: dict[str, OutputFormat] = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}


def size_for(width: int | None, height: int | None) -> str:
    """Return the GPT-image size whose aspect ratio is nearest to width x height, or 'auto'."""
    if not width or not height:
        return "auto"
    ratio = math.log(width / height)
    return min(_SIZES, key=lambda size: abs(math.log(_SIZES[size]) - ratio))


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
        while remaining > 0:
            batch = self._generate(request, min(remaining, MAX_IMAGES_PER_CALL), cancel)
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
        size = size_for(request.width, request.height)
        fmt = _FORMATS.get(request.output_format.lower())
        if fmt is None:
            raise ConfigurationError(f"OpenAI cannot render the format {request.output_format!r}.")

        def call() -> openai.types.ImagesResponse:
            if is_dalle:  # DALL-E answers with URLs unless told otherwise, and knows no output_format
                return client.images.generate(
                    model=model, prompt=prompt, n=count, response_format="b64_json",
                    size="1024x1024" if size == "auto" else size,
                )
            return client.images.generate(model=model, prompt=prompt, n=count, size=size, output_format=fmt)

        response = call_with_retries(
            call, retries=self._retries, backoff_s=self._backoff_s, cancel=cancel, secrets=[self._api_key]
        )
        return [_decoded(item.b64_json, model, size) for item in response.data or []]


def _decoded(b64: str | None, model: str, size: str) -> RenderedImage:
    """Decode one base64 result and check it is a whole image."""
    try:
        data = base64.b64decode(b64 or "", validate=True)
        extension = image_extension(data)
    except (binascii.Error, ValueError) as exc:
        raise ProviderError(
            "OpenAI sent an image that cannot be decoded.", vendor=VENDOR, code="download_failed"
        ) from exc
    return RenderedImage(data=data, extension=extension, provider_ids={"model": model, "size": size})

"""One function per capability that builds the vendor adapter from explicit arguments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gif_app.errors import ConfigurationError
from gif_app.providers.base import BackgroundRemover, ImageGenerator

if TYPE_CHECKING:
    from gif_app.providers.openai_llm import OpenAIText

# Adapters are imported when first built: the openai SDK alone takes ~0.6 s to import, off start-up.

# Runware's documented REST endpoint is POST https://api.runware.ai/v1 (the anchor's
# /v1/images/generate is not in the docs), so the adapter appends "/v1" to this base.
DEFAULT_BASE_URLS = {
    "runware": "https://api.runware.ai",
    "piapi": "https://api.piapi.ai",
    "openai": "https://api.openai.com/v1",
    "removebg": "https://api.remove.bg",
}
IMAGE_PROVIDERS = ("runware", "piapi", "openai")
REMOVERS = ("removebg", "rembg")


def build_image_generator(
    provider: str,
    *,
    api_key: str,
    base_url: str,
    timeout_s: float,
    retries: int,
    backoff_s: float,
    poll_interval_s: float,
    poll_timeout_s: float,
) -> ImageGenerator:
    """Return the image generator for `provider` (runware, piapi or openai)."""
    url = base_url or DEFAULT_BASE_URLS.get(provider, "")
    if provider == "runware":
        from gif_app.providers.runware import RunwareGenerator

        return RunwareGenerator(api_key, url, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s)
    if provider == "piapi":
        from gif_app.providers.piapi import PiapiMidjourney

        return PiapiMidjourney(
            api_key, url, timeout_s=timeout_s, retries=retries, poll_interval_s=poll_interval_s,
            poll_timeout_s=poll_timeout_s, backoff_s=backoff_s,
        )
    if provider == "openai":
        from gif_app.providers.openai_images import OpenAIImages

        return OpenAIImages(api_key, url, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s)
    raise ConfigurationError(f"Unknown image provider {provider!r}; use one of {', '.join(IMAGE_PROVIDERS)}.")


def build_text_model(
    api_key: str, base_url: str, model: str, timeout_s: float, retries: int, backoff_s: float = 1.0
) -> OpenAIText:
    """Return the OpenAI text model that writes prompts, judges images and writes metadata."""
    from gif_app.providers.openai_llm import OpenAIText

    return OpenAIText(
        api_key, base_url or DEFAULT_BASE_URLS["openai"], model=model, timeout_s=timeout_s, retries=retries,
        backoff_s=backoff_s,
    )


def build_remover(
    kind: str,
    *,
    api_key: str,
    base_url: str,
    timeout_s: float,
    retries: int,
    size: str,
    model_name: str,
    model_home: Path,
) -> BackgroundRemover:
    """Return the background remover: remove.bg, or local rembg (imported only when chosen)."""
    if kind == "removebg":
        from gif_app.providers.removebg import RemoveBgRemover

        return RemoveBgRemover(
            api_key, base_url or DEFAULT_BASE_URLS["removebg"], timeout_s=timeout_s, retries=retries, size=size
        )
    if kind == "rembg":
        # rembg pulls in onnxruntime and numba, which take a minute to import: only on demand.
        from gif_app.providers.rembg_local import RembgRemover

        return RembgRemover(model_name, model_home)
    raise ConfigurationError(f"Unknown background remover {kind!r}; use one of {', '.join(REMOVERS)}.")

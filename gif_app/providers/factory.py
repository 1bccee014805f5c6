"""One function per capability that builds the vendor adapter from explicit arguments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gif_app.errors import ConfigurationError
from gif_app.providers.base import BackgroundRemover, ImageGenerator
from gif_app.vendors import default_base_url, find_vendor

if TYPE_CHECKING:
    from gif_app.providers.openai_llm import OpenAIText

# Adapters are imported when first built: the openai SDK alone takes ~0.6 s to import, off start-up.

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
    known = find_vendor(provider)  # an unknown name gets no address and is refused below, by name
    url = base_url or (known.default_base_url if known else "")
    if provider == "runware":
        from gif_app.providers.runware import RunwareGenerator

        return RunwareGenerator(
            api_key, url, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s,
            poll_interval_s=poll_interval_s, poll_timeout_s=poll_timeout_s,
        )
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
        api_key, base_url or default_base_url("openai"), model=model, timeout_s=timeout_s, retries=retries,
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
    backoff_s: float = 2.0,
) -> BackgroundRemover:
    """Return the background remover: remove.bg, or local rembg (imported only when chosen)."""
    if kind == "removebg":
        from gif_app.providers.removebg import RemoveBgRemover

        return RemoveBgRemover(
            api_key, base_url or default_base_url("removebg"), timeout_s=timeout_s, retries=retries, size=size,
            backoff_s=backoff_s,
        )
    if kind == "rembg":
        # rembg pulls in onnxruntime and numba, which take a minute to import: only on demand.
        from gif_app.providers.rembg_local import RembgRemover

        return RembgRemover(model_name, model_home)
    raise ConfigurationError(f"Unknown background remover {kind!r}; use one of {', '.join(REMOVERS)}.")

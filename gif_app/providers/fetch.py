"""Fetch a paid result's file again and again (bounded) while its URL serves, and fetch it later from its row."""

from __future__ import annotations

import io
import logging
from typing import Any

import httpx

from gif_app.domain import CHARGE_UNKNOWN as CHARGE_UNKNOWN  # re-exported: the providers name it from here
from gif_app.domain import SOURCE_URL as SOURCE_URL
from gif_app.domain import CancelToken
from gif_app.errors import ProviderError
from gif_app.providers.base import RenderedImage
from gif_app.providers.http import ClientFactory, build_client, download_image, wait_or_cancel

logger = logging.getLogger(__name__)

FETCH_ATTEMPTS = 3
GRID_INDEX = "grid_index"  # provider_ids key: which quarter (1-4) of a Midjourney grid the image is


def lost_results(count: int, error: ProviderError, ids: dict[str, Any]) -> list[RenderedImage]:
    """Return `count` missing results of a paid call whose answer never came: perhaps billed, so recorded."""
    # No source URL: the row says what may have been paid for and why it is empty; with the task's id in `ids`,
    # resume asks the vendor for the result (a free read, never a new render).
    return [RenderedImage(b"", "png", provider_ids={**ids, CHARGE_UNKNOWN: True}, download_error=error.message)
            for _ in range(max(0, count))]


def is_fetchable(provider_ids: dict[str, Any]) -> bool:
    """Return whether a missing image's file can be fetched (its source URL was recorded)."""
    url = provider_ids.get(SOURCE_URL)
    return isinstance(url, str) and bool(url)


def is_worth_another_try(exc: ProviderError) -> bool:
    """Return whether a failed download may succeed on another GET (not a 4xx: the URL is gone or refused)."""
    return exc.status is None or exc.status == 429 or exc.status >= 500


def fetch_image(
    client: httpx.Client, url: str, *, vendor: str, retries: int, backoff_s: float, cancel: CancelToken | None,
    attempts: int = FETCH_ATTEMPTS,
) -> tuple[bytes, str]:
    """Download an image, fetching it again when it fails or does not decode; raise code 'download_failed'."""
    # A download is a free GET of a file already paid for, so a bad copy is worth fetching again.
    for attempt in range(max(1, attempts)):
        try:
            return download_image(client, url, vendor=vendor, retries=retries, backoff_s=backoff_s, cancel=cancel)
        except ProviderError as exc:
            if attempt + 1 >= attempts or not is_worth_another_try(exc):
                raise
            logger.warning("%s image download failed (%s); fetching it again", vendor, exc.message)
            wait_or_cancel(min(backoff_s, 1.0) * 2**attempt, cancel)
    raise AssertionError("unreachable: the loop returns or raises")


def fetch_source(
    provider_ids: dict[str, Any], *, vendor: str, timeout_s: float, backoff_s: float, cancel: CancelToken | None,
    client_factory: ClientFactory = build_client,
) -> tuple[bytes, str]:
    """Fetch a recorded image from its source URL (its quarter when the source is a grid); raise download_failed."""
    url = provider_ids.get(SOURCE_URL)
    if not isinstance(url, str) or not url:
        raise ProviderError("The image's download address was not recorded.", vendor=vendor, code="download_failed")
    with client_factory("", timeout_s, None) as cdn:  # a file URL never gets the API key
        data, extension = fetch_image(cdn, url, vendor=vendor, retries=1, backoff_s=backoff_s, cancel=cancel)
    quarter = provider_ids.get(GRID_INDEX)
    if isinstance(quarter, int) and 1 <= quarter <= 4:


        return split_grid(data)[quarter - 1], "png"
    return data, extension


def extension_of_url(url: str, default: str = "png") -> str:
    """Return the extension a URL's path names (jpg for jpeg), else `default`."""
    name = httpx.URL(url).path.rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower()
    if not dot or not stem or ext not in {"png", "jpg", "jpeg", "webp"}:
        return default
    return "jpg" if ext == "jpeg" else ext


def split_grid(data: bytes) -> list[bytes]:
    """Split a 2x2 Midjourney grid into its four images (PNG), left to right, top to bottom."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as grid:
        grid.load()
        half_w, half_h = grid.width // 2, grid.height // 2
        parts = []
        for top in (0, half_h):
            for left in (0, half_w):
                buffer = io.BytesIO()
                grid.crop((left, top, left + half_w, top + half_h)).save(buffer, format="PNG")
                parts.append(buffer.getvalue())
    return parts

"""remove.bg API: multipart upload, binary result, credits and size from the response headers."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from gif_app.domain import CancelToken
from gif_app.errors import ConfigurationError, ProviderError
from gif_app.providers.base import RemovalResult
from gif_app.providers.http import ClientFactory, build_client, image_extension, send_with_retries
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

VENDOR = "removebg"
REMOVE_PATH = "/v1.0/removebg"
ACCOUNT_PATH = "/v1.0/account"
# Sent exactly as written: the anchor turned "50MP" into "auto", which silently changed the output.
SIZES = ("auto", "preview", "full", "50MP", "medium", "hd", "4k", "small", "regular")
TYPES = ("auto", "person", "product", "car", "animal", "graphic", "transportation")
FORMATS = ("auto", "png", "jpg", "webp")


def _choice(kind: str, value: str, allowed: tuple[str, ...]) -> str:
    """Return `value` as remove.bg spells it, or raise ConfigurationError naming the allowed values."""
    for option in allowed:
        if value.lower() == option.lower():
            return option
    raise ConfigurationError(f"remove.bg {kind} {value!r} is not one of {', '.join(allowed)}.")


def _header_float(headers: httpx.Headers, name: str) -> float | None:
    """Return a numeric response header, or None when it is missing or not a number."""
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


class RemoveBgRemover:
    """Cut the subject out with remove.bg."""

    name = "removebg"

    def __init__(
        self,
        api_key: str,
        base_url: str = default_base_url(VENDOR),
        timeout_s: float = 60.0,
        retries: int = 2,
        size: str = "auto",
        bg_type: str = "auto",
        output_format: str = "png",
        backoff_s: float = 2.0,
        client_factory: ClientFactory = build_client,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._size = _choice("size", size, SIZES)
        self._type = _choice("type", bg_type, TYPES)
        self._format = _choice("format", output_format, FORMATS)
        self._backoff_s = backoff_s
        self._client_factory = client_factory

    def _client(self) -> httpx.Client:
        """Return a client carrying the key header."""
        if not self._api_key:
            raise ConfigurationError("remove.bg API key is missing. Set it in Settings > API keys.")
        return self._client_factory(self._base_url, self._timeout_s, {"X-Api-Key": self._api_key})

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        """Return the cut-out image with the credits charged and its size."""
        form = {"size": self._size, "type": self._type, "format": self._format}
        with self._client() as client:
            response = send_with_retries(
                client, "POST", REMOVE_PATH, vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
                cancel=cancel, data=form, files={"image_file": (filename, image)},
            )
        if not response.content or response.headers.get("content-type", "").startswith("application/json"):
            raise ProviderError(
                "remove.bg answered without an image.", vendor=VENDOR, code="invalid_response"
            )
        try:
            image_extension(response.content)
        except ValueError as exc:
            raise ProviderError(
                "remove.bg sent an image that cannot be decoded.", vendor=VENDOR, code="invalid_response"
            ) from exc
        width = _header_float(response.headers, "X-Width")
        height = _header_float(response.headers, "X-Height")
        return RemovalResult(
            data=response.content,
            credits=_header_float(response.headers, "X-Credits-Charged") or 0.0,
            width=int(width) if width is not None else None,
            height=int(height) if height is not None else None,
        )

    def account_credits(self, cancel: CancelToken | None = None) -> dict[str, Any]:
        """Return the account's `attributes` (credits and free API calls) from GET /v1.0/account."""
        with self._client() as client:
            response = send_with_retries(
                client, "GET", ACCOUNT_PATH, vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
                cancel=cancel,
            )
        try:
            attributes = response.json()["data"]["attributes"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                "remove.bg sent an account answer we cannot read.", vendor=VENDOR, code="invalid_response"
            ) from exc
        if not isinstance(attributes, dict):
            raise ProviderError("remove.bg account answer has no attributes.", vendor=VENDOR,
                                code="invalid_response")
        return attributes

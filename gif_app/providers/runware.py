"""Runware imageInference over REST: one task per request, top-ups for short results, downloads."""

from __future__ import annotations

import logging
import math
import re
import uuid
from typing import Any

import httpx

from gif_app.domain import CancelToken
from gif_app.errors import ConfigurationError, ProviderError
from gif_app.providers.base import RenderedImage, RenderRequest
from gif_app.providers.http import ClientFactory, build_client, download_image, send_with_retries
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

VENDOR = "runware"
MAX_RESULTS_PER_REQUEST = 20
MIN_DIMENSION = 128
MAX_DIMENSION = 2048
DIMENSION_STEP = 8  # v1.3.3 of the anchor moved from 64 to 8 for models such as 896x1200
_FORMATS = {"png": "PNG", "jpg": "JPG", "jpeg": "JPG", "webp": "WEBP"}
_ADVANCED_OPTIONS = ("CFGScale", "steps", "scheduler", "checkNSFW", "outputQuality")

# Midjourney parameters: those that take no value, and those whose value runs to the next flag.
_MJ_BARE_FLAGS = {
    "tile", "turbo", "fast", "relax", "raw", "hd", "test", "testp", "upbeta", "uplight", "video",
    "draft", "personalize", "p",
}
_MJ_VALUE_FLAGS = {
    "v", "version", "ar", "aspect", "stylize", "s", "q", "quality", "chaos", "c", "seed", "sameseed",
    "niji", "style", "weird", "w", "iw", "sref", "cref", "sw", "cw", "sv", "repeat", "r", "stop",
    "exp", "oref", "ow",
}
_MJ_LIST_FLAGS = {"no"}
_FLAG_RE = re.compile(r"^(?:--|\u2014)([A-Za-z]+)$")


def normalise_dimension(value: int) -> int:
    """Clamp a side length to 128-2048 and round it to the nearest multiple of 8."""
    clamped = min(MAX_DIMENSION, max(MIN_DIMENSION, int(value)))
    return (clamped + DIMENSION_STEP // 2) // DIMENSION_STEP * DIMENSION_STEP


def _flag_name(token: str) -> str | None:
    """Return the lower-case name of a known Midjourney flag token, else None."""
    match = _FLAG_RE.match(token)
    if not match:
        return None
    name = match.group(1).lower()
    return name if name in _MJ_BARE_FLAGS | _MJ_VALUE_FLAGS | _MJ_LIST_FLAGS else None


def strip_mj_flags(prompt: str) -> str:
    """Remove Midjourney parameters (--ar 16:9, --v 6.1, --no text, --tile, ...) from a prompt."""
    tokens = prompt.split()
    kept: list[str] = []
    index = 0
    while index < len(tokens):
        name = _flag_name(tokens[index])
        index += 1
        if name is None:
            kept.append(tokens[index - 1])
            continue
        if name in _MJ_VALUE_FLAGS:
            if index < len(tokens) and not tokens[index].startswith("--"):
                index += 1
        elif name in _MJ_LIST_FLAGS:
            while index < len(tokens) and _flag_name(tokens[index]) is None:
                index += 1
    return " ".join(kept).strip(" ,;")


def parse_lora(value: Any) -> list[dict[str, Any]]:
    """Return Runware `lora` entries from text (one `model[:weight]` per line) or a list of dicts."""
    if isinstance(value, list):
        entries = []
        for item in value:
            if isinstance(item, dict) and item.get("model"):
                entries.append({"model": str(item["model"]), "weight": float(item.get("weight", 1.0))})
            elif isinstance(item, str):
                entries.extend(parse_lora(item))
        return entries
    entries = []
    for line in str(value or "").replace(",", "\n").splitlines():
        text = line.strip()
        if not text:
            continue
        model, weight = text, 1.0
        head, sep, tail = text.rpartition(":")
        # The weight is the part after the last colon only when it is a number in 0-10,
        # because AIR ids such as civitai:144142@160130 contain colons themselves.
        if sep and head:
            try:
                number = float(tail)
            except ValueError:
                number = -1.0
            if 0.0 <= number <= 10.0:
                model, weight = head, number
        entries.append({"model": model, "weight": weight})
    return entries


def output_format_of(name: str) -> str:
    """Return Runware's outputFormat for png/jpg/webp; refuse anything else."""
    try:
        return _FORMATS[name.lower()]
    except KeyError:
        message = f"Runware cannot render the format {name!r}; use png, jpg or webp."
        raise ConfigurationError(message) from None


def build_task(request: RenderRequest, count: int, task_uuid: str) -> dict[str, Any]:
    """Return one imageInference task body for `count` results."""
    task: dict[str, Any] = {
        "taskType": "imageInference",
        "taskUUID": task_uuid,
        "positivePrompt": strip_mj_flags(request.prompt),
        "model": request.model or "runware:101@1",
        "numberResults": count,
        "outputType": "URL",
        "outputFormat": output_format_of(request.output_format),
        "includeCost": True,
    }
    negative = strip_mj_flags(request.negative_prompt)
    if negative:
        task["negativePrompt"] = negative
    # No dimensions means the provider's default size; the anchor forced 1024x1024 here.
    if request.width is not None:
        task["width"] = normalise_dimension(request.width)
    if request.height is not None:
        task["height"] = normalise_dimension(request.height)
    if request.seed is not None:
        task["seed"] = request.seed
    lora = parse_lora(request.options.get("lora"))
    if lora:
        task["lora"] = lora
    for key in _ADVANCED_OPTIONS:
        if request.options.get(key) is not None:
            task[key] = request.options[key]
    return task


class RunwareGenerator:
    """Render images with Runware's imageInference task and download them."""

    name = "runware"

    def __init__(
        self,
        api_key: str,
        base_url: str = default_base_url(VENDOR),
        timeout_s: float = 120.0,
        retries: int = 2,
        backoff_s: float = 1.0,
        client_factory: ClientFactory = build_client,
        max_topups: int = 3,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._backoff_s = backoff_s
        self._client_factory = client_factory
        self._max_topups = max(0, max_topups)

    def render(self, request: RenderRequest, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Render `request.count` images (topping up short answers) and return them downloaded."""
        if not self._api_key:
            raise ConfigurationError("Runware API key is missing. Set it in Settings > API keys.")
        wanted = max(1, request.count)
        budget = math.ceil(wanted / MAX_RESULTS_PER_REQUEST) + self._max_topups
        headers = {"Authorization": f"Bearer {self._api_key}"}
        items: list[dict[str, Any]] = []
        with self._client_factory(self._base_url, self._timeout_s, headers) as api:
            for _ in range(budget):
                missing = wanted - len(items)
                if missing <= 0:
                    break
                items.extend(self._infer(api, request, min(missing, MAX_RESULTS_PER_REQUEST), cancel))
        if not items:
            raise ProviderError("Runware returned no images for this prompt.", vendor=VENDOR)
        if len(items) < wanted:
            logger.warning("Runware returned %d of %d images after top-ups", len(items), wanted)
        return self._download_all(items[:wanted], cancel)

    def _infer(
        self, api: httpx.Client, request: RenderRequest, count: int, cancel: CancelToken | None
    ) -> list[dict[str, Any]]:
        """Post one imageInference task and return its result items, matched by taskUUID."""
        task_uuid = str(uuid.uuid4())
        response = send_with_retries(
            api, "POST", "/v1", vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
            cancel=cancel, json=[build_task(request, count, task_uuid)],
        )
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(
                "Runware sent a response that is not valid JSON.", vendor=VENDOR, code="invalid_response"
            ) from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise ProviderError(
                "Runware sent a response without data.", vendor=VENDOR, code="invalid_response"
            )
        mine = [
            item for item in data
            if isinstance(item, dict) and item.get("taskUUID") == task_uuid
            and item.get("taskType", "imageInference") == "imageInference" and item.get("imageURL")
        ]
        if not mine and isinstance(body.get("errors"), list) and body["errors"]:
            first = body["errors"][0]
            message = first.get("message", "unknown error") if isinstance(first, dict) else str(first)
            raise ProviderError(f"Runware: {message}", vendor=VENDOR)
        return mine

    def _download_all(self, items: list[dict[str, Any]], cancel: CancelToken | None) -> list[RenderedImage]:
        """Download every result; skip (and log) failures unless all of them fail."""
        images: list[RenderedImage] = []
        last_error: ProviderError | None = None
        with self._client_factory("", self._timeout_s, None) as cdn:  # never send the key to the CDN
            for item in items:
                try:
                    data, extension = download_image(
                        cdn, str(item["imageURL"]), vendor=VENDOR, retries=self._retries,
                        backoff_s=self._backoff_s, cancel=cancel,
                    )
                except ProviderError as exc:
                    logger.warning("Runware image %s: %s", item.get("imageUUID"), exc.message)
                    last_error = exc
                    continue
                images.append(_rendered(item, data, extension))
        if not images and last_error is not None:
            raise last_error
        return images


def _rendered(item: dict[str, Any], data: bytes, extension: str) -> RenderedImage:
    """Return a RenderedImage carrying the seed, cost and ids of one result item."""
    seed = item.get("seed")
    cost = item.get("cost")
    ids = {
        "taskUUID": item.get("taskUUID"),
        "imageUUID": item.get("imageUUID"),
        "seed": seed,
        "cost": cost,
        "imageURL": item.get("imageURL"),
    }
    return RenderedImage(
        data=data,
        extension=extension,
        seed=int(seed) if isinstance(seed, int | float) else None,
        cost=float(cost) if isinstance(cost, int | float) else 0.0,
        provider_ids={key: value for key, value in ids.items() if value is not None},
    )

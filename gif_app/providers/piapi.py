"""PiAPI Midjourney through the unified task API: create imagine tasks, poll them, fetch the 4 images."""

from __future__ import annotations

import io
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

from gif_app.domain import CancelToken
from gif_app.errors import ConfigurationError, ProviderError, ProviderTimeoutError
from gif_app.providers.base import RenderedImage, RenderRequest
from gif_app.providers.http import (
    ClientFactory,
    build_client,
    download_image,
    send_with_retries,
    wait_or_cancel,
)
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

VENDOR = "piapi"
IMAGES_PER_TASK = 4
TASK_PATH = "/api/v1/task"
MAX_POLL_BACKOFF_S = 300.0
_PROCESS_MODES = ("relax", "fast", "turbo")


def with_mj_params(prompt: str, aspect_ratio: str, version: str) -> str:
    """Append `--ar` and `--v` to a Midjourney prompt unless it already carries them."""
    text = prompt.strip()
    if aspect_ratio and not re.search(r"(?:^|\s)--(?:ar|aspect)\s", text + " "):
        text += f" --ar {aspect_ratio}"
    if version and not re.search(r"(?:^|\s)--(?:v|version|niji)(?:\s|$)", text):
        text += f" --v {version}"
    return text


def aspect_ratio_of(request: RenderRequest) -> str:
    """Return the request's W:H aspect ratio, derived from its dimensions when not given, else 1:1."""
    if request.aspect_ratio:
        return request.aspect_ratio
    if request.width and request.height:
        divisor = math.gcd(request.width, request.height)
        return f"{request.width // divisor}:{request.height // divisor}"
    return "1:1"


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


def output_urls(output: dict[str, Any]) -> tuple[list[str], bool]:
    """Return the result URLs (temporary_image_urls, image_urls, else the grid) and whether it is a grid."""
    for key in ("temporary_image_urls", "image_urls"):
        urls = output.get(key)
        if isinstance(urls, list) and any(isinstance(u, str) and u for u in urls):
            return [u for u in urls if isinstance(u, str) and u], False
    grid = output.get("image_url")
    if isinstance(grid, str) and grid:
        return [grid], True
    return [], False


@dataclass
class _PollBudget:
    """Counts poll errors against the consecutive and total limits."""

    consecutive: int = 0
    total: int = 0


class PiapiMidjourney:
    """Render images with Midjourney via PiAPI's task API (create, poll, download)."""

    name = "piapi"

    def __init__(
        self,
        api_key: str,
        base_url: str = default_base_url(VENDOR),
        timeout_s: float = 30.0,
        retries: int = 2,
        poll_interval_s: float = 5.0,
        poll_timeout_s: float = 900.0,
        max_consecutive_poll_errors: int = 3,
        max_total_poll_errors: int = 10,
        backoff_s: float = 1.0,
        process_mode: str = "relax",
        mj_version: str = "6.1",
        client_factory: ClientFactory = build_client,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._poll_interval_s = poll_interval_s
        self._poll_timeout_s = poll_timeout_s
        self._max_consecutive = max_consecutive_poll_errors
        self._max_total = max_total_poll_errors
        self._backoff_s = backoff_s
        self._process_mode = process_mode
        self._mj_version = mj_version
        self._client_factory = client_factory

    def render(self, request: RenderRequest, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Create ceil(count / 4) imagine tasks, wait for them and return `count` images."""
        if not self._api_key:
            raise ConfigurationError("PiAPI API key is missing. Set it in Settings > API keys.")
        wanted = max(1, request.count)
        body = self.task_body(request)
        headers = {"X-API-Key": self._api_key}
        images: list[RenderedImage] = []
        with self._client_factory(self._base_url, self._timeout_s, headers) as api:
            started = [(self._create(api, body, cancel), time.monotonic())
                       for _ in range(math.ceil(wanted / IMAGES_PER_TASK))]
            outputs = [(task_id, self._wait(api, task_id, since, cancel)) for task_id, since in started]
        with self._client_factory("", self._timeout_s, None) as cdn:  # the key stays with the API host
            for task_id, output in outputs:
                images.extend(self._fetch(cdn, task_id, output, cancel))
        return images[:wanted]

    def task_body(self, request: RenderRequest) -> dict[str, Any]:
        """Return the create-task body for one imagine task."""
        aspect = aspect_ratio_of(request)
        mode = str(request.options.get("process_mode") or self._process_mode).lower()
        if mode not in _PROCESS_MODES:
            raise ConfigurationError(f"Midjourney process mode {mode!r} is not one of relax, fast, turbo.")
        version = str(request.options.get("mj_version") or self._mj_version)
        return {
            "model": "midjourney",
            "task_type": "imagine",
            "input": {
                "prompt": with_mj_params(request.prompt, aspect, version),
                "aspect_ratio": aspect,
                "process_mode": mode,
            },
        }

    def _create(self, api: httpx.Client, body: dict[str, Any], cancel: CancelToken | None) -> str:
        """Create one task and return its id."""
        response = send_with_retries(
            api, "POST", TASK_PATH, vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
            cancel=cancel, json=body,
        )
        data = _data_of(response)
        task_id = data.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError("PiAPI did not return a task id.", vendor=VENDOR, code="invalid_response")
        logger.info("PiAPI task %s created", task_id)
        return task_id

    def _wait(
        self, api: httpx.Client, task_id: str, since: float, cancel: CancelToken | None
    ) -> dict[str, Any]:
        """Poll one task until it completes (return its output) or fails, times out or errs too often."""
        budget = _PollBudget()
        deadline = since + self._poll_timeout_s
        while True:
            delay = self._poll_interval_s
            try:
                data = self._poll_once(api, task_id, cancel)
                budget.consecutive = 0
            except ProviderError as exc:
                if not exc.is_retryable and exc.code != "invalid_response":
                    raise
                budget.consecutive += 1
                budget.total += 1
                if budget.consecutive >= self._max_consecutive or budget.total >= self._max_total:
                    raise ProviderError(
                        f"PiAPI task {task_id}: gave up after {budget.total} polling errors ({exc.message})",
                        vendor=VENDOR, code=exc.code, status=exc.status,
                    ) from exc
                delay = min(MAX_POLL_BACKOFF_S, self._poll_interval_s * 2**budget.consecutive)
                logger.warning("PiAPI poll of %s failed (%s); next in %.1f s", task_id, exc.message, delay)
            else:
                status = str(data.get("status", "")).lower()
                if status == "completed":
                    output = data.get("output")
                    return output if isinstance(output, dict) else {}
                if status == "failed":
                    raise ProviderError(f"PiAPI: {_failure_text(data)}", vendor=VENDOR, code="task_failed")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProviderTimeoutError(
                    f"PiAPI task {task_id} did not finish within {self._poll_timeout_s:.0f} s.", vendor=VENDOR
                )
            wait_or_cancel(min(delay, remaining), cancel)

    def _poll_once(self, api: httpx.Client, task_id: str, cancel: CancelToken | None) -> dict[str, Any]:
        """Fetch the task once; return its data object."""
        response = send_with_retries(
            api, "GET", f"{TASK_PATH}/{task_id}", vendor=VENDOR, retries=0, backoff_s=0.0, cancel=cancel
        )
        return _data_of(response)

    def _fetch(
        self, cdn: httpx.Client, task_id: str, output: dict[str, Any], cancel: CancelToken | None
    ) -> list[RenderedImage]:
        """Download a completed task's images, splitting the grid when only the grid exists."""
        urls, is_grid = output_urls(output)
        if not urls:
            raise ProviderError(f"PiAPI task {task_id} completed without images.", vendor=VENDOR)
        images = []
        for index, url in enumerate(urls[:IMAGES_PER_TASK]):
            data, extension = download_image(
                cdn, url, vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s, cancel=cancel
            )
            if is_grid:
                return [
                    RenderedImage(part, "png", provider_ids={"task_id": task_id, "index": n + 1, "grid": url})
                    for n, part in enumerate(split_grid(data))
                ]
            ids = {"task_id": task_id, "index": index + 1, "url": url}
            images.append(RenderedImage(data, extension, provider_ids=ids))
        return images


def _data_of(response: httpx.Response) -> dict[str, Any]:
    """Return the `data` object of a PiAPI envelope; raise invalid_response if there is none."""
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderError(
            "PiAPI sent a response that is not valid JSON.", vendor=VENDOR, code="invalid_response"
        ) from exc
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        message = body.get("message") if isinstance(body, dict) else None
        raise ProviderError(
            f"PiAPI: {message or 'response without task data'}", vendor=VENDOR, code="invalid_response"
        )
    return data


def _failure_text(data: dict[str, Any]) -> str:
    """Return the vendor's reason for a failed task."""
    error = data.get("error")
    if isinstance(error, dict):
        # `message` is PiAPI's generic summary; `raw_message` holds Midjourney's actual reason.
        parts = [str(error[k]) for k in ("message", "raw_message") if error.get(k)]
        if parts:
            return ": ".join(dict.fromkeys(parts))
    return "the Midjourney task failed without a reason"

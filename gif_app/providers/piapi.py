"""PiAPI Midjourney through the unified task API: create imagine tasks, poll them, fetch the 4 images.

PiAPI no longer provides its Midjourney API (https://piapi.ai/id/midjourney-api, "Service discontinued",
checked 2026-12-03); the adapter stays for existing setups and runs against the sandbox, which keeps the
documented protocol (docs/piapi-midjourney.md).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from gif_app import charges
from gif_app.domain import CancelToken
from gif_app.errors import (
    AuthenticationError,
    ConfigurationError,
    InsufficientCreditsError,
    PossiblyChargedError,
    ProviderError,
    ProviderTimeoutError,
)
from gif_app.prices import Call
from gif_app.providers.base import NO_RESULT_CODE, RenderedImage, RenderRequest
from gif_app.providers.fetch import GRID_INDEX, SOURCE_URL, extension_of_url, fetch_image, lost_results, split_grid
from gif_app.providers.http import (
    ClientFactory,
    build_client,
    is_retryable_status,
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
_OK_CODES = (0, 200)  # the envelope's own `code`: 200 in every documented answer, 0 in PiAPI's CLI
DISCONTINUED_NOTICE = (
    "PiAPI says its Midjourney API service is no longer provided (piapi.ai, checked 2026-12-03): real PiAPI "
    "keys are expected to fail. Choose Runware or OpenAI Images for real runs; the sandbox still answers the "
    "PiAPI protocol."
)

# `--ar W:H` / `--aspect W:H` in a prompt; the value is optional so a stray flag is removed too.
_AR_FLAG = re.compile(r"(?<!\S)--(?:ar|aspect)(?:\s+([^\s-]\S*))?(?!\S)", re.IGNORECASE)
_RATIO = re.compile(r"\d{1,4}:\d{1,4}")
_SEED_FLAG = re.compile(r"(?<!\S)--seed(?:\s+\d+)?(?!\S)", re.IGNORECASE)
_VERSION_FLAG = re.compile(r"(?<!\S)--(?:v|version|niji)(?!\S)", re.IGNORECASE)
# PiAPI documents no error code or wording for an empty balance, so a credit error is known by its words:
# one saying something is missing and one naming money, wherever the message arrives.
_LACKING = re.compile(
    r"insufficient|not enough|no (?:more|remaining)|out of|exhausted|r[au]n out|too low|top.?up|recharge",
    re.IGNORECASE,
)
_MONEY = re.compile(r"\b(?:credit|quota|balance|point|fund)s?\b", re.IGNORECASE)


def split_aspect(prompt: str) -> tuple[str, str]:
    """Return the prompt without its `--ar`/`--aspect` flags and the last W:H ratio they named ('' if none)."""
    ratios = [m.group(1) for m in _AR_FLAG.finditer(prompt) if m.group(1) and _RATIO.fullmatch(m.group(1))]
    text = " ".join(_AR_FLAG.sub(" ", prompt).split())
    return text, ratios[-1] if ratios else ""


def with_version(prompt: str, version: str) -> str:
    """Append `--v <version>` unless the prompt already names a version (or niji); PiAPI has no field for it."""
    text = prompt.strip()
    if version and not _VERSION_FLAG.search(text):
        text += f" --v {version}"
    return text


def with_seed(prompt: str, seed: int | None) -> str:
    """Return the prompt with `--seed <seed>` as its only seed flag (unchanged when no seed is asked)."""
    if seed is None:
        return prompt
    # One seed only: a --seed the prompt already carries would contradict the one the user set.
    return f"{' '.join(_SEED_FLAG.sub(' ', prompt).split())} --seed {seed}".strip()


def is_credit_text(text: str) -> bool:
    """Return whether a vendor message says the account lacks credits (PiAPI gives no code for it)."""
    return bool(_LACKING.search(text) and _MONEY.search(text))


def aspect_ratio_of(request: RenderRequest) -> str:
    """Return the request's W:H aspect ratio, derived from its dimensions when not given, else 1:1."""
    if request.aspect_ratio:
        return request.aspect_ratio
    if request.width and request.height:
        divisor = math.gcd(request.width, request.height)
        return f"{request.width // divisor}:{request.height // divisor}"
    return "1:1"


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
        self._notice_lock = threading.Lock()
        self._noticed = False

    def render(self, request: RenderRequest, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Create ceil(count / 4) imagine tasks, wait for them and return `count` images."""
        if not self._api_key:
            raise ConfigurationError("PiAPI API key is missing. Set it in Settings > API keys.")
        self._notice_discontinued()
        wanted = max(1, request.count)
        body = self.task_body(request)
        headers = {"X-API-Key": self._api_key}
        images: list[RenderedImage] = []
        started: list[tuple[str, float]] = []
        outputs: list[tuple[str, dict[str, Any]]] = []
        ending: AuthenticationError | InsufficientCreditsError | None = None
        failed: ProviderError | None = None  # the first task that failed at Midjourney (not billed)
        waited: set[str] = set()  # tasks seen through (completed, or recorded missing under their id)
        with self._client_factory(self._base_url, self._timeout_s, headers) as api:
            try:
                for _ in range(math.ceil(wanted / IMAGES_PER_TASK)):
                    if (started or images) and cancel is not None and cancel.refuses_new_charges:
                        break  # a force stop came: the tasks created are awaited, no further one is paid for
                    try:
                        started.append((self._create(api, body, cancel), time.monotonic()))
                    except PossiblyChargedError as exc:
                        # Perhaps created and billed, its id never came: its four images are recorded missing
                        # and the task is on the bill at the table's price.
                        logger.warning("%s", exc.message)
                        charges.report(Call(VENDOR, "midjourney", images=IMAGES_PER_TASK,
                                            dims={"mode": str(body["input"]["process_mode"])}))
                        images.extend(lost_results(IMAGES_PER_TASK, exc, {"model": "midjourney"}))
                for task_id, since in started:
                    try:
                        outputs.append((task_id, self._wait(api, task_id, since, cancel)))
                    except (AuthenticationError, InsufficientCreditsError):
                        raise
                    except ProviderError as exc:
                        if exc.code == "task_failed":
                            failed = failed or exc  # its frozen credits come back: nothing billed, nothing kept
                            continue
                        # Created, so it may still complete and bill: its four images are recorded missing under
                        # its id (resume reads the task back) and the task is on the bill at the table's price.
                        lost = ProviderError(f"{exc.message} PiAPI may still complete (and charge) task {task_id}; "
                                             "resume the job to read its result back.", vendor=VENDOR,
                                             code=exc.code, status=exc.status)
                        logger.warning("%s", lost.message)
                        images.extend(lost_results(IMAGES_PER_TASK, lost, {"task_id": task_id}))
                        waited.add(task_id)
                    # PiAPI bills a task that completed (a failed one's frozen credits come back); its answer
                    # names "points", not dollars, so the task is priced from the table by its mode.
                    charges.report(Call(VENDOR, "midjourney", images=IMAGES_PER_TASK,
                                        dims={"mode": str(body["input"]["process_mode"])}))
            except (AuthenticationError, InsufficientCreditsError) as exc:
                ending = exc  # the job ends, but the tasks created so far are paid: on record first
        with self._client_factory("", self._timeout_s, None) as cdn:  # the key stays with the API host
            for task_id, output in outputs:
                images.extend(self._fetch(cdn, task_id, output, cancel))
        waited |= {task_id for task_id, _ in outputs}
        if ending is not None:
            for task_id, _ in started:
                if task_id not in waited:  # credits are frozen at creation: recorded missing, under its id
                    images.extend(lost_results(IMAGES_PER_TASK, ending, {"task_id": task_id}))
            ending.paid_results = images[:wanted]
            raise ending
        if not images:
            raise failed or ProviderError("PiAPI returned no images for this prompt.", vendor=VENDOR)
        return images[:wanted]

    def read_back(self, task_id: str, count: int, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Read a created task back by its id (the same free GET the polls use) and download its images."""
        if not self._api_key:
            raise ConfigurationError("PiAPI API key is missing. Set it in Settings > API keys.")
        with self._client_factory(self._base_url, self._timeout_s, {"X-API-Key": self._api_key}) as api:
            try:
                data = self._call(api, "GET", f"{TASK_PATH}/{task_id}", retries=self._retries, cancel=cancel)
            except (AuthenticationError, InsufficientCreditsError):
                raise
            except ProviderError as exc:
                if exc.status == 404:
                    raise _no_result(task_id, "PiAPI knows no task with this id") from exc
                raise
        status = str(data.get("status", "")).lower()
        if status == "failed":  # its frozen credits came back
            raise _no_result(task_id, _failure_text(data))
        if status != "completed":
            raise ProviderError(f"PiAPI task {task_id} is still {status or 'not finished'}; resume the job again "
                                "later to read it back.", vendor=VENDOR, code="task_pending")
        task_input = data.get("input")
        mode = task_input.get("process_mode") if isinstance(task_input, dict) else None
        charges.report(Call(VENDOR, "midjourney", images=IMAGES_PER_TASK,
                            dims={"mode": str(mode or self._process_mode)}))  # the task's charge, now known
        output = data.get("output")
        with self._client_factory("", self._timeout_s, None) as cdn:
            return self._fetch(cdn, task_id, output if isinstance(output, dict) else {}, cancel)[:count]

    def task_body(self, request: RenderRequest) -> dict[str, Any]:
        """Return the create-task body for one imagine task; the aspect ratio travels only in its field."""
        # PiAPI's imagine input has an `aspect_ratio` field; a `--ar` left in the prompt as well would
        # state it twice. A ratio written in the prompt is the more specific wish, so it moves to the field.
        prompt, prompt_ratio = split_aspect(request.prompt)
        mode = str(request.options.get("process_mode") or self._process_mode).lower()
        if mode not in _PROCESS_MODES:
            raise ConfigurationError(f"Midjourney process mode {mode!r} is not one of relax, fast, turbo.")
        version = str(request.options.get("mj_version") or self._mj_version)
        return {
            "model": "midjourney",
            "task_type": "imagine",
            "input": {
                "prompt": with_seed(with_version(prompt, version), request.seed),
                "aspect_ratio": prompt_ratio or aspect_ratio_of(request),
                "process_mode": mode,
            },
        }

    def _notice_discontinued(self) -> None:
        """Warn once per job (one adapter per job) that PiAPI has dropped Midjourney."""
        with self._notice_lock:
            first, self._noticed = not self._noticed, True
        if first:
            logger.warning(DISCONTINUED_NOTICE)

    def _call(self, api: httpx.Client, method: str, path: str, *, retries: int, cancel: CancelToken | None,
              paid: bool = False, **kwargs: Any) -> dict[str, Any]:
        """Send one API request and return the envelope's task data; a credit error in any shape is fatal."""
        try:
            response = send_with_retries(
                api, method, path, vendor=VENDOR, retries=retries, backoff_s=self._backoff_s, cancel=cancel,
                paid=paid, **kwargs,
            )
        except PossiblyChargedError as exc:
            # The task id comes only in the answer, so a create left unanswered cannot be looked up.
            cause = exc.transport.message if exc.transport is not None else exc.message
            raise PossiblyChargedError(
                f"{cause} PiAPI may have created (and charged) this Midjourney task; its id never arrived, so it "
                "cannot be looked up, and it is not repeated to avoid a second charge.",
                vendor=VENDOR, transport=exc.transport,
            ) from exc
        except (AuthenticationError, InsufficientCreditsError):
            raise
        except ProviderError as exc:
            # An empty balance has come back as a plain 400 (or another status): only its words tell.
            if is_credit_text(exc.message):
                raise InsufficientCreditsError(exc.message, vendor=VENDOR, status=exc.status) from exc
            raise
        try:
            body = response.json()
        except ValueError as exc:
            error = ProviderError("PiAPI sent a response that is not valid JSON.", vendor=VENDOR,
                                  code="invalid_response")
            if paid:  # the create was answered 200, so the task exists and is billed; its id is unreadable
                raise PossiblyChargedError(
                    f"{error.message} PiAPI created (and charged) this Midjourney task, but its id cannot be "
                    "read, so it cannot be looked up; not repeated to avoid a second charge.",
                    vendor=VENDOR, transport=error,
                ) from exc
            raise error from exc
        return task_data(body)

    def _create(self, api: httpx.Client, body: dict[str, Any], cancel: CancelToken | None) -> str:
        """Create one task and return its id."""
        data = self._call(api, "POST", TASK_PATH, retries=self._retries, cancel=cancel, paid=True, json=body)
        task_id = data.get("task_id")
        if str(data.get("status", "")).lower() == "failed":
            raise ProviderError(f"PiAPI: {_failure_text(data)}", vendor=VENDOR, code="task_failed")
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
                data = self._call(api, "GET", f"{TASK_PATH}/{task_id}", retries=0, cancel=cancel)
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
                    f"PiAPI task {task_id} did not finish within {_duration(self._poll_timeout_s)} "
                    "(Settings > Parameters > Midjourney wait limit).", vendor=VENDOR,
                )
            wait_or_cancel(min(delay, remaining), cancel)

    def _fetch(
        self, cdn: httpx.Client, task_id: str, output: dict[str, Any], cancel: CancelToken | None
    ) -> list[RenderedImage]:
        """Download a completed task's images (splitting the grid when only it exists); a bad file comes back
        missing on its own, so the task's other images are kept."""
        urls, is_grid = output_urls(output)
        if not urls:
            raise ProviderError(f"PiAPI task {task_id} completed without images.", vendor=VENDOR)
        if is_grid:
            # Plans without `temporary_image_urls` (Free and Creator pay-as-you-go) get only the 2x2 grid.
            grid_ids: list[dict[str, Any]] = [
                {"task_id": task_id, "index": n + 1, "grid": urls[0], SOURCE_URL: urls[0], GRID_INDEX: n + 1}
                for n in range(IMAGES_PER_TASK)
            ]
            try:
                data, _ = fetch_image(cdn, urls[0], vendor=VENDOR, retries=self._retries,
                                      backoff_s=self._backoff_s, cancel=cancel)
                parts = split_grid(data)
            except (ProviderError, OSError) as exc:
                reason = exc.message if isinstance(exc, ProviderError) else f"Download failed: {exc}"
                logger.warning("PiAPI task %s grid: %s", task_id, reason)
                return [RenderedImage(b"", "png", provider_ids=ids, download_error=reason) for ids in grid_ids]
            return [RenderedImage(part, "png", provider_ids=ids) for part, ids in zip(parts, grid_ids, strict=True)]
        images = []
        for index, url in enumerate(urls[:IMAGES_PER_TASK]):
            ids = {"task_id": task_id, "index": index + 1, "url": url, SOURCE_URL: url}
            try:
                data, extension = fetch_image(cdn, url, vendor=VENDOR, retries=self._retries,
                                              backoff_s=self._backoff_s, cancel=cancel)
            except ProviderError as exc:
                logger.warning("PiAPI task %s image %d: %s", task_id, index + 1, exc.message)
                images.append(RenderedImage(b"", extension_of_url(url), provider_ids=ids,
                                            download_error=exc.message))
                continue
            images.append(RenderedImage(data, extension, provider_ids=ids))
        return images


def task_data(body: Any) -> dict[str, Any]:
    """Return the `data` object of a decoded PiAPI envelope; raise the error the envelope reports, if any."""
    if not isinstance(body, dict):
        raise ProviderError("PiAPI sent a response that is not a JSON object.", vendor=VENDOR,
                            code="invalid_response")
    data = body.get("data")
    error = data.get("error") if isinstance(data, dict) else None
    texts = [str(body.get("message") or "")]
    if isinstance(error, dict):
        texts += [str(error.get(k) or "") for k in ("message", "raw_message")]
    text = ": ".join(dict.fromkeys(t for t in texts if t)) or "no message"
    if is_credit_text(text):
        # Seen as an HTTP 200 whose envelope or task error carries the reason: fatal like a 402.
        raise InsufficientCreditsError(f"PiAPI: {text}", vendor=VENDOR, status=_int_or_none(body.get("code")))
    code = body.get("code")
    if isinstance(code, int) and not isinstance(code, bool) and code not in _OK_CODES:
        message = f"PiAPI: {text} (code {code})"
        if code in (401, 403):
            raise AuthenticationError(message, vendor=VENDOR, status=code)
        if code == 402:
            raise InsufficientCreditsError(message, vendor=VENDOR, status=code)
        raise ProviderError(message, vendor=VENDOR, code="vendor_error", status=code,
                            is_retryable=is_retryable_status(code))
    if not isinstance(data, dict):
        raise ProviderError(f"PiAPI: {text if text != 'success' else 'response without task data'}",
                            vendor=VENDOR, code="invalid_response")
    return data


def _no_result(task_id: str, why: str) -> ProviderError:
    """Return the error of a task PiAPI has no result for: asked once, never again."""
    return ProviderError(f"The vendor has no result for task {task_id}; it may not have been billed ({why}).",
                         vendor=VENDOR, code=NO_RESULT_CODE)


def _int_or_none(value: Any) -> int | None:
    """Return an int status code, or None for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _duration(seconds: float) -> str:
    """Return a wait limit as the user set it: minutes when whole-ish, else seconds."""
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:.0f} s"


def _failure_text(data: dict[str, Any]) -> str:
    """Return the vendor's reason for a failed task."""
    error = data.get("error")
    if isinstance(error, dict):
        # `message` is PiAPI's generic summary; `raw_message` holds Midjourney's actual reason.
        parts = [str(error[k]) for k in ("message", "raw_message") if error.get(k)]
        if parts:
            return ": ".join(dict.fromkeys(parts))
    return "the Midjourney task failed without a reason"

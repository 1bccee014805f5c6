"""Runware imageInference over REST: one task per request, getResponse polls, top-ups, downloads.

Every task carries what Runware requires: width and height from the model's size rule
(providers/runware_models.py), an explicit deliveryMethod, LoRA weights within -4..4, and
`safety.checkContent` (the SDK deprecates `checkNSFW` for it). Async models are polled with `getResponse`
until their images arrive. A 2xx body holding only `errors` is a refusal and is raised in Runware's words.

Text-to-vector models (runware_models.VECTOR_MODELS, the Recraft V4 Vector family) are sent as Runware's
`vectorize` task with outputFormat SVG (runware.ai/docs/en/tools/vectorize and the models' pages,
runware.ai/docs/models/recraft-v4-vector): prompt, size, count and delivery as for imageInference, and no
negative prompt, LoRA or advanced options, which those pages do not list. Their results are SVG files.
"""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
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
from gif_app.providers.fetch import SOURCE_URL, extension_of_url, fetch_image, lost_results
from gif_app.providers.http import (
    ClientFactory,
    backoff_delay,
    build_client,
    send_with_retries,
    wait_or_cancel,
)
from gif_app.providers.runware_models import format_problem, lora_problem, parse_lora, size_for, spec_for
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

VENDOR = "runware"
DEFAULT_MODEL = "runware:101@1"
MAX_RESULTS_PER_REQUEST = 20
FIRST_POLL_MAX_S = 2.0  # Runware's task-polling page: first poll after 1-2 s, then back off exponentially
MAX_POLL_DELAY_S = 10.0
READ_BACK_ASKS = 3  # getTaskDetails questions before a task Runware does not know is taken as unknown for good
_FORMATS = {"png": "PNG", "jpg": "JPG", "jpeg": "JPG", "webp": "WEBP"}
_RESULT_TASKS = frozenset({"imageInference", "vectorize"})  # the task types whose answers carry images
_ADVANCED_OPTIONS = ("CFGScale", "steps", "scheduler", "outputQuality")
_AUTH_CODES = frozenset({"invalidApiKey", "missingApiKey"})
_REPEAT_CODES = frozenset({"conflictTaskUUID", "duplicateTaskUUID"})  # a taskUUID Runware has already taken
_LOST = "_lost"  # a result item's key holding the error of a task sent but never answered
_SENT = "_sent"  # an answer read back with getTaskDetails: the key holding the task as it was sent
JOB_ENDING = (AuthenticationError, InsufficientCreditsError)
_PENDING = frozenset({"processing", "pending"})  # "pending" is the older docs' word for "processing"

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


def output_format_of(name: str) -> str:
    """Return Runware's outputFormat for png/jpg/webp; refuse anything else."""
    try:
        return _FORMATS[name.lower()]
    except KeyError:
        message = f"Runware cannot render the format {name!r}; use png, jpg or webp."
        raise ConfigurationError(message) from None


def _vector_task(request: RenderRequest, model: str, count: int, task_uuid: str) -> dict[str, Any]:
    """Return one text-to-vector (`vectorize`) task for `count` SVG results."""
    spec = spec_for(model)
    width, height = size_for(spec, request.width, request.height, request.aspect_ratio)
    task: dict[str, Any] = {
        "taskType": "vectorize", "taskUUID": task_uuid, "model": model,
        "positivePrompt": strip_mj_flags(request.prompt), "width": width, "height": height,
        "numberResults": count, "deliveryMethod": spec.delivery, "outputType": "URL", "outputFormat": "SVG",
        "includeCost": True,
    }
    if request.seed is not None:
        task["seed"] = request.seed
    return task


def _lora(value: Any) -> list[dict[str, Any]]:
    """Return the LoRA entries to send; a weight Runware would refuse is refused here, in the panel's words."""
    problem = lora_problem(value)
    if problem:
        raise ConfigurationError(f"{problem} Change it in Settings > Parameters > LoRA list.")
    return parse_lora(value)


def _advanced(options: dict[str, Any]) -> dict[str, Any]:
    """Return the advanced fields the options set, with the content check as `safety.checkContent`."""
    fields = {key: options[key] for key in _ADVANCED_OPTIONS if options.get(key) is not None}
    if options.get("checkContent") is not None:
        fields["safety"] = {"checkContent": bool(options["checkContent"])}
    return fields


def build_task(request: RenderRequest, count: int, task_uuid: str) -> dict[str, Any]:
    """Return one imageInference task for `count` results, with every field Runware requires."""
    model = request.model or DEFAULT_MODEL
    spec = spec_for(model)
    if spec.is_vector:
        return _vector_task(request, model, count, task_uuid)
    problem = format_problem(model, request.output_format)
    if problem:
        raise ConfigurationError(f"{problem} Change it in Settings > Parameters.")
    width, height = size_for(spec, request.width, request.height, request.aspect_ratio)
    task: dict[str, Any] = {
        "taskType": "imageInference",
        "taskUUID": task_uuid,
        "model": model,
        "positivePrompt": strip_mj_flags(request.prompt),
        "width": width,
        "height": height,
        "numberResults": count,
        "deliveryMethod": spec.delivery,
        "outputType": "URL",
        "outputFormat": output_format_of(request.output_format),
        "includeCost": True,
    }
    negative = strip_mj_flags(request.negative_prompt)
    if negative:
        task["negativePrompt"] = negative
    if request.seed is not None:
        task["seed"] = request.seed
    lora = _lora(request.options.get("lora"))
    if lora:
        task["lora"] = lora
    task.update(_advanced(request.options))
    return task


def poll_task(task_uuid: str) -> dict[str, Any]:
    """Return the getResponse task that asks for an async task's results."""
    return {"taskType": "getResponse", "taskUUID": task_uuid}


def task_error(item: Any) -> ProviderError:
    """Return the gif_app error for one item of Runware's `errors` array, in Runware's words."""
    if not isinstance(item, dict):
        return ProviderError(f"Runware: {item}", vendor=VENDOR)
    code = str(item.get("code") or "")
    message = f"Runware: {item.get('message') or code or 'unknown error'}"
    if code in _AUTH_CODES or item.get("taskType") == "authentication":
        return AuthenticationError(message, vendor=VENDOR)
    if "credit" in code.lower() or "balance" in code.lower():
        return InsufficientCreditsError(message, vendor=VENDOR)
    return ProviderError(message, vendor=VENDOR)


def _json_body(response: httpx.Response) -> dict[str, Any]:
    """Return a response's JSON object, or raise invalid_response."""
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderError(
            "Runware sent a response that is not valid JSON.", vendor=VENDOR, code="invalid_response"
        ) from exc
    if not isinstance(body, dict):
        raise ProviderError("Runware sent a response that is not a JSON object.", vendor=VENDOR,
                            code="invalid_response")
    return body


def _data_of(body: dict[str, Any], task_uuid: str) -> list[dict[str, Any]]:
    """Return the task's items of `data`, matched by taskUUID (never by order)."""
    data = body.get("data")
    items = data if isinstance(data, list) else []
    return [item for item in items if isinstance(item, dict) and item.get("taskUUID") == task_uuid]


def _errors_of(body: dict[str, Any], task_uuid: str) -> list[Any]:
    """Return the task's items of `errors`; one without a taskUUID (a refused key) concerns every task."""
    errors = body.get("errors")
    items = errors if isinstance(errors, list) else []
    return [item for item in items
            if not isinstance(item, dict) or item.get("taskUUID") in (None, task_uuid)]


def _images_of(body: dict[str, Any], task_uuid: str) -> list[dict[str, Any]]:
    """Return the task's finished images: imageInference (or vectorize) items that carry an imageURL."""
    return [item for item in _data_of(body, task_uuid)
            if item.get("taskType", "imageInference") in _RESULT_TASKS and item.get("imageURL")]


def _is_repeat_refusal(body: dict[str, Any], task_uuid: str) -> bool:
    """Return whether Runware refused the task because it already has this taskUUID (the first send arrived)."""
    for item in _errors_of(body, task_uuid):
        if isinstance(item, dict) and (str(item.get("code")) in _REPEAT_CODES or (
                item.get("parameter") == "taskUUID" and "already" in str(item.get("message", "")).lower())):
            return True
    return False


def _sync_images(body: dict[str, Any], task_uuid: str) -> list[dict[str, Any]]:
    """Return the images of a sync answer; raise Runware's error when the task has none."""
    images = _images_of(body, task_uuid)
    errors = _errors_of(body, task_uuid)
    if not images and errors:
        raise task_error(errors[0])
    if not images and not isinstance(body.get("data"), list):
        raise ProviderError("Runware sent a response without data.", vendor=VENDOR, code="invalid_response")
    return images


def _is_settled(body: dict[str, Any], task_uuid: str, images: list[dict[str, Any]], count: int) -> bool:
    """Return whether a getResponse answer ends the wait: every image in, or nothing left processing."""
    if len(images) >= count:
        return True
    pending = any(item.get("status") in _PENDING for item in _data_of(body, task_uuid))
    return not pending and bool(images or _errors_of(body, task_uuid))


class PollFailedError(Exception):
    """Polling an accepted task failed for a reason of its own (not the task's): the task may still bill."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.message)
        self.error = error


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
        poll_interval_s: float = 1.0,
        poll_timeout_s: float = 600.0,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._backoff_s = backoff_s
        self._client_factory = client_factory
        self._max_topups = max(0, max_topups)
        self._poll_interval_s = max(0.0, poll_interval_s)
        self._poll_timeout_s = max(0.0, poll_timeout_s)

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
                if missing <= 0 or (items and cancel is not None and cancel.refuses_new_charges):
                    break  # a top-up after a force stop would be a new charge: keep what is paid
                count = min(missing, MAX_RESULTS_PER_REQUEST)
                try:
                    found = self._infer(api, request, count, cancel)
                except PossiblyChargedError:
                    charges.report(Call(VENDOR, request.model or DEFAULT_MODEL, images=count))  # may be billed
                    raise
                for item in found:  # each result item carries its cost (the task asks for includeCost)
                    cost = item.get("cost")
                    charges.report(Call(VENDOR, request.model or DEFAULT_MODEL, images=1,
                                        reported_usd=float(cost) if isinstance(cost, int | float) else None))
                items.extend(found)
        if not items:
            raise ProviderError("Runware returned no images for this prompt.", vendor=VENDOR)
        if len(items) < wanted:
            logger.warning("Runware returned %d of %d images after top-ups", len(items), wanted)
        results = self._download_all(items[:wanted], cancel)
        ending = next((item[_LOST] for item in items if isinstance(item.get(_LOST), JOB_ENDING)), None)
        if ending is not None:
            ending.paid_results = results  # the job ends, but what was paid for goes on record first
            raise ending
        return results

    def _send(self, api: httpx.Client, task: dict[str, Any], cancel: CancelToken | None) -> dict[str, Any]:
        """Post one free task (a getResponse poll) and return the JSON body of the 2xx answer."""
        response = send_with_retries(
            api, "POST", "/v1", vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
            cancel=cancel, json=[task],
        )
        return _json_body(response)

    def _send_paid(self, api: httpx.Client, task: dict[str, Any], cancel: CancelToken | None) -> dict[str, Any]:
        """Post an imageInference task; one sent but unanswered goes again with the SAME taskUUID, never a new one.

        Runware's docs require a taskUUID to be "unique per task", so a repeat is refused, not rendered again
        (the sandbox answers conflictTaskUUID); the first send's answer is then read back with getTaskDetails.
        A repeat answered with images (the first send never arrived) is used as it is.
        """
        task_uuid = task["taskUUID"]
        sends = 0
        while True:
            sends += 1
            try:
                # 400 comes back as a body: it may be the refusal of a repeated taskUUID.
                response = send_with_retries(
                    api, "POST", "/v1", vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
                    cancel=cancel, paid=True, ok_statuses=(400,) if sends > 1 else (), json=[task],
                )
                body = _json_body(response)
            except PossiblyChargedError as exc:
                if cancel is not None and cancel.refuses_new_charges:
                    # After a force stop nothing is sent again, even with the same taskUUID: read back (free)
                    # what the first send got, so an image it paid for is still recorded.
                    return self._task_details(api, task_uuid, cancel)
                self._before_repeat(task_uuid, sends, exc.transport or exc, exc, cancel)
                continue
            except ProviderError as exc:
                if exc.code != "invalid_response":
                    raise
                # An answer that cannot be read came after the work: as unknown as no answer at all.
                if cancel is not None and cancel.refuses_new_charges:
                    return self._task_details(api, task_uuid, cancel)
                self._before_repeat(task_uuid, sends, exc, exc, cancel)
                continue
            if _is_repeat_refusal(body, task_uuid):
                logger.warning("Runware already has task %s; reading its answer back instead of rendering again",
                               task_uuid)
                return self._task_details(api, task_uuid, cancel)
            if response.status_code == 400 and not _errors_of(body, task_uuid):
                raise ProviderError(f"Runware refused task {task_uuid} (HTTP 400).", vendor=VENDOR, status=400)
            return body

    def _before_repeat(self, task_uuid: str, sends: int, transport: ProviderError, cause: ProviderError,
                       cancel: CancelToken | None) -> None:
        """Wait before sending an unanswered task again, or raise once the repeats are used up."""
        if sends > self._retries:
            raise PossiblyChargedError(
                f"{transport.message} Runware may have charged task {task_uuid}: sent {sends} time(s) with "
                "the same taskUUID, no readable answer came back.", vendor=VENDOR, transport=transport,
            ) from cause
        logger.warning("Runware task %s was sent but not answered (%s); sending it again with the same "
                       "taskUUID, which Runware does not render twice", task_uuid, transport.message)
        wait_or_cancel(backoff_delay(sends - 1, self._backoff_s, None), cancel)

    def _task_details(self, api: httpx.Client, task_uuid: str, cancel: CancelToken | None) -> dict[str, Any]:
        """Return the answer Runware gave a task sent earlier, asking getTaskDetails until it has finished."""
        deadline = time.monotonic() + self._poll_timeout_s
        delay = min(self._poll_interval_s, FIRST_POLL_MAX_S)
        while True:
            try:
                answer = self._ask_details(api, task_uuid, cancel)
            except JOB_ENDING:
                raise
            except ProviderError as exc:
                if exc.code != "invalid_response":
                    # The task is Runware's (it refused the repeat): recorded missing under its taskUUID, so a
                    # resume reads it back, instead of failing the render and losing what it paid for.
                    raise PossiblyChargedError(
                        f"{exc.message} Runware took task {task_uuid} but its answer could not be read back; not "
                        "repeated to avoid a second charge.", vendor=VENDOR, transport=exc,
                    ) from exc
                logger.warning("Runware task %s details: %s; asking again", task_uuid, exc.message)
                answer = None  # a free question: an unreadable answer is asked again
            if answer is not None:
                return answer
            if time.monotonic() + delay > deadline:
                raise PossiblyChargedError(
                    f"Runware took task {task_uuid} (it refused the repeat) but its answer could not be read back "
                    f"within {self._poll_timeout_s:g} s; not repeated to avoid a second charge.", vendor=VENDOR,
                )
            wait_or_cancel(delay, cancel)  # the first send may still be rendering
            delay = min(max(delay * 2, 0.05), MAX_POLL_DELAY_S)

    def _ask_details(self, api: httpx.Client, task_uuid: str, cancel: CancelToken | None) -> dict[str, Any] | None:
        """Ask getTaskDetails once: the task's original answer, or None while Runware knows no such task."""
        # A 400/404 here is "no such task" (yet: the first send may still be rendering).
        response = send_with_retries(
            api, "POST", "/v1", vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s, cancel=cancel,
            ok_statuses=(400, 404), json=[{"taskType": "getTaskDetails", "taskUUID": task_uuid}],
        )
        body = _json_body(response)
        for item in _data_of(body, task_uuid):
            answer = item.get("response")
            if item.get("taskType") == "getTaskDetails" and isinstance(answer, dict):
                request = item.get("request")
                sent = request[0] if isinstance(request, list) and request and isinstance(request[0], dict) else {}
                return {**answer, _SENT: sent}
        for error in map(task_error, _errors_of(body, task_uuid)):
            if isinstance(error, AuthenticationError | InsufficientCreditsError):
                raise error  # "not found" may be asked again; a refused key is not
        return None

    def read_back(self, task_id: str, count: int, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Read a sent task's images back by its taskUUID (getTaskDetails, then getResponse for an async task)
        and download them; free questions only, nothing is rendered or billed again."""
        if not self._api_key:
            raise ConfigurationError("Runware API key is missing. Set it in Settings > API keys.")
        headers = {"Authorization": f"Bearer {self._api_key}"}
        with self._client_factory(self._base_url, self._timeout_s, headers) as api:
            answer = self._ask_details(api, task_id, cancel)
            delay = min(self._poll_interval_s, FIRST_POLL_MAX_S)
            for _ in range(READ_BACK_ASKS - 1):
                if answer is not None:
                    break
                # "Not found" is also Runware's word for a task still rendering: asked again before it is final.
                wait_or_cancel(delay, cancel)
                delay *= 2
                answer = self._ask_details(api, task_id, cancel)
            if answer is None:
                raise _no_result(task_id, "Runware knows no task with this taskUUID")
            sent_task = answer.get(_SENT)
            sent: dict[str, Any] = sent_task if isinstance(sent_task, dict) else {}
            images = _images_of(answer, task_id)
            errors = _errors_of(answer, task_id)
            if not images and errors:
                raise _no_result(task_id, task_error(errors[0]).message)  # failed at the vendor: not billed
            if not images and sent.get("deliveryMethod") == "async":
                images = self._read_async(api, task_id, count, cancel)
            if not images:
                raise _no_result(task_id, "Runware's answer holds no image")
        model = str(sent.get("model") or DEFAULT_MODEL)
        images = images[:count]
        for item in images:  # the render's charge, now known: each item carries its cost
            cost = item.get("cost")
            charges.report(Call(VENDOR, model, images=1,
                                reported_usd=float(cost) if isinstance(cost, int | float) else None))
        delivery = sent.get("deliveryMethod") or "sync"
        return self._download_all([{**item, "deliveryMethod": delivery} for item in images], cancel)

    def _read_async(self, api: httpx.Client, task_id: str, count: int,
                    cancel: CancelToken | None) -> list[dict[str, Any]]:
        """Return an async task's images from getResponse (its details hold only the acknowledgement)."""
        try:
            return self._poll(api, task_id, count, cancel)
        except PollFailedError as failed:
            raise failed.error from failed  # a question that may be asked again on a later resume
        except (AuthenticationError, InsufficientCreditsError):
            raise
        except ProviderError as exc:  # the task's own error: it failed at the vendor
            raise _no_result(task_id, exc.message) from exc

    def _infer(
        self, api: httpx.Client, request: RenderRequest, count: int, cancel: CancelToken | None
    ) -> list[dict[str, Any]]:
        """Run one imageInference task and return its finished result items, matched by taskUUID."""
        task = build_task(request, count, str(uuid.uuid4()))
        task_uuid, delivery = task["taskUUID"], task["deliveryMethod"]
        try:
            body = self._send_paid(api, task, cancel)
        except PossiblyChargedError as exc:
            # Perhaps rendered and billed: its images are recorded missing, under the taskUUID it was sent with.
            logger.warning("Runware task %s: %s", task_uuid, exc.message)
            return [{"taskUUID": task_uuid, "deliveryMethod": delivery, _LOST: exc}] * count
        if delivery == "async":
            images = _images_of(body, task_uuid)  # an ack normally holds none; a fast task may hold all
            errors = _errors_of(body, task_uuid)
            if errors and not images:
                raise task_error(errors[0])
            if len(images) < count:
                try:
                    images = self._poll(api, task_uuid, count, cancel)
                except PollFailedError as failed:
                    # Accepted, so it renders and bills whether or not we hear of it: recorded missing.
                    logger.warning("Runware task %s: %s", task_uuid, failed.error.message)
                    return [{"taskUUID": task_uuid, "deliveryMethod": delivery, _LOST: failed.error}] * count
        else:
            images = _sync_images(body, task_uuid)
        return [{**item, "deliveryMethod": delivery} for item in images]

    def _poll(
        self, api: httpx.Client, task_uuid: str, count: int, cancel: CancelToken | None
    ) -> list[dict[str, Any]]:
        """Ask getResponse until the task's images are in, it fails, or the poll timeout passes."""
        deadline = time.monotonic() + self._poll_timeout_s
        delay = min(self._poll_interval_s, FIRST_POLL_MAX_S)
        while True:
            wait_or_cancel(delay, cancel)  # the ack said nothing is ready yet
            try:
                body = self._send(api, poll_task(task_uuid), cancel)
            except ProviderError as exc:
                if exc.code != "invalid_response":
                    raise PollFailedError(exc) from exc
                logger.warning("Runware task %s poll: %s; asking again", task_uuid, exc.message)
                body = {}  # a free question: an unreadable answer is asked again
            images = _images_of(body, task_uuid)
            if _is_settled(body, task_uuid, images, count):
                errors = _errors_of(body, task_uuid)
                if not images and errors:
                    raise task_error(errors[0])
                return images
            delay = min(max(delay * 2, 0.05), MAX_POLL_DELAY_S)
            if time.monotonic() + delay > deadline:
                raise PollFailedError(ProviderTimeoutError(
                    f"Runware did not finish task {task_uuid} within {self._poll_timeout_s:g} s.", vendor=VENDOR
                ))

    def _download_all(self, items: list[dict[str, Any]], cancel: CancelToken | None) -> list[RenderedImage]:
        """Download every result; one that keeps failing comes back missing (it is paid, so it is recorded)."""
        images: list[RenderedImage] = []
        with self._client_factory("", self._timeout_s, None) as cdn:  # never send the key to the CDN
            for item in items:
                lost = item.get(_LOST)
                if isinstance(lost, ProviderError):
                    ids = {k: v for k, v in item.items() if k != _LOST}
                    images.extend(lost_results(1, lost, ids))
                    continue
                url = str(item["imageURL"])
                try:
                    data, extension = fetch_image(cdn, url, vendor=VENDOR, retries=self._retries,
                                                  backoff_s=self._backoff_s, cancel=cancel)
                except ProviderError as exc:
                    logger.warning("Runware image %s: %s", item.get("imageUUID"), exc.message)
                    images.append(_rendered(item, b"", extension_of_url(url), exc.message))
                    continue
                images.append(_rendered(item, data, extension))
        return images


def _no_result(task_uuid: str, why: str) -> ProviderError:
    """Return the error of a task Runware has no result for: asked once, never again."""
    return ProviderError(f"The vendor has no result for task {task_uuid}; it may not have been billed ({why}).",
                         vendor=VENDOR, code=NO_RESULT_CODE)


def _rendered(item: dict[str, Any], data: bytes, extension: str, download_error: str = "") -> RenderedImage:
    """Return a RenderedImage carrying the seed, cost and ids of one result item (and why its file is missing)."""
    seed = item.get("seed")
    cost = item.get("cost")
    ids = {
        "taskUUID": item.get("taskUUID"),
        "imageUUID": item.get("imageUUID"),
        "seed": seed,
        "cost": cost,
        "imageURL": item.get("imageURL"),
        "deliveryMethod": item.get("deliveryMethod"),
        SOURCE_URL: item.get("imageURL"),
    }
    return RenderedImage(
        data=data,
        extension=extension,
        seed=int(seed) if isinstance(seed, int | float) else None,
        cost=float(cost) if isinstance(cost, int | float) else 0.0,
        provider_ids={key: value for key, value in ids.items() if value is not None},
        download_error=download_error,
    )

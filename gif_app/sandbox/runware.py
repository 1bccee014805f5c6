"""Runware sandbox: `POST /v1` task arrays (imageInference, getResponse, accountManagement, authentication), images.

Accepted: a JSON array of tasks; the key comes from `Authorization: Bearer <key>` or from a first task
`{"taskType":"authentication","apiKey":"<key>"}`. Any non-empty key but `invalid` is accepted.
imageInference is checked as strictly as Runware documents it (the per-model rules are the published ones
in gif_app/providers/runware_models.py; the checks here are the sandbox's own code):
- taskUUID a UUID v4 never used before; positivePrompt 4-2000 chars; model an AIR id (`runware:101@1`);
- width and height required (`missingWidth` / `missingHeight`), per model: 128-2048 in multiples of 64 for
  FLUX.1, SDXL and any model not in the table (`invalidWidth` with min, max and multiplier), or exactly one
  of the listed sizes for Nano Banana (`unsupportedDimensions`);
- numberResults 1-20, outputType URL|dataURI|base64Data, outputFormat JPG|PNG|WEBP (any case),
  outputQuality 20-99, seed (from the taskUUID if missing; result i gets seed+i), includeCost;
- deliveryMethod sync (the default) or async; lora a list of {model: AIR id, weight -4..4}
  (`invalidLoraWeight`); safety {checkContent: bool}. The deprecated `checkNSFW` is still accepted, with a
  warning in the log: the docs replaced it by safety.checkContent but do not say the API refuses it.
Answers: 200 `{"data":[...]}`, plus `"errors"` when only some tasks failed; 400 `{"errors":[...]}` when every
task was refused; 401 invalidApiKey. Error items: code, message, parameter, type, documentation, taskType,
taskUUID. A prompt with the word "failtask" is accepted, then fails at the model's provider: 200 with only
`errors` (code `timeoutProvider`), the way a task that fails after validation comes back.
Async: the answer to the task is an ack `{"taskType","taskUUID"}`; `getResponse` answers one
`status: processing` item per image for the first `SandboxConfig.runware_async_polls` polls, then the
images with `status: success` (or the provider error).
`getTaskDetails` (runware.ai/docs/platform/task-details) answers a finished task's original request and
answer by its taskUUID (taskNotFound before it finished, or once `SandboxServers.forget_task` dropped its
record). A repeated taskUUID is refused (conflictTaskUUID) and not charged.
`accountManagement` with operation `getDetails` answers the organisation and its `balance` in USD
(`SandboxConfig.runware_balance`); at a balance of 0 or less imageInference is refused with 402.
`vectorize` (text-to-vector) takes the same fields for the vector models of runware_models.py only (other
models: invalidModel; a vector model sent as imageInference: unsupportedTaskType), outputFormat SVG only,
and answers with a small valid SVG per result (images.render_svg).
Images are served at `GET /image/ws/2/ii/<imageUUID>.<ext>`; `/v1/images/generate` aliases `/v1`.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify, request

from gif_app.providers.runware_models import LORA_WEIGHT_MAX, LORA_WEIGHT_MIN, spec_for
from gif_app.sandbox import images
from gif_app.sandbox.faults import create_vendor_app, intercept, maybe_truncate
from gif_app.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

VENDOR = "runware"
COST_PER_IMAGE = 0.0038
DOCS = "https://runware.ai/docs/en/image-inference/api-reference"
FAIL_WORD = "failtask"
_FAIL = re.compile(rf"\b{FAIL_WORD}\b", re.IGNORECASE)
VECTORIZE = "vectorize"  # text-to-vector (runware.ai/docs/models/recraft-v4-vector): SVG results
_AIR = re.compile(r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$")
_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    401: ("invalidApiKey", "Invalid API key. Get one at https://my.runware.ai/signup"),
    402: ("insufficientCredits", "Insufficient credits. Top up your account at https://my.runware.ai/wallet"),
    404: ("notFound", "The requested resource does not exist."),
    405: ("methodNotAllowed", "Method not allowed for this endpoint."),
    429: ("tooManyRequests", "Queue capacity exceeded. Retry with exponential backoff."),
    500: ("internalServerError", "An unexpected error occurred while processing the request."),
    503: ("serviceUnavailable", "Temporary capacity shortage. Retry with exponential backoff."),
}


class TaskError(Exception):
    """One task's failure, rendered as an item of the `errors` array; `rejected` = refused as sent (400)."""

    def __init__(self, code: str, message: str, parameter: str | None, *, rejected: bool = True,
                 **extra: Any) -> None:
        super().__init__(message)
        self.rejected = rejected
        self.item: dict[str, Any] = {"code": code, "message": message, "parameter": parameter, "type": None,
                                     "documentation": f"{DOCS}#request-{(parameter or '').lower()}", **extra}


@dataclass(frozen=True)
class ImageSpec:
    """What an imageUUID stands for, so the file can be drawn on download."""

    prompt: str
    seed: int
    width: int
    height: int
    fmt: str
    quality: int

    def render(self) -> bytes:
        """Return the encoded image."""
        return images.render_bytes(self.prompt, self.seed, self.width, self.height, self.fmt, self.quality)


@dataclass
class AsyncTask:
    """An accepted async task: its finished items (or provider error) and how often it was polled."""

    task_uuid: str
    items: list[dict[str, Any]]
    error: TaskError | None
    polls: int = 0


def error_response(status: int, task: dict[str, Any] | None = None) -> Response:
    """Return Runware's `{"errors":[...]}` envelope for an HTTP-level failure."""
    code, message = _STATUS_ERRORS.get(status, ("unknownError", "Unknown error."))
    item: dict[str, Any] = {"code": code, "message": message}
    if status == 401:
        item.update(parameter="apiKey", taskType="authentication")
    elif task is not None:
        item.update(taskType=task.get("taskType"), taskUUID=task.get("taskUUID"))
    response = jsonify({"errors": [item]})
    response.status_code = status
    return response


def _is_int(value: Any) -> bool:
    """Return whether a JSON value is an integer (booleans are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _int_field(task: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    """Return an integer task field within [low, high], or raise TaskError."""
    value = task.get(name, default)
    if not _is_int(value) or not low <= value <= high:
        raise TaskError(
            f"invalid{name[0].upper()}{name[1:]}",
            f"Invalid value for '{name}' parameter. It must be an integer value between {low} and {high}.",
            name, type="integer", min=low, max=high,
        )
    return int(value)


def _choice(task: dict[str, Any], name: str, default: str, allowed: tuple[str, ...]) -> str:
    """Return a case-insensitive enum field as written in `allowed`, or raise TaskError."""
    value = task.get(name, default)
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise TaskError(
        f"invalid{name[0].upper()}{name[1:]}",
        f"Invalid value for '{name}' parameter. Supported values: {', '.join(allowed)}.", name,
        type="string",
    )


def _side(task: dict[str, Any], name: str) -> int:
    """Return width or height as sent, or raise missing/invalid (Runware names a missing field missingX)."""
    title = name[0].upper() + name[1:]
    if name not in task:
        raise TaskError(f"missing{title}", f"Missing required parameter '{name}'. The selected model needs "
                        "'width' and 'height' together.", name, type="integer")
    value = task[name]
    if not _is_int(value):
        raise TaskError(f"invalid{title}", f"Invalid value for {name} parameter. Image {name} must be an "
                        "integer value.", name, type="integer")
    return int(value)


def check_size(task: dict[str, Any], model: str) -> tuple[int, int]:
    """Return (width, height) if the model takes them, else raise TaskError in Runware's words."""
    spec = spec_for(model)
    width, height = _side(task, "width"), _side(task, "height")
    if spec.sizes:
        if not spec.accepts((width, height)):
            listed = ", ".join(f"{w}x{h}" for w, h in spec.sizes)
            raise TaskError("unsupportedDimensions", f"Unsupported dimensions {width}x{height} for the selected "
                            f"model. Supported dimensions: {listed}.", "width", type="integer")
        return width, height
    for name, value in (("width", width), ("height", height)):
        if not spec.minimum <= value <= spec.maximum or value % spec.step:
            raise TaskError(
                f"invalid{name[0].upper()}{name[1:]}",
                f"Invalid value for {name} parameter. Image {name} must be an integer value between "
                f"{spec.minimum} and {spec.maximum}, in multiples of {spec.step}.",
                name, type="integer", min=spec.minimum, max=spec.maximum, multiplier=spec.step,
            )
    return width, height


def check_task_type(task_type: str, model: str) -> None:
    """Raise TaskError unless the model takes the task: vectorize for text-to-vector models, imageInference else."""
    is_vector = spec_for(model).is_vector
    if is_vector and task_type != VECTORIZE:
        raise TaskError("unsupportedTaskType", f"Model {model} is a vector model: send it as a 'vectorize' task "
                        "with outputFormat SVG.", "taskType", type="string")
    if task_type == VECTORIZE and not is_vector:
        raise TaskError("invalidModel", f"Model {model} does not support the 'vectorize' task.", "model",
                        type="string")


def check_lora(task: dict[str, Any]) -> None:
    """Raise TaskError unless `lora` is a list of {model: AIR id, weight within Runware's range}."""
    entries = task.get("lora", [])
    if not isinstance(entries, list):
        raise TaskError("invalidLora", "Invalid value for 'lora' parameter. It must be an array of objects.",
                        "lora", type="array")
    for index, entry in enumerate(entries):
        model = entry.get("model") if isinstance(entry, dict) else None
        if not isinstance(model, str) or not _AIR.match(model):
            raise TaskError("invalidLoraModel", "Invalid value for 'model' parameter in 'lora'. It must be an "
                            "AIR identifier like 'civitai:132942@146296'.", f"lora[{index}].model", type="string")
        weight = entry.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not (
                LORA_WEIGHT_MIN <= weight <= LORA_WEIGHT_MAX):
            raise TaskError(
                "invalidLoraWeight",
                f"Invalid value for 'weight' parameter in 'lora'. It must be a number between "
                f"{LORA_WEIGHT_MIN:g} and {LORA_WEIGHT_MAX:g}.",
                f"lora[{index}].weight", type="float", min=LORA_WEIGHT_MIN, max=LORA_WEIGHT_MAX,
            )


def checks_content(task: dict[str, Any]) -> bool:
    """Return whether the task asks for a content check; refuse a malformed `safety` object."""
    safety = task.get("safety", {})
    if not isinstance(safety, dict) or not isinstance(safety.get("checkContent", False), bool):
        raise TaskError("invalidSafety", "Invalid value for 'safety' parameter. It must be an object; "
                        "'checkContent' must be a boolean.", "safety", type="object")
    if "checkNSFW" in task:
        logger.warning("sandbox runware: task %s sends the deprecated checkNSFW; Runware documents "
                       "safety.checkContent instead", task.get("taskUUID"))
    return bool(safety.get("checkContent")) or bool(task.get("checkNSFW"))


def _text_fields(task: dict[str, Any]) -> tuple[str, str]:
    """Return (prompt, model) if both are valid, else raise TaskError."""
    prompt = task.get("positivePrompt")
    if not isinstance(prompt, str) or not 4 <= len(prompt.strip()) <= 2000:
        raise TaskError("invalidPositivePrompt", "Invalid value for 'positivePrompt' parameter. "
                        "It must be a string between 4 and 2000 characters.", "positivePrompt", type="string")
    model = task.get("model")
    if not isinstance(model, str) or not _AIR.match(model):
        raise TaskError("invalidModel", "Invalid value for 'model' parameter. "
                        "It must be an AIR identifier like 'runware:101@1'.", "model", type="string")
    return prompt.strip(), model


def _seed(task: dict[str, Any], task_uuid: str) -> int:
    """Return the task's seed (derived from the taskUUID when missing), or raise TaskError."""
    seed = task.get("seed")
    if seed is None:
        return images.stable_int("seed", task_uuid, modulo=2**31 - 1)
    if not _is_int(seed) or seed < 0:
        raise TaskError("invalidSeed", "Invalid value for 'seed' parameter. It must be a positive integer.",
                        "seed", type="integer")
    return int(seed)


def provider_failure(prompt: str) -> TaskError | None:
    """Return the provider-side failure a "failtask" prompt gets (after validation), else None."""
    if not _FAIL.search(prompt):
        return None
    return TaskError("timeoutProvider", "The model provider did not return a result in time "
                     f"(sandbox: the prompt contains '{FAIL_WORD}').", None, rejected=False)


class RunwareSandbox:
    """State of one Runware sandbox: used taskUUIDs, the images handed out and the async tasks."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._used_uuids: set[str] = set()
        self._images: dict[str, ImageSpec] = {}
        self._async: dict[str, AsyncTask] = {}
        self._details: dict[str, dict[str, Any]] = {}  # getTaskDetails: each finished task's request and answer

    def claim_uuid(self, task_uuid: str) -> bool:
        """Mark a taskUUID used; return False if it was used before."""
        with self._lock:
            if task_uuid in self._used_uuids:
                return False
            self._used_uuids.add(task_uuid)
            return True

    def check_task(self, task: dict[str, Any]) -> str:
        """Validate the taskUUID of a task and return it, or raise TaskError."""
        task_uuid = task.get("taskUUID")
        try:
            parsed = uuid.UUID(str(task_uuid))
        except ValueError:
            parsed = None
        if not isinstance(task_uuid, str) or parsed is None or parsed.version != 4:
            raise TaskError("invalidTaskUUID", "Invalid value for 'taskUUID' parameter. "
                            "It must be a UUID v4.", "taskUUID", type="string")
        self.state.note_send(VENDOR, task_uuid.lower())
        if not self.claim_uuid(task_uuid.lower()):
            raise TaskError("conflictTaskUUID", "A task with this taskUUID was already sent. "
                            "Use a new UUID v4.", "taskUUID", type="string")
        return task_uuid

    def account_details(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        """Answer accountManagement getDetails (runware.ai/docs/platform/account-management) with the balance."""
        task_uuid = self.check_task(task)
        if task.get("operation") != "getDetails":
            raise TaskError("invalidOperation", "Invalid value for 'operation' parameter. Allowed values: getDetails.",
                            "operation", type="string")
        return [{"taskType": "accountManagement", "taskUUID": task_uuid, "operation": "getDetails",
                 "organizationUUID": "00000000-0000-4000-8000-000000000000", "organizationName": "Sandbox",
                 "balance": self.state.config.runware_balance}]

    def inference(self, task: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
        """Run one imageInference or vectorize task: its results (sync) or an ack (async), or raise TaskError."""
        task_type = str(task.get("taskType"))
        task_uuid = self.check_task(task)
        prompt, model = _text_fields(task)
        check_task_type(task_type, model)
        width, height = check_size(task, model)
        count = _int_field(task, "numberResults", 1, 1, 20)
        output_type = _choice(task, "outputType", "URL", ("URL", "dataURI", "base64Data"))
        fmt = _choice(task, "outputFormat", "SVG", ("SVG",)) if task_type == VECTORIZE else \
            _choice(task, "outputFormat", "JPG", ("JPG", "PNG", "WEBP"))
        quality = _int_field(task, "outputQuality", 95, 20, 99)
        delivery = _choice(task, "deliveryMethod", "sync", ("sync", "async"))
        check_lora(task)
        nsfw_check, seed = checks_content(task), _seed(task, task_uuid)
        failure = provider_failure(prompt)
        specs = [ImageSpec(prompt, seed + i, width, height, fmt, quality) for i in range(count)]
        items = [] if failure else [self._result(task, spec, output_type, nsfw_check, base_url) for spec in specs]
        if failure is None:  # a task failing at the model's provider is not charged
            self.state.bill(VENDOR, task_uuid, count, count * COST_PER_IMAGE)
        if delivery == "async":
            ack = [{"taskType": task_type, "taskUUID": task_uuid}]
            with self._lock:
                self._async[task_uuid] = AsyncTask(task_uuid, items, failure)
                self._details[task_uuid] = {"request": [task], "response": {"data": ack}}
            return ack
        answer = {"errors": [{**failure.item, "taskType": task_type, "taskUUID": task_uuid}]} \
            if failure is not None else {"data": items}
        with self._lock:
            self._details[task_uuid] = {"request": [task], "response": answer}
        if failure is not None:
            raise failure
        return items

    def task_details(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        """Answer getTaskDetails: the original request and answer of a finished task, or taskNotFound."""
        task_uuid = task.get("taskUUID")
        with self._lock:
            details = self._details.get(task_uuid) if isinstance(task_uuid, str) else None
        if details is None or self.state.is_forgotten(VENDOR, str(task_uuid)):
            raise TaskError("taskNotFound", "No task with this taskUUID was found.", "taskUUID", type="string")
        return [{"taskType": "getTaskDetails", "taskUUID": task_uuid, **details}]

    def get_response(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        """Answer one getResponse poll: processing items, the finished images, or raise the task's error."""
        task_uuid = task.get("taskUUID")
        with self._lock:
            job = self._async.get(task_uuid) if isinstance(task_uuid, str) else None
            if job is not None:
                job.polls += 1
        if job is None or self.state.is_forgotten(VENDOR, str(task_uuid)):
            raise TaskError("taskNotFound", "No async task with this taskUUID is active.", "taskUUID",
                            type="string")
        if job.polls <= self.state.config.runware_async_polls:
            count = max(1, len(job.items))
            return [{"taskType": "imageInference", "taskUUID": job.task_uuid, "status": "processing"}] * count
        if job.error is not None:
            raise job.error
        return [{**item, "status": "success"} for item in job.items]

    def _result(
        self, task: dict[str, Any], spec: ImageSpec, output_type: str, nsfw_check: bool, base_url: str
    ) -> dict[str, Any]:
        """Return one result item and remember its image."""
        image_uuid = str(uuid.uuid4())
        with self._lock:
            self._images[image_uuid] = spec
        item: dict[str, Any] = {"taskType": task["taskType"], "taskUUID": task["taskUUID"],
                                "imageUUID": image_uuid, "seed": spec.seed}
        if output_type == "URL":
            item["imageURL"] = f"{base_url}/image/ws/2/ii/{image_uuid}.{images.extension(spec.fmt)}"
        else:
            data = base64.b64encode(maybe_truncate(self.state, VENDOR, spec.render())).decode("ascii")
            if output_type == "base64Data":
                item["imageBase64Data"] = data
            else:
                item["imageDataURI"] = f"data:{images.mime_type(spec.fmt)};base64,{data}"
        if nsfw_check:
            item["NSFWContent"] = False
        if task.get("includeCost"):
            item["cost"] = COST_PER_IMAGE
        return item

    def image(self, image_uuid: str) -> ImageSpec | None:
        """Return the spec of a handed-out image, if any."""
        with self._lock:
            return self._images.get(image_uuid)


def _bearer_key() -> str:
    """Return the key from `Authorization: Bearer <key>`, or ''."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _run_one(sandbox: RunwareSandbox, task: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
    """Run one task of the array by its taskType, or raise TaskError."""
    task_type = task.get("taskType")
    if task_type in ("imageInference", VECTORIZE):
        return sandbox.inference(task, base_url)
    if task_type == "getResponse":
        return sandbox.get_response(task)
    if task_type == "getTaskDetails":
        return sandbox.task_details(task)
    if task_type == "accountManagement":
        return sandbox.account_details(task)
    raise TaskError("unsupportedTaskType", f"Task type {task_type!r} is not supported by the sandbox; use "
                    "imageInference, vectorize, getResponse, getTaskDetails or accountManagement.", "taskType",
                    type="string")


def _run_tasks(sandbox: RunwareSandbox, body: list[dict[str, Any]]) -> Response:
    """Authenticate, run every task and answer with data and per-task errors."""
    key, tasks = _bearer_key(), body
    if body[0].get("taskType") == "authentication":
        api_key = body[0].get("apiKey")
        key, tasks = (api_key if isinstance(api_key, str) else ""), body[1:]
    if not key or key == "invalid":
        return error_response(401)
    is_paid = any(t.get("taskType") in ("imageInference", VECTORIZE) for t in tasks)
    if sandbox.state.config.runware_balance <= 0 and is_paid:
        return error_response(402)  # an empty wallet refuses paid work, as Runware's errors page documents
    base_url = request.host_url.rstrip("/")
    data: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    rejected = False
    if not tasks:
        data.append({"taskType": "authentication", "connectionSessionUUID": str(uuid.uuid4())})
    for task in tasks:
        try:
            data.extend(_run_one(sandbox, task, base_url))
        except TaskError as error:
            rejected = rejected or error.rejected
            errors.append({**error.item, "taskType": task.get("taskType"), "taskUUID": task.get("taskUUID")})
    payload: dict[str, Any] = {"data": data} if data or not errors else {}
    if errors:
        payload["errors"] = errors
    response = jsonify(payload)
    response.status_code = 400 if errors and not data and rejected else 200
    return response


def create_app(state: SandboxState) -> Flask:
    """Return the Runware sandbox Flask app."""
    sandbox = RunwareSandbox(state)
    app = create_vendor_app(VENDOR, state, error_response)

    @app.post("/v1")
    @app.post("/v1/images/generate")
    def tasks() -> Response:
        blocked = intercept(state, VENDOR, error_response)
        if blocked is not None:
            return blocked
        body = request.get_json(silent=True)
        if not isinstance(body, list) or not body or not all(isinstance(task, dict) for task in body):
            response = jsonify({"errors": [{
                "code": "invalidRequestBody", "parameter": "body", "type": None,
                "message": "The request body must be a non-empty JSON array of task objects."}]})
            response.status_code = 400
            return response
        return _run_tasks(sandbox, body)

    @app.get("/image/ws/2/ii/<name>")
    def image_file(name: str) -> Response:
        spec = sandbox.image(name.rsplit(".", 1)[0])
        if spec is None:
            return error_response(404)
        data = maybe_truncate(state, VENDOR, spec.render())
        return Response(data, mimetype=images.mime_type(spec.fmt))

    return app

"""Runware sandbox: `POST /v1` task arrays (imageInference, authentication) and the image files.

Accepted: a JSON array of tasks; the key comes from `Authorization: Bearer <key>` or from a first task
`{"taskType":"authentication","apiKey":"<key>"}`. Any non-empty key but `invalid` is accepted.
imageInference fields checked: taskUUID (UUID v4, unused before), positivePrompt (4-2000 chars), model
(AIR id like `runware:101@1`), width/height (128-2048, multiples of 8, default 1024), numberResults (1-20),
outputType (URL|dataURI|base64Data), outputFormat (JPG|PNG|WEBP, any case), outputQuality (20-99), seed
(from the taskUUID if missing; result i gets seed+i), includeCost. Answer: 200 `{"data":[...]}`, plus
`"errors"` when only some tasks failed; 400 `{"data":[],"errors":[...]}` when all failed; 401 invalidApiKey.
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

from gif_app.sandbox import images
from gif_app.sandbox.faults import create_vendor_app, intercept, maybe_truncate
from gif_app.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

VENDOR = "runware"
COST_PER_IMAGE = 0.0038
DOCS = "https://runware.ai/docs/en/image-inference/api-reference"
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
    """One task's failure, rendered as an item of the `errors` array."""

    def __init__(self, code: str, message: str, parameter: str, **extra: Any) -> None:
        super().__init__(message)
        self.item: dict[str, Any] = {"code": code, "message": message, "parameter": parameter, **extra}


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


def error_response(status: int, task: dict[str, Any] | None = None) -> Response:
    """Return Runware's `{"errors":[...]}` envelope for an HTTP-level failure."""
    code, message = _STATUS_ERRORS.get(status, ("unknownError", "Unknown error."))
    item: dict[str, Any] = {"code": code, "message": message}
    if status == 401:
        item.update(parameter="apiKey", taskType="authentication")
    elif task is not None:
        item.update(taskType=task.get("taskType"), taskUUID=task.get("taskUUID"))
    response = jsonify({"data": [], "errors": [item]})
    response.status_code = status
    return response


def _int_field(task: dict[str, Any], name: str, default: int, low: int, high: int, step: int = 1) -> int:
    """Return an integer task field within [low, high] and a multiple of step, or raise TaskError."""
    value = task.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high or value % step:
        raise TaskError(
            f"invalid{name[0].upper()}{name[1:]}",
            f"Invalid value for '{name}' parameter. It must be an integer value between {low} and {high}, "
            f"in multiples of '{step}'.",
            name, type="integer", min=low, max=high, multiplier=step, documentation=f"{DOCS}#request-{name}",
        )
    return value


def _choice(task: dict[str, Any], name: str, default: str, allowed: tuple[str, ...]) -> str:
    """Return a case-insensitive enum field as written in `allowed`, or raise TaskError."""
    value = task.get(name, default)
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise TaskError(
        f"invalid{name[0].upper()}{name[1:]}",
        f"Invalid value for '{name}' parameter. Supported values: {', '.join(allowed)}.",
        name, documentation=f"{DOCS}#request-{name.lower()}",
    )


class RunwareSandbox:
    """State of one Runware sandbox: used taskUUIDs and the images handed out."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._used_uuids: set[str] = set()
        self._images: dict[str, ImageSpec] = {}

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
                            "It must be a UUID v4.", "taskUUID", documentation=f"{DOCS}#request-taskuuid")
        if not self.claim_uuid(task_uuid.lower()):
            raise TaskError("conflictTaskUUID", "A task with this taskUUID was already sent. "
                            "Use a new UUID v4.", "taskUUID", documentation=f"{DOCS}#request-taskuuid")
        return task_uuid

    def infer(self, task: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
        """Run one imageInference task and return its result items, or raise TaskError."""
        task_uuid = self.check_task(task)
        prompt = task.get("positivePrompt")
        if not isinstance(prompt, str) or not 4 <= len(prompt.strip()) <= 2000:
            raise TaskError("invalidPositivePrompt", "Invalid value for 'positivePrompt' parameter. "
                            "It must be a string between 4 and 2000 characters.", "positivePrompt")
        model = task.get("model")
        if not isinstance(model, str) or not _AIR.match(model):
            raise TaskError("invalidModel", "Invalid value for 'model' parameter. "
                            "It must be an AIR identifier like 'runware:101@1'.", "model")
        width = _int_field(task, "width", 1024, 128, 2048, 8)
        height = _int_field(task, "height", 1024, 128, 2048, 8)
        count = _int_field(task, "numberResults", 1, 1, 20)
        output_type = _choice(task, "outputType", "URL", ("URL", "dataURI", "base64Data"))
        fmt = _choice(task, "outputFormat", "JPG", ("JPG", "PNG", "WEBP"))
        quality = _int_field(task, "outputQuality", 95, 20, 99)
        seed = task.get("seed")
        if seed is None:
            seed = images.stable_int("seed", task_uuid, modulo=2**31 - 1)
        elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise TaskError("invalidSeed", "Invalid value for 'seed' parameter. "
                            "It must be a positive integer.", "seed")
        return [
            self._result(task, ImageSpec(prompt.strip(), seed + i, width, height, fmt, quality), output_type,
                         base_url)
            for i in range(count)
        ]

    def _result(
        self, task: dict[str, Any], spec: ImageSpec, output_type: str, base_url: str
    ) -> dict[str, Any]:
        """Return one result item and remember its image."""
        image_uuid = str(uuid.uuid4())
        with self._lock:
            self._images[image_uuid] = spec
        item: dict[str, Any] = {"taskType": "imageInference", "taskUUID": task["taskUUID"],
                                "imageUUID": image_uuid, "seed": spec.seed}
        if output_type == "URL":
            item["imageURL"] = f"{base_url}/image/ws/2/ii/{image_uuid}.{images.extension(spec.fmt)}"
        else:
            data = base64.b64encode(maybe_truncate(self.state, VENDOR, spec.render())).decode("ascii")
            if output_type == "base64Data":
                item["imageBase64Data"] = data
            else:
                item["imageDataURI"] = f"data:{images.mime_type(spec.fmt)};base64,{data}"
        if task.get("checkNSFW") or isinstance(task.get("safety"), dict):
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


def _run_tasks(sandbox: RunwareSandbox, body: list[dict[str, Any]]) -> Response:
    """Authenticate, run every task and answer with data and per-task errors."""
    key, tasks = _bearer_key(), body
    if body[0].get("taskType") == "authentication":
        api_key = body[0].get("apiKey")
        key, tasks = (api_key if isinstance(api_key, str) else ""), body[1:]
    if not key or key == "invalid":
        return error_response(401)
    base_url = request.host_url.rstrip("/")
    data: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    if not tasks:
        data.append({"taskType": "authentication", "connectionSessionUUID": str(uuid.uuid4())})
    for task in tasks:
        try:
            if task.get("taskType") != "imageInference":
                raise TaskError("unsupportedTaskType", f"Task type {task.get('taskType')!r} is not supported "
                                "by the sandbox; use imageInference.", "taskType")
            data.extend(sandbox.infer(task, base_url))
        except TaskError as error:
            errors.append({**error.item, "taskType": task.get("taskType"), "taskUUID": task.get("taskUUID")})
    payload: dict[str, Any] = {"data": data}
    if errors:
        payload["errors"] = errors
    response = jsonify(payload)
    response.status_code = 400 if errors and not data else 200
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
            response = jsonify({"data": [], "errors": [{
                "code": "invalidRequestBody", "parameter": "body",
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

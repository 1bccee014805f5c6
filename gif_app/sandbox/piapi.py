"""PiAPI (Midjourney) sandbox: `POST /api/v1/task` imagine tasks, `GET /api/v1/task/{id}`, grid files.

Auth: header `X-API-Key` (any non-empty value but `invalid`), else 401
`{"code":401,"message":..,"data":null}`.
Create body: `{"model":"midjourney","task_type":"imagine","input":{"prompt":..,"aspect_ratio":"W:H",
"process_mode":"relax|fast|turbo"},"config":{..}}` -> 200 `{"code":200,"message":"success","data":<task>}`.
Status by wall time since creation: `pending` (first third of `SandboxConfig.piapi_task_duration`),
`processing`, then `completed` with `output.image_url` (2x2 grid PNG) and, by `SandboxConfig.piapi_output`
(the account's plan), `output.temporary_image_urls` and/or `output.image_urls` (four PNGs) or neither.
A prompt containing the word "failtask" ends `failed` with `data.error` filled (`code` 10000, a
Midjourney-style `raw_message`). Unknown task id (or one `SandboxServers.forget_task` dropped): 404
`{"code":404,..,"data":null}`. Bad bodies: 400 in the
same envelope. Files: `GET /files/<task_id>/grid.png` and `/files/<task_id>/<0-3>.png`.
A `--seed N` in the prompt fixes the grid: its images are drawn with seeds N..N+3.
Credits: once `SandboxConfig.piapi_task_budget` tasks were created, a create is refused in the shape
`SandboxConfig.piapi_credit_reply` names (sandbox/piapi_account.py); PiAPI documents none of them.
`meta.usage` counts "points" (an assumption; PiAPI does not document the unit for Midjourney).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request

from gif_app.sandbox import images
from gif_app.sandbox.faults import create_vendor_app, intercept, maybe_truncate
from gif_app.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

VENDOR = "piapi"
FAIL_WORD = "failtask"
PROCESS_MODES = ("relax", "fast", "turbo")
USAGE_POINTS = {"relax": 150_000, "fast": 450_000, "turbo": 1_000_000}
_RATIO = re.compile(r"^\s*(\d{1,3})\s*:\s*(\d{1,3})\s*$")
_FAIL = re.compile(rf"\b{FAIL_WORD}\b", re.IGNORECASE)
_SEED = re.compile(r"(?<!\S)--seed\s+(\d+)(?!\S)", re.IGNORECASE)
_MESSAGES = {
    400: "invalid request", 401: "Unauthorized: missing or invalid X-API-Key header",
    402: "insufficient credits: please top up your PiAPI account", 404: "task not found",
    405: "method not allowed", 429: "too many requests: concurrency limit of your plan reached",
    500: "internal server error", 503: "service temporarily unavailable",
}
CREDITS_MESSAGE = _MESSAGES[402]
_NO_ERROR = {"code": 0, "raw_message": "", "message": "", "detail": None}


def error_response(status: int, message: str = "") -> Response:
    """Return PiAPI's `{"code","message","data":null}` envelope with that HTTP status."""
    response = jsonify({"code": status, "message": message or _MESSAGES.get(status, "error"), "data": None})
    response.status_code = status
    return response


def _iso(moment: float) -> str:
    """Return a UTC ISO-8601 timestamp with a Z suffix."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def size_for(aspect_ratio: str) -> tuple[int, int]:
    """Return the single-image size for a W:H ratio, long side 1024, multiples of 8."""
    match = _RATIO.match(aspect_ratio)
    if match is None or int(match.group(1)) == 0 or int(match.group(2)) == 0:
        raise ValueError(aspect_ratio)
    w, h = int(match.group(1)), int(match.group(2))
    if w >= h:
        return 1024, max(64, round(1024 * h / w / 8) * 8)
    return max(64, round(1024 * w / h / 8) * 8), 1024


@dataclass(frozen=True)
class Task:
    """One imagine task as created."""

    task_id: str
    created: float
    input: dict[str, Any]
    config: dict[str, Any]
    size: tuple[int, int]
    refusal: str = ""  # set when the task was refused at creation (no credits): it is `failed` at once

    @property
    def prompt(self) -> str:
        """Return the prompt text."""
        return str(self.input["prompt"])

    @property
    def seeds(self) -> tuple[int, int, int, int]:
        """Return the four seeds of the grid's images."""
        # Midjourney's --seed fixes the grid (same prompt and seed, same images); else each task differs.
        seed = _SEED.search(self.prompt)
        base = int(seed.group(1)) if seed else images.stable_int("piapi", self.task_id)
        return (base, base + 1, base + 2, base + 3)

    def view(self, now: float, duration: float, base_url: str, output_shape: str) -> dict[str, Any]:
        """Return the task's `data` object as seen at `now`; `output_shape` is the plan's (OUTPUTS)."""
        elapsed = now - self.created
        mode = str(self.input.get("process_mode", "fast"))
        fails = bool(_FAIL.search(self.prompt))
        if self.refusal:
            status = "failed"
        elif elapsed >= duration:
            status = "failed" if fails else "completed"
        else:
            status = "pending" if elapsed < duration / 3 else "processing"
        done = status in ("completed", "failed")
        progress = 100 if done else (0 if status == "pending" else min(99, int(elapsed / duration * 100)))
        points = USAGE_POINTS.get(mode, USAGE_POINTS["fast"])
        data: dict[str, Any] = {
            "task_id": self.task_id, "model": "midjourney", "task_type": "imagine", "status": status,
            "config": self.config, "input": self.input,
            "output": self._output(status, progress, base_url, output_shape),
            "meta": {
                "created_at": _iso(self.created),
                "started_at": _iso(self.created + duration / 3) if status != "pending" else "",
                "ended_at": _iso(self.created + duration) if done else "",
                "usage": {"type": "point", "frozen": 0 if done else points,
                          "consume": points if status == "completed" else 0},
                "is_using_private_pool": False, "model_version": "7", "process_mode": mode,
            },
            "detail": None, "logs": [],
            "error": dict(_NO_ERROR),
        }
        if self.refusal:
            data["error"] = {"code": 10001, "detail": None, "message": "failed to create task",
                             "raw_message": self.refusal}
        elif status == "failed":
            data["error"] = {
                "code": 10000, "detail": None, "message": "failed to do imagine task",
                "raw_message": "[Banned prompt detected] Request cancelled due to prompt filters "
                               f"(sandbox: the prompt contains '{FAIL_WORD}')",
            }
        return data

    def _output(self, status: str, progress: int, base_url: str, shape: str) -> dict[str, Any]:
        """Return `data.output`: empty until completed, then the grid and what the plan adds to it."""
        if status != "completed":
            return {"image_url": "", "image_urls": None, "temporary_image_urls": None,
                    "discord_image_url": "", "task_progress": progress, "actions": []}
        singles = [f"{base_url}/files/{self.task_id}/{i}.png" for i in range(4)]
        return {
            "image_url": f"{base_url}/files/{self.task_id}/grid.png",
            "image_urls": singles if shape in ("temporary", "image_urls") else None,
            "temporary_image_urls": list(singles) if shape == "temporary" else None,
            "discord_image_url": "", "task_progress": 100,
            "actions": [f"{action}{i}" for action in ("upscale", "variation") for i in range(1, 5)] + ["reroll"],
        }


def _parse_create(body: Any) -> tuple[dict[str, Any], dict[str, Any], tuple[int, int]] | str:
    """Return (input, config, size) of a valid imagine body, or the error message."""
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    if body.get("model") != "midjourney":
        return "model must be 'midjourney'"
    if body.get("task_type") != "imagine":
        return f"task_type {body.get('task_type')!r} is not supported by the sandbox; use 'imagine'"
    task_input = body.get("input")
    if not isinstance(task_input, dict) or not isinstance(task_input.get("prompt"), str) \
            or not task_input["prompt"].strip():
        return "input.prompt is required"
    task_input = {"aspect_ratio": "1:1", "process_mode": "fast", "skip_prompt_check": False, **task_input}
    if task_input["process_mode"] not in PROCESS_MODES:
        return "input.process_mode must be one of relax, fast, turbo"
    try:
        size = size_for(str(task_input["aspect_ratio"]))
    except ValueError:
        return f"input.aspect_ratio {task_input['aspect_ratio']!r} must look like W:H"
    config = body.get("config") if isinstance(body.get("config"), dict) else {}
    config = {"service_mode": "public", "webhook_config": {"endpoint": "", "secret": ""}, **(config or {})}
    return task_input, config, size


def create_app(state: SandboxState) -> Flask:
    """Return the PiAPI sandbox Flask app."""
    app = create_vendor_app(VENDOR, state, error_response)
    tasks: dict[str, Task] = {}
    paid = [0]  # imagine tasks created (and so paid for) since the servers started
    lock = threading.Lock()

    def guard() -> Response | None:
        blocked = intercept(state, VENDOR, error_response)
        if blocked is not None:
            return blocked
        key = request.headers.get("X-API-Key", "").strip()
        return error_response(401) if not key or key == "invalid" else None

    def answer(task: Task) -> Response:
        config = state.config
        data = task.view(time.time(), config.piapi_task_duration, request.host_url.rstrip("/"), config.piapi_output)
        return jsonify({"code": 200, "message": "success", "data": data})

    def refuse_for_credits(task: Task) -> Response:
        """Answer a create the account cannot pay for, in the configured shape."""
        reply = state.config.piapi_credit_reply
        if reply == "task":
            refused = replace(task, refusal=CREDITS_MESSAGE)
            with lock:
                tasks[refused.task_id] = refused
            return answer(refused)
        if reply == "200":
            return jsonify({"code": 400, "message": CREDITS_MESSAGE, "data": None})
        return error_response(int(reply) if reply in ("400", "402") else 400, CREDITS_MESSAGE)

    @app.post("/api/v1/task")
    def create_task() -> Response:
        blocked = guard()
        if blocked is not None:
            return blocked
        parsed = _parse_create(request.get_json(silent=True))
        if isinstance(parsed, str):
            return error_response(400, parsed)
        task = Task(str(uuid.uuid4()), time.time(), *parsed)
        budget = state.config.piapi_task_budget
        with lock:
            # PiAPI freezes a task's credits when it is created, so an empty balance refuses the create.
            is_paid = budget is None or paid[0] < budget
            if is_paid:
                paid[0] += 1
                tasks[task.task_id] = task
                # The sandbox names no price for a task; the log counts the four images it pays for. A task
                # Midjourney will refuse ("failtask") gets its frozen credits back (usage.consume 0): not billed.
                if not _FAIL.search(task.prompt):
                    state.bill(VENDOR, task.task_id, 4, 0.0)
        return answer(task) if is_paid else refuse_for_credits(task)

    @app.get("/api/v1/task/<task_id>")
    def fetch_task(task_id: str) -> Response:
        blocked = guard()
        if blocked is not None:
            return blocked
        with lock:
            task = tasks.get(task_id)
        return error_response(404) if task is None or state.is_forgotten(VENDOR, task_id) else answer(task)

    @app.get("/files/<task_id>/<name>.png")
    def task_file(task_id: str, name: str) -> Response:
        with lock:
            task = tasks.get(task_id)
        if task is None or name not in ("grid", "0", "1", "2", "3"):
            return error_response(404, "file not found")
        width, height = task.size
        if name == "grid":
            data = images.render_grid(task.prompt, task.seeds, width, height)
        else:
            data = images.render_bytes(task.prompt, task.seeds[int(name)], width, height, "PNG")
        return Response(maybe_truncate(state, VENDOR, data), mimetype="image/png")

    return app

"""The PiAPI sandbox runs Midjourney imagine tasks through pending -> processing -> completed (A1)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from gif_app.sandbox import SandboxConfig, SandboxServers

KEY = {"X-API-Key": "sandbox-key"}


@pytest.fixture()
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers.start(SandboxConfig(piapi_task_duration=0.3)) as servers:
        yield servers


def create(sandbox: SandboxServers, prompt: str = "flying night city", **input_fields: Any) -> httpx.Response:
    body = {"model": "midjourney", "task_type": "imagine",
            "input": {"prompt": prompt, "aspect_ratio": "16:9", "process_mode": "fast", **input_fields}}
    return httpx.post(sandbox.base_urls["piapi"] + "/api/v1/task", json=body, headers=KEY)


def poll_until_done(sandbox: SandboxServers, task_id: str, deadline_s: float = 10.0) -> list[str]:
    """Poll the task until it is terminal; return every status seen, in order, without repeats."""
    seen: list[str] = []
    deadline = time.monotonic() + deadline_s
    with httpx.Client(headers=KEY) as client:
        while time.monotonic() < deadline:
            answer = client.get(f"{sandbox.base_urls['piapi']}/api/v1/task/{task_id}")
            assert answer.status_code == 200
            status = answer.json()["data"]["status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            if status in ("completed", "failed"):
                return seen
    raise AssertionError(f"task {task_id} still {seen[-1:]} after {deadline_s} s")


def fetch(sandbox: SandboxServers, task_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{sandbox.base_urls['piapi']}/api/v1/task/{task_id}", headers=KEY)
    data: dict[str, Any] = answer.json()["data"]
    return data


def test_create_answers_pending_in_the_unified_envelope(sandbox: SandboxServers) -> None:
    answer = create(sandbox)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["code"], body["message"]) == (200, "success")
    data = body["data"]
    assert data["status"] == "pending"
    assert (data["model"], data["task_type"]) == ("midjourney", "imagine")
    assert data["input"]["prompt"] == "flying night city"
    assert data["error"] == {"code": 0, "raw_message": "", "message": "", "detail": None}
    assert data["output"]["temporary_image_urls"] is None


def test_task_moves_to_completed_with_a_grid_and_four_images(sandbox: SandboxServers) -> None:
    task_id = create(sandbox).json()["data"]["task_id"]
    statuses = poll_until_done(sandbox, task_id)
    assert statuses[-1] == "completed"
    assert set(statuses) <= {"pending", "processing", "completed"}
    assert statuses == sorted(statuses, key=["pending", "processing", "completed"].index)
    data = fetch(sandbox, task_id)
    output = data["output"]
    assert len(output["temporary_image_urls"]) == 4
    assert output["image_urls"] == output["temporary_image_urls"]
    assert data["meta"]["ended_at"]
    grid = Image.open(io.BytesIO(httpx.get(output["image_url"]).content))
    singles = [Image.open(io.BytesIO(httpx.get(url).content)) for url in output["temporary_image_urls"]]
    assert {image.size for image in singles} == {(1024, 576)}
    assert grid.size == (2048, 1152)
    assert len({image.tobytes() for image in singles}) == 4


def test_failtask_prompt_ends_failed_with_the_error_object(sandbox: SandboxServers) -> None:
    task_id = create(sandbox, prompt="a failtask example").json()["data"]["task_id"]
    assert poll_until_done(sandbox, task_id)[-1] == "failed"
    error = fetch(sandbox, task_id)["error"]
    assert error["code"] != 0
    assert error["message"]
    assert "Banned prompt" in error["raw_message"]


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "invalid"}])
def test_missing_or_invalid_key_is_401(sandbox: SandboxServers, headers: dict[str, str]) -> None:
    answer = httpx.post(sandbox.base_urls["piapi"] + "/api/v1/task", json={}, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == 401
    assert answer.json()["data"] is None


def test_unknown_task_id_is_404_in_the_envelope(sandbox: SandboxServers) -> None:
    answer = httpx.get(sandbox.base_urls["piapi"] + "/api/v1/task/no-such-task", headers=KEY)
    assert answer.status_code == 404
    assert answer.json() == {"code": 404, "message": "task not found", "data": None}


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [({"aspect_ratio": "wide"}, "aspect_ratio"), ({"process_mode": "ludicrous"}, "process_mode")],
)
def test_invalid_input_is_400(sandbox: SandboxServers, fields: dict[str, Any], fragment: str) -> None:
    answer = create(sandbox, **fields)
    assert answer.status_code == 400
    assert fragment in answer.json()["message"]


def test_missing_prompt_is_400(sandbox: SandboxServers) -> None:
    body = {"model": "midjourney", "task_type": "imagine", "input": {}}
    answer = httpx.post(sandbox.base_urls["piapi"] + "/api/v1/task", json=body, headers=KEY)
    assert answer.status_code == 400
    assert "prompt" in answer.json()["message"]


@pytest.mark.parametrize(
    ("plan", "has_temporary", "has_image_urls"),
    [("temporary", True, True), ("image_urls", False, True), ("grid", False, False)],
)
def test_completed_output_follows_the_accounts_plan(
    sandbox: SandboxServers, plan: str, has_temporary: bool, has_image_urls: bool
) -> None:
    sandbox.config.piapi_output = plan
    task_id = create(sandbox).json()["data"]["task_id"]
    assert poll_until_done(sandbox, task_id)[-1] == "completed"
    output = fetch(sandbox, task_id)["output"]
    assert (output["temporary_image_urls"] is not None) is has_temporary
    assert (output["image_urls"] is not None) is has_image_urls
    grid = Image.open(io.BytesIO(httpx.get(output["image_url"]).content))
    assert grid.size == (2048, 1152)  # every plan gets the 2x2 grid


def test_task_duration_is_configurable_and_reported_in_meta(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_task_duration = 60.0
    task_id = create(sandbox).json()["data"]["task_id"]
    data = fetch(sandbox, task_id)
    assert data["status"] in ("pending", "processing")
    assert data["meta"]["ended_at"] == ""
    assert data["output"]["image_url"] == ""


@pytest.mark.parametrize(
    ("reply", "http_status", "envelope_code"), [("400", 400, 400), ("402", 402, 402), ("200", 200, 400)]
)
def test_an_empty_balance_refuses_the_create_in_the_configured_shape(
    sandbox: SandboxServers, reply: str, http_status: int, envelope_code: int
) -> None:
    sandbox.config.piapi_task_budget = 1
    sandbox.config.piapi_credit_reply = reply
    assert create(sandbox).status_code == 200  # the one task the balance still pays for
    refused = create(sandbox)
    assert refused.status_code == http_status
    body = refused.json()
    assert body["code"] == envelope_code and body["data"] is None
    assert "insufficient credits" in body["message"]


def test_an_empty_balance_can_come_back_as_a_failed_task(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_task_budget = 0
    sandbox.config.piapi_credit_reply = "task"
    answer = create(sandbox)
    assert answer.status_code == 200 and answer.json()["code"] == 200
    data = answer.json()["data"]
    assert data["status"] == "failed"
    assert data["error"]["code"] != 0 and "insufficient credits" in data["error"]["raw_message"]
    assert fetch(sandbox, data["task_id"])["status"] == "failed"  # it stays failed when fetched

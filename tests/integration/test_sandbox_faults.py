"""Injected faults reach clients exactly as documented: statuses, bodies, headers, broken transport."""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from PIL import Image

from gif_app.sandbox import SandboxServers, images

Call = Callable[[SandboxServers, float], httpx.Response]


def runware_call(sandbox: SandboxServers, timeout: float = 5.0) -> httpx.Response:
    task = {"taskType": "imageInference", "taskUUID": str(uuid.uuid4()), "model": "runware:101@1",
            "positivePrompt": "red apple on a table", "width": 256, "height": 256, "outputFormat": "PNG"}
    return httpx.post(sandbox.base_urls["runware"] + "/v1", json=[task], timeout=timeout,
                      headers={"Authorization": "Bearer k"})


def piapi_call(sandbox: SandboxServers, timeout: float = 5.0) -> httpx.Response:
    body = {"model": "midjourney", "task_type": "imagine", "input": {"prompt": "red apple"}}
    return httpx.post(sandbox.base_urls["piapi"] + "/api/v1/task", json=body, timeout=timeout,
                      headers={"X-API-Key": "k"})


def openai_call(sandbox: SandboxServers, timeout: float = 5.0) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Keyword: apple"}]}
    return httpx.post(sandbox.base_urls["openai"] + "/chat/completions", json=body, timeout=timeout,
                      headers={"Authorization": "Bearer k"})


def removebg_call(sandbox: SandboxServers, timeout: float = 5.0) -> httpx.Response:
    png = images.render_bytes("red apple", 1, 200, 200, "PNG")
    return httpx.post(sandbox.base_urls["removebg"] + "/v1.0/removebg", files={"image_file": ("a.png", png)},
                      timeout=timeout, headers={"X-Api-Key": "k"})


CALLS: dict[str, Call] = {"runware": runware_call, "piapi": piapi_call, "openai": openai_call,
                          "removebg": removebg_call}


def vendor_error(vendor: str, body: Any, status: int) -> str:
    """Return the error code/message from the vendor's documented envelope (fails if the shape is wrong)."""
    if vendor == "runware":
        [error] = body["errors"]
        return str(error["code"])
    if vendor == "piapi":
        assert body["code"] == status and body["data"] is None
        return str(body["message"])
    if vendor == "openai":
        error = body["error"]
        assert set(error) == {"message", "type", "param", "code"}
        return str(error["type"])
    [error] = body["errors"]
    assert error["title"]
    return str(error["code"])


@pytest.mark.parametrize("vendor", list(CALLS))
@pytest.mark.parametrize("status", [401, 402, 429, 500, 503])
def test_status_faults_use_the_vendor_error_body(sandbox: SandboxServers, vendor: str, status: int) -> None:
    sandbox.config.set_fault(vendor, str(status))
    answer = CALLS[vendor](sandbox, 5.0)
    # OpenAI has no 402: an account out of credit gets 429 insufficient_quota.
    assert answer.status_code == (429 if (vendor, status) == ("openai", 402) else status)
    assert answer.headers["content-type"].startswith("application/json")
    assert vendor_error(vendor, answer.json(), status)
    if status == 429:
        assert answer.headers["Retry-After"] == "1"
    if vendor == "removebg" and status == 429:
        assert answer.headers["X-RateLimit-Remaining"] == "0"
        assert int(answer.headers["X-RateLimit-Reset"]) > 0
    sandbox.config.clear_faults(vendor)
    assert CALLS[vendor](sandbox, 5.0).status_code == 200


@pytest.mark.parametrize("vendor", list(CALLS))
def test_malformed_is_200_with_invalid_json(sandbox: SandboxServers, vendor: str) -> None:
    sandbox.config.set_fault(vendor, "malformed")
    answer = CALLS[vendor](sandbox, 5.0)
    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.content)


@pytest.mark.parametrize("vendor", list(CALLS))
def test_drop_closes_the_connection_without_an_answer(sandbox: SandboxServers, vendor: str) -> None:
    sandbox.config.set_fault(vendor, "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        CALLS[vendor](sandbox, 5.0)


@pytest.mark.parametrize("fault", ["drop", "malformed", "timeout"])
@pytest.mark.parametrize("vendor", ["runware", "piapi", "removebg"])
def test_answers_lost_after_the_work_are_billed(sandbox: SandboxServers, vendor: str, fault: str) -> None:
    sandbox.config.timeout_delay = 0.5
    sandbox.config.set_fault(vendor, fault)
    credits = sandbox.credits_left()
    with pytest.raises((httpx.HTTPError, json.JSONDecodeError)):
        CALLS[vendor](sandbox, 0.2).json()
    assert sandbox.wait_idle(5.0)
    # The vendor did the work, so it bills it; only the answer was lost on the way back.
    assert len(sandbox.billed(vendor)) == 1 if vendor != "removebg" else credits - sandbox.credits_left() > 0
    assert sandbox.sends("runware") == ([] if vendor != "runware" else [b.request_id for b in sandbox.billed()])


@pytest.mark.parametrize("vendor", list(CALLS))
def test_timeout_outlasts_a_short_client_timeout(sandbox: SandboxServers, vendor: str) -> None:
    sandbox.config.set_fault(vendor, "timeout")
    with pytest.raises(httpx.ReadTimeout):
        CALLS[vendor](sandbox, 0.3)
    sandbox.config.clear_faults()
    assert CALLS[vendor](sandbox, 5.0).status_code == 200


def test_latency_delays_only_its_vendor(sandbox: SandboxServers) -> None:
    sandbox.config.latency["runware"] = 5.0
    with pytest.raises(httpx.ReadTimeout):
        runware_call(sandbox, 0.3)
    assert piapi_call(sandbox, 0.3).status_code == 200
    sandbox.config.latency.clear()
    assert runware_call(sandbox, 5.0).status_code == 200


def test_fractional_rate_fires_on_a_reproducible_schedule(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "429", 0.5)
    assert [runware_call(sandbox).status_code for _ in range(6)] == [200, 429, 200, 429, 200, 429]
    sandbox.reset()
    assert [runware_call(sandbox).status_code for _ in range(2)] == [200, 429]
    assert sandbox.request_count("runware", "/v1") == 2


def is_whole_image(data: bytes) -> bool:
    try:
        Image.open(io.BytesIO(data)).load()
    except OSError:
        return False
    return True


def test_truncated_cuts_downloaded_image_bytes_but_not_the_api(sandbox: SandboxServers) -> None:
    url = runware_call(sandbox).json()["data"][0]["imageURL"]
    whole = httpx.get(url).content
    sandbox.config.set_fault("runware", "truncated")
    assert runware_call(sandbox).status_code == 200
    cut = httpx.get(url)
    assert cut.status_code == 200
    assert cut.content == whole[: len(whole) // 2]
    assert is_whole_image(whole) and not is_whole_image(cut.content)


def test_truncated_applies_to_piapi_files_and_removebg_results(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("removebg", "truncated")
    assert not is_whole_image(removebg_call(sandbox).content)
    sandbox.config.set_fault("piapi", "truncated")
    task_id = piapi_call(sandbox).json()["data"]["task_id"]
    grid = httpx.get(f"{sandbox.base_urls['piapi']}/files/{task_id}/grid.png")
    assert grid.status_code == 200 and not is_whole_image(grid.content)


def test_openai_client_sees_typed_errors_for_faults(sandbox: SandboxServers) -> None:
    with openai.OpenAI(api_key="k", base_url=sandbox.base_urls["openai"], max_retries=0, timeout=5) as client:
        sandbox.config.set_fault("openai", "429")
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        assert limited.value.response.headers["retry-after"] == "1"
        sandbox.config.set_fault("openai", "500")
        with pytest.raises(openai.InternalServerError):
            client.images.generate(model="gpt-image-1", prompt="fox")
        sandbox.config.set_fault("openai", "truncated")
        result = client.images.generate(model="gpt-image-1", prompt="fox", size="1024x1024")
        assert result.data is not None
        assert not is_whole_image(base64.b64decode(result.data[0].b64_json or ""))
        assert sandbox.request_count("openai", "/v1/images") == 2

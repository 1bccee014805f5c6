"""The Runware sandbox speaks POST /v1 task arrays as protocols.md A2 describes."""

from __future__ import annotations

import base64
import io
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from gif_app.sandbox import SandboxServers

KEY = {"Authorization": "Bearer sandbox-key"}


def task(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "taskType": "imageInference", "taskUUID": str(uuid.uuid4()), "model": "runware:101@1",
        "positivePrompt": "red apple on a wooden table", "width": 512, "height": 384, "numberResults": 1,
        "outputType": "URL", "outputFormat": "PNG", "includeCost": True, "seed": 42,
    }
    body.update(overrides)
    return body


def post(sandbox: SandboxServers, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(sandbox.base_urls["runware"] + "/v1", json=body, headers=KEY if headers is None else headers)


def test_image_inference_returns_one_result_per_image_with_downloadable_urls(sandbox: SandboxServers) -> None:
    sent = task(numberResults=3, outputFormat="jpg")
    answer = post(sandbox, [sent])
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert len(data) == 3
    for index, item in enumerate(data):
        assert item["taskType"] == "imageInference"
        assert item["taskUUID"] == sent["taskUUID"]
        assert item["seed"] == 42 + index
        assert item["cost"] > 0
        uuid.UUID(item["imageUUID"])
        image = httpx.get(item["imageURL"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/jpeg"
        assert item["imageURL"].endswith(".jpg")
        assert Image.open(io.BytesIO(image.content)).size == (512, 384)


def test_authentication_task_in_the_array_replaces_the_header(sandbox: SandboxServers) -> None:
    body = [{"taskType": "authentication", "apiKey": "sandbox-key"}, task(includeCost=False)]
    answer = post(sandbox, body, headers={})
    assert answer.status_code == 200
    [item] = answer.json()["data"]
    assert "cost" not in item


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer invalid"}])
def test_missing_or_invalid_key_gets_invalid_api_key(sandbox: SandboxServers, headers: dict[str, str]) -> None:
    answer = post(sandbox, [task()], headers=headers)
    assert answer.status_code == 401
    [error] = answer.json()["errors"]
    assert error["code"] == "invalidApiKey"
    assert error["parameter"] == "apiKey"
    assert error["taskType"] == "authentication"
    invalid_auth_task = post(sandbox, [{"taskType": "authentication", "apiKey": "invalid"}, task()], headers={})
    assert invalid_auth_task.json()["errors"][0]["code"] == "invalidApiKey"


def test_reused_task_uuid_is_a_conflict(sandbox: SandboxServers) -> None:
    sent = task()
    assert post(sandbox, [sent]).status_code == 200
    again = post(sandbox, [sent])
    assert again.status_code == 400
    [error] = again.json()["errors"]
    assert error["code"] == "conflictTaskUUID"
    assert error["taskUUID"] == sent["taskUUID"]


@pytest.mark.parametrize(
    ("overrides", "code", "parameter"),
    [
        ({"taskUUID": "not-a-uuid"}, "invalidTaskUUID", "taskUUID"),
        ({"taskUUID": str(uuid.uuid1())}, "invalidTaskUUID", "taskUUID"),
        ({"positivePrompt": "abc"}, "invalidPositivePrompt", "positivePrompt"),
        ({"model": "sdxl"}, "invalidModel", "model"),
        ({"width": 1001}, "invalidWidth", "width"),
        ({"height": 4096}, "invalidHeight", "height"),
        ({"numberResults": 21}, "invalidNumberResults", "numberResults"),
        ({"outputFormat": "GIF"}, "invalidOutputFormat", "outputFormat"),
        ({"outputType": "file"}, "invalidOutputType", "outputType"),
    ],
)
def test_invalid_fields_get_per_task_errors(
    sandbox: SandboxServers, overrides: dict[str, Any], code: str, parameter: str
) -> None:
    answer = post(sandbox, [task(**overrides)])
    assert answer.status_code == 400
    body = answer.json()
    assert body["data"] == []
    [error] = body["errors"]
    assert (error["code"], error["parameter"]) == (code, parameter)
    assert error["message"]


def test_one_bad_task_does_not_sink_the_others(sandbox: SandboxServers) -> None:
    good, bad = task(), task(width=13)
    answer = post(sandbox, [good, bad])
    assert answer.status_code == 200
    assert [item["taskUUID"] for item in answer.json()["data"]] == [good["taskUUID"]]
    assert [error["taskUUID"] for error in answer.json()["errors"]] == [bad["taskUUID"]]


def test_body_must_be_an_array(sandbox: SandboxServers) -> None:
    answer = post(sandbox, task())
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "invalidRequestBody"


def test_base64_and_data_uri_outputs_carry_the_image(sandbox: SandboxServers) -> None:
    b64 = post(sandbox, [task(outputType="base64Data", outputFormat="webp")]).json()["data"][0]
    assert Image.open(io.BytesIO(base64.b64decode(b64["imageBase64Data"]))).format == "WEBP"
    uri = post(sandbox, [task(outputType="dataURI")]).json()["data"][0]["imageDataURI"]
    assert uri.startswith("data:image/png;base64,")


def test_same_prompt_and_seed_give_the_same_bytes(sandbox: SandboxServers) -> None:
    first = post(sandbox, [task(seed=7)]).json()["data"][0]["imageURL"]
    second = post(sandbox, [task(seed=7)]).json()["data"][0]["imageURL"]
    other = post(sandbox, [task(seed=8)]).json()["data"][0]["imageURL"]
    assert first != second
    assert httpx.get(first).content == httpx.get(second).content
    assert httpx.get(first).content != httpx.get(other).content


def test_missing_seed_is_filled_in_and_reported(sandbox: SandboxServers) -> None:
    sent = task()
    del sent["seed"]
    item = post(sandbox, [sent]).json()["data"][0]
    assert isinstance(item["seed"], int)


def test_legacy_path_alias_and_request_counter(sandbox: SandboxServers) -> None:
    answer = httpx.post(sandbox.base_urls["runware"] + "/v1/images/generate", json=[task()], headers=KEY)
    assert answer.status_code == 200
    httpx.get(answer.json()["data"][0]["imageURL"])
    assert sandbox.request_count("runware", "/v1") == 1
    assert sandbox.request_count("runware", "/image/") == 1
    assert sandbox.request_count("runware") == 2

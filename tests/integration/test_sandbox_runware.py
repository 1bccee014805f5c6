"""The Runware sandbox speaks POST /v1 task arrays as protocols.md A2 describes."""

from __future__ import annotations

import base64
import io
import logging
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from gif_app import vector
from gif_app.providers.base import RenderRequest
from gif_app.providers.runware import build_task
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
    assert "data" not in body  # Runware's refusal carries only the errors array
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


def default_task() -> dict[str, Any]:
    """Return the task the adapter sends for the app's default settings (runware:101@1, no size set)."""
    return build_task(RenderRequest(prompt="red apple on a wooden table", model="runware:101@1"), 1,
                      str(uuid.uuid4()))


def poll(sandbox: SandboxServers, task_uuid: str) -> httpx.Response:
    return post(sandbox, [{"taskType": "getResponse", "taskUUID": task_uuid}])


def test_the_adapters_default_task_is_accepted_at_1024(sandbox: SandboxServers) -> None:
    answer = post(sandbox, [default_task()])
    assert answer.status_code == 200, answer.text
    [item] = answer.json()["data"]
    assert Image.open(io.BytesIO(httpx.get(item["imageURL"]).content)).size == (1024, 1024)


@pytest.mark.parametrize("side", ["width", "height"])
def test_the_default_task_without_a_side_is_refused_in_runwares_error_shape(
    sandbox: SandboxServers, side: str
) -> None:
    sent = default_task()
    del sent[side]
    answer = post(sandbox, [sent])
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"errors"}
    [error] = body["errors"]
    assert error["code"] == f"missing{side.title()}" and error["parameter"] == side
    assert error["taskType"] == "imageInference" and error["taskUUID"] == sent["taskUUID"]
    assert f"'{side}'" in error["message"] and "type" in error and error["documentation"].startswith("https://")


@pytest.mark.parametrize(("size", "parameter"), [((1280, 720), "height"), ((1000, 1024), "width"),
                                                 ((1024, 2112), "height"), ((64, 1024), "width")])
def test_mis_stepped_or_out_of_range_sizes_are_refused_per_model(
    sandbox: SandboxServers, size: tuple[int, int], parameter: str
) -> None:
    answer = post(sandbox, [task(width=size[0], height=size[1])])
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["code"] == f"invalid{parameter.title()}" and error["parameter"] == parameter
    assert (error["min"], error["max"], error["multiplier"]) == (128, 2048, 64)
    assert "in multiples of 64" in error["message"]


def test_fixed_size_models_take_only_their_listed_sizes(sandbox: SandboxServers) -> None:
    refused = post(sandbox, [task(model="google:4@1", width=1280, height=704)])
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["code"] == "unsupportedDimensions" and "1344x768" in error["message"]
    assert post(sandbox, [task(model="google:4@1", width=1344, height=768)]).status_code == 200


@pytest.mark.parametrize(("weight", "status"), [(5, 400), (-4.5, 400), (4, 200), (-4, 200), (0.8, 200)])
def test_lora_weights_outside_minus_4_to_4_are_refused(sandbox: SandboxServers, weight: float, status: int) -> None:
    answer = post(sandbox, [task(lora=[{"model": "civitai:144142@160130", "weight": weight}])])
    assert answer.status_code == status
    if status == 400:
        [error] = answer.json()["errors"]
        assert (error["code"], error["parameter"]) == ("invalidLoraWeight", "lora[0].weight")
        assert (error["min"], error["max"]) == (-4, 4)


def test_content_check_is_read_from_safety_and_deprecated_check_nsfw_is_logged(
    sandbox: SandboxServers, caplog: pytest.LogCaptureFixture
) -> None:
    checked = post(sandbox, [task(safety={"checkContent": True})]).json()["data"][0]
    assert checked["NSFWContent"] is False
    assert "NSFWContent" not in post(sandbox, [task()]).json()["data"][0]
    with caplog.at_level(logging.WARNING, logger="gif_app.sandbox.runware"):
        legacy = post(sandbox, [task(checkNSFW=True)])
    assert legacy.status_code == 200 and legacy.json()["data"][0]["NSFWContent"] is False
    assert "deprecated checkNSFW" in caplog.text
    assert post(sandbox, [task(safety="yes")]).json()["errors"][0]["code"] == "invalidSafety"


def test_async_delivery_acks_then_get_response_reports_processing_then_images(sandbox: SandboxServers) -> None:
    sent = task(deliveryMethod="async", numberResults=2)
    ack = post(sandbox, [sent])
    assert ack.status_code == 200
    assert ack.json() == {"data": [{"taskType": "imageInference", "taskUUID": sent["taskUUID"]}]}
    first = poll(sandbox, sent["taskUUID"]).json()["data"]
    assert [item["status"] for item in first] == ["processing", "processing"]
    assert all("imageURL" not in item for item in first)
    done = poll(sandbox, sent["taskUUID"]).json()["data"]
    assert [item["status"] for item in done] == ["success", "success"]
    assert [item["seed"] for item in done] == [42, 43]
    assert Image.open(io.BytesIO(httpx.get(done[0]["imageURL"]).content)).size == (512, 384)


def test_unknown_delivery_method_and_unknown_poll_are_refused(sandbox: SandboxServers) -> None:
    stream = post(sandbox, [task(deliveryMethod="stream")])
    assert stream.status_code == 400 and stream.json()["errors"][0]["code"] == "invalidDeliveryMethod"
    unknown = poll(sandbox, str(uuid.uuid4()))
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["code"] == "taskNotFound"


@pytest.mark.parametrize("delivery", ["sync", "async"])
def test_a_task_that_fails_at_the_provider_answers_2xx_with_only_errors(
    sandbox: SandboxServers, delivery: str
) -> None:
    sent = task(positivePrompt="failtask red apple", deliveryMethod=delivery)
    answer = post(sandbox, [sent])
    if delivery == "async":
        assert answer.json()["data"][0]["taskUUID"] == sent["taskUUID"]
        assert poll(sandbox, sent["taskUUID"]).json()["data"][0]["status"] == "processing"
        answer = poll(sandbox, sent["taskUUID"])
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"errors"}
    [error] = body["errors"]
    assert error["code"] == "timeoutProvider" and error["taskUUID"] == sent["taskUUID"]
    assert "did not return a result" in error["message"]


def test_the_adapters_vectorize_task_gets_parseable_svg_files(sandbox: SandboxServers) -> None:
    sent = build_task(RenderRequest(prompt="a fox logo", model="recraft:v4@vector", width=1344, height=768,
                                    output_format="svg"), 2, str(uuid.uuid4()))
    answer = post(sandbox, [sent])
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert [item["taskType"] for item in data] == ["vectorize", "vectorize"]
    for item in data:
        assert item["imageURL"].endswith(".svg")
        image = httpx.get(item["imageURL"])
        assert image.headers["content-type"].startswith("image/svg+xml")
        root = vector.parse_svg(image.content)
        assert (root.get("width"), root.get("height")) == ("1344", "768")


@pytest.mark.parametrize(("body", "code"), [
    (task(model="recraft:v4@vector", width=1024, height=1024, outputFormat="PNG"), "unsupportedTaskType"),
    (task(taskType="vectorize", outputFormat="SVG"), "invalidModel"),
    (task(taskType="vectorize", model="recraft:v4@vector", width=1024, height=1024), "invalidOutputFormat"),
    (task(taskType="vectorize", model="recraft:v4@vector", width=1280, height=704, outputFormat="SVG"),
     "unsupportedDimensions"),
])
def test_vectorize_is_for_vector_models_in_svg_at_a_listed_size(
    sandbox: SandboxServers, body: dict[str, Any], code: str
) -> None:
    answer = post(sandbox, [{**body, "taskUUID": str(uuid.uuid4())}])
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == code

"""Our Runware requests held against the official SDK's typed request classes (`runware` on PyPI, MIT).

The SDK (runware-sdk-python 0.5.x) sends imageInference over WebSocket only: its REST address
(`BASE_RUNWARE_HTTP_URLS`) serves text streaming alone, and the sandbox speaks Runware's REST protocol, so
the SDK cannot run against the sandbox. These tests hold our payloads against the SDK's own dataclasses
instead: every field we send is one the SDK knows, its value has the type the SDK declares, and every
field the SDK requires is there.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from typing import Any

import pytest
from runware.types import (
    EDeliveryMethod,
    ETaskType,
    IGetResponseRequest,
    IImageInference,
    ILora,
    ISafety,
)

from gif_app.providers.base import RenderRequest
from gif_app.providers.runware import build_task, poll_task
from gif_app.settings import defaults

# What the SDK always puts on the wire for imageInference, whatever the request (runware/base.py,
# `_buildImageRequest`): these must never be missing from ours either.
SDK_WIRE_FIELDS = ("taskType", "taskUUID", "model", "deliveryMethod", "numberResults")


def conforms(value: Any, annotation: Any) -> bool:
    """Return whether a JSON value fits a type annotation of the SDK (unions, literals, lists, dataclasses)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if origin is typing.Literal:
        return value in args
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(conforms(k, args[0]) and conforms(v, args[1])
                                               for k, v in value.items())
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return isinstance(value, dict) and not problems(annotation, value)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(annotation, type) and isinstance(value, annotation)


def required_fields(cls: type) -> set[str]:
    """Return the fields of an SDK dataclass that have no default."""
    return {f.name for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}


def problems(cls: type, payload: dict[str, Any]) -> list[str]:
    """Return what in `payload` the SDK dataclass would not take: unknown fields, missing ones, wrong types."""
    hints = typing.get_type_hints(cls)
    found = [f"unknown field {name}" for name in payload if name not in hints]
    found += [f"missing required {name}" for name in sorted(required_fields(cls) - set(payload))]
    found += [f"{name}={payload[name]!r} is not {hints[name]}" for name in payload
              if name in hints and not conforms(payload[name], hints[name])]
    return found


def default_task() -> dict[str, Any]:
    """Return the adapter's task for the app's default settings."""
    params = defaults()["parameters"]
    request = RenderRequest(prompt="red apple on a wooden table", model=params["runware_model"],
                            output_format=params["runware_format"])
    return build_task(request, 1, str(uuid.uuid4()))


def full_task() -> dict[str, Any]:
    """Return a task with every optional field the app can send."""
    request = RenderRequest(
        prompt="red apple --ar 16:9", negative_prompt="blurry", width=1280, height=720, output_format="webp",
        model="runware:101@1", seed=42,
        options={"lora": "civitai:144142@160130:0.8\ncivitai:1@2:-1", "CFGScale": 3.5, "steps": 28,
                 "scheduler": "Euler", "checkContent": True},
    )
    return build_task(request, 4, str(uuid.uuid4()))


def test_the_sdk_cannot_serve_as_a_client_of_the_sandbox_so_the_contract_is_its_types() -> None:
    from runware.utils import BASE_RUNWARE_URLS, Environment

    # imageInference travels on this WebSocket address; the sandbox has no WebSocket endpoint.
    assert BASE_RUNWARE_URLS[Environment.PRODUCTION].startswith("wss://")


def test_default_request_for_runware_101_has_every_field_the_sdk_requires() -> None:
    task = default_task()
    assert task["model"] == "runware:101@1"
    assert required_fields(IImageInference) <= set(task)
    assert all(name in task for name in SDK_WIRE_FIELDS)
    # The SDK made width/height optional (runware-sdk-python PR #147, for models that refuse them); the
    # API requires them for FLUX.1 [dev], so ours always carries them.
    assert isinstance(task["width"], int) and isinstance(task["height"], int)


@pytest.mark.parametrize("make", [default_task, full_task], ids=["default", "every-option"])
def test_our_image_inference_fields_are_the_sdks_with_its_types(make: Any) -> None:
    task = make()
    assert task["taskType"] == ETaskType.IMAGE_INFERENCE.value
    assert EDeliveryMethod(task["deliveryMethod"]) in (EDeliveryMethod.SYNC, EDeliveryMethod.ASYNC)
    payload = {key: value for key, value in task.items() if key != "taskType"}  # the SDK adds taskType
    assert problems(IImageInference, payload) == []
    sdk_request = IImageInference(**payload)  # the SDK's own constructor takes it as is
    assert sdk_request.width == task["width"] and sdk_request.model == task["model"]


def test_lora_and_safety_entries_fit_the_sdks_nested_types() -> None:
    task = full_task()
    assert [ILora(**entry) for entry in task["lora"]] == [ILora("civitai:144142@160130", 0.8),
                                                         ILora("civitai:1@2", -1.0)]
    assert ISafety(**task["safety"]).checkContent is True
    assert "checkNSFW" not in task and "checkNsfw" not in task  # deprecated by the SDK for safety.checkContent


def test_async_model_task_and_its_poll_fit_the_sdk() -> None:
    task = build_task(RenderRequest(prompt="a blue teapot", model="google:4@1"), 1, str(uuid.uuid4()))
    assert EDeliveryMethod(task["deliveryMethod"]) is EDeliveryMethod.ASYNC
    assert problems(IImageInference, {k: v for k, v in task.items() if k != "taskType"}) == []
    poll = poll_task(task["taskUUID"])
    assert poll["taskType"] == ETaskType.GET_RESPONSE.value
    assert problems(IGetResponseRequest, {k: v for k, v in poll.items() if k != "taskType"}) == []


def test_the_checker_itself_catches_unknown_fields_wrong_types_and_missing_requirements() -> None:
    found = problems(IImageInference, {"width": "1024", "checkNSFW": True, "outputFormat": "GIF",
                                       "lora": [{"model": "a:1@1"}]})
    assert any("unknown field checkNSFW" in p for p in found)
    assert any(p.startswith("width=") for p in found) and any(p.startswith("outputFormat=") for p in found)
    assert any(p.startswith("lora=") for p in found)  # ILora requires a weight
    assert "missing required model" in found

"""The OpenAI sandbox answers the official client: vision + strict JSON schema, prompts, images (A3)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from PIL import Image
from pydantic import BaseModel

from gif_app.sandbox import SandboxServers, images

QC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"passed": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["passed", "reason"],
    "additionalProperties": False,
}


class StockMetadata(BaseModel):
    title: str
    description: str
    keywords: list[str]


@pytest.fixture()
def client(sandbox: SandboxServers) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="sandbox-key", base_url=sandbox.base_urls["openai"], max_retries=0, timeout=5) as c:
        yield c


def data_url(prompt: str, seed: int) -> str:
    png = images.render_bytes(prompt, seed, 128, 128, "PNG")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def judge(client: openai.OpenAI, url: str) -> dict[str, Any]:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You are a stock-photo QC assessor."},
            {"role": "user", "content": [
                {"type": "text", "text": "Analyze the following image for technical quality:"},
                {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
            ]},
        ],
        response_format={"type": "json_schema", "json_schema": {"name": "qc_result", "strict": True,
                                                                 "schema": QC_SCHEMA}},
    )
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0
    content = completion.choices[0].message.content
    assert content is not None
    verdict: dict[str, Any] = json.loads(content)
    return verdict


def test_qc_verdicts_obey_the_schema_and_are_deterministic(client: openai.OpenAI) -> None:
    verdicts = [judge(client, data_url("ceramic teapot", seed)) for seed in range(16)]
    for verdict in verdicts:
        assert set(verdict) == {"passed", "reason"}
        assert isinstance(verdict["passed"], bool)
        assert isinstance(verdict["reason"], str) and verdict["reason"]
    failed = [v for v in verdicts if not v["passed"]]
    assert 1 <= len(failed) <= 8, "about one image in four should fail QC"
    assert judge(client, data_url("ceramic teapot", 3)) == verdicts[3]


def test_metadata_via_parse_relates_to_the_prompt(client: openai.OpenAI) -> None:
    completion = client.chat.completions.parse(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "Write stock metadata: a title, a description and 20 keywords."},
            {"role": "user", "content": [
                {"type": "text", "text": "Prompt: golden retriever puppy playing on green grass"},
                {"type": "image_url", "image_url": {"url": data_url("puppy", 1)}},
            ]},
        ],
        response_format=StockMetadata,
    )
    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    assert "Retriever" in parsed.title
    assert 8 <= len(parsed.title.split()) <= 12
    assert "golden retriever puppy" in parsed.description
    assert len(parsed.keywords) == 20
    assert "puppy" in parsed.keywords
    assert len(set(parsed.keywords)) == 20


def test_generic_schema_walk_handles_nested_types(client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "prompt": {"type": "string"},
            "category": {"type": "integer", "minimum": 1, "maximum": 21},
            "mood": {"type": "string", "enum": ["calm", "bold"]},
            "score": {"type": "number"},
            "details": {"$ref": "#/$defs/Details"},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["prompt", "category", "mood", "score", "details", "note"],
        "additionalProperties": False,
        "$defs": {"Details": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}},
                                                              "is_people": {"type": "boolean"}},
                              "required": ["tags", "is_people"], "additionalProperties": False}},
    }
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Keyword: vintage bicycle"}],
        response_format={"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": schema}},
    )
    value = json.loads(completion.choices[0].message.content or "")
    assert "vintage bicycle" in value["prompt"]
    assert 1 <= value["category"] <= 21 and isinstance(value["category"], int)
    assert value["mood"] in ("calm", "bold")
    assert isinstance(value["score"], float)
    assert all(isinstance(tag, str) for tag in value["details"]["tags"]) and value["details"]["tags"]
    assert isinstance(value["details"]["is_people"], bool)
    assert isinstance(value["note"], str)


def test_text_only_chat_returns_a_stock_prompt_for_the_keyword(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "You write image prompts."},
                  {"role": "user", "content": "Keyword: sunflower in a glass vase"}],
    )
    content = completion.choices[0].message.content or ""
    assert "sunflower in a glass vase" in content
    assert len(content.split()) >= 10


def test_responses_api_returns_schema_json(client: openai.OpenAI) -> None:
    request: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Check this"},
                                               {"type": "input_image", "image_url": data_url("fox", 2)}]}],
        "text": {"format": {"type": "json_schema", "name": "qc", "schema": QC_SCHEMA, "strict": True}},
    }
    response = client.responses.create(**request)
    assert response.status == "completed"
    assert set(json.loads(response.output_text)) == {"passed", "reason"}


@pytest.mark.parametrize(("size", "expected"), [("1024x1024", (1024, 1024)), ("1536x1024", (1536, 1024)),
                                                ("auto", (1024, 1024))])
def test_gpt_image_returns_base64_images(client: openai.OpenAI, size: Any, expected: tuple[int, int]) -> None:
    result = client.images.generate(model="gpt-image-1", prompt="red fox in snow", size=size, n=2)
    assert result.data is not None and len(result.data) == 2
    decoded = [base64.b64decode(item.b64_json or "") for item in result.data]
    assert all(Image.open(io.BytesIO(raw)).size == expected for raw in decoded)
    assert decoded[0] != decoded[1]
    assert result.usage is not None and result.usage.output_tokens > 0
    again = client.images.generate(model="gpt-image-1", prompt="red fox in snow", size=size, n=1)
    assert again.data is not None and base64.b64decode(again.data[0].b64_json or "") == decoded[0]


def test_invalid_image_size_is_a_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="fox", size="800x600")
    assert caught.value.param == "size"


def test_dalle_url_images_are_served(client: openai.OpenAI) -> None:
    result = client.images.generate(model="dall-e-3", prompt="blue teapot", size="1024x1792")
    assert result.data is not None and result.data[0].url
    assert Image.open(io.BytesIO(httpx.get(result.data[0].url).content)).size == (1024, 1792)


@pytest.mark.parametrize("key", ["invalid", ""])
def test_invalid_or_missing_key_is_authentication_error(sandbox: SandboxServers, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    answer = httpx.post(sandbox.base_urls["openai"] + "/chat/completions", headers=headers,
                        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "invalid_api_key", None)
    assert error["message"]
    with openai.OpenAI(api_key="invalid", base_url=sandbox.base_urls["openai"], max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as caught:
            bad.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.code == "invalid_api_key"


@pytest.mark.parametrize(("output_format", "pil_format"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_gpt_image_output_format_through_the_official_client(
    client: openai.OpenAI, output_format: Any, pil_format: str
) -> None:
    result = client.images.generate(model="gpt-image-1", prompt="green pear", size="1024x1536",
                                    output_format=output_format)
    assert result.output_format == output_format
    assert result.data is not None and len(result.data) == 1
    picture = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json or "")))
    assert (picture.format, picture.size) == (pil_format, (1024, 1536))


def error_body(exc: openai.APIStatusError) -> dict[str, Any]:
    """Return the `error` object of OpenAI's error envelope, as the SDK keeps it."""
    assert isinstance(exc.body, dict)
    return exc.body


def test_dalle3_takes_one_image_per_call_and_varies_between_calls(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="dall-e-3", prompt="blue teapot", n=2, response_format="b64_json")
    error = error_body(caught.value)
    assert (error["message"], error["type"], error["param"], error["code"]) == (
        "You must provide n=1 for this model.", "invalid_request_error", None, None)
    decoded = []
    for _ in range(2):
        answer = client.images.generate(model="dall-e-3", prompt="blue teapot", n=1, size="1792x1024",
                                        response_format="b64_json")
        assert answer.data is not None and len(answer.data) == 1
        assert answer.data[0].revised_prompt == "blue teapot"
        decoded.append(base64.b64decode(answer.data[0].b64_json or ""))
    assert all(Image.open(io.BytesIO(raw)).size == (1792, 1024) for raw in decoded)
    assert decoded[0] != decoded[1], "a second n=1 call is the only way to a variation"


def test_unverified_organisation_gets_403_for_gpt_image_only(sandbox: SandboxServers, client: openai.OpenAI) -> None:
    sandbox.config.openai_org_verified = False
    with pytest.raises(openai.BadRequestError):  # OpenAI checks the parameters before the organisation
        client.images.generate(model="gpt-image-1", prompt="fox", size="800x600")  # type: ignore[arg-type]
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.images.generate(model="gpt-image-1", prompt="fox")
    assert caught.value.status_code == 403
    message = error_body(caught.value)["message"]
    assert message.startswith("Your organization must be verified to use the model `gpt-image-1`.")
    assert "https://platform.openai.com/settings/organization/general" in message
    assert (caught.value.type, caught.value.code, caught.value.param) == ("invalid_request_error", None, None)
    result = client.images.generate(model="dall-e-3", prompt="fox", response_format="b64_json")
    assert result.data is not None and result.data[0].b64_json


def test_exhausted_quota_is_429_insufficient_quota(sandbox: SandboxServers, client: openai.OpenAI) -> None:
    sandbox.config.openai_quota_exhausted = True
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 429
    assert (caught.value.type, caught.value.code) == ("insufficient_quota", "insufficient_quota")
    assert error_body(caught.value)["message"].startswith(
        "You exceeded your current quota, please check your plan and billing details.")
    with pytest.raises(openai.RateLimitError):
        client.images.generate(model="gpt-image-1", prompt="fox")
    sandbox.config.openai_quota_exhausted = False
    sandbox.config.set_fault("openai", "402")  # OpenAI has no 402: the fault answers as an empty quota does
    with pytest.raises(openai.RateLimitError) as fault:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert fault.value.code == "insufficient_quota"


@pytest.mark.parametrize("model", ["gpt-4-turbo", "gpt-3.5-turbo", "gpt-4o-2024-05-13", "o1-mini"])
def test_json_schema_on_a_model_without_structured_outputs_is_refused(client: openai.OpenAI, model: str) -> None:
    response_format: Any = {"type": "json_schema", "json_schema": {"name": "qc_result", "strict": True,
                                                                   "schema": QC_SCHEMA}}
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                       response_format=response_format)
    assert error_body(caught.value)["message"].startswith(
        "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.")
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.parse(model=model, messages=[{"role": "user", "content": "hi"}],
                                      response_format=StockMetadata)
    plain = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Keyword: fig"}])
    assert plain.choices[0].message.content, "the same model still answers without a schema"


def test_json_schema_on_the_responses_api_is_refused_for_such_a_model(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="gpt-4-turbo", input="hi", text={"format": {
            "type": "json_schema", "name": "qc", "schema": QC_SCHEMA, "strict": True}})

"""OpenAI sandbox: `/v1/chat/completions`, `/v1/responses` and `/v1/images/generations`.

Auth: `Authorization: Bearer <key>`; a missing key or the key `invalid` gets 401
`{"error":{"message":..,"type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`.
Errors always use `{"error":{"message","type","param","code"}}`. Every answer carries `x-request-id`,
`openai-processing-ms` and the `x-ratelimit-*` headers; faults add only `Retry-After` on 429 (never
`x-should-retry`: the client decides). Chat and Responses answer with JSON that obeys a strict
`json_schema` response format when one is given (see schema_fill), with QC/metadata JSON for an image
without a schema, and with a stock-image prompt for text only. Images: gpt-image-* always return
`b64_json`; dall-e-2/3 return `url` (served at `/v1/sandbox-files/<id>.png`) or `b64_json`.
Account modes (SandboxConfig): `openai_quota_exhausted` answers every chat, responses and images call with
429 `insufficient_quota` (the "402" fault gives the same answer: OpenAI has no 402); `openai_org_verified`
off makes gpt-image-* answer 403 (see openai_images). A `json_schema` response format on a model known
not to support it (gif_app.openai_models) is refused with OpenAI's 400.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, jsonify, request

from gif_app.openai_models import supports_json_schema
from gif_app.sandbox import openai_images
from gif_app.sandbox.faults import create_vendor_app, intercept
from gif_app.sandbox.replies import Conversation, plain_reply
from gif_app.sandbox.schema_fill import Facts, fill
from gif_app.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

VENDOR = "openai"
MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "gpt-image-1", "dall-e-3", "dall-e-2")
_STATUS_ERRORS: dict[int, tuple[str, str, str | None]] = {
    401: ("Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
          "invalid_request_error", "invalid_api_key"),
    402: ("You exceeded your current quota, please check your plan and billing details. For more information on "
          "this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
          "insufficient_quota", "insufficient_quota"),
    404: ("Invalid URL.", "invalid_request_error", None),
    405: ("Method not allowed.", "invalid_request_error", None),
    429: ("Rate limit reached for requests. Please try again in 1s.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


def error_response(status: int, message: str = "", param: str | None = None, code: str | None = None) -> Response:
    """Return OpenAI's error envelope with that status."""
    default_message, kind, default_code = _STATUS_ERRORS.get(status, ("Bad request.", "invalid_request_error", None))
    if status == 402:
        status = 429  # an exhausted quota is a 429 with type and code insufficient_quota
    if status in (404, 405) and not message:
        message = f"Invalid URL ({request.method} {request.path})"
    body = {"error": {"message": message or default_message, "type": kind, "param": param,
                      "code": code if code is not None else default_code}}
    response = jsonify(body)
    response.status_code = status
    return response


def bad_request(message: str, param: str | None, code: str | None = "invalid_value") -> Response:
    """Return a 400 invalid_request_error naming the offending parameter."""
    return error_response(400, message, param, code)


def _conversation_from_chat(messages: list[Any]) -> Conversation:
    """Collect texts and images from Chat Completions messages."""
    conversation = Conversation()
    for message in messages:
        if not isinstance(message, dict):
            continue
        texts = conversation.system if message.get("role") in ("system", "developer") else conversation.user
        content = message.get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, dict):
                continue
            if part.get("type") in ("text", "input_text") and isinstance(part.get("text"), str):
                texts.append(part["text"])
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if part.get("type") in ("image_url", "input_image") and isinstance(url, str):
                conversation.add_image_url(url)
    return conversation


def _answer(conversation: Conversation, schema: dict[str, Any] | None) -> str:
    """Return the assistant's text: schema-shaped JSON when a schema is given."""
    if schema is None:
        return plain_reply(conversation)
    return json.dumps(fill(schema, Facts.of(conversation)))


def _usage(conversation: Conversation, content: str) -> tuple[int, int]:
    """Return plausible (prompt, completion) token counts."""
    text = sum(len(t) for t in conversation.system + conversation.user)
    return text // 4 + 85 * len(conversation.images) + 7, max(1, len(content) // 4)


def _headers(response: Response, started: float) -> Response:
    """Add the headers a real answer carries."""
    response.headers["x-request-id"] = f"req_{uuid.uuid4().hex}"
    response.headers["openai-processing-ms"] = str(int((time.monotonic() - started) * 1000))
    response.headers.update({
        "x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-reset-requests": "6ms", "x-ratelimit-limit-tokens": "2000000",
        "x-ratelimit-remaining-tokens": "1999000", "x-ratelimit-reset-tokens": "30ms",
    })
    return response


def _unsupported_schema(model: str) -> Response | None:
    """Return OpenAI's 400 for a json_schema format on a model known not to support it, else None."""
    if supports_json_schema(model) is not False:
        return None
    return bad_request("Invalid parameter: 'response_format' of type 'json_schema' is not supported with this "
                       "model. Learn more about supported models at the Structured Outputs guide: "
                       "https://platform.openai.com/docs/guides/structured-outputs", None, None)


def _chat_schema(body: dict[str, Any]) -> dict[str, Any] | None | Response:
    """Return the json_schema of a chat request, None without one, or a 400 response."""
    response_format = body.get("response_format")
    if response_format is None or not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_object":
        return {"type": "object", "properties": {"result": {"type": "string"}}}
    if response_format.get("type") != "json_schema":
        return None
    refused = _unsupported_schema(str(body.get("model")))
    if refused is not None:
        return refused
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict) or not spec.get("name"):
        return bad_request("Missing required parameter: 'response_format.json_schema'.",
                           "response_format.json_schema", "missing_required_parameter")
    schema: dict[str, Any] = spec["schema"]
    return schema


def chat_completion(body: dict[str, Any]) -> Response:
    """Answer one Chat Completions request."""
    started = time.monotonic()
    if not isinstance(body.get("model"), str) or not body["model"]:
        return bad_request("you must provide a model parameter", "model", None)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return bad_request("Invalid 'messages': empty array. Expected an array with minimum length 1.",
                           "messages", "empty_array")
    schema = _chat_schema(body)
    if isinstance(schema, Response):
        return schema
    conversation = _conversation_from_chat(messages)
    content = _answer(conversation, schema)
    prompt_tokens, completion_tokens = _usage(conversation, content)
    return _headers(jsonify({
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
        "model": body["model"], "system_fingerprint": "fp_sandbox", "service_tier": "default",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }), started)


def _conversation_from_responses(body: dict[str, Any]) -> Conversation:
    """Collect texts and images from a Responses API `input` and `instructions`."""
    items = body.get("input")
    messages: list[Any] = [{"role": "user", "content": items}] if isinstance(items, str) else list(items or [])
    if isinstance(body.get("instructions"), str):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    return _conversation_from_chat(messages)


def response_create(body: dict[str, Any]) -> Response:
    """Answer one Responses API request."""
    started = time.monotonic()
    if not isinstance(body.get("model"), str) or not body["model"]:
        return bad_request("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    text_format = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    schema = None
    if isinstance(text_format, dict) and text_format.get("type") == "json_schema":
        refused = _unsupported_schema(body["model"])
        if refused is not None:
            return refused
        if not isinstance(text_format.get("schema"), dict):
            return bad_request("Missing required parameter: 'text.format.schema'.", "text.format.schema",
                               "missing_required_parameter")
        schema = text_format["schema"]
    conversation = _conversation_from_responses(body)
    content = _answer(conversation, schema)
    input_tokens, output_tokens = _usage(conversation, content)
    return _headers(jsonify({
        "id": f"resp_{uuid.uuid4().hex}", "object": "response", "created_at": int(time.time()),
        "status": "completed", "model": body["model"], "error": None, "incomplete_details": None,
        "output": [{"type": "message", "id": f"msg_{uuid.uuid4().hex}", "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": content, "annotations": []}]}],
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                  "total_tokens": input_tokens + output_tokens,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 0}},
    }), started)


def _auth_problem() -> Response | None:
    """Return the 401 answer for a missing or `invalid` bearer key, else None."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return error_response(401, "You didn't provide an API key. You need to provide your API key in an "
                              "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
    return error_response(401) if key.strip() == "invalid" else None


def create_app(state: SandboxState) -> Flask:
    """Return the OpenAI sandbox Flask app."""
    app = create_vendor_app(VENDOR, state, error_response)
    store = openai_images.ImageStore()

    def guarded(handler_name: str) -> Response:
        blocked = intercept(state, VENDOR, error_response)
        if blocked is not None:
            return blocked
        problem = _auth_problem()
        if problem is not None:
            return problem
        if state.config.openai_quota_exhausted:
            return error_response(402)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return bad_request("We could not parse the JSON body of your request.", None, None)
        if handler_name == "chat":
            if isinstance(body.get("messages"), list):
                state.note_images(VENDOR, _conversation_from_chat(body["messages"]).images)
            return chat_completion(body)
        if handler_name == "responses":
            state.note_images(VENDOR, _conversation_from_responses(body).images)
            return response_create(body)
        started = time.monotonic()
        answer = openai_images.generate(body, state, store, request.host_url.rstrip("/"))
        if isinstance(answer, tuple):
            return error_response(*answer)
        return _headers(jsonify(answer), started)

    app.add_url_rule("/v1/chat/completions", "chat", lambda: guarded("chat"), methods=["POST"])
    app.add_url_rule("/v1/responses", "responses", lambda: guarded("responses"), methods=["POST"])
    app.add_url_rule("/v1/images/generations", "images", lambda: guarded("images"), methods=["POST"])

    @app.get("/v1/models")
    def models() -> Response:
        blocked = intercept(state, VENDOR, error_response)
        if blocked is None:
            blocked = _auth_problem()
        if blocked is not None:
            return blocked
        return jsonify({"object": "list", "data": [
            {"id": name, "object": "model", "created": 1715367049, "owned_by": "system"} for name in MODELS]})

    @app.get("/v1/sandbox-files/<image_id>.png")
    def image_file(image_id: str) -> Response:
        data = store.download(image_id, state)
        return error_response(404) if data is None else Response(data, mimetype="image/png")

    return app

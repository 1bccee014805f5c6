"""OpenAI Images sandbox: `POST /v1/images/generations` for gpt-image-* and dall-e-2/3.

As strict as OpenAI: dall-e-3 takes only n=1 (400 "You must provide n=1 for this model."), and gpt-image-*
answer 403 "Your organization must be verified ..." while `SandboxConfig.openai_org_verified` is off
(after the parameter checks, as OpenAI checks them first). dall-e-3 images vary from call to call with
the same prompt (a per-prompt counter), since n=1 leaves a caller no other way to get variations.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from typing import Any, NamedTuple

from gif_app.sandbox import images
from gif_app.sandbox.faults import maybe_truncate
from gif_app.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

VENDOR = "openai"
GPT_IMAGE_SIZES = ("1024x1024", "1536x1024", "1024x1536", "auto")
MODEL_SIZES = {"dall-e-2": ("256x256", "512x512", "1024x1024"), "dall-e-3": ("1024x1024", "1792x1024", "1024x1792")}
OUTPUT_FORMATS = {"png": "PNG", "jpeg": "JPG", "webp": "WEBP"}
_TOKENS_PER_IMAGE = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056}

# (HTTP status, message, param, code) of a refused request.
Invalid = tuple[int, str, str | None, str | None]


class _Request(NamedTuple):
    """What a valid request asks for."""

    n: int
    width: int
    height: int
    fmt: str


UNVERIFIED_MESSAGE = (
    "Your organization must be verified to use the model `{model}`. Please go to: "
    "https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just "
    "verified, it can take up to 15 minutes for access to propagate."
)


class ImageStore:
    """Remember dall-e URL images so they can be downloaded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._specs: dict[str, tuple[str, int, int, int]] = {}
        self._calls: dict[str, int] = {}

    def add(self, prompt: str, seed: int, width: int, height: int) -> str:
        """Store an image spec and return its id."""
        image_id = uuid.uuid4().hex
        with self._lock:
            self._specs[image_id] = (prompt, seed, width, height)
        return image_id

    def next_seed(self, prompt: str) -> int:
        """Return how many single-image calls this prompt had before (the seed of the next one)."""
        with self._lock:
            seed = self._calls.get(prompt, 0)
            self._calls[prompt] = seed + 1
        return seed

    def download(self, image_id: str, state: SandboxState) -> bytes | None:
        """Return the PNG bytes of a stored image, or None if unknown."""
        with self._lock:
            spec = self._specs.get(image_id)
        if spec is None:
            return None
        return maybe_truncate(state, VENDOR, images.render_bytes(*spec, "PNG"))


def _check(body: dict[str, Any], model: str) -> Invalid | _Request:
    """Return (n, width, height, format key) of a valid request, or (400, message, param, code)."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return 400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter"
    is_gpt = model.startswith("gpt-image")
    if not is_gpt and model not in MODEL_SIZES:
        return 400, f"Invalid value: '{model}'. Value must be a valid image model.", "model", "invalid_value"
    n = body.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
        return 400, f"Invalid value for 'n': {n!r}.", "n", "invalid_value"
    if model == "dall-e-3" and n != 1:
        return 400, "You must provide n=1 for this model.", None, None  # OpenAI's words, no param or code
    sizes = GPT_IMAGE_SIZES if is_gpt else MODEL_SIZES[model]
    size = body.get("size") or ("auto" if is_gpt else "1024x1024")
    if size not in sizes:
        listed = ", ".join(f"'{s}'" for s in sizes)
        return 400, f"Invalid value: '{size}'. Supported values are: {listed}.", "size", "invalid_value"
    width, height = (1024, 1024) if size == "auto" else (int(v) for v in str(size).split("x"))
    if is_gpt and body.get("response_format") is not None:
        return 400, "Unknown parameter: 'response_format'.", "response_format", "unknown_parameter"
    if not is_gpt and body.get("response_format", "url") not in ("url", "b64_json"):
        return 400, "Invalid value for 'response_format'.", "response_format", "invalid_value"
    output_format = body.get("output_format", "png")
    if output_format not in OUTPUT_FORMATS or (not is_gpt and "output_format" in body):
        return 400, f"Invalid value for 'output_format': {output_format!r}.", "output_format", "invalid_value"
    return _Request(n, width, height, OUTPUT_FORMATS[output_format])


def generate(body: dict[str, Any], state: SandboxState, store: ImageStore, base_url: str) -> dict[str, Any] | Invalid:
    """Return the Images API answer for a request body, or (status, message, param, code) when refused."""
    model = str(body.get("model") or "dall-e-2")
    checked = _check(body, model)
    if not isinstance(checked, _Request):
        return checked
    n, width, height, fmt = checked
    if model.startswith("gpt-image") and not state.config.openai_org_verified:
        return 403, UNVERIFIED_MESSAGE.format(model=model), None, None
    prompt = str(body["prompt"]).strip()
    first = store.next_seed(prompt) if model == "dall-e-3" else 0
    data: list[dict[str, Any]] = []
    for seed in range(first, first + n):
        if model.startswith("gpt-image") or body.get("response_format") == "b64_json":
            raw = maybe_truncate(state, VENDOR, images.render_bytes(prompt, seed, width, height, fmt))
            data.append({"b64_json": base64.b64encode(raw).decode("ascii")})
        else:
            data.append({"url": f"{base_url}/v1/sandbox-files/{store.add(prompt, seed, width, height)}.png"})
        if model == "dall-e-3":
            data[-1]["revised_prompt"] = prompt
    answer: dict[str, Any] = {"created": int(time.time()), "data": data}
    state.bill(VENDOR, f"images-{answer['created']}-{uuid.uuid4().hex[:8]}", n, 0.0)
    if model.startswith("gpt-image"):
        quality = str(body.get("quality", "auto"))
        output_tokens = _TOKENS_PER_IMAGE.get(quality, 1056) * n * (width * height) // (1024 * 1024)
        input_tokens = len(prompt) // 4 + 1
        answer.update(
            background=str(body.get("background", "opaque")), output_format=str(body.get("output_format", "png")),
            quality="medium" if quality == "auto" else quality, size=f"{width}x{height}",
            usage={"input_tokens": input_tokens, "output_tokens": output_tokens,
                   "total_tokens": input_tokens + output_tokens,
                   "input_tokens_details": {"image_tokens": 0, "text_tokens": input_tokens}},
        )
    return answer

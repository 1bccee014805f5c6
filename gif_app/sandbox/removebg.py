"""remove.bg sandbox: `POST /v1.0/removebg` does a real cut-out of a plain background; `GET /v1.0/account`.

Auth: `X-Api-Key` (any non-empty value but `invalid`), else 403 `{"errors":[{"title":..,"code":"auth_failed"}]}`.
Input (multipart, urlencoded or JSON): exactly one of `image_file`, `image_file_b64`, `image_url` (loopback
URLs only); `size` preview (default, <=0.25 MP, 0.25 credit) | full | auto | 50MP | 4k | hd | medium | small |
regular (1 credit, except small/regular = preview); `type` auto|person|product|car|animal|graphic|
transportation; `format` auto|png|jpg|webp|zip; `bg_color`; `crop`; `channels` rgba|alpha.
Billing (`SandboxConfig.removebg_credits`, `.removebg_free_calls`): a 1-credit size needs a whole credit,
else 402; a preview takes 0.25 credit, else one free API call (charged 0), else 402; `auto` is full size
when a credit is left and a preview otherwise, as remove.bg's "highest available resolution".
Success: 200 binary image with `X-Credits-Charged`, `X-Type`, `X-Width`, `X-Height`, `X-Max-Width`,
`X-Max-Height`, `X-Foreground-*`, `X-RateLimit-*`; with `Accept: application/json` the JSON
`{"data":{"result_b64","foreground_top","foreground_left","foreground_width","foreground_height"}}`.
Errors: `{"errors":[{"title","code"}]}`; 400 invalid_parameter / unknown_foreground / missing_source,
402 insufficient_credits (also when `SandboxConfig.removebg_credits` runs out), 403 auth_failed,
429 rate_limit_exceeded with `Retry-After` and `X-RateLimit-*`. Faults apply to `/v1.0/removebg` only.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
from flask import Flask, Response, jsonify, request
from PIL import Image, UnidentifiedImageError

from gif_app.sandbox import cutout
from gif_app.sandbox.cutout import RemoveBgError
from gif_app.sandbox.faults import create_vendor_app, intercept, maybe_truncate
from gif_app.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

VENDOR = "removebg"
RATE_LIMIT = 500
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("Invalid parameters", "invalid_parameter"),
    401: ("Unauthorized", "auth_failed"),
    402: ("Insufficient credits", "insufficient_credits"),
    403: ("API Key invalid", "auth_failed"),
    404: ("Not found", "not_found"),
    405: ("Method not allowed", "method_not_allowed"),
    429: ("Rate limit exceeded", "rate_limit_exceeded"),
    500: ("Internal server error", "internal_error"),
    503: ("Service temporarily unavailable", "service_unavailable"),
}


def error_response(status: int, title: str = "", code: str | None = None) -> Response:
    """Return remove.bg's `{"errors":[{"title","code"}]}` body with that status."""
    default_title, default_code = _ERRORS.get(status, ("Error", "error"))
    item: dict[str, str] = {"title": title or default_title}
    if code != "":
        item["code"] = code or default_code
    response = jsonify({"errors": [item]})
    response.status_code = status
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    if status == 429:
        response.headers.update(_rate_headers(remaining=0))
    return response


def _rate_headers(remaining: int) -> dict[str, str]:
    """Return the X-RateLimit-* headers."""
    return {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(time.time()) + 60)}


def _fetch(url: str) -> bytes:
    """Download an image from a loopback URL, as remove.bg downloads `image_url`."""
    prefix = "Failed to download image from given image_url"
    if urlsplit(url).scheme not in ("http", "https") or urlsplit(url).hostname not in _LOOPBACK:
        raise RemoveBgError(400, f"{prefix}: the sandbox only fetches loopback URLs", "invalid_parameter")
    try:
        answer = httpx.get(url, timeout=10.0)
    except httpx.HTTPError as error:
        raise RemoveBgError(400, f"{prefix}: {error}", "") from error
    if answer.status_code != 200:
        raise RemoveBgError(400, f"{prefix}: HTTP Status {answer.status_code}", "")
    return answer.content


def _source_bytes(params: dict[str, Any]) -> bytes:
    """Return the input image bytes from exactly one of the three sources."""
    upload = request.files.get("image_file")
    given = [name for name in ("image_file_b64", "image_url") if params.get(name)] + (["image_file"] if upload else [])
    if not given:
        raise RemoveBgError(400, "No image given: provide image_file, image_file_b64 or image_url", "missing_source")
    if len(given) > 1:
        raise RemoveBgError(400, "Multiple image sources given: use only one of " + ", ".join(given),
                            "invalid_parameter")
    if upload is not None:
        return bytes(upload.read())
    if params.get("image_url"):
        return _fetch(str(params["image_url"]))
    try:
        return base64.b64decode(str(params["image_file_b64"]), validate=True)
    except (binascii.Error, ValueError) as error:
        raise RemoveBgError(400, "image_file_b64 is not valid base64", "invalid_parameter") from error


def _open(data: bytes) -> Image.Image:
    """Decode the input image or raise a 400."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise RemoveBgError(400, "Failed to read the image: not a JPG, PNG or WebP file", "invalid_image") from error
    return image


def _params() -> dict[str, Any]:
    """Return the request's parameters, from a form or a JSON body."""
    if request.is_json:
        body = request.get_json(silent=True)
        return dict(body) if isinstance(body, dict) else {}
    return {key: value for key, value in request.form.items()}


def _served_size(state: SandboxState, size: str) -> str:
    """Return the size class a request gets: `auto` is full size only while a whole credit is left."""
    if size != "auto":
        return size
    return "full" if state.credits_left() >= 1.0 - 1e-9 else "preview"


def _charge(state: SandboxState, credits: float) -> float:
    """Take the result's price, a preview falling back to a free API call; return what was charged or 402."""
    if state.charge_credits(credits):
        return credits
    if credits <= 0.25 and state.take_free_call():
        return 0.0
    raise RemoveBgError(402, "Insufficient credits", "insufficient_credits")


def remove_background(state: SandboxState) -> Response:
    """Run one removebg request (after faults and auth) and answer with the cut-out."""
    params = _params()
    options = cutout.Options.parse(params)
    image = _open(_source_bytes(params))
    options = replace(options, size=_served_size(state, options.size))
    result = cutout.process(image, options)
    charged = _charge(state, result.credits)  # after the cut-out: no credits are charged on an error
    data = maybe_truncate(state, VENDOR, result.data)
    left, top, width, height = result.foreground
    headers = {
        "X-Credits-Charged": f"{charged:g}", "X-Type": result.kind,
        "X-Width": str(result.size[0]), "X-Height": str(result.size[1]),
        "X-Max-Width": str(image.width), "X-Max-Height": str(image.height),
        "X-Foreground-Top": str(top), "X-Foreground-Left": str(left),
        "X-Foreground-Width": str(width), "X-Foreground-Height": str(height),
        **_rate_headers(remaining=RATE_LIMIT - 1),
    }
    if "application/json" in request.headers.get("Accept", ""):
        response = jsonify({"data": {"result_b64": base64.b64encode(data).decode("ascii"),
                                     "foreground_top": top, "foreground_left": left,
                                     "foreground_width": width, "foreground_height": height}})
    else:
        response = Response(data, mimetype=result.mime)
    response.headers.update(headers)
    return response


def create_app(state: SandboxState) -> Flask:
    """Return the remove.bg sandbox Flask app."""
    app = create_vendor_app(VENDOR, state, error_response)

    def key_problem() -> Response | None:
        key = request.headers.get("X-Api-Key", "").strip()
        if not key:
            return error_response(403, "Missing API Key", "auth_failed")
        return error_response(403) if key == "invalid" else None

    @app.post("/v1.0/removebg")
    def removebg() -> Response:
        blocked = intercept(state, VENDOR, error_response)
        if blocked is None:
            blocked = key_problem()
        if blocked is not None:
            return blocked
        try:
            return remove_background(state)
        except RemoveBgError as error:
            return error_response(error.status, error.title, error.code)

    @app.get("/v1.0/account")
    def account() -> Response:
        blocked = key_problem()
        if blocked is not None:
            return blocked
        left = round(state.credits_left(), 2)
        return jsonify({"data": {"attributes": {
            "credits": {"total": left, "subscription": 0, "payg": left, "enterprise": 0},
            "api": {"free_calls": state.free_calls_left(), "sizes": "all"}}}})

    return app

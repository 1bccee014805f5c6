"""Fault injection and the plumbing every sandbox vendor app shares (request log, latency, 404s).

What a fault does to a vendor's main endpoint:
- "401" "402" "429" "500" "503": that status with the vendor's own error body; 429 adds `Retry-After`
  (whole seconds, `SandboxConfig.retry_after`) plus any vendor headers (remove.bg adds `X-RateLimit-*`).
  OpenAI has no 402: its "402" is the 429 `insufficient_quota` of an account out of credit.
- "timeout": nothing is sent for `SandboxConfig.timeout_delay` seconds (the wait ends early when the
  servers stop), then the request is served normally: the vendor did the work, so it is billed even when
  the client gave up waiting.
- "malformed": the request is served (and billed), then its body is replaced by a 200 `application/json`
  that is not valid JSON; the vendor's `X-*` headers stay (a body garbled on the way back).
- "drop": the request is served (and billed), then the connection is closed without any response.
  Every vendor bills here: a render takes seconds, so a lost connection almost always comes while or after
  the vendor worked, and the vendors bill work done (Runware's taskUUID lets a client read it back; PiAPI,
  OpenAI and remove.bg answers are lost with their charge).
- "truncated": image bytes (downloads, base64 payloads, remove.bg results) are cut to half their length;
  the HTTP response itself is complete; the image was made, so it is billed. `SandboxConfig.broken_files`
  truncates chosen downloads every time.
Dedup, as the vendors do it: Runware refuses a taskUUID it has seen (`conflictTaskUUID`, not billed) and
answers `getTaskDetails` for it; PiAPI, OpenAI Images and remove.bg take no idempotency key, so every
request they serve is billed again.
A refusal ("401" ... "503") is billed by no vendor. No `x-should-retry` header is ever sent: retry policy is
the client's decision. Faults fire on a fixed schedule (`config.fires`): request k of a vendor's channel
meets a fault at rate r when floor(k*r) steps, so a run of requests always meets the same faults.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from flask import Flask, Response, g, request

from gif_app.sandbox.config import STATUS_FAULTS
from gif_app.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

ErrorResponder = Callable[[int], Response]

MALFORMED_BODY = b'{"data": [{"taskType": "imageInference", "status": '
_LATE_FAULT = "gif_sandbox_late_fault"  # flask.g key: a fault applied to the served response


def create_vendor_app(vendor: str, state: SandboxState, error_response: ErrorResponder) -> Flask:
    """Return a Flask app that logs each request and answers unknown routes in the vendor's envelope."""
    app = Flask(f"gif_app.sandbox.{vendor}")
    app.config["MAX_CONTENT_LENGTH"] = 60 * 1024 * 1024

    @app.before_request
    def _record() -> None:
        # JSON bodies only; cached, so the route reads the same bytes again.
        body = request.get_data(cache=True, as_text=True) if request.is_json else ""
        state.record(vendor, request.method, request.path, body)
        state.enter()

    @app.after_request
    def _garble(response: Response) -> Response:
        # A drop or malformed fault strikes after the request was served (and billed), on the way back.
        fault = g.pop(_LATE_FAULT, None)
        if fault == "drop":
            return drop_connection()
        if fault == "malformed":
            garbled = Response(MALFORMED_BODY, status=200, mimetype="application/json")
            garbled.headers.update({k: v for k, v in response.headers.items() if k.lower().startswith("x-")})
            return garbled
        return response

    @app.teardown_request
    def _done(_error: BaseException | None) -> None:
        state.leave()

    @app.errorhandler(404)
    def _not_found(_error: Exception) -> Response:
        return error_response(404)

    @app.errorhandler(405)
    def _not_allowed(_error: Exception) -> Response:
        return error_response(405)

    return app


def drop_connection() -> Response:
    """Close the client's socket so it sees the connection end without a response."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("sandbox socket already closed")
    # werkzeug's write then fails with a broken pipe, which it treats as a dropped connection.
    return Response(b"", status=200)


def intercept(state: SandboxState, vendor: str, error_response: ErrorResponder) -> Response | None:
    """Apply the vendor's latency and any due fault; return the response to send instead, or None."""
    config = state.config
    if state.pause(config.latency_for(vendor)):
        return error_response(503)
    fault = state.pick_fault(vendor, "api")
    if fault is None:
        return None
    if fault in STATUS_FAULTS:
        response = error_response(int(fault))
        if fault == "429" and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(config.retry_after)
        return response
    if fault == "timeout":
        return error_response(503) if state.pause(config.timeout_delay) else None
    setattr(g, _LATE_FAULT, fault)  # "malformed" or "drop": served first, then spoilt by `_garble`
    return None


def maybe_truncate(state: SandboxState, vendor: str, data: bytes) -> bytes:
    """Return the image bytes, cut in half when a `truncated` fault is due or the file is one set to stay broken."""
    broken = state.config.broken_files
    if broken and any(request.path.endswith(suffix) for suffix in broken):
        return data[: len(data) // 2]
    if state.pick_fault(vendor, "image") == "truncated":
        return data[: len(data) // 2]
    return data

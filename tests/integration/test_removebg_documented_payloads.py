"""remove.bg has no official Python client: its documented request and recorded answers are pinned instead.

The fixtures (tests/fixtures/removebg, with their sources and dates) are checked both ways: the sandbox
answers in the same shape, and the real adapter sends the documented request and reads the recorded
answers when a loopback server replays them.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from flask import Flask, Response, request
from PIL import Image
from werkzeug.serving import make_server

from gif_app.errors import AuthenticationError
from gif_app.providers.removal import SmallerResultError
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.sandbox import SandboxServers, images

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "removebg"
KEY = "removebg-test-key-0123456789"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def picture(width: int, height: int) -> bytes:
    return images.render_bytes("red apple", 5, width, height, "JPG")


class Replay:
    """A loopback server that answers every call with one recorded remove.bg answer and keeps the requests."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] = {}
        self.received: list[dict[str, Any]] = []
        app = Flask("removebg-replay")

        @app.route("/v1.0/<path:endpoint>", methods=["GET", "POST"])
        def replay(endpoint: str) -> Response:
            self.received.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                                  "form": dict(request.form), "files": sorted(request.files)})
            headers = dict(self.answer["headers"])
            if "body" in self.answer:
                return Response(json.dumps(self.answer["body"]), status=self.answer["status"], headers=headers)
            # The cassettes hold no image bytes: a PNG of the recorded X-Width x X-Height stands in.
            size = (int(headers["X-Width"]), int(headers["X-Height"]))
            buffer = io.BytesIO()
            Image.new("RGBA", size, (200, 30, 40, 255)).save(buffer, "PNG")
            return Response(buffer.getvalue(), status=self.answer["status"], headers=headers)

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay()
    try:
        yield server
    finally:
        server.stop()


def test_the_adapter_sends_the_documented_request(replay: Replay) -> None:
    documented = fixture("request_example.json")
    replay.answer = fixture("removebg_200_auto.json")["response"]
    RemoveBgRemover(KEY, replay.base_url, size="auto", retries=0).remove(picture(720, 1080), "photo.jpg")
    [sent] = replay.received
    assert sent["method"] == documented["method"]
    assert sent["path"] == urlsplit(documented["url"]).path
    assert set(documented["headers"]) <= set(sent["headers"]) and sent["headers"]["X-Api-Key"] == KEY
    assert sent["headers"]["Content-Type"].startswith(documented["content_type"])
    assert sent["files"] == sorted(documented["files"])
    assert sent["form"]["size"] == documented["form"]["size"]


def test_recorded_answers_are_read_credits_and_size(replay: Replay) -> None:
    replay.answer = fixture("removebg_200_auto.json")["response"]
    full = RemoveBgRemover(KEY, replay.base_url, size="auto", retries=0).remove(picture(720, 1080), "a.jpg")
    assert (full.credits, full.width, full.height) == (1.0, 720, 1080)
    replay.answer = fixture("removebg_200_preview.json")["response"]
    preview = RemoveBgRemover(KEY, replay.base_url, size="preview", retries=0).remove(picture(500, 333), "b.jpg")
    assert (preview.credits, preview.width, preview.height) == (0.25, 500, 333)


def test_a_recorded_preview_for_a_larger_upload_is_reported_as_smaller(replay: Replay) -> None:
    replay.answer = fixture("removebg_200_preview.json")["response"]
    with pytest.raises(SmallerResultError) as caught:
        RemoveBgRemover(KEY, replay.base_url, size="auto", retries=0).remove(picture(1500, 999), "c.jpg")
    assert (caught.value.result.width, caught.value.result.height, caught.value.result.credits) == (500, 333, 0.25)


def test_the_recorded_403_is_an_authentication_error_in_remove_bgs_words(replay: Replay) -> None:
    replay.answer = fixture("removebg_403_invalid_key.json")["response"]
    with pytest.raises(AuthenticationError) as caught:
        RemoveBgRemover(KEY, replay.base_url, size="preview", retries=2).remove(picture(400, 300), "d.jpg")
    assert "API Key invalid" in caught.value.message and caught.value.status == 403
    assert len(replay.received) == 1


def test_the_recorded_account_answer_is_read(replay: Replay) -> None:
    replay.answer = fixture("account_200.json")["response"]
    account = RemoveBgRemover(KEY, replay.base_url, retries=0).account_credits()
    assert account["credits"]["total"] == 5000 and account["api"]["free_calls"] == 50


def test_the_sandbox_answers_with_every_recorded_and_documented_header(sandbox: SandboxServers) -> None:
    documented = fixture("documented_response.json")
    recorded = fixture("removebg_200_auto.json")["response"]
    answer = httpx.post(sandbox.base_urls["removebg"] + "/v1.0/removebg", headers={"X-Api-Key": KEY},
                        data={"size": "auto"}, files={"image_file": ("photo.jpg", picture(720, 1080))})
    assert answer.status_code == recorded["status"]
    names = {name.lower() for name in answer.headers}
    expected = set(recorded["headers"]) - {"Access-Control-Allow-Origin"}
    expected |= set(documented["success_headers"]) | set(documented["rate_limit_headers"])
    assert {name.lower() for name in expected} <= names
    assert answer.headers["Content-Type"] in documented["success_content_types"]
    assert (answer.headers["X-Width"], answer.headers["X-Height"], answer.headers["X-Credits-Charged"]) == (
        recorded["headers"]["X-Width"], recorded["headers"]["X-Height"], recorded["headers"]["X-Credits-Charged"])


def test_the_sandbox_403_and_account_match_the_recordings(sandbox: SandboxServers) -> None:
    recorded_403 = fixture("removebg_403_invalid_key.json")["response"]
    refused = httpx.post(sandbox.base_urls["removebg"] + "/v1.0/removebg", headers={"X-Api-Key": "invalid"},
                         files={"image_file": ("photo.jpg", picture(400, 300))})
    assert refused.status_code == recorded_403["status"]
    assert refused.headers["Content-Type"] == recorded_403["headers"]["Content-Type"]
    assert refused.json() == recorded_403["body"]
    recorded_account = fixture("account_200.json")["response"]["body"]
    account = httpx.get(sandbox.base_urls["removebg"] + "/v1.0/account", headers={"X-Api-Key": KEY}).json()

    def shape(value: Any) -> Any:
        """Return the keys all the way down, with "text" or "number" for the leaves."""
        if isinstance(value, dict):
            return {key: shape(inner) for key, inner in value.items()}
        return "text" if isinstance(value, str) else "number"

    assert shape(account) == shape(recorded_account)

"""Vendor keys stay on their vendor's origin: a redirect to another host never carries one, whichever adapter."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gif_app.errors import AppError
from gif_app.providers.base import RenderRequest
from gif_app.providers.http import build_client
from gif_app.providers.openai_images import OpenAIImages
from gif_app.providers.openai_llm import OpenAIText
from gif_app.providers.piapi import PiapiMidjourney
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.providers.runware import RunwareGenerator

KEY = "vendor-key-that-must-stay-home-0123456789abcdef"


class _Server:
    """A loopback HTTP server on its own port (its own origin) that records the headers of every request."""

    def __init__(self, redirect_to: str | None = None) -> None:
        self.seen: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                owner.seen.append({k.lower(): v for k, v in self.headers.items()})
                if self.path == "/old":
                    self.send_response(307)
                    self.send_header("Location", "/new")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if redirect_to is not None:
                    # 307 keeps the method and body, as a vendor moving its API would answer.
                    self.send_response(307)
                    self.send_header("Location", redirect_to + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"error": {"message": "nothing here"}}'
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def hosts() -> Iterator[tuple[_Server, _Server]]:
    """Return (vendor, elsewhere): the vendor's address redirects every request to another origin."""
    elsewhere = _Server()
    vendor = _Server(redirect_to=elsewhere.url)
    try:
        yield vendor, elsewhere
    finally:
        vendor.close()
        elsewhere.close()


def _assert_no_key_left_home(vendor: _Server, elsewhere: _Server) -> None:
    assert vendor.seen, "the adapter never called the vendor"
    assert any(KEY in " ".join(h.values()) for h in vendor.seen), "the vendor itself should get the key"
    assert elsewhere.seen, "the redirect was not followed, so the test proves nothing"
    for headers in elsewhere.seen:
        assert KEY not in " ".join(headers.values()), headers
        assert "x-api-key" not in headers and "authorization" not in headers, headers


def test_piapi_key_is_not_sent_to_the_redirect_target(hosts: tuple[_Server, _Server]) -> None:
    vendor, elsewhere = hosts
    adapter = PiapiMidjourney(KEY, vendor.url, timeout_s=5.0, retries=0, backoff_s=0.0)
    with pytest.raises(AppError):
        adapter.render(RenderRequest(prompt="a red apple", count=1))
    _assert_no_key_left_home(vendor, elsewhere)


def test_removebg_key_is_not_sent_to_the_redirect_target(hosts: tuple[_Server, _Server]) -> None:
    vendor, elsewhere = hosts
    with pytest.raises(AppError):
        RemoveBgRemover(KEY, vendor.url, timeout_s=5.0, retries=0, size="preview").remove(b"png", "a.png")
    with pytest.raises(AppError):
        RemoveBgRemover(KEY, vendor.url, timeout_s=5.0, retries=0).account_credits()
    _assert_no_key_left_home(vendor, elsewhere)


def test_runware_bearer_key_is_not_sent_to_the_redirect_target(hosts: tuple[_Server, _Server]) -> None:
    vendor, elsewhere = hosts
    adapter = RunwareGenerator(KEY, vendor.url, timeout_s=5.0, retries=0, backoff_s=0.0)
    with pytest.raises(AppError):
        adapter.render(RenderRequest(prompt="a red apple", count=1))
    _assert_no_key_left_home(vendor, elsewhere)


def test_openai_sdk_key_is_not_sent_to_the_redirect_target(hosts: tuple[_Server, _Server]) -> None:
    vendor, elsewhere = hosts
    with pytest.raises(AppError):
        OpenAIText(KEY, vendor.url + "/v1", timeout_s=5.0, retries=0).write_prompt("system", "an apple")
    with pytest.raises(AppError):
        OpenAIImages(KEY, vendor.url + "/v1", timeout_s=5.0, retries=0).render(RenderRequest(prompt="apple"))
    _assert_no_key_left_home(vendor, elsewhere)


def test_a_keyed_client_strips_every_credential_header_off_its_origin(hosts: tuple[_Server, _Server]) -> None:
    vendor, elsewhere = hosts
    headers = {"X-Api-Key": KEY, "Authorization": f"Bearer {KEY}", "api-key": KEY, "X-Custom": f"k={KEY}"}
    with build_client(vendor.url, 5.0, headers) as client:
        client.get("/anything")
        client.get(f"{elsewhere.url}/absolute")  # an absolute URL elsewhere is no different from a redirect
    _assert_no_key_left_home(vendor, elsewhere)
    assert len(elsewhere.seen) == 2


def test_download_clients_carry_no_credentials(hosts: tuple[_Server, _Server]) -> None:
    _, elsewhere = hosts
    with build_client("", 5.0, None) as cdn:
        answer = cdn.get(f"{elsewhere.url}/image.png")
    assert answer.status_code == 404
    assert not {"authorization", "x-api-key"} & set(elsewhere.seen[0])


def test_same_origin_redirects_keep_the_key(hosts: tuple[_Server, _Server]) -> None:
    """A vendor moving a path on its own host is followed with the key (it is the vendor's own origin)."""
    _, home = hosts
    with build_client(home.url, 5.0, {"X-Api-Key": KEY}) as client:
        assert client.get("/old").status_code == 404  # /old -> /new on the same origin, which answers 404
    assert [h.get("x-api-key") for h in home.seen] == [KEY, KEY]

"""Vendor keys stay on their vendor's origin: a redirect to another host never carries one, whichever adapter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gif_app.errors import AppError
from gif_app.providers.base import RenderRequest
from gif_app.providers.http import build_client
from gif_app.providers.openai_images import OpenAIImages
from gif_app.providers.openai_llm import OpenAIText
from gif_app.providers.piapi import PiapiMidjourney
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.providers.runware import RunwareGenerator
from tests.integration.loopback_http import LoopbackServer, Reply

KEY = "vendor-key-that-must-stay-home-0123456789abcdef"


Hosts = tuple[LoopbackServer, LoopbackServer]


def _server(redirect_to: str | None = None) -> LoopbackServer:
    """A loopback server on its own port (its own origin) that records the headers of every request."""

    def answer(path: str, headers: dict[str, str]) -> Reply:
        if path == "/old":
            return Reply(307, headers={"Location": "/new"})
        if redirect_to is not None:
            # 307 keeps the method and body, as a vendor moving its API would answer.
            return Reply(307, headers={"Location": redirect_to + path})
        return Reply(404, b'{"error": {"message": "nothing here"}}', {"Content-Type": "application/json"})

    return LoopbackServer(answer)


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    """Return (vendor, elsewhere): the vendor's address redirects every request to another origin."""
    elsewhere = _server()
    vendor = _server(redirect_to=elsewhere.url)
    try:
        yield vendor, elsewhere
    finally:
        vendor.close()
        elsewhere.close()


def _assert_no_key_left_home(vendor: LoopbackServer, elsewhere: LoopbackServer) -> None:
    assert vendor.seen, "the adapter never called the vendor"
    assert any(KEY in " ".join(h.values()) for h in vendor.seen), "the vendor itself should get the key"
    assert elsewhere.seen, "the redirect was not followed, so the test proves nothing"
    for headers in elsewhere.seen:
        assert KEY not in " ".join(headers.values()), headers
        assert "x-api-key" not in headers and "authorization" not in headers, headers


def test_piapi_key_is_not_sent_to_the_redirect_target(hosts: Hosts) -> None:
    vendor, elsewhere = hosts
    adapter = PiapiMidjourney(KEY, vendor.url, timeout_s=5.0, retries=0, backoff_s=0.0)
    with pytest.raises(AppError):
        adapter.render(RenderRequest(prompt="a red apple", count=1))
    _assert_no_key_left_home(vendor, elsewhere)


def test_removebg_key_is_not_sent_to_the_redirect_target(hosts: Hosts) -> None:
    vendor, elsewhere = hosts
    with pytest.raises(AppError):
        RemoveBgRemover(KEY, vendor.url, timeout_s=5.0, retries=0, size="preview").remove(b"png", "a.png")
    with pytest.raises(AppError):
        RemoveBgRemover(KEY, vendor.url, timeout_s=5.0, retries=0).account_credits()
    _assert_no_key_left_home(vendor, elsewhere)


def test_runware_bearer_key_is_not_sent_to_the_redirect_target(hosts: Hosts) -> None:
    vendor, elsewhere = hosts
    adapter = RunwareGenerator(KEY, vendor.url, timeout_s=5.0, retries=0, backoff_s=0.0)
    with pytest.raises(AppError):
        adapter.render(RenderRequest(prompt="a red apple", count=1))
    _assert_no_key_left_home(vendor, elsewhere)


def test_openai_sdk_key_is_not_sent_to_the_redirect_target(hosts: Hosts) -> None:
    vendor, elsewhere = hosts
    with pytest.raises(AppError):
        OpenAIText(KEY, vendor.url + "/v1", timeout_s=5.0, retries=0).write_prompt("system", "an apple")
    with pytest.raises(AppError):
        OpenAIImages(KEY, vendor.url + "/v1", timeout_s=5.0, retries=0).render(RenderRequest(prompt="apple"))
    _assert_no_key_left_home(vendor, elsewhere)


def test_a_keyed_client_strips_every_credential_header_off_its_origin(hosts: Hosts) -> None:
    vendor, elsewhere = hosts
    headers = {"X-Api-Key": KEY, "Authorization": f"Bearer {KEY}", "api-key": KEY, "X-Custom": f"k={KEY}"}
    with build_client(vendor.url, 5.0, headers) as client:
        client.get("/anything")
        client.get(f"{elsewhere.url}/absolute")  # an absolute URL elsewhere is no different from a redirect
    _assert_no_key_left_home(vendor, elsewhere)
    assert len(elsewhere.seen) == 2


def test_download_clients_carry_no_credentials(hosts: Hosts) -> None:
    _, elsewhere = hosts
    with build_client("", 5.0, None) as cdn:
        answer = cdn.get(f"{elsewhere.url}/image.png")
    assert answer.status_code == 404
    assert not {"authorization", "x-api-key"} & set(elsewhere.seen[0])


def test_same_origin_redirects_keep_the_key(hosts: Hosts) -> None:
    """A vendor moving a path on its own host is followed with the key (it is the vendor's own origin)."""
    _, home = hosts
    with build_client(home.url, 5.0, {"X-Api-Key": KEY}) as client:
        assert client.get("/old").status_code == 404  # /old -> /new on the same origin, which answers 404
    assert [h.get("x-api-key") for h in home.seen] == [KEY, KEY]

"""A fake release feed on loopback: a real HTTP server answering like GitHub's `releases/latest`."""

from __future__ import annotations

import json
import socket
from typing import Any

from tests.integration.loopback_http import LoopbackServer, Reply

FEED_PATH = "/repos/gen-image-factory/gif-app/releases/latest"


def release_body(tag: str, *, prerelease: bool = False, draft: bool = False) -> dict[str, Any]:
    """Return a `releases/latest` body as GitHub sends it (the fields the check reads, and some it ignores)."""
    return {"tag_name": tag, "name": f"Gen Image Factory {tag}", "draft": draft, "prerelease": prerelease,
            "html_url": f"https://example.invalid/gif-app/releases/tag/{tag}", "body": "## Changes\n- faster",
            "published_at": "2026-11-30T10:00:00Z", "assets": []}


class FakeFeed:
    """Serves one answer (JSON body or raw bytes, with a status) and counts the requests that reached it."""

    def __init__(self) -> None:
        self.status = 200
        self.body: bytes = b"{}"
        self._server = LoopbackServer(lambda path, headers: Reply(self.status, self.body,
                                                                  {"Content-Type": "application/json"}))
        self.url = self._server.url + FEED_PATH

    def serve(self, body: Any, status: int = 200) -> None:
        """Answer with `body` (JSON-encoded unless bytes) from now on."""
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.status = status

    @property
    def requests(self) -> int:
        """Return how many requests reached the feed."""
        return len(self._server.seen)

    def close(self) -> None:
        """Stop serving."""
        self._server.close()


def closed_port_url() -> str:
    """Return a loopback address on which nothing listens (connection refused: the offline case)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{FEED_PATH}"

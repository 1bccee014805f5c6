"""Cancelling the local model download stops it, even against a stalled server, and leaves no partial file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gif_app.jobs.model_download import ModelDownloads
from tests.helpers.waiting import wait_until

FIRST_PART = 3 << 20  # more than one read chunk, so progress is reported before the stall
TOTAL = 40 << 20


class StallingServer:
    """Serves `<name>.onnx` as a large file: sends its first part, then stalls until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("Content-Length", str(TOTAL))
                self.end_headers()
                try:
                    self.wfile.write(b"\0" * FIRST_PART)
                    self.wfile.flush()
                except OSError:
                    return
                owner.release.wait(30)  # the stall: only the test's end lets it go

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Release the stalled answer and stop serving."""
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server() -> Iterator[StallingServer]:
    """Return a running stalling model server."""
    running = StallingServer()
    yield running
    running.close()


def test_cancel_stops_a_stalled_download_and_removes_the_partial_file(tmp_path: Path,
                                                                      server: StallingServer) -> None:
    models = tmp_path / "models"
    downloads = ModelDownloads(models, base_url=server.url)
    try:
        downloads.start("u2netp")
        wait_until(lambda: downloads.status()["done"] >= FIRST_PART, 20, "the first part to arrive")
        partial = models / ".u2netp.onnx.part"
        assert partial.is_file(), "the download writes into a partial file while it runs"
        assert downloads.status()["total"] == TOTAL

        downloads.cancel()
        # The server still stalls (not released): the cancel itself must end the download.
        ended = wait_until(lambda: (s := downloads.status())["state"] != "running" and s, 10,
                           "the download to end after cancel")
        assert ended["state"] == "cancelled"
        assert ended["is_cancelling"] is False
        assert not server.release.is_set()
        assert not partial.exists(), "a cancelled download leaves no partial file"
        assert not (models / "u2netp.onnx").exists()
        assert downloads.model_status("u2netp")["is_present"] is False

        # A new download may start after a cancel (the worker went on).
        assert downloads.start("u2netp")["state"] == "running"
        wait_until(lambda: downloads.status()["done"] >= FIRST_PART, 20, "the second download to start")
    finally:
        downloads.shutdown()
    assert downloads.status()["state"] == "cancelled"

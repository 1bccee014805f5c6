"""Cancelling the local model download stops it, even against a stalled server, and leaves no partial file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gif_app.jobs.model_download import ModelDownloads
from tests.helpers.stalling_server import FIRST_PART, TOTAL, StallingServer
from tests.helpers.waiting import wait_until


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

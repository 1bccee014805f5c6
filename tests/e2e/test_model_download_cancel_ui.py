"""Settings → Processing: a running model download shows Cancel, which stops it and leaves no partial file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import UI
from playwright.sync_api import expect

from gif_app.app import App
from gif_app.jobs.model_download import ModelDownloads
from tests.helpers.stalling_server import StallingServer


@pytest.fixture
def server() -> Iterator[StallingServer]:
    """Return a running model server that stalls after the first part."""
    running = StallingServer()
    yield running
    running.close()


def test_cancel_stops_the_model_download(ui: UI, gif: App, server: StallingServer) -> None:
    # The download source is the edge: the stalling server stands in for GitHub's release files.
    gif.ctx.services.models.shutdown()
    gif.ctx.services.models = ModelDownloads(gif.home.models, base_url=server.url)
    ui.open("settings/processing")
    ui.field("processing.remove_bg").check()
    ui.field("processing.remover").select_option("rembg")
    ui.field("processing.rembg_model").select_option("u2netp")
    expect(ui.by("model-cancel")).to_be_hidden()
    ui.by("model-download").click()
    ui.by("model-confirm-ok").click()
    expect(ui.by("model-status")).to_contain_text("Downloading… 3 of 42 MB")
    cancel = ui.by("model-cancel")
    expect(cancel).to_be_visible()

    cancel.click()
    expect(ui.toast("Model download cancelled")).to_be_visible()
    expect(cancel).to_be_hidden()
    expect(ui.by("model-status")).to_contain_text("Not downloaded yet")
    expect(ui.by("model-download")).to_be_visible()
    assert gif.api.model_status("u2netp")["data"]["download"]["state"] == "cancelled"
    assert not server.release.is_set(), "the cancel, not the server, ended the download"
    assert list(gif.home.models.iterdir()) == [], "no partial file is left"

"""Settings → Processing shows whether the local background-removal model is on disk."""

from __future__ import annotations

from pathlib import Path

from gif_app.app import AppOptions, build_app


def test_model_status_follows_the_file_in_the_app_home(tmp_path: Path) -> None:
    app = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, start_workers=False))
    try:
        missing = app.api.model_status("u2netp")
        assert missing["ok"]
        assert missing["data"]["is_present"] is False
        assert missing["data"]["can_download"] is True
        assert missing["data"]["download"]["state"] == "idle"
        (app.home.models / "u2netp.onnx").write_bytes(b"\0" * 2048)
        present = app.api.model_status("u2netp")["data"]
        assert present["is_present"] is True
        assert present["size_on_disk"] == 2048
        unknown = app.api.model_status("my-model")["data"]
        assert unknown["can_download"] is False
    finally:
        app.close()

"""The app keeps a log file in its home, and no key ever reaches it."""

from __future__ import annotations

import logging
from pathlib import Path

from gif_app.app import AppOptions, build_app


def test_log_file_in_the_home_masks_keys(tmp_path: Path) -> None:
    app = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, start_workers=False))
    try:
        app.ctx.keystore.set("runware", "rw-canary-ABCDEFGH12345678")
        logging.getLogger("gif_app.test").warning("vendor said: bad key rw-canary-ABCDEFGH12345678")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (app.home.logs / "gif-app.log").read_text(encoding="utf-8")
        assert "vendor said: bad key" in text
        assert "rw-canary-ABCDEFGH12345678" not in text
    finally:
        app.close()

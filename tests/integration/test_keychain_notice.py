"""The page hears once that the keychain refused access, and the app keeps logging and working meanwhile."""

from __future__ import annotations

import logging
from pathlib import Path

from gif_app.app import AppOptions, build_app
from tests.helpers.refusing_keyring import RefusingKeyring, installed

SECRET = "sk-test-abcdefghijklmnop1234"


def test_the_page_sees_one_keychain_notice_and_logging_goes_on(tmp_path: Path) -> None:
    with installed(RefusingKeyring()) as backend:
        app = build_app(tmp_path / "home", AppOptions(prefer_keychain=True, start_workers=False, environ={}))
        try:
            assert app.ctx.keystore.backend.name == "keychain"
            for n in range(3):  # every record passes the app's redaction, which reads the keys
                logging.getLogger("gif_app.test").warning("still logging %d", n)
            asked = backend.asked
            info = app.api.app_info()
            assert info["ok"], info
            keychain = [n for n in info["data"]["notices"] if "keychain refused" in n]
            assert len(keychain) == 1 and "(KeyringLocked)" in keychain[0]
            assert app.api.app_info()["data"]["notices"] == info["data"]["notices"]  # once, not once per call
            assert [n for n in app.api.get_settings()["data"]["notices"] if "keychain" in n] == keychain
            keys = app.api.key_status()
            assert keys["ok"] and not any(k["is_set"] for k in keys["data"])
            assert backend.asked == asked  # reading keys for the page did not ask the refusing keychain again
            saved = app.api.set_key("openai", SECRET)
            assert saved["ok"] is False
            assert saved["error"]["code"] == "keychain_refused"  # the notice, naming this refusal
            assert saved["error"]["message"] == keychain[0].replace("KeyringLocked", "PasswordSetError")
            log_text = (app.home.logs / "gif-app.log").read_text(encoding="utf-8")
            assert log_text.count("the system keychain refused access") == 1 and "still logging 2" in log_text
        finally:
            app.close()

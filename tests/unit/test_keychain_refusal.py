"""A keychain that refuses access: asked once, said once, and no log call ever raises because of it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gif_app.errors import KeychainError
from gif_app.keystore import KeyringBackend, KeyStore, choose_backend
from gif_app.logs import RedactingFilter, Redactor
from tests.helpers.refusing_keyring import BrokenKeyring, RefusingKeyring, installed

SECRET = "sk-test-abcdefghijklmnop1234"


class Lines(logging.Handler):
    """Keeps the formatted lines that reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.parametrize(("backend_class", "reason"), [(RefusingKeyring, "KeyringLocked"),
                                                     (BrokenKeyring, "RuntimeError")])
def test_log_calls_keep_working_and_the_keychain_is_asked_once(backend_class: type[RefusingKeyring], reason: str,
                                                               tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    with installed(backend_class()) as backend:
        chosen = choose_backend(tmp_path / "keys.json")
        assert isinstance(chosen, KeyringBackend)  # the refusing keychain is the real adapter's backend
        store = KeyStore(chosen, environ={"OPENAI_API_KEY": SECRET})
        logger = logging.getLogger("test.keychain")
        lines = Lines()
        lines.addFilter(RedactingFilter(Redactor(store.secrets)))
        logger.addHandler(lines)
        try:
            for n in range(5):
                logger.warning("call %d with %s", n, SECRET)
        finally:
            logger.removeHandler(lines)
    assert lines.lines == [f"call {n} with ••••" for n in range(5)]  # env keys are still masked
    assert backend.asked == 1  # one refusal, then the keychain is left alone (no prompt per log line)
    refusals = [r for r in caplog.records if "keychain refused" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING
    notices = store.notices()
    assert len(notices) == 1 and notices == store.notices()
    assert notices[0].startswith(f"The system keychain refused access ({reason}): API keys cannot be read")
    assert "OPENAI_API_KEY" in notices[0] and "restart the app" in notices[0]
    assert store.get("runware") == "" and store.source("runware") == "none"


def test_saving_a_key_asks_again_and_refuses_with_the_notice(tmp_path: Path) -> None:
    with installed(RefusingKeyring()) as backend:
        store = KeyStore(choose_backend(tmp_path / "keys.json"), environ={})
        assert store.secrets() == []
        asked = backend.asked
        with pytest.raises(KeychainError) as caught:
            store.set("openai", SECRET)
        assert backend.asked == asked + 1  # the user's own action asks the keychain again
        assert caught.value.code == "keychain_refused"
        assert caught.value.message == store.notices()[0]
        assert SECRET not in caught.value.message


def test_redaction_survives_a_key_store_that_raises() -> None:
    answers: list[list[str] | Exception] = [[SECRET], RuntimeError("keychain gone")]

    def secrets() -> list[str]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    redactor = Redactor(secrets)
    assert redactor.redact(f"key {SECRET}") == "key ••••"
    assert redactor.redact(f"key {SECRET}") == "key ••••"  # the last known keys are still masked

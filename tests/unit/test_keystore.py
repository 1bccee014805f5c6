"""API keys: masked views, the 0600 key file, env overrides and the keychain fallback."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gif_app.errors import ValidationError
from gif_app.keystore import FileBackend, KeyStore, choose_backend, mask

SECRET = "sk-test-abcdefghijklmnop1234"


def test_mask_shows_only_the_last_four_characters() -> None:
    assert mask(SECRET) == "••••1234"
    assert SECRET[:-4] not in mask(SECRET)


def test_short_keys_are_masked_completely() -> None:
    assert mask("abcd1234") == "••••"
    assert mask("xy") == "••••"
    assert mask("") == ""


def test_key_file_is_private_to_the_user(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path / "keys.json")
    backend.set("openai", SECRET)
    mode = stat.S_IMODE((tmp_path / "keys.json").stat().st_mode)
    assert mode == 0o600
    assert backend.get("openai") == SECRET
    backend.set("runware", "rw-key-5678abcd")
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
    backend.delete("openai")
    assert backend.get("openai") is None
    assert backend.get("runware") == "rw-key-5678abcd"


def test_keystore_set_get_clear_with_the_file(tmp_path: Path) -> None:
    store = KeyStore(FileBackend(tmp_path / "keys.json"), environ={})
    assert store.get("openai") == ""
    assert store.source("openai") == "none"
    store.set("openai", f"  {SECRET}  ")
    assert store.get("openai") == SECRET
    assert store.source("openai") == "file"
    assert store.has_any()
    store.clear("openai")
    assert store.get("openai") == ""
    assert not store.has_any()


def test_empty_value_clears_and_junk_is_refused(tmp_path: Path) -> None:
    store = KeyStore(FileBackend(tmp_path / "keys.json"), environ={})
    store.set("runware", "rw-key-5678abcd")
    store.set("runware", "   ")
    assert store.get("runware") == ""
    with pytest.raises(ValidationError):
        store.set("runware", "two words")
    with pytest.raises(ValidationError):
        store.set("midjourney", "whatever-key")


def test_environment_variable_overrides_the_stored_key(tmp_path: Path) -> None:
    store = KeyStore(FileBackend(tmp_path / "keys.json"), environ={"RUNWARE_API_KEY": "env-key-9999"})
    store.set("runware", "stored-key-1111")
    assert store.get("runware") == "env-key-9999"
    assert store.source("runware") == "env"
    runware = next(item for item in store.status() if item["name"] == "runware")
    assert runware["masked"] == "••••9999"
    assert runware["env_var"] == "RUNWARE_API_KEY"


def test_no_usable_keychain_falls_back_to_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    backend = choose_backend(tmp_path / "keys.json")
    assert backend.name == "file"
    backend.set("openai", SECRET)
    assert (tmp_path / "keys.json").exists()


def test_keychain_can_be_declined(tmp_path: Path) -> None:
    assert choose_backend(tmp_path / "keys.json", prefer_keychain=False).name == "file"


def test_status_never_contains_the_raw_key(tmp_path: Path) -> None:
    store = KeyStore(FileBackend(tmp_path / "keys.json"), environ={"PIAPI_API_KEY": "pi-secret-abcdef42"})
    store.set("openai", SECRET)
    status = store.status()
    assert SECRET not in repr(status)
    assert "pi-secret-abcdef42" not in repr(status)
    by_name = {item["name"]: item for item in status}
    assert set(by_name) == {"openai", "runware", "piapi", "removebg"}
    assert by_name["openai"]["is_set"] is True and by_name["openai"]["masked"] == "••••1234"
    assert by_name["removebg"]["is_set"] is False and by_name["removebg"]["masked"] == ""


def test_secrets_lists_every_effective_key_for_redaction(tmp_path: Path) -> None:
    store = KeyStore(FileBackend(tmp_path / "keys.json"), environ={"PIAPI_API_KEY": "pi-secret-abcdef42"})
    store.set("openai", SECRET)
    assert sorted(store.secrets()) == sorted([SECRET, "pi-secret-abcdef42"])


def test_damaged_key_file_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text("{not json", encoding="utf-8")
    store = KeyStore(FileBackend(path), environ={})
    assert store.get("openai") == ""
    store.set("openai", SECRET)
    assert store.get("openai") == SECRET


def test_keys_are_read_from_the_backend_once_and_follow_set_and_clear(tmp_path: Path) -> None:
    reads: list[str] = []

    class CountingBackend(FileBackend):
        def get(self, name: str) -> str | None:
            reads.append(name)
            return super().get(name)

    store = KeyStore(CountingBackend(tmp_path / "keys.json"), environ={})
    store.set("openai", "sk-first-12345678")
    for _ in range(50):  # every log line asks for the secrets; the keychain is not asked each time
        store.secrets()
    assert reads.count("openai") == 0
    assert reads.count("runware") == 1
    store.set("openai", "sk-second-12345678")
    assert store.get("openai") == "sk-second-12345678"
    store.clear("openai")
    assert store.get("openai") == ""
    assert "sk-second-12345678" not in store.secrets()

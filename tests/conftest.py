"""Shared fixtures: every test gets its own app home and never sees a developer's real keys or keychain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gif_app.store.repository import Repository
from gif_app.vendors import VENDORS

KEY_VARS = tuple(v.key_env_var for v in VENDORS)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point GIF_APP_HOME at a temp folder, drop API key variables and keep the OS keychain out of reach."""
    root = tmp_path / "gif-home"
    monkeypatch.setenv("GIF_APP_HOME", str(root))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    # A test that writes a key must never land in the developer's real keychain.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    # Nor may a developer's own config.toml (it can name a data folder) reach a test that asks for the default.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    return root


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    """Return the (not yet created) app home folder of this test."""
    return _isolated_home


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    """Return a Repository on a fresh, fully migrated database file."""
    repository = Repository.open(tmp_path / "store" / "gif_app.db")
    yield repository
    repository.close()

"""Real keyring backends whose keychain says no, as a denied prompt, a locked keychain or a broken backend do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordSetError


class RefusingKeyring(KeyringBackend):
    """A keychain that refuses every read and write (macOS: the prompt denied, or the keychain locked)."""

    priority = 10
    viable = False  # never picked by keyring on its own: only where a test installs it

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def get_password(self, service: str, username: str) -> str | None:
        """Refuse, as a locked keychain does."""
        self.asked += 1
        raise KeyringLocked("User interaction is not allowed.")

    def set_password(self, service: str, username: str, password: str) -> None:
        """Refuse a write."""
        self.asked += 1
        raise PasswordSetError("Can't store password on keychain: (-25293, 'Unknown Error')")

    def delete_password(self, service: str, username: str) -> None:
        """Refuse a removal."""
        self.asked += 1
        raise KeyringLocked("User interaction is not allowed.")


class BrokenKeyring(RefusingKeyring):
    """A backend broken below keyring (a D-Bus error, a missing library): not even a keyring error."""

    def get_password(self, service: str, username: str) -> str | None:
        """Fail as a broken backend does."""
        self.asked += 1
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")


@contextmanager
def installed(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make `backend` keyring's backend for the block, then put the previous one back."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)

"""API keys: the OS keychain via keyring, a 0600 file when no keychain exists, env vars override."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from gif_app.errors import StorageError, ValidationError
from gif_app.vendors import BY_ID, VENDORS, Vendor

log = logging.getLogger(__name__)

SERVICE = "gen-image-factory"


def mask(secret: str) -> str:
    """Return a masked view that shows only the last four characters."""
    if not secret:
        return ""
    tail = secret[-4:] if len(secret) > 8 else ""
    return "••••" + tail


class SecretBackend(Protocol):
    """Where keys are stored."""

    name: str

    def get(self, name: str) -> str | None:
        """Return the stored key or None."""
        ...

    def set(self, name: str, value: str) -> None:
        """Store a key."""
        ...

    def delete(self, name: str) -> None:
        """Remove a key if present."""
        ...


class FileBackend:
    """A JSON file readable only by the user (mode 0600), for systems without a keychain."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("key file %s unreadable: %s", self.path, type(exc).__name__)
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise StorageError(f"Could not write the key file {self.path}: {exc.strerror}") from exc

    def get(self, name: str) -> str | None:
        """Return the stored key or None."""
        with self._lock:
            return self._read().get(name)

    def set(self, name: str, value: str) -> None:
        """Store a key."""
        with self._lock:
            data = self._read()
            data[name] = value
            self._write(data)

    def delete(self, name: str) -> None:
        """Remove a key if present."""
        with self._lock:
            data = self._read()
            if data.pop(name, None) is not None:
                self._write(data)


class KeyringBackend:
    """The OS keychain (macOS Keychain, Windows Credential Locker, Secret Service)."""

    name = "keychain"

    def __init__(self) -> None:
        import keyring

        self._keyring = keyring

    def get(self, name: str) -> str | None:
        """Return the stored key or None."""
        value = self._keyring.get_password(SERVICE, name)
        return str(value) if value is not None else None

    def set(self, name: str, value: str) -> None:
        """Store a key."""
        self._keyring.set_password(SERVICE, name, value)

    def delete(self, name: str) -> None:
        """Remove a key if present."""
        try:
            self._keyring.delete_password(SERVICE, name)
        except self._keyring.errors.PasswordDeleteError:
            pass


def choose_backend(fallback_file: Path, prefer_keychain: bool = True) -> SecretBackend:
    """Return the OS keychain when a usable one exists, else the 0600 file."""
    if prefer_keychain:
        try:
            import keyring
            from keyring.backends import fail

            backend = keyring.get_keyring()
            priority = float(getattr(backend, "priority", 0))
            if not isinstance(backend, fail.Keyring) and priority >= 1:
                return KeyringBackend()
        except Exception as exc:  # noqa: BLE001 - any keyring failure means "no keychain"
            log.info("no usable OS keychain (%s); using the key file", type(exc).__name__)
    return FileBackend(fallback_file)


class KeyStore:
    """Read and write API keys; environment variables override stored keys."""

    def __init__(self, backend: SecretBackend, environ: Mapping[str, str] | None = None) -> None:
        self.backend = backend
        self._environ = os.environ if environ is None else environ
        # Every log line is redacted with the current keys: read the keychain once, not per line.
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def _stored(self, name: str) -> str:
        with self._lock:
            if name not in self._cache:
                self._cache[name] = (self.backend.get(name) or "").strip()
            return self._cache[name]

    def get(self, name: str) -> str:
        """Return the effective key ("" when none is set)."""
        env = self._environ.get(self._vendor(name).key_env_var, "").strip()
        if env:
            return env
        return self._stored(name)

    def source(self, name: str) -> str:
        """Return where the effective key comes from: env, keychain, file or none."""
        if self._environ.get(self._vendor(name).key_env_var, "").strip():
            return "env"
        return self.backend.name if self._stored(name) else "none"

    def set(self, name: str, value: str) -> None:
        """Store a key after trimming; an empty value clears it."""
        vendor = self._vendor(name)
        value = value.strip()
        if not value:
            self.clear(name)
            return
        if not vendor.is_well_formed_key(value):
            raise ValidationError("That does not look like an API key.", {name: vendor.key_rule})
        self.backend.set(name, value)
        with self._lock:
            self._cache[name] = value

    def clear(self, name: str) -> None:
        """Remove a stored key."""
        self._vendor(name)  # an unknown name is refused, not silently ignored
        self.backend.delete(name)
        with self._lock:
            self._cache[name] = ""

    def status(self) -> list[dict[str, str | bool]]:
        """Return the masked view of every vendor's key, in registry order, for the page."""
        return [
            {"name": v.id, "label": v.label, "is_set": bool(self.get(v.id)), "masked": mask(self.get(v.id)),
             "source": self.source(v.id), "env_var": v.key_env_var}
            for v in VENDORS
        ]

    def secrets(self) -> list[str]:
        """Return every effective key, for log redaction."""
        return [k for k in (self.get(v.id) for v in VENDORS) if k]

    def has_any(self) -> bool:
        """Return True when at least one key is configured."""
        return any(self.get(v.id) for v in VENDORS)

    @staticmethod
    def _vendor(name: str) -> Vendor:
        found = BY_ID.get(name)
        if found is None:
            raise ValidationError(f"Unknown key '{name}'.", {name: "Unknown key."})
        return found

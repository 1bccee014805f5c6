"""API keys: the OS keychain via keyring, a 0600 file when no keychain exists, env vars override."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from gif_app.errors import KeychainError, StorageError, ValidationError
from gif_app.file_ops import replace_file
from gif_app.vendors import BY_ID, VENDORS, Vendor

log = logging.getLogger(__name__)

SERVICE = "gen-image-factory"

KEYCHAIN_NOTICE = ("The system keychain refused access ({reason}): API keys cannot be read or saved there until it "
                   "allows Gen Image Factory. Unlock the keychain (or allow access when it asks; on macOS in Keychain "
                   "Access, on Windows in Credential Manager), then restart the app. Meanwhile, keys set as "
                   "environment variables ({variables}) still work.")


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
            replace_file(tmp, self.path)  # a scanner holding the key file: retried, then named
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
        """Return the stored key or None; raise KeychainError when the keychain refuses."""
        try:
            value = self._keyring.get_password(SERVICE, name)
        except Exception as exc:  # noqa: BLE001 - a denied prompt, a locked keychain or a broken backend
            raise _refusal(exc) from exc
        return str(value) if value is not None else None

    def set(self, name: str, value: str) -> None:
        """Store a key; raise KeychainError when the keychain refuses."""
        try:
            self._keyring.set_password(SERVICE, name, value)
        except Exception as exc:  # noqa: BLE001 - as in get
            raise _refusal(exc) from exc

    def delete(self, name: str) -> None:
        """Remove a key if present; raise KeychainError when the keychain refuses."""
        try:
            self._keyring.delete_password(SERVICE, name)
        except self._keyring.errors.PasswordDeleteError:
            pass
        except Exception as exc:  # noqa: BLE001 - as in get
            raise _refusal(exc) from exc


def _refusal(exc: Exception) -> KeychainError:
    """Return the keychain's refusal in our terms: its kind only (a backend's text could quote a value)."""
    return KeychainError(type(exc).__name__)


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
        # Why the keychain refused, once it has: it is then not asked again on every log line (no prompt storm,
        # no exception out of a log call) until the user saves a key, which asks it again.
        self._refused: str | None = None

    def _stored(self, name: str) -> str:
        with self._lock:
            if name in self._cache:
                return self._cache[name]
            if self._refused is not None:
                return ""
        try:
            value = (self.backend.get(name) or "").strip()
        except KeychainError as exc:
            self._refuse(exc)
            return ""
        with self._lock:
            return self._cache.setdefault(name, value)

    def _refuse(self, exc: KeychainError) -> None:
        """Remember the keychain's refusal and say it once in the log (outside the lock: logging reads keys)."""
        with self._lock:
            is_first = self._refused is None
            self._refused = exc.message
        if is_first:
            log.warning("the system keychain refused access (%s); keys there cannot be read or saved until it "
                        "allows this app", exc.message)

    def notices(self) -> list[str]:
        """Return the page's notice about a keychain that refused access (none when it works)."""
        if self._refused is None:
            return []
        variables = ", ".join(v.key_env_var for v in VENDORS)
        return [KEYCHAIN_NOTICE.format(reason=self._refused, variables=variables)]

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
        self._write(lambda: self.backend.set(name, value))
        with self._lock:
            self._cache[name] = value

    def clear(self, name: str) -> None:
        """Remove a stored key."""
        self._vendor(name)  # an unknown name is refused, not silently ignored
        self._write(lambda: self.backend.delete(name))
        with self._lock:
            self._cache[name] = ""

    def _write(self, change: Callable[[], None]) -> None:
        """Apply a change the user asked for: the keychain is asked again even after a refusal."""
        try:
            change()
        except KeychainError as exc:
            self._refuse(exc)
            raise KeychainError(self.notices()[0]) from exc
        with self._lock:
            if self._refused is not None:  # it works again: forget the refusal and read every key afresh
                self._refused = None
                self._cache.clear()

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

"""The one family of exceptions a user can see: each has a stable code and an actionable message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class AppError(Exception):
    """Base of every error that reaches the UI, the CLI or the job log."""

    code = "app_error"

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, object]:
        """Return the error envelope body the page receives."""
        return {"code": self.code, "message": self.message}

    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take other constructor arguments: rebuild from state so errors cross processes.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ValidationError(AppError):
    """Input that breaks the settings schema or an API contract; carries per-field messages."""

    code = "validation_error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})

    def to_dict(self) -> dict[str, object]:
        """Return the envelope body with the per-field messages."""
        return {"code": self.code, "message": self.message, "fields": self.fields}


@dataclass(frozen=True)
class Problem:
    """One reason a job cannot start: the setting it concerns ("keys.<vendor>" for a key) and what to do."""

    setting: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Return the page's form: {setting, message}."""
        return {"setting": self.setting, "message": self.message}


class PreflightError(ValidationError):
    """A job that would fail at once was refused before anything was recorded; it lists every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        super().__init__(f"The job cannot start: {count} problem{'s' if count != 1 else ''} to fix first.",
                         {p.setting: p.message for p in reversed(problems)})  # the first per setting wins
        self.problems = list(problems)

    def to_dict(self) -> dict[str, object]:
        """Return the envelope body with the per-field messages and the ordered problem list."""
        return {**super().to_dict(), "problems": [p.to_dict() for p in self.problems]}


class NotFoundError(AppError):
    """A job, image or file the caller named does not exist."""

    code = "not_found"


class ConflictError(AppError):
    """The request clashes with the current state (a job already running, a name in use)."""

    code = "conflict"


class HomeInUseError(AppError):
    """Another process (a window or a `gif-app run`) holds the app home's lock."""

    code = "home_in_use"

    def __init__(self, home: str, holder_pid: int | None = None) -> None:
        super().__init__(f"Gen Image Factory is already running on this data folder ({home}). "
                         "Close the other window or wait for its job to finish.")
        self.home = home
        self.holder_pid = holder_pid


class ConfigurationError(AppError):
    """Settings or keys are missing or wrong for what the user asked to do."""

    code = "configuration_error"


class ProviderError(AppError):
    """A vendor call failed; the message is the vendor's own words, never a key."""

    code = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        is_retryable: bool = False,
    ) -> None:
        super().__init__(message, code=code, retry_after=retry_after)
        self.vendor = vendor
        self.status = status
        self.is_retryable = is_retryable
        # Results (providers.base.RenderedImage) the vendor billed before this error: recorded before it ends anything.
        self.paid_results: list[Any] = []


class AuthenticationError(ProviderError):
    """The vendor refused the key."""

    code = "auth_failed"


class InsufficientCreditsError(ProviderError):
    """The vendor account has no credits left."""

    code = "insufficient_credits"


class ProviderTimeoutError(ProviderError):
    """The vendor did not answer within the configured timeout."""

    code = "timeout"


class PossiblyChargedError(ProviderError):
    """A paid call whose outcome is unknown (sent, then no answer): it may be billed, so it is not repeated."""

    code = "charge_unknown"

    def __init__(self, message: str, *, vendor: str, charge: float = 0.0,
                 transport: ProviderError | None = None) -> None:
        super().__init__(message, vendor=vendor, is_retryable=False)
        self.charge = charge  # what the vendor may have billed, counted in the cost as if it had
        self.transport = transport  # the timeout or network error that left the outcome unknown


class CancelledError(AppError):
    """Work stopped because the user asked for a force stop."""

    code = "cancelled"


class BudgetReachedError(CancelledError):
    """A paid call was not started because it would pass the job's or the day's spending cap."""

    code = "budget_reached"


class ProcessingError(AppError):
    """A processing stage failed; `stage` is one of the processing_failed:<stage> names."""

    code = "processing_failed"

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message, code=f"processing_failed:{stage}")
        self.stage = stage


class StorageError(AppError):
    """The disk or database refused a write (full disk, permissions)."""

    code = "storage_error"


class DatabaseDamagedError(StorageError):
    """The database file is not a readable SQLite database; the app can move it aside and start fresh."""

    code = "database_damaged"

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"The database {path} is damaged ({detail}). Move it aside (for example rename it "
                         f"to {_name(path)}.damaged) and start again, or open the window to do that for you.")
        self.path = path
        self.detail = detail


class DatabaseTooNewError(StorageError):
    """The database was written by a newer version of the app; this version must not touch it."""

    code = "database_too_new"

    def __init__(self, path: str, db_version: int, app_version: int) -> None:
        super().__init__(f"The database {path} is at migration {db_version}, newer than this app's latest "
                         f"({app_version}). Install the newer version of the app to open it.")
        self.path = path
        self.db_version = db_version
        self.app_version = app_version



class FileInUseError(AppError, PermissionError):
    """A file could not be replaced or deleted: another program holds it open (Windows sharing violation).

    Also a PermissionError, so the handlers that turn an OSError into a stage failure or a storage error
    keep working and carry this message on.
    """

    code = "file_in_use"

    def __init__(self, action: str, path: str, reason: str, holders: tuple[str, ...] = ()) -> None:
        super().__init__(f"Could not {action} {path}: {reason}.")
        self.path = path
        self.reason = reason
        self.holders = holders


class FilesKeptError(AppError):
    """Records were kept because their files could not be deleted; the message says which and why."""

    code = "file_in_use"


class KeychainError(StorageError):
    """The OS keychain refused a read or a write: a denied prompt, a locked keychain, a broken backend."""

    code = "keychain_refused"

def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _rebuild(cls: type[AppError], args: tuple[object, ...], state: dict[str, object]) -> AppError:
    """Recreate a pickled error without calling its constructor."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error

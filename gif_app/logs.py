"""Structured job logs: secret redaction on every sink, persistence per execution, live cursor reads."""

from __future__ import annotations

import logging
import logging.handlers
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from gif_app.domain import LogLevel, LogRecord

log = logging.getLogger(__name__)

MASK = "••••"
# Only keys this long are searched for fragments, and only runs this long count: shorter ones (test keys such
# as "sandbox-key") would mask ordinary words.
FRAGMENT_SECRET_MIN = 20
FRAGMENT_MIN = 12


class Redactor:
    """Replaces every known secret with a mask; the secret list is read fresh on each call."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        self._secrets = secrets
        self._last: list[str] = []  # the keys last read, used when the key store cannot answer

    def _current(self) -> list[str]:
        """Return the keys to mask now; a key store that raises never makes a log call raise."""
        try:
            self._last = [s for s in self._secrets() if s]
        except Exception:  # noqa: BLE001 - redaction runs inside every log call: it must not fail
            pass
        return self._last

    def redact(self, text: str) -> str:
        """Return `text` with every secret (of 4+ characters) masked, and the fragments a cut leaves of long ones."""
        # Longest first: a key that contains another key must not be left half visible.
        secrets = sorted((s for s in self._current() if len(s) >= 4), key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for secret in secrets:
            text = mask_fragments(text, secret, MASK)
        return text

    def redact_data(self, value: Any) -> Any:
        """Return a JSON-like value with secrets masked in every string."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact_data(v) for v in value]
        return value


def mask_fragments(text: str, secret: str, mask: str) -> str:
    """Mask what a cut leaves of a long secret: a run of its head (or tail) of FRAGMENT_MIN+ characters."""
    # A value with a space is a header value ("Bearer <key>"): its bare key is a secret of its own.
    if len(secret) < FRAGMENT_SECRET_MIN or len(text) < FRAGMENT_MIN or " " in secret:
        return text
    # A text cut after the key's start keeps its head; one cut before the key's end keeps its tail.
    head, tail = secret[:FRAGMENT_MIN], secret[-FRAGMENT_MIN:]
    start = text.find(head)
    while start != -1:
        end = start + FRAGMENT_MIN
        while end < len(text) and end - start < len(secret) and text[end] == secret[end - start]:
            end += 1
        text = text[:start] + mask + text[end:]
        start = text.find(head, start + len(mask))
    end = text.find(tail)
    while end != -1:
        stop = end + FRAGMENT_MIN
        start = end
        while start > 0 and stop - start < len(secret) and text[start - 1] == secret[len(secret) - (stop - start) - 1]:
            start -= 1
        text = text[:start] + mask + text[stop:]
        end = text.find(tail, start + len(mask))
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in every record that passes through a handler."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the message, the traceback and the stack, and drop the args so nothing unmasked survives."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill logging
            message = str(record.msg)
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info:
            # An exception's text (a URL, a vendor reply) can carry a key: format it once, masked; formatters
            # print exc_text as it is and never format exc_info again once it is gone.
            record.exc_text = _FORMATTER.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()


def install_redaction(redactor: Redactor, logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach a redacting filter to every handler of `logger` (default: root)."""
    target = logger or logging.getLogger()
    flt = RedactingFilter(redactor)
    for handler in target.handlers:
        # One redactor per handler: a rebuilt app replaces the filter of the previous one.
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(flt)
    return flt


class AppLogFile(logging.handlers.RotatingFileHandler):
    """The app's own log file in the home's logs/ folder (5 × 2 MB), the one error messages point to."""


def install_log_file(folder: Path, level: int = logging.INFO) -> AppLogFile:
    """Send the app's logging to logs/gif-app.log (replacing the handler of an earlier app in this process)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, AppLogFile)]:
        root.removeHandler(old)
        old.close()
    folder.mkdir(parents=True, exist_ok=True)
    handler = AppLogFile(folder / "gif-app.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return handler


class LogSink(Protocol):
    """Where job log records are persisted."""

    def append_logs(self, execution_id: int, records: list[LogRecord]) -> None:
        """Persist records of one execution."""
        ...


class JobLog:
    """The log of one execution: each record is redacted, persisted at once and mirrored to `logging`."""

    def __init__(self, execution_id: int, sink: LogSink, redactor: Redactor) -> None:
        self.execution_id = execution_id
        self._sink = sink
        self._redactor = redactor
        self._lock = threading.Lock()

    def write(self, level: LogLevel, message: str, *, step: str = "", sub_step: str = "",
              image_index: int | None = None, duration_ms: float | None = None,
              error_code: str | None = None, data: dict[str, Any] | None = None,
              is_echoed: bool = True) -> LogRecord:
        """Record one structured line; `is_echoed=False` when `logging` has the line already (a mirror)."""
        record = LogRecord(
            time=datetime.now(), level=level, message=self._redactor.redact(message), step=step,
            sub_step=sub_step, image_index=image_index,
            duration_ms=round(duration_ms, 1) if duration_ms is not None else None,
            error_code=error_code, data=self._redactor.redact_data(data or {}),
            execution_id=self.execution_id,
        )
        with self._lock:
            self._sink.append_logs(self.execution_id, [record])
        if is_echoed:
            log.log(_PY_LEVELS[level], "[job %s] %s%s", self.execution_id, f"{step}: " if step else "",
                    record.message)
        return record

    def info(self, message: str, **fields: Any) -> LogRecord:
        """Record an info line."""
        return self.write(LogLevel.INFO, message, **fields)

    def warning(self, message: str, **fields: Any) -> LogRecord:
        """Record a warning line."""
        return self.write(LogLevel.WARNING, message, **fields)

    def error(self, message: str, **fields: Any) -> LogRecord:
        """Record an error line."""
        return self.write(LogLevel.ERROR, message, **fields)

    def debug(self, message: str, **fields: Any) -> LogRecord:
        """Record a debug line."""
        return self.write(LogLevel.DEBUG, message, **fields)


_PY_LEVELS = {
    LogLevel.DEBUG: logging.DEBUG, LogLevel.INFO: logging.INFO,
    LogLevel.WARNING: logging.WARNING, LogLevel.ERROR: logging.ERROR,
}


def record_to_json(record: LogRecord) -> dict[str, Any]:
    """Return the page/JSONL form of a record, with local time."""
    return {
        "id": record.id, "execution_id": record.execution_id,
        "time": record.time.astimezone().isoformat(timespec="milliseconds"),
        "level": record.level.value, "step": record.step, "sub_step": record.sub_step,
        "image_index": record.image_index, "message": record.message, "duration_ms": record.duration_ms,
        "error_code": record.error_code, "data": record.data,
    }


def record_to_text(record: LogRecord) -> str:
    """Return one human-readable line in local time."""
    where = "/".join(p for p in (record.step, record.sub_step) if p)
    image = f"#{record.image_index}" if record.image_index is not None else ""
    stamp = record.time.astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    # Empty parts are left out so a line without step or image has no doubled space.
    parts = [f"{stamp} {record.level.value.upper():7}", *(p for p in (where, image) if p), record.message]
    return " ".join(parts).rstrip()

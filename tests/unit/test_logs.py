"""Job logs: secrets never survive into any sink, records persist per job and read back by cursor."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from gif_app.domain import JobStatus, LogLevel, LogRecord
from gif_app.logs import MASK, JobLog, RedactingFilter, Redactor, install_redaction, record_to_json, record_to_text
from gif_app.store.repository import Repository

SECRET = "sk-live-0123456789abcdef"
OTHER = "rw-9f8e7d6c5b4a"


def _redactor() -> Redactor:
    return Redactor(lambda: [SECRET, OTHER, "", "ab"])


def test_redactor_masks_every_secret_in_text() -> None:
    text = _redactor().redact(f"Authorization: Bearer {SECRET}; retry with {OTHER} then {SECRET}")
    assert SECRET not in text and OTHER not in text
    assert text == f"Authorization: Bearer {MASK}; retry with {MASK} then {MASK}"


def test_redactor_leaves_short_fragments_alone() -> None:
    # "ab" is too short to be a key; masking it would garble ordinary words.
    assert _redactor().redact("about tab") == "about tab"


def test_redactor_masks_nested_data() -> None:
    data = {"headers": {"Authorization": f"Bearer {SECRET}"}, "attempts": [OTHER, 3, None], "ok": True}
    clean = _redactor().redact_data(data)
    assert clean == {"headers": {"Authorization": f"Bearer {MASK}"}, "attempts": [MASK, 3, None], "ok": True}


def test_secret_list_is_read_fresh_each_time() -> None:
    keys: list[str] = []
    redactor = Redactor(lambda: keys)
    assert redactor.redact(f"key {SECRET}") == f"key {SECRET}"
    keys.append(SECRET)  # the user just saved a key
    assert redactor.redact(f"key {SECRET}") == f"key {MASK}"


def test_filter_masks_a_record_formatted_with_args(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter(_redactor()))
    logger = logging.getLogger("gif_app.test_redaction")
    with caplog.at_level(logging.INFO, logger="gif_app.test_redaction"):
        logger.info("calling %s with key %s", "https://api.example", SECRET)
    assert caplog.records, "the record was dropped instead of masked"
    assert SECRET not in caplog.text
    assert f"with key {MASK}" in caplog.text


def test_install_redaction_covers_a_loggers_handlers() -> None:
    logger = logging.getLogger("gif_app.test_install")
    logger.propagate = False
    captured: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(self.format(record))

    handler = ListHandler()
    logger.addHandler(handler)
    try:
        install_redaction(_redactor(), logger)
        logger.warning("key rejected: %s", OTHER)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert captured == [f"key rejected: {MASK}"]


def test_filter_masks_tracebacks_and_stacks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter(_redactor()))
    logger = logging.getLogger("gif_app.test_traceback")
    with caplog.at_level(logging.ERROR, logger="gif_app.test_traceback"):
        try:
            raise RuntimeError(f"GET https://api.example/v1?key={SECRET} failed")
        except RuntimeError:
            logger.exception("provider call failed", stack_info=True)
    assert "RuntimeError" in caplog.text and "Traceback" in caplog.text
    assert SECRET not in caplog.text
    assert f"key={MASK} failed" in caplog.text


def test_a_key_containing_another_key_is_masked_whole() -> None:
    redactor = Redactor(lambda: ["abcd1234", "xx-abcd1234-yy"])
    assert redactor.redact("key xx-abcd1234-yy and abcd1234") == f"key {MASK} and {MASK}"


def _execution(repo: Repository) -> int:
    return repo.create_execution(label="logs", configuration_id=None, settings_snapshot={}, planned=1,
                                 status=JobStatus.RUNNING).id


def test_job_log_persists_redacted_records(repo: Repository) -> None:
    execution_id = _execution(repo)
    job_log = JobLog(execution_id, repo, _redactor())
    job_log.info(f"Prompt written with key {SECRET}", step="prompt", image_index=0, duration_ms=12.345,
                 data={"key": SECRET})
    job_log.error("Provider refused", step="generate", error_code="auth_failed")
    stored = repo.logs_of_execution(execution_id)
    assert [r.message for r in stored] == [f"Prompt written with key {MASK}", "Provider refused"]
    assert stored[0].data == {"key": MASK}
    assert stored[0].duration_ms == 12.3
    assert stored[1].level is LogLevel.ERROR and stored[1].error_code == "auth_failed"
    assert stored[0].execution_id == execution_id


def test_logs_read_after_a_cursor_by_level_and_text(repo: Repository) -> None:
    execution_id = _execution(repo)
    other_id = _execution(repo)
    job_log = JobLog(execution_id, repo, _redactor())
    first = [job_log.info("Job started"), job_log.debug("Loaded 12 keywords")]
    job_log.warning("Rate limited by RUNWARE, waiting")
    job_log.error("Image 3 failed QC")
    JobLog(other_id, repo, _redactor()).error("another job's line")
    all_rows = repo.logs_of_execution(execution_id)
    assert len(all_rows) == 4 and len(first) == 2
    cursor = all_rows[1].id
    assert cursor is not None
    after = repo.logs_of_execution(execution_id, after_id=cursor)
    assert [r.message for r in after] == ["Rate limited by RUNWARE, waiting", "Image 3 failed QC"]
    errors_only = repo.logs_of_execution(execution_id, levels=("error", "warning"))
    assert [r.level for r in errors_only] == [LogLevel.WARNING, LogLevel.ERROR]
    found = repo.logs_of_execution(execution_id, search="runware")
    assert [r.message for r in found] == ["Rate limited by RUNWARE, waiting"]
    assert repo.last_log_id() > cursor


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the test in a fixed +09:00 local zone (a POSIX TZ string needs no tz database)."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("tokyo_time")
def test_log_lines_show_local_time() -> None:
    record = LogRecord(time=datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC), level=LogLevel.WARNING,
                       message="slow answer", step="generate", sub_step="download", image_index=4)
    line = record_to_text(record)
    assert line == "2025-03-01 21:00:00 +0900 WARNING generate/download #4 slow answer"
    assert record_to_json(record)["time"] == "2025-03-01T21:00:00.000+09:00"


@pytest.mark.usefixtures("tokyo_time")
def test_stored_naive_times_are_local() -> None:
    record = LogRecord(time=datetime(2025, 3, 1, 9, 30, 0), level=LogLevel.INFO, message="started")
    assert record_to_text(record) == "2025-03-01 09:30:00 +0900 INFO    started"


LONG_KEY = "rb_live_Q7m2Xk9pL4vN8sT1wZ6cR3yH5bJ0dF2gA7eU9iO4kM6nP8qS1tV3xW5zY7aC9eG2iK4mO6q"


@pytest.mark.parametrize("kept", [12, 35, len(LONG_KEY) - 1])
def test_redactor_masks_the_head_of_a_long_key_a_cut_left(kept: int) -> None:
    text = Redactor(lambda: [LONG_KEY]).redact(f"remove.bg: bad request {LONG_KEY[:kept]} (HTTP 500)")
    assert text == f"remove.bg: bad request {MASK} (HTTP 500)"


def test_redactor_masks_the_tail_of_a_long_key_a_cut_left() -> None:
    text = Redactor(lambda: [LONG_KEY]).redact(f"…{LONG_KEY[-30:]} trailing words")
    assert text == f"…{MASK} trailing words"


def test_redactor_leaves_words_that_merely_share_a_short_key_prefix() -> None:
    # A short key is matched whole only: its first letters are ordinary words in sandbox paths and messages.
    assert Redactor(lambda: ["sandbox-key"]).redact("/tmp/sandbox-inputs/keywords.txt") == (
        "/tmp/sandbox-inputs/keywords.txt")
    assert Redactor(lambda: [LONG_KEY]).redact("rb_live_ is the prefix") == "rb_live_ is the prefix"

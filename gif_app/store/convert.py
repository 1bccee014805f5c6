"""Turn peewee rows into domain dataclasses (rows never leave the store package)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from gif_app.domain import (
    GeneratedImage,
    ImageStatus,
    JobConfiguration,
    JobExecution,
    JobStatus,
    LogLevel,
    LogRecord,
    ProcessingRecord,
    RetryStatus,
    RetryTask,
    StockMetadata,
    StopReason,
)
from gif_app.store.models import (
    GeneratedImageRow,
    JobConfigurationRow,
    JobExecutionRow,
    LogEntryRow,
    RetryTaskRow,
)


def loads(text: str | None, default: Any) -> Any:
    """Parse stored JSON, tolerating empty or damaged text."""
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def dumps(value: Any) -> str:
    """Serialise to compact JSON for storage."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def now() -> datetime:
    """Return the local time used for every stored timestamp."""
    return datetime.now()


def _fk(row: Any, field: str) -> Any:
    """Return a foreign key's raw id without loading the related row (also when the query joined it)."""
    value = row.__data__.get(field)
    if value is None and field in getattr(row, "__rel__", {}):
        value = row.__rel__[field].__data__.get("id")
    return value


def configuration(row: JobConfigurationRow) -> JobConfiguration:
    """Convert a configuration row."""
    return JobConfiguration(id=row.id, name=row.name, settings=loads(row.settings, {}),
                            created_at=row.created_at, updated_at=row.updated_at)


def execution(row: JobExecutionRow) -> JobExecution:
    """Convert an execution row."""
    return JobExecution(
        id=row.id, label=row.label, status=JobStatus(row.status),
        configuration_id=_fk(row, "configuration"), parent_id=_fk(row, "parent"),
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at,
        planned=row.planned, generated=row.generated, approved=row.approved, qc_failed=row.qc_failed,
        failed=row.failed, cost=row.cost, error=row.error,
        settings_snapshot=loads(row.settings_snapshot, {}), queue_position=row.queue_position,
        completed_generations=tuple(loads(row.completed_generations, [])),
        awaiting_download=row.awaiting_download,
        stop_reason=StopReason(row.stop_reason) if row.stop_reason else None,
    )


def image(row: GeneratedImageRow, label: str = "") -> GeneratedImage:
    """Convert an image row."""
    return GeneratedImage(
        id=row.id, mapping_id=row.mapping_id, execution_id=_fk(row, "execution"),
        generation_index=row.generation_index, variation_index=row.variation_index,
        prompt=row.prompt, keyword=row.keyword, seed=row.seed, provider=row.provider,
        provider_ids=loads(row.provider_ids, {}), status=ImageStatus(row.status), reason=row.reason,
        temp_path=row.temp_path, final_path=row.final_path,
        metadata=StockMetadata.from_json(loads(row.metadata, {})),
        processing=ProcessingRecord.from_json(loads(row.processing, {})),
        cost=row.cost, created_at=row.created_at, updated_at=row.updated_at, execution_label=label,
    )


def log_record(row: LogEntryRow) -> LogRecord:
    """Convert a log row."""
    return LogRecord(
        time=row.time, level=LogLevel(row.level), message=row.message, step=row.step,
        sub_step=row.sub_step, image_index=row.image_index, duration_ms=row.duration_ms,
        error_code=row.error_code, data=loads(row.data, {}), id=row.id, execution_id=_fk(row, "execution"),
    )


def retry_task(row: RetryTaskRow) -> RetryTask:
    """Convert a retry task row."""
    return RetryTask(id=row.id, image_id=_fk(row, "image"), mode=row.mode, settings=loads(row.settings, {}),
                     status=RetryStatus(row.status), created_at=row.created_at, updated_at=row.updated_at,
                     error=row.error)


def search_text(prompt: str, keyword: str, metadata: StockMetadata) -> str:
    """Return the lower-cased text searched by the gallery filter."""
    parts = [prompt, keyword, metadata.title, metadata.description, " ".join(metadata.keywords)]
    return " ".join(p for p in parts if p).lower()

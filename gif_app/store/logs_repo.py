"""Job logs and the retry queue."""

from __future__ import annotations

from typing import Any

import peewee

from gif_app.domain import LogRecord, RetryStatus, RetryTask
from gif_app.errors import NotFoundError
from gif_app.store import convert
from gif_app.store.convert import dumps, now
from gif_app.store.models import LogEntryRow, RetryTaskRow


class LogsRepository:
    """Reads and writes of persisted log records and retry tasks."""

    db: peewee.SqliteDatabase

    def append_logs(self, execution_id: int, records: list[LogRecord]) -> None:
        """Persist several log records of one execution in one transaction."""
        if not records:
            return
        rows = [{
            "execution": execution_id, "time": r.time, "level": r.level.value, "step": r.step,
            "sub_step": r.sub_step, "image_index": r.image_index, "message": r.message,
            "duration_ms": r.duration_ms, "error_code": r.error_code, "data": dumps(r.data),
        } for r in records]
        with self.db.atomic():
            LogEntryRow.insert_many(rows).execute()

    def logs_of_execution(self, execution_id: int, *, after_id: int = 0, levels: tuple[str, ...] = (),
                          search: str = "", limit: int = 500) -> list[LogRecord]:
        """Return log records after a cursor, optionally filtered by level and text (case-insensitive)."""
        query = LogEntryRow.select().where(LogEntryRow.execution == execution_id, LogEntryRow.id > after_id)
        if levels:
            query = query.where(LogEntryRow.level.in_(list(levels)))
        if search.strip():
            query = query.where(peewee.fn.lower(LogEntryRow.message).contains(search.strip().lower()))
        return [convert.log_record(r) for r in query.order_by(LogEntryRow.id).limit(limit)]

    def last_log_id(self) -> int:
        """Return the newest log id (0 when none)."""
        return int(LogEntryRow.select(peewee.fn.MAX(LogEntryRow.id)).scalar() or 0)

    # -- retry queue ----------------------------------------------------------------------------
    def enqueue_retry(self, image_id: int, mode: str, settings: dict[str, Any]) -> RetryTask:
        """Add a retry task to the persistent queue."""
        stamp = now()
        row = RetryTaskRow.create(image=image_id, mode=mode, settings=dumps(settings),
                                  status=RetryStatus.PENDING.value, created_at=stamp, updated_at=stamp)
        return convert.retry_task(row)

    def next_retry_task(self) -> RetryTask | None:
        """Return the oldest pending retry task."""
        row = (RetryTaskRow.select().where(RetryTaskRow.status == RetryStatus.PENDING.value)
               .order_by(RetryTaskRow.id).first())
        return convert.retry_task(row) if row else None

    def update_retry_task(self, task_id: int, status: RetryStatus, error: str | None = None) -> RetryTask:
        """Move a retry task to a new status."""
        count = RetryTaskRow.update(status=status.value, error=error, updated_at=now()).where(
            RetryTaskRow.id == task_id).execute()
        if not count:
            raise NotFoundError(f"Retry task {task_id} does not exist.")
        return convert.retry_task(RetryTaskRow.get_by_id(task_id))

    def retry_tasks(self, statuses: tuple[RetryStatus, ...] = ()) -> list[RetryTask]:
        """Return retry tasks, optionally only some statuses, in queue order."""
        query = RetryTaskRow.select()
        if statuses:
            query = query.where(RetryTaskRow.status.in_([s.value for s in statuses]))
        return [convert.retry_task(r) for r in query.order_by(RetryTaskRow.id)]

    def retry_tasks_of_images(self, image_ids: tuple[int, ...]) -> list[RetryTask]:
        """Return every retry task of these images, oldest first (their retry history)."""
        if not image_ids:
            return []
        query = RetryTaskRow.select().where(RetryTaskRow.image.in_(list(image_ids)))
        return [convert.retry_task(r) for r in query.order_by(RetryTaskRow.id)]

    def reset_stuck_retries(self) -> int:
        """Put retry tasks left `processing` by a crash back to pending; return how many."""
        return int(RetryTaskRow.update(status=RetryStatus.PENDING.value, updated_at=now()).where(
            RetryTaskRow.status == RetryStatus.PROCESSING.value).execute())

"""Job configurations and executions: intent-named reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee

from gif_app.domain import (
    CHARGE_UNKNOWN,
    LOST_TASK_KEYS,
    NO_RESULT,
    SOURCE_URL,
    JobConfiguration,
    JobExecution,
    JobStatus,
    Page,
    StopReason,
)
from gif_app.errors import ConflictError, NotFoundError
from gif_app.store import convert
from gif_app.store.convert import dumps, loads, now
from gif_app.store.models import ChargeRow, GeneratedImageRow, JobConfigurationRow, JobExecutionRow


@dataclass(frozen=True)
class JobFilter:
    """Filters, sort and page for the job list (all applied in SQL)."""

    status: tuple[str, ...] = ()
    date_from: datetime | None = None
    date_to: datetime | None = None
    search: str = ""
    has_queued_rerun: bool = False
    sort: str = "newest"  # newest | oldest | name | duration | images
    page: int = 1
    page_size: int = 25


_SORTS = {
    "newest": (JobExecutionRow.created_at.desc(), JobExecutionRow.id.desc()),
    "oldest": (JobExecutionRow.created_at.asc(), JobExecutionRow.id.asc()),
    "name": (peewee.fn.lower(JobExecutionRow.label).asc(), JobExecutionRow.id.asc()),
    "duration": (
        (peewee.fn.julianday(peewee.fn.coalesce(JobExecutionRow.finished_at, JobExecutionRow.started_at))
         - peewee.fn.julianday(JobExecutionRow.started_at)).desc(nulls="LAST"),
        JobExecutionRow.id.desc(),
    ),
    "images": (JobExecutionRow.approved.desc(), JobExecutionRow.id.desc()),
}


class JobsRepository:
    """Reads and writes of job configurations and executions."""

    db: peewee.SqliteDatabase

    # -- configurations -------------------------------------------------------------------------
    def create_configuration(self, name: str, settings: dict[str, Any]) -> JobConfiguration:
        """Store a new configuration; names may repeat, nothing is overwritten by name."""
        stamp = now()
        row = JobConfigurationRow.create(name=name, settings=dumps(settings), created_at=stamp,
                                         updated_at=stamp)
        return convert.configuration(row)

    def get_configuration(self, configuration_id: int) -> JobConfiguration:
        """Return one configuration or raise NotFoundError."""
        row = JobConfigurationRow.get_or_none(JobConfigurationRow.id == configuration_id)
        if row is None:
            raise NotFoundError(f"Job configuration {configuration_id} does not exist.")
        return convert.configuration(row)

    def update_configuration(self, configuration_id: int, *, settings: dict[str, Any] | None = None,
                             name: str | None = None) -> JobConfiguration:
        """Change one configuration's settings and/or name."""
        fields: dict[Any, Any] = {JobConfigurationRow.updated_at: now()}
        if settings is not None:
            fields[JobConfigurationRow.settings] = dumps(settings)
        if name is not None:
            fields[JobConfigurationRow.name] = name
        count = JobConfigurationRow.update(fields).where(JobConfigurationRow.id == configuration_id).execute()
        if not count:
            raise NotFoundError(f"Job configuration {configuration_id} does not exist.")
        return self.get_configuration(configuration_id)

    # -- executions -----------------------------------------------------------------------------
    def create_execution(self, *, label: str, configuration_id: int | None, settings_snapshot: dict[str, Any],
                         planned: int, status: JobStatus = JobStatus.QUEUED, parent_id: int | None = None,
                         queue: bool = False) -> JobExecution:
        """Create an execution row; with `queue` it goes to the end of the persistent queue."""
        with self.db.atomic():
            position = None
            if queue:
                last = JobExecutionRow.select(peewee.fn.MAX(JobExecutionRow.queue_position)).scalar()
                position = (last or 0) + 1
            stamp = now()
            row = JobExecutionRow.create(
                label=label, configuration=configuration_id, parent=parent_id, status=status.value,
                created_at=stamp, updated_at=stamp, planned=planned,
                settings_snapshot=dumps(settings_snapshot), queue_position=position,
            )
        return convert.execution(row)

    def get_execution(self, execution_id: int) -> JobExecution:
        """Return one execution or raise NotFoundError."""
        row = JobExecutionRow.get_or_none(JobExecutionRow.id == execution_id)
        if row is None:
            raise NotFoundError(f"Job {execution_id} does not exist.")
        return convert.execution(row)

    def update_execution(self, execution_id: int, **fields: Any) -> JobExecution:
        """Update only the named columns (never blanks others, unlike a whole-row save)."""
        if "status" in fields and isinstance(fields["status"], JobStatus):
            fields["status"] = fields["status"].value
        if "settings_snapshot" in fields:
            fields["settings_snapshot"] = dumps(fields["settings_snapshot"])
        fields["updated_at"] = now()
        JobExecutionRow.update(**fields).where(JobExecutionRow.id == execution_id).execute()
        return self.get_execution(execution_id)

    def mark_started(self, execution_id: int) -> JobExecution:
        """Move an execution to running and take it out of the queue."""
        return self.update_execution(execution_id, status=JobStatus.RUNNING, started_at=now(),
                                     finished_at=None, queue_position=None, error=None)

    def claim_queued(self, execution_id: int) -> JobExecution | None:
        """Move a still-queued execution to running; None if it was cancelled or deleted meanwhile."""
        stamp = now()
        # A resumed run keeps its first start, so its duration covers the whole job.
        started = peewee.fn.COALESCE(JobExecutionRow.started_at, stamp)
        count = JobExecutionRow.update(
            status=JobStatus.RUNNING.value, started_at=started, finished_at=None, queue_position=None, error=None,
            stop_reason=None, updated_at=stamp).where(JobExecutionRow.id == execution_id,
                                    JobExecutionRow.status == JobStatus.QUEUED.value).execute()
        return self.get_execution(execution_id) if count else None

    def finish_execution(self, execution_id: int, status: JobStatus, error: str | None = None,
                         stop_reason: StopReason | None = None) -> JobExecution:
        """Record the terminal status (and why the app stopped it) and refresh the counters and cost."""
        with self.db.atomic():
            self.refresh_counts(execution_id)
            return self.update_execution(execution_id, status=status, finished_at=now(), error=error,
                                         stop_reason=stop_reason.value if stop_reason else None)

    def record_generation_done(self, execution_id: int, generation_index: int) -> None:
        """Remember that a generation finished, so resume never pays for it again."""
        with self.db.atomic():
            row = JobExecutionRow.get_by_id(execution_id)
            done = set(loads(row.completed_generations, []))
            done.add(generation_index)
            JobExecutionRow.update(completed_generations=dumps(sorted(done)), updated_at=now()).where(
                JobExecutionRow.id == execution_id).execute()

    def refresh_counts(self, execution_id: int) -> None:
        """Recompute the execution's counters from its image rows and its cost from its charges."""
        img = GeneratedImageRow
        rows: Any = (img.select(img.status, img.reason, peewee.fn.COUNT(img.id))
                .where(img.execution == execution_id).group_by(img.status, img.reason).tuples())
        generated = approved = qc_failed = failed = 0
        # Every paid call is a charge row, billed calls that produced no image included.
        cost = float(ChargeRow.select(peewee.fn.COALESCE(peewee.fn.SUM(ChargeRow.amount), 0.0))
                     .where(ChargeRow.execution == execution_id).scalar() or 0.0)
        for status, reason, count in rows:
            reason = reason or ""
            if status == "approved":
                approved += count
            elif status in {"qc_failed", "retry_failed", "retry_pending", "processing", "download_failed"}:
                if reason.startswith("processing_failed:"):
                    failed += count
                else:
                    qc_failed += count
            generated += count
        # Awaiting only while resume can fetch it: from its source URL, or a lost answer read back by its task id
        # (domain.lost_task_id) until the vendor said it has no result.
        def key(name: str) -> Any:
            return peewee.fn.COALESCE(peewee.fn.json_extract(img.provider_ids, f"$.{name}"), "")

        has_task = (key(LOST_TASK_KEYS[0]) != "") | (key(LOST_TASK_KEYS[1]) != "")
        readable = (key(CHARGE_UNKNOWN) != "") & (key(CHARGE_UNKNOWN) != 0) & (key(NO_RESULT) == "") & has_task
        awaiting_download = (img.select().where(
            (img.execution == execution_id) & (img.status == "download_failed")
            & ((key(SOURCE_URL) != "") | readable)).count())
        JobExecutionRow.update(generated=generated, approved=approved, qc_failed=qc_failed, failed=failed,
                               awaiting_download=awaiting_download, cost=round(cost, 6), updated_at=now()).where(
            JobExecutionRow.id == execution_id).execute()

    def rename_execution(self, execution_id: int, label: str) -> JobExecution:
        """Change an execution's label (its configuration keeps its own name)."""
        label = label.strip()
        if not label:
            raise ConflictError("A job label cannot be empty.")
        return self.update_execution(execution_id, label=label)

    def executions_with_status(self, *statuses: JobStatus) -> list[JobExecution]:
        """Return executions in any of the statuses, oldest first."""
        rows = JobExecutionRow.select().where(JobExecutionRow.status.in_([s.value for s in statuses]))
        return [convert.execution(r) for r in rows.order_by(JobExecutionRow.id)]

    def queued_executions(self) -> list[JobExecution]:
        """Return the persistent queue in run order."""
        rows = (JobExecutionRow.select().where(JobExecutionRow.status == JobStatus.QUEUED.value)
                .order_by(JobExecutionRow.queue_position.asc(nulls="LAST"), JobExecutionRow.id))
        return [convert.execution(r) for r in rows]

    def count_reruns(self, parent_id: int) -> int:
        """Return how many executions were rerun from this one."""
        return int(JobExecutionRow.select().where(JobExecutionRow.parent == parent_id).count())

    def last_rerun_number(self, base_label: str) -> int:
        """Return the highest N among labels "<base_label> (rerun N)" (0 when none)."""
        prefix = f"{base_label} (rerun "
        rows: Any = (JobExecutionRow.select(JobExecutionRow.label)
                     .where(peewee.fn.substr(JobExecutionRow.label, 1, len(prefix)) == prefix).tuples())
        numbers = [int(label[len(prefix):-1]) for (label,) in rows
                   if label.endswith(")") and label[len(prefix):-1].isdigit()]
        return max(numbers, default=0)

    def delete_execution(self, execution_id: int) -> list[str]:
        """Delete an execution and (by cascade) its images, logs and retries; return their file paths."""
        with self.db.atomic():
            row = JobExecutionRow.get_or_none(JobExecutionRow.id == execution_id)
            if row is None:
                raise NotFoundError(f"Job {execution_id} does not exist.")
            if row.status == JobStatus.RUNNING.value:
                raise ConflictError("A running job cannot be deleted. Stop it first.")
            pairs: Any = (GeneratedImageRow.select(GeneratedImageRow.temp_path,
                                                           GeneratedImageRow.final_path)
                          .where(GeneratedImageRow.execution == execution_id).tuples())
            paths = [p for pair in pairs for p in pair if p]
            row.delete_instance()
        return paths

    def list_executions(self, flt: JobFilter) -> Page[JobExecution]:
        """Return one page of executions, filtered and sorted in SQL."""
        query = JobExecutionRow.select(JobExecutionRow.id)
        if flt.status:
            query = query.where(JobExecutionRow.status.in_(list(flt.status)))
        if flt.date_from:
            query = query.where(JobExecutionRow.created_at >= flt.date_from)
        if flt.date_to:
            query = query.where(JobExecutionRow.created_at <= flt.date_to)
        if flt.search.strip():
            term = flt.search.strip()
            cond = JobExecutionRow.label.contains(term)
            if term.isdigit():
                cond = cond | (JobExecutionRow.id == int(term))
            query = query.where(cond)
        if flt.has_queued_rerun:
            child = JobExecutionRow.alias()
            queued_parents = child.select(child.parent).where(child.status == JobStatus.QUEUED.value)
            query = query.where(JobExecutionRow.id.in_(queued_parents))
        total = query.count()
        page = max(1, flt.page)
        order = _SORTS.get(flt.sort, _SORTS["newest"])
        # Page over ids alone, then load those rows: skipped rows never read their settings snapshot.
        ids = query.order_by(*order).paginate(page, flt.page_size)
        rows = JobExecutionRow.select().where(JobExecutionRow.id.in_(ids)).order_by(*order)
        return Page([convert.execution(r) for r in rows], total, page, flt.page_size)

    def job_statistics(self) -> dict[str, Any]:
        """Return totals for the dashboard strip."""
        ex = JobExecutionRow
        totals: Any = ex.select(
            peewee.fn.COUNT(ex.id), peewee.fn.SUM(ex.generated), peewee.fn.SUM(ex.approved),
            peewee.fn.SUM(ex.cost)).tuples().get()
        total, images, approved, cost = totals
        avg = (ex.select(peewee.fn.AVG((peewee.fn.julianday(ex.finished_at) - peewee.fn.julianday(ex.started_at))
                                       * 86400.0))
               .where(ex.finished_at.is_null(False), ex.started_at.is_null(False)).scalar())
        status_rows: Any = ex.select(ex.status, peewee.fn.COUNT(ex.id)).group_by(ex.status).tuples()
        by_status = {str(k): int(v) for k, v in status_rows}
        images = images or 0
        return {
            "total_jobs": total or 0, "images_generated": images, "images_approved": approved or 0,
            "success_rate": round((approved or 0) / images, 4) if images else 0.0,
            "average_duration_s": round(avg, 2) if avg else 0.0, "cost": round(cost or 0.0, 4),
            "by_status": by_status,
        }

"""API methods for jobs: start/stop, progress polling, the job list, reruns, queue, logs, statistics."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gif_app import settings as settings_mod
from gif_app.api.args import as_dict, as_ids, as_int, as_page, as_strings
from gif_app.api.context import ApiContext
from gif_app.api.envelope import envelope
from gif_app.api.serialize import execution_json, image_json, page_json, parse_date
from gif_app.errors import ValidationError
from gif_app.jobs.service import JobService
from gif_app.logs import record_to_json, record_to_text
from gif_app.path_text import clean_path_text
from gif_app.pipeline.imports import IMAGE_TYPES, snapshot_metadata_choice, snapshot_sources
from gif_app.store.repository import JobFilter
from gif_app.vendors import VENDORS, address_needs_approval

MAX_PAGE = 200


class JobsApi:
    """Jobs, progress and logs."""

    ctx: ApiContext

    @property
    def _jobs(self) -> JobService:
        return self.ctx.services.jobs

    @envelope
    def start_job(self, overrides: dict[str, Any] | None = None, when_busy: str = "queue") -> dict[str, Any]:
        """Start a job from the saved settings with per-run overrides; queue it or refuse when busy."""
        if when_busy not in {"queue", "refuse"}:
            raise ValidationError("when_busy must be 'queue' or 'refuse'.")
        return execution_json(self._jobs.start_job(self._run_overrides(overrides), when_busy=when_busy))

    def _run_overrides(self, overrides: Any) -> dict[str, Any]:
        """Return the page's per-run overrides; a vendor address that moves is refused."""
        values = as_dict(overrides, "overrides")
        _refuse_address_moves(values, self.ctx.settings_file.load().settings["providers"])
        return values

    @envelope
    def import_images(self, paths: list[str] | None = None, kind: str = "files",
                      metadata: str = "replace") -> dict[str, Any]:
        """Start a job importing image files or folders; without paths, ask with the file ("files") or folder
        ("dir") dialog. The originals are copied, never changed; `metadata` keeps, merges or replaces what the
        files already carry."""
        if kind not in {"files", "dir"}:
            raise ValidationError("kind must be 'files' or 'dir'.")
        chosen = [p for p in (clean_path_text(p) for p in as_strings(paths, "paths")) if p]
        # Paths from the page must be ones the user dropped on the window: a page script may not name files.
        strangers = [p for p in chosen if not self.ctx.drops.was_dropped(p)]
        if strangers:
            raise ValidationError("Only files you dropped on the window or pick with Add images can be imported.",
                                  {"paths": strangers[0]})
        if not chosen:
            folder = self.ctx.dialogs.pick_path("dir", [], "") if kind == "dir" else None
            chosen = [folder] if folder else [] if kind == "dir" else self.ctx.dialogs.pick_paths(sorted(IMAGE_TYPES))
        if not chosen:
            return {"execution": None}  # the dialog was cancelled: nothing starts
        return {"execution": execution_json(self._jobs.start_job({}, source_images=chosen,
                                                                       import_metadata=str(metadata)))}

    @envelope
    def preflight(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return what would stop a job with these overrides at once, each problem with its setting key."""
        problems = self._jobs.preflight(self._run_overrides(overrides))
        return {"problems": [p.to_dict() for p in problems]}

    @envelope
    def estimate_job(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the images, paid calls and cost range a job with these overrides would have (nothing starts)."""
        overrides = self._run_overrides(overrides)
        estimate = self._jobs.estimate(overrides).to_json()
        settings = self._jobs.run_settings(overrides)
        return {**estimate, "budget_usd": settings["parameters"]["budget_usd"],
                "daily_budget_usd": settings["parameters"]["daily_budget_usd"],
                "spent_today": round(self.ctx.repo.spent_since(_midnight()), 4)}

    @envelope
    def stop_job(self) -> dict[str, Any]:
        """Finish in-flight images, start no new ones."""
        self._jobs.stop()
        return {"stopping": True}

    @envelope
    def force_stop_job(self) -> dict[str, Any]:
        """Abort in-flight calls now; every image stays recorded."""
        self._jobs.force_stop()
        return {"stopping": True}

    @envelope
    def get_progress(self, cursor: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the job snapshot, log lines after the cursor and images changed since it."""
        cursor = as_dict(cursor, "cursor")
        snapshot = self._jobs.progress()
        running_id = self._jobs.current_execution_id()
        execution_id = cursor.get("execution_id") or (snapshot or {}).get("execution_id")
        log_id = as_int(cursor.get("log_id"), "log_id", default=0, low=0)
        if running_id is not None and execution_id != running_id:
            execution_id, log_id = running_id, 0  # a new job started: follow it from its first line
        logs = []
        if execution_id:
            execution_id = as_int(execution_id, "execution_id")
            logs = [record_to_json(r) for r in self.ctx.repo.logs_of_execution(execution_id, after_id=log_id,
                                                                               limit=500)]
        since = parse_date(cursor.get("images_since")) or (datetime.now() - timedelta(seconds=5))
        changed = self.ctx.repo.images_changed_since(since)
        return {
            "job": snapshot, "is_running": running_id is not None, "running_id": running_id,
            "execution": execution_json(self.ctx.repo.get_execution(int(execution_id))) if execution_id else None,
            "queue": [execution_json(e) for e in self.ctx.repo.queued_executions()],
            "logs": logs, "images": [image_json(i) for i in changed],
            "cursor": {"execution_id": execution_id, "log_id": logs[-1]["id"] if logs else log_id,
                       # Full precision: a cursor cut to seconds would send the same images again and again.
                       "images_since": (changed[-1].updated_at if changed else since).isoformat()},
        }

    @envelope
    def list_jobs(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return one page of executions, filtered and sorted on the server."""
        q = as_dict(query, "query")
        page_no, page_size = as_page(q, 25, MAX_PAGE)
        flt = JobFilter(
            status=as_strings(q.get("status"), "status"),
            date_from=parse_date(q.get("date_from")), date_to=parse_date(q.get("date_to"), end_of_day=True),
            search=str(q.get("search") or ""), has_queued_rerun=bool(q.get("has_queued_rerun")),
            sort=str(q.get("sort") or "newest"), page=page_no, page_size=page_size)
        page = self.ctx.repo.list_executions(flt)
        return page_json(page, [execution_json(e) for e in page.items])

    @envelope
    def get_job(self, execution_id: int) -> dict[str, Any]:
        """Return one execution with its as-run settings (labelled) and image counts."""
        execution = self.ctx.repo.get_execution(as_int(execution_id, "execution_id"))
        snapshot = settings_mod.validate(execution.settings_snapshot)[0]
        files = snapshot_sources(execution.settings_snapshot)
        # An import job's own input comes first: its files (the Generations setting did not apply).
        imported = [("Import", "Source files", f"{len(files)} file{'s' if len(files) != 1 else ''}"),
                    ("Import", "Metadata they carried", snapshot_metadata_choice(execution.settings_snapshot))] \
            if files else []
        return {
            "execution": execution_json(execution),
            "source_images": files,
            "settings_rows": [{"section": s, "label": lbl, "value": v}
                              for s, lbl, v in [*imported, *settings_mod.labelled_rows(snapshot)]],
            "counts": self.ctx.repo.count_images_by_status(execution.id),
            "cost_breakdown": self.ctx.repo.cost_breakdown(execution.id),
        }

    @envelope
    def rename_job(self, execution_id: int, label: str) -> dict[str, Any]:
        """Rename one execution."""
        return execution_json(self.ctx.repo.rename_execution(as_int(execution_id, "execution_id"), str(label)))

    @envelope
    def delete_jobs(self, execution_ids: list[int], delete_files: bool = False) -> dict[str, Any]:
        """Delete executions with their images and logs; their files too when asked."""
        deleted, removed_files = self.ctx.services.records.delete(as_ids(execution_ids, "execution_ids"),
                                                                  delete_files=bool(delete_files))
        return {"deleted": deleted, "files_deleted": removed_files}

    @envelope
    def rerun_job(self, execution_id: int) -> dict[str, Any]:
        """Queue a new execution from the job's current stored configuration."""
        return execution_json(self._jobs.rerun(as_int(execution_id, "execution_id")))

    @envelope
    def rerun_with_seed(self, image_id: int) -> dict[str, Any]:
        """Start a one-image job that renders the image's prompt again with its recorded seed fixed."""
        return execution_json(self._jobs.rerun_with_seed(as_int(image_id, "image_id")))

    @envelope
    def bulk_rerun(self, execution_ids: list[int]) -> list[dict[str, Any]]:
        """Queue reruns of several jobs, run one after another."""
        return [execution_json(e) for e in self._jobs.bulk_rerun(list(as_ids(execution_ids, "execution_ids")))]

    @envelope
    def resume_job(self, execution_id: int, budget_usd: Any = None) -> dict[str, Any]:
        """Queue an interrupted or stopped job to finish its remaining generations; a budget replaces its cap."""
        return execution_json(self._jobs.resume(as_int(execution_id, "execution_id"), _as_budget(budget_usd)))

    @envelope
    def get_queue(self) -> list[dict[str, Any]]:
        """Return the persistent job queue in run order."""
        return [execution_json(e) for e in self.ctx.repo.queued_executions()]

    @envelope
    def cancel_queued(self, execution_id: int) -> dict[str, Any]:
        """Take one job out of the queue."""
        return execution_json(self._jobs.cancel_queued(as_int(execution_id, "execution_id")))

    @envelope
    def get_job_configuration(self, execution_id: int) -> dict[str, Any]:
        """Return the stored configuration that reruns of this job will use."""
        config, settings = self.ctx.services.records.configuration(as_int(execution_id, "execution_id"))
        schema = settings_mod.describe_schema(for_job=True)  # the theme is the app's, not a job's
        if config is None:
            return {"configuration_id": None, "settings": settings, "schema": schema}
        return {"configuration_id": config.id, "name": config.name, "settings": settings, "schema": schema}

    @envelope
    def update_job_configuration(self, execution_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """Save edits to a job's stored configuration (applies to future reruns only); its vendor addresses stay."""
        execution_id = as_int(execution_id, "execution_id")
        edits = as_dict(values, "values")
        _, stored = self.ctx.services.records.configuration(execution_id)
        _refuse_address_moves(edits, stored.get("providers", {}))  # a rerun sends the keys where they point
        config = self.ctx.services.records.update_configuration(execution_id, edits)
        return {"configuration_id": config.id, "settings": config.settings}

    @envelope
    def get_logs(self, execution_id: int, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Return persisted log records of a job, filtered by level and text (case-insensitive)."""
        q = as_dict(query, "query")
        records = self.ctx.repo.logs_of_execution(
            as_int(execution_id, "execution_id"), after_id=as_int(q.get("after_id"), "after_id", default=0),
            levels=as_strings(q.get("levels"), "levels"), search=str(q.get("search") or ""),
            limit=min(as_int(q.get("limit"), "limit", default=1000, low=1), 5000))
        return [record_to_json(r) for r in records]

    @envelope
    def export_logs(self, execution_id: int, fmt: str = "txt", path: str = "") -> dict[str, Any]:
        """Write a job's logs as TXT or JSONL (local time) to `path`, or ask with the save dialog."""
        if fmt not in {"txt", "jsonl"}:
            raise ValidationError("Format must be txt or jsonl.")
        target = path or self.ctx.dialogs.save_path(f"job-{execution_id}-log.{fmt}", [fmt],
                                                    str(self.ctx.home.exports))
        if not target:
            return {"path": None}
        records = self.ctx.repo.logs_of_execution(as_int(execution_id, "execution_id"), limit=1_000_000)
        lines = [json.dumps(record_to_json(r), ensure_ascii=False) if fmt == "jsonl" else record_to_text(r)
                 for r in records]
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return {"path": str(target), "lines": len(lines)}

    @envelope
    def statistics(self) -> dict[str, Any]:
        """Return totals for the dashboard strip."""
        stats = self.ctx.repo.job_statistics()
        stats["cost_today"] = round(self.ctx.repo.spent_since(_midnight()), 4)
        stats["disk_free_gb"] = round(shutil.disk_usage(self.ctx.home.root).free / 1e9, 1)
        return stats

    @envelope
    def list_images_for_job(self, execution_id: int, statuses: list[str] | None = None) -> list[dict[str, Any]]:
        """Return every image of one job (only the given statuses, when any: the job view's status filter)."""
        wanted = as_strings(statuses, "statuses")
        return [image_json(i) for i in self.ctx.repo.images_of_execution(as_int(execution_id, "execution_id"), wanted)]


def _midnight() -> datetime:
    """Return the start of the local day (the daily cap's day)."""
    return datetime.combine(datetime.now().date(), datetime.min.time())


def _as_budget(value: Any) -> float | None:
    """Return a resume's new cap: None keeps the job's, "" or 0 removes it; refuse anything but a sum >= 0."""
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError("budget_usd must be a number of US dollars.") from None
    if isinstance(value, bool) or not 0 <= number <= 100_000:
        raise ValidationError("budget_usd must be between 0 and 100000 US dollars.")
    return number


def _refuse_address_moves(values: dict[str, Any], current: dict[str, Any]) -> None:
    """Raise when `values` moves a vendor's address off `current` to a host the user never confirmed.

    The key goes wherever the address points, so an address moves only in Settings, where a native dialog the
    page cannot answer confirms a new host; per-run overrides and job configurations keep the ones they have.
    """
    flat = settings_mod.flatten_values(values)
    for vendor in VENDORS:
        key = f"providers.{vendor.base_url_setting}"
        if key in flat and address_needs_approval(vendor.id, str(current.get(vendor.base_url_setting) or ""),
                                                  str(flat[key] or "")):
            raise ValidationError("Vendor addresses are changed in Settings, not per run or per job.",
                                  {key: "Change this address in Settings → Advanced."})

"""ExportService: one Worker that runs exports from its queue, with progress, cancel and shutdown.

The service reads through `ExportSource`, a small Protocol the Repository satisfies, so the export layer
never imports the store. `perform_export` is the one path both the worker and the CLI take.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from gif_app.domain import CancelToken, Charge, GeneratedImage, ImageStatus, JobExecution
from gif_app.errors import AppError, CancelledError, NotFoundError, ValidationError
from gif_app.export import archive, checks, stock_csv
from gif_app.worker import Worker

logger = logging.getLogger(__name__)

KINDS = ("job_xlsx", "jobs_zip", "images_zip")
SUFFIXES = {"job_xlsx": ".xlsx", "jobs_zip": ".zip", "images_zip": ".zip"}
_JOIN_TIMEOUT_S = 10.0


class ExportSource(Protocol):
    """The reads an export needs (gif_app.store.repository.Repository provides them)."""

    def get_execution(self, execution_id: int) -> JobExecution:
        """Return one execution or raise NotFoundError."""
        ...

    def images_of_execution(self, execution_id: int) -> list[GeneratedImage]:
        """Return every image of one execution in generation order."""
        ...

    def get_image(self, image_id: int) -> GeneratedImage:
        """Return one image or raise NotFoundError."""
        ...

    def charges_of_execution(self, execution_id: int) -> list[Charge]:
        """Return an execution's charges (the workbook's Costs sheet)."""
        ...


def _ids(values: Any, what: str) -> list[int]:
    """Return a list of unique positive ints from user input, or raise ValidationError."""
    if isinstance(values, (int, str)):
        values = [values]
    try:
        ids = [int(v) for v in (values or [])]
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be numbers.") from None
    return list(dict.fromkeys(i for i in ids if i > 0))


def select_images(source: ExportSource, params: dict[str, Any]) -> list[GeneratedImage]:
    """Return the images an export covers: the chosen ids, or the approved images of the chosen jobs."""
    labels: dict[int, str] = {}

    def label(execution_id: int) -> str:
        if execution_id not in labels:
            labels[execution_id] = source.get_execution(execution_id).label
        return labels[execution_id]

    image_ids = _ids(params.get("image_ids"), "Image ids")
    if image_ids:
        images = [source.get_image(i) for i in image_ids]
    else:
        images = []
        for execution_id in _ids(params.get("execution_ids"), "Job ids"):
            labels[execution_id] = source.get_execution(execution_id).label  # a wrong id is refused here
            images += [i for i in source.images_of_execution(execution_id) if i.status is ImageStatus.APPROVED]
    return [i if i.execution_label else replace(i, execution_label=label(i.execution_id)) for i in images]


def validate_images(images: Sequence[GeneratedImage], presets: Sequence[str]) -> list[dict[str, Any]]:
    """Return, per image with problems, {id, file_name, problems: {site label or "File"/"Processing": [sentences]}}."""
    all_presets = stock_csv.csv_presets()
    chosen = [all_presets[name] for name in stock_csv.preset_names(presets)]
    entries, _ = archive.plan_entries(images)
    planned = {entry.image.id: entry for entry in entries}
    found: list[dict[str, Any]] = []
    for image in images:
        entry = planned.get(image.id)
        per_preset: dict[str, list[str]] = {}
        facts = checks.read_facts(entry.source) if entry is not None else None
        if entry is None:
            per_preset["File"] = ["The file is missing on disk; it will be left out."]
        elif facts is None:
            per_preset["File"] = ["The file is not an image this app can read."]
        soft = checks.processing_problems(image)
        if soft and chosen:
            per_preset["Processing"] = soft
        for preset in chosen:
            issues = checks.row_problems(preset, entry.name if entry else "", image, facts)
            if issues:
                per_preset[preset.label] = issues
        if per_preset:
            found.append({"id": image.id, "file_name": entry.name if entry else Path(image.current_path or "").name,
                          "problems": per_preset})
    return found


def site_notices(presets: Sequence[str]) -> list[dict[str, Any]]:
    """Return the chosen sites' AI-content policies (see checks.site_notices)."""
    all_presets = stock_csv.csv_presets()
    return checks.site_notices([all_presets[name] for name in stock_csv.preset_names(presets)])


def perform_export(source: ExportSource, kind: str, params: dict[str, Any], destination: Path, *,
                   progress: archive.Progress, cancel: CancelToken) -> archive.ExportResult:
    """Run one export to the destination (on the calling thread)."""
    if kind == "job_xlsx":
        ids = _ids(params.get("execution_ids"), "Job ids")
        if len(ids) != 1:
            raise ValidationError("A job workbook covers exactly one job; use the jobs ZIP for several.")
        execution = source.get_execution(ids[0])
        return archive.write_job_xlsx(destination, execution, source.images_of_execution(ids[0]),
                                      progress=progress, cancel=cancel, charges=source.charges_of_execution(ids[0]))
    if kind == "jobs_zip":
        def load(execution_id: int) -> tuple[JobExecution, list[GeneratedImage]]:
            return source.get_execution(execution_id), source.images_of_execution(execution_id)

        return archive.write_jobs_zip(destination, _ids(params.get("execution_ids"), "Job ids"), load,
                                      progress=progress, cancel=cancel, charges=source.charges_of_execution)
    if kind == "images_zip":
        images = select_images(source, params)
        if not images:
            raise ValidationError("Nothing to export: the selection has no approved images.")
        return archive.write_images_zip(destination, images, list(params.get("presets") or []),
                                        embed=bool(params.get("embed")), progress=progress, cancel=cancel)
    raise ValidationError(f"Unknown export kind {kind!r}; choose one of {', '.join(KINDS)}.")


@dataclass
class _Export:
    """One export's request and live state."""

    id: str
    kind: str
    params: dict[str, Any]
    destination: Path
    token: CancelToken = field(default_factory=CancelToken)
    state: str = "queued"
    done: int = 0
    total: int = 0
    error: str | None = None
    result: archive.ExportResult | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def snapshot(self) -> dict[str, Any]:
        """Return the progress shape the page and CLI read."""
        result = self.result
        return {"id": self.id, "kind": self.kind, "state": "running" if self.state == "queued" else self.state,
                "is_queued": self.state == "queued", "done": self.done, "total": self.total,
                "path": str(self.destination) if self.state == "done" else None,
                "destination": str(self.destination), "error": self.error,
                "count": result.count if result else 0, "skipped": list(result.skipped) if result else [],
                "warnings": list(result.warnings) if result else []}


Listener = Callable[[dict[str, Any]], None]


class ExportService:
    """Runs exports one at a time on its own worker thread (started on first use)."""

    def __init__(self, source: ExportSource) -> None:
        self._source = source
        self._exports: dict[str, _Export] = {}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._is_shut_down = False
        # The thread starts on the first submit(); the source's connection is released after each export.
        self._worker: Worker[_Export] = Worker("gif-export", self._run, after_each=self._close_source)

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(snapshot)` after every progress step and at the end (on the worker, or in shutdown)."""
        self._listeners.append(listener)

    def start_export(self, kind: str, params: dict[str, Any], destination: str | Path) -> str:
        """Queue an export and return its id; the destination gets the kind's suffix if it has none."""
        if kind not in KINDS:
            raise ValidationError(f"Unknown export kind {kind!r}; choose one of {', '.join(KINDS)}.")
        target = Path(destination).expanduser()
        if target.suffix.lower() != SUFFIXES[kind]:
            target = target.with_name(target.name + SUFFIXES[kind])
        export = _Export(uuid.uuid4().hex[:12], kind, dict(params), target)
        with self._lock:
            if self._is_shut_down:
                raise AppError("The app is closing; the export was not started.")
            self._exports[export.id] = export
            # Submitted under the lock, so shutdown() sees every export that reached the worker's queue.
            self._worker.submit(export)
        return export.id

    def progress(self, export_id: str) -> dict[str, Any]:
        """Return {state: running|done|failed|cancelled, done, total, path, error, ...} for one export."""
        return self._get(export_id).snapshot()

    def cancel(self, export_id: str) -> dict[str, Any]:
        """Cancel a queued or running export (a finished one is left as it is)."""
        export = self._get(export_id)
        export.token.request_abort()
        return export.snapshot()

    def wait(self, export_id: str, timeout: float) -> bool:
        """Block until the export ends or the timeout passes; return True if it ended."""
        return self._get(export_id).finished.wait(timeout)

    def shutdown(self) -> None:
        """Cancel everything, stop the worker and wait for it (bounded)."""
        with self._lock:
            self._is_shut_down = True
            exports = list(self._exports.values())
        for export in exports:
            export.token.request_abort()
        self._worker.stop(_JOIN_TIMEOUT_S)
        # The worker takes nothing new once stopping: exports still queued end here as cancelled, so
        # nobody waits on them forever.
        in_hand = self._worker.current
        for export in exports:
            if export is not in_hand and not export.finished.is_set() and export.state == "queued":
                export.state = "cancelled"
                export.finished.set()
                self._notify(export)

    def _get(self, export_id: str) -> _Export:
        with self._lock:
            export = self._exports.get(str(export_id))
        if export is None:
            raise NotFoundError(f"Export {export_id} does not exist.")
        return export

    def _close_source(self) -> None:
        close = getattr(self._source, "close", None)
        if callable(close):
            close()  # the repository's close releases this thread's connection

    def _run(self, export: _Export) -> None:
        """Run one export; every outcome is recorded on the export itself (the worker's guard is the backstop)."""
        try:
            if export.token.is_stopping:
                raise CancelledError("Export cancelled.")
            export.state = "running"
            export.result = perform_export(self._source, export.kind, export.params, export.destination,
                                           progress=lambda done, total: self._step(export, done, total),
                                           cancel=export.token)
            export.state = "done"
        except CancelledError:
            export.state = "cancelled"
        except AppError as exc:
            export.state, export.error = "failed", exc.message
            logger.info("Export %s failed: %s", export.id, exc.message)
        except Exception:
            logger.exception("Export %s failed unexpectedly", export.id)
            export.state, export.error = "failed", "The export failed unexpectedly; details are in the log."
        finally:
            export.finished.set()
            self._notify(export)

    def _step(self, export: _Export, done: int, total: int) -> None:
        export.done, export.total = done, total
        self._notify(export)

    def _notify(self, export: _Export) -> None:
        snapshot = export.snapshot()
        for listener in list(self._listeners):
            try:
                listener(snapshot)
            except Exception:
                logger.exception("Export listener failed")

"""ZIP exports: images with metadata.xlsx and stock CSVs, or one workbook per job with a summary.

Archives are written to a hidden temp file beside the destination and moved into place only when
complete, so a cancelled or failed export never leaves a half ZIP under the name the user chose.
The user's image files are only read: metadata is embedded into the copy that goes into the ZIP.
A vector image goes in as its .svg (XMP in its <metadata>) with its PNG preview beside it,
`<name>.preview.png`, the raster that sites taking vectors ask for and that shows what the SVG draws.
"""

from __future__ import annotations

import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from gif_app import imaging, vector
from gif_app.domain import CancelToken, Charge, GeneratedImage, JobExecution
from gif_app.errors import CancelledError, StorageError, ValidationError
from gif_app.export import stock_csv
from gif_app.export.embed import embed_metadata_bytes, read_embedded_metadata
from gif_app.export.svg_xmp import embed_svg_metadata, read_svg_metadata
from gif_app.file_ops import replace_file

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: where, how many items, and what it could not include."""

    path: Path
    count: int
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Entry:
    """One image going into the ZIP: its row and the unique name under images/."""

    image: GeneratedImage
    source: Path
    name: str


def safe_name(name: str, fallback: str = "file") -> str:
    """Return a file name without path separators or characters Windows refuses."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned or fallback


def plan_entries(images: Sequence[GeneratedImage]) -> tuple[list[Entry], list[str]]:
    """Return entries with unique names (case-insensitively) and a note for each image without a file."""
    entries: list[Entry] = []
    skipped: list[str] = []
    taken: set[str] = set()
    for image in images:
        path = Path(image.current_path) if image.current_path else None
        if path is None or not path.is_file():
            skipped.append(f"Image {image.id}: file not found ({path.name if path else 'no file'})")
            continue
        base = safe_name(path.name, f"image-{image.id}{path.suffix}")
        if base.startswith(stock_csv.FORMULA_PREFIXES):
            # The name is a CSV cell too: a leading quote there would no longer match the file, so rename the copy.
            base = f"_{base}"
        stem, suffix = os.path.splitext(base)
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            name = f"{stem}_{number}{suffix}"
        taken.add(name.casefold())
        entries.append(Entry(image, path, name))
    return entries, skipped


@contextmanager
def _atomic_zip(destination: Path) -> Iterator[zipfile.ZipFile]:
    """Open a temp ZIP beside the destination; move it into place only if the block completes."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = destination.with_name(f".{destination.name}.part")
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            yield archive
        replace_file(temp, destination)  # an old export open in Excel: retried, then named
    except OSError as exc:
        raise StorageError(f"Could not write {destination}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


def write_file_atomic(destination: Path, data: bytes) -> None:
    """Write bytes to the destination through a temp file and an atomic rename."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = destination.with_name(f".{destination.name}.part")
    try:
        temp.write_bytes(data)
        replace_file(temp, destination)
    except OSError as exc:
        raise StorageError(f"Could not write {destination}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


def _check(cancel: CancelToken) -> None:
    if cancel.is_stopping:
        raise CancelledError("Export cancelled.")


def _image_bytes(entry: Entry, embed: bool, warnings: list[str]) -> bytes:
    """Return the file's bytes, with metadata embedded into this copy when asked and not already there."""
    try:
        data = entry.source.read_bytes()
    except OSError as exc:
        raise StorageError(f"Could not read {entry.source}: {exc.strerror or exc}") from exc
    meta = entry.image.metadata
    if not embed or meta.is_empty:
        return data
    if vector.is_svg_path(entry.source):
        return _svg_bytes(entry, data, warnings)
    present = read_embedded_metadata(entry.source)
    if (present.title, present.description, present.keywords) == (meta.title, meta.description, meta.keywords):
        return data
    try:
        return embed_metadata_bytes(data, imaging.sniff_format(data), meta)
    except (ValueError, KeyError) as exc:
        warnings.append(f"{entry.name}: metadata not embedded ({exc})")
        return data


def _svg_bytes(entry: Entry, data: bytes, warnings: list[str]) -> bytes:
    """Return an SVG's bytes with the row's metadata in its XMP, unless it is there already."""
    meta = entry.image.metadata
    try:
        present = read_svg_metadata(data)
        if (present.title, present.description, present.keywords) == (meta.title, meta.description, meta.keywords):
            return data
        return embed_svg_metadata(data, meta)
    except ValueError as exc:  # SvgError, or an unreadable packet
        warnings.append(f"{entry.name}: metadata not embedded ({exc})")
        return data


def _write_preview(archive: zipfile.ZipFile, entry: Entry, warnings: list[str]) -> None:
    """Put a vector's PNG preview into the ZIP beside its SVG, or say that it is missing."""
    if not vector.is_svg_path(entry.source):
        return
    preview = vector.preview_path(entry.source)
    name = vector.preview_path(Path(entry.name)).name
    try:
        archive.write(preview, f"images/{name}", compress_type=zipfile.ZIP_STORED)
    except OSError as exc:
        warnings.append(f"{entry.name}: preview not included ({exc.strerror or exc})")


def write_images_zip(destination: Path, images: Sequence[GeneratedImage], presets: Sequence[str], *,
                     embed: bool, progress: Progress, cancel: CancelToken) -> ExportResult:
    """Write images/, metadata.xlsx and the chosen stock CSVs into one ZIP; names match across all three."""
    all_presets = stock_csv.csv_presets()
    chosen = [all_presets[name] for name in stock_csv.preset_names(presets)]
    entries, skipped = plan_entries(images)
    if not entries:
        raise ValidationError("Nothing to export: none of the chosen images has a file on disk.")
    total = len(entries) + 1
    warnings: list[str] = []
    with _atomic_zip(destination) as archive:
        for done, entry in enumerate(entries, start=1):
            _check(cancel)
            # Images are already compressed: storing them is as small and much faster.
            archive.writestr(f"images/{entry.name}", _image_bytes(entry, embed, warnings),
                             compress_type=zipfile.ZIP_STORED)
            _write_preview(archive, entry, warnings)
            progress(done, total)
        _check(cancel)
        rows = [(entry.image, entry.name) for entry in entries]
        archive.writestr("metadata.xlsx", _xlsx().metadata_workbook(rows))
        for preset in chosen:
            for name, data in stock_csv.render_files(preset, [(e.name, e.image) for e in entries]):
                archive.writestr(name, data)
        _check(cancel)
    progress(total, total)
    logger.info("Exported %d images to %s", len(entries), destination)
    return ExportResult(destination, len(entries), tuple(skipped), tuple(warnings))


def workbook_name(execution: JobExecution) -> str:
    """Return the file name of a job's workbook: job-<id>-<label>.xlsx."""
    label = safe_name(execution.label, "")[:60].strip()
    return f"job-{execution.id}-{label}.xlsx" if label else f"job-{execution.id}.xlsx"


def write_jobs_zip(destination: Path, execution_ids: Sequence[int], load: Callable[[int], tuple[
        JobExecution, list[GeneratedImage]]], *, progress: Progress, cancel: CancelToken,
                   charges: Callable[[int], Sequence[Charge]] | None = None) -> ExportResult:
    """Write one workbook per job plus summary.xlsx into one ZIP; jobs are loaded one at a time."""
    unique_ids = list(dict.fromkeys(execution_ids))
    if not unique_ids:
        raise ValidationError("Nothing to export: choose at least one job.")
    total = len(unique_ids) + 1
    executions: list[JobExecution] = []
    with _atomic_zip(destination) as archive:
        for done, execution_id in enumerate(unique_ids, start=1):
            _check(cancel)
            execution, images = load(execution_id)
            archive.writestr(workbook_name(execution), _xlsx().job_workbook(
                execution, images, None, charges(execution_id) if charges else ()))
            executions.append(execution)
            progress(done, total)
        _check(cancel)
        archive.writestr("summary.xlsx", _xlsx().jobs_summary_workbook(executions))
    progress(total, total)
    return ExportResult(destination, len(executions))


def write_job_xlsx(destination: Path, execution: JobExecution, images: Sequence[GeneratedImage], *,
                   progress: Progress, cancel: CancelToken, charges: Sequence[Charge] = ()) -> ExportResult:
    """Write one job's workbook to the destination."""
    total = len(images) + 1
    state = {"done": 0}

    def tick() -> None:
        _check(cancel)
        state["done"] += 1
        if state["done"] % 50 == 0:
            progress(state["done"], total)

    data = _xlsx().job_workbook(execution, images, tick, charges)
    _check(cancel)
    write_file_atomic(destination, data)
    progress(total, total)
    return ExportResult(destination, len(images))


def _xlsx() -> ModuleType:
    """Import the workbook writer on first export: openpyxl costs ~0.3 s, kept off the app's start-up."""
    from gif_app.export import xlsx

    return xlsx

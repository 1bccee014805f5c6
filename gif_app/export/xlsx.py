"""Excel workbooks: one job (Summary, Settings, Images, Costs), an image export's metadata sheet, a jobs summary."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from gif_app.domain import Charge, GeneratedImage, JobExecution
from gif_app.export.targets import get_target
from gif_app.settings import labelled_rows

logger = logging.getLogger(__name__)

Cell = str | int | float | None
Tick = Callable[[], None]

# The sites whose fixed category lists the metadata model chooses from (pipeline/categories.py).
CATEGORY_COLUMNS: tuple[tuple[str, str], ...] = (("adobe", "Adobe Stock category"),
                                                 ("shutterstock", "Shutterstock categories"))
IMAGE_COLUMNS: tuple[str, ...] = (
    "File name", "Status", "Reason", "Prompt", "Keyword", "Title", "Description", "Keywords", "Category",
    *(label for _, label in CATEGORY_COLUMNS), "Seed", "Cost", "Final path", "Temp path",
)
JOB_SUMMARY_COLUMNS: tuple[str, ...] = (
    "Job ID", "Label", "Status", "Created", "Started", "Finished", "Duration (s)", "Planned", "Generated",
    "Approved", "QC failed", "Processing failed", "Cost", "Error",
)
COST_COLUMNS: tuple[str, ...] = ("Step", "Vendor", "Model", "Charges", "Cost (USD)", "Estimated")
_MAX_WIDTH = 60
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")


def _text(value: Cell) -> Cell:
    """Return a value safe for a cell: no control characters XML cannot hold."""
    if isinstance(value, str):
        return str(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _append(sheet: Worksheet, values: Sequence[Cell], *, bold: bool = False) -> None:
    """Append a row where text is always text: a prompt starting with "=" must never become a formula."""
    sheet.append([_text(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"
        if bold:
            cell.font = _HEADER_FONT


def _header(sheet: Worksheet, columns: Sequence[str], *, is_filtered: bool = True) -> None:
    """Write a bold header row, freeze it and (for tables) add an autofilter."""
    _append(sheet, columns, bold=True)
    for cell in sheet[1]:
        cell.fill = _HEADER_FILL
    sheet.freeze_panes = "A2"
    if is_filtered:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"


def _fit_columns(sheet: Worksheet, *, wrap_over: int = _MAX_WIDTH) -> None:
    """Size each column to its longest value (capped) and wrap the long ones."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                longest = max(len(line) for line in str(cell.value).split("\n"))
                widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(_MAX_WIDTH, max(8, width + 2))
        if width > wrap_over:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if sheet.auto_filter.ref:
        sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"


def _time(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


def image_row(image: GeneratedImage, file_name: str) -> list[Cell]:
    """Return one Images-sheet row in IMAGE_COLUMNS order."""
    meta = image.metadata
    return [file_name, image.status.value, image.reason or "", image.prompt, image.keyword, meta.title,
            meta.description, ", ".join(meta.keywords), meta.category,
            *(_categories(site, meta.categories_for(site)) for site, _ in CATEGORY_COLUMNS),
            image.seed, round(image.cost, 6), image.final_path or "", image.temp_path or ""]


def _categories(site: str, ids: tuple[str, ...]) -> str:
    """Return chosen categories as a reader knows them: "8 Graphic Resources", or the name alone."""
    target = get_target(site)
    shown = []
    for value in ids:
        category = target.category(value)
        name = category.name if category else value
        shown.append(name if name == value else f"{value} {name}")
    return ", ".join(shown)


def job_summary_row(execution: JobExecution) -> list[Cell]:
    """Return one row of the jobs summary in JOB_SUMMARY_COLUMNS order."""
    duration = execution.duration_seconds
    return [execution.id, execution.label, execution.status.value, _time(execution.created_at),
            _time(execution.started_at), _time(execution.finished_at),
            round(duration, 1) if duration is not None else None, execution.planned, execution.generated,
            execution.approved, execution.qc_failed, execution.failed, round(execution.cost, 6),
            execution.error or ""]


def _summary_sheet(sheet: Worksheet, execution: JobExecution, counts: dict[str, int]) -> None:
    sheet.title = "Summary"
    _header(sheet, ("Field", "Value"), is_filtered=False)
    for label, value in zip(JOB_SUMMARY_COLUMNS, job_summary_row(execution), strict=True):
        _append(sheet, (label, value))
    for status, count in sorted(counts.items()):
        _append(sheet, (f"Images {status}", count))
    _fit_columns(sheet)


def _settings_sheet(sheet: Worksheet, snapshot: dict[str, Any]) -> None:
    _header(sheet, ("Setting", "Value"), is_filtered=False)
    current = None
    for section, label, shown in labelled_rows(snapshot):
        if section != current:
            current = section
            _append(sheet, (section, None), bold=True)
        _append(sheet, (label, shown))
    _fit_columns(sheet)


def _images_sheet(sheet: Worksheet, rows: Sequence[tuple[GeneratedImage, str]], tick: Tick | None,
                  *, job_column: bool = False) -> None:
    columns = (("Job",) if job_column else ()) + IMAGE_COLUMNS
    _header(sheet, columns)
    for image, file_name in rows:
        prefix: list[Cell] = [image.execution_label or image.execution_id] if job_column else []
        _append(sheet, prefix + image_row(image, file_name))
        if tick is not None:
            tick()
    _fit_columns(sheet)


def _costs_sheet(sheet: Worksheet, charges: Sequence[Charge]) -> None:
    """Write the cost per step, vendor and model (a figure from the price table marks its row estimated)."""
    _header(sheet, COST_COLUMNS, is_filtered=False)
    groups: dict[tuple[str, str, str], list[Charge]] = {}
    for charge in charges:
        groups.setdefault((charge.step.label, charge.vendor, charge.model), []).append(charge)
    for (step, vendor, model), rows in groups.items():
        _append(sheet, (step, vendor, model, len(rows), round(sum(c.amount for c in rows), 6),
                        "yes" if any(c.is_estimated for c in rows) else "no"))
    _append(sheet, ("Total", None, None, len(charges), round(sum(c.amount for c in charges), 6), None), bold=True)
    _fit_columns(sheet)


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def job_workbook(execution: JobExecution, images: Sequence[GeneratedImage], tick: Tick | None = None,
                 charges: Sequence[Charge] = ()) -> bytes:
    """Return the .xlsx bytes of one job: Summary, Settings (labelled, by section), Images and Costs."""
    book = Workbook()
    counts: dict[str, int] = {}
    for image in images:
        counts[image.status.value] = counts.get(image.status.value, 0) + 1
    _summary_sheet(book.active, execution, counts)
    _settings_sheet(book.create_sheet("Settings"), execution.settings_snapshot)
    rows = [(image, _file_name(image)) for image in images]
    _images_sheet(book.create_sheet("Images"), rows, tick)
    _costs_sheet(book.create_sheet("Costs"), charges)
    return _save(book)


def metadata_workbook(rows: Sequence[tuple[GeneratedImage, str]], tick: Tick | None = None) -> bytes:
    """Return the .xlsx bytes of an image export: one Images sheet, file names as in the ZIP."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Images"
    _images_sheet(sheet, rows, tick, job_column=True)
    return _save(book)


def jobs_summary_workbook(executions: Sequence[JobExecution]) -> bytes:
    """Return the .xlsx bytes of the bulk export's summary: one row per job."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Jobs"
    _header(sheet, JOB_SUMMARY_COLUMNS)
    for execution in executions:
        _append(sheet, job_summary_row(execution))
    _fit_columns(sheet)
    return _save(book)


def _file_name(image: GeneratedImage) -> str:
    path = image.current_path or ""
    return path.replace("\\", "/").rsplit("/", 1)[-1]

"""Stock-site CSVs built from the targets table: one row per image, formula-safe cells, files split by site limits.

Every CSV is UTF-8 without a BOM (a BOM would break the exact header match Adobe asks for). Cells that a
spreadsheet would run as a formula are neutralised (OWASP CSV injection: prefix a single quote) and the
export check (export/checks.py) flags them, so the user fixes the text instead of uploading the quote.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gif_app.domain import GeneratedImage, StockMetadata
from gif_app.errors import ValidationError
from gif_app.export.targets import StockTarget, load_targets

logger = logging.getLogger(__name__)

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ALIASES = {"adobe_stock": "adobe", "adobestock": "adobe", "ss": "shutterstock"}

RowBuilder = Callable[[StockTarget, str, GeneratedImage], list[str]]


def needs_neutralising(cell: str) -> bool:
    """Return True when a spreadsheet would read the cell as a formula."""
    return cell.startswith(FORMULA_PREFIXES)


def neutralise(cell: str) -> str:
    """Return the cell with a leading single quote when it would otherwise run as a formula."""
    return f"'{cell}" if needs_neutralising(cell) else cell


def chosen_categories(target: StockTarget, meta: StockMetadata) -> tuple[str, ...]:
    """Return the category values chosen for this site, as stored (they may be invalid: the check says so)."""
    chosen = meta.categories_for(target.id)
    if chosen or not target.categories:
        return chosen
    # Older rows carry one free-text `category`: use it when it names one of this site's categories.
    found = [target.category(part) for part in meta.category.split(",") if part.strip()]
    return tuple(c.id for c in found if c is not None)


def valid_categories(target: StockTarget, meta: StockMetadata) -> list[str]:
    """Return the chosen categories this site accepts, as its ids, at most as many as it takes."""
    found = [target.category(value) for value in chosen_categories(target, meta)]
    ids = list(dict.fromkeys(c.id for c in found if c is not None))
    return ids[: target.max_categories]


def _keywords(meta: StockMetadata) -> str:
    return ",".join(k.strip() for k in meta.keywords if k.strip())


def _adobe_row(target: StockTarget, file_name: str, image: GeneratedImage) -> list[str]:
    meta = image.metadata
    return [file_name, meta.title, _keywords(meta), ",".join(valid_categories(target, meta)), ""]


def _shutterstock_row(target: StockTarget, file_name: str, image: GeneratedImage) -> list[str]:
    meta = image.metadata
    # Shutterstock's one text field is the description; the title stands in when it is empty.
    description = meta.description.strip() or meta.title.strip()
    return [file_name, description, _keywords(meta), ",".join(valid_categories(target, meta)), "No", "No", "No"]


def _freepik_row(target: StockTarget, file_name: str, image: GeneratedImage) -> list[str]:
    meta = image.metadata
    return [file_name, meta.title, _keywords(meta), " ".join(image.prompt.split()), image.provider]


# How each site's row is filled; the columns themselves come from the targets table.
_ROW_BUILDERS: dict[str, RowBuilder] = {
    "adobe": _adobe_row, "shutterstock": _shutterstock_row, "freepik": _freepik_row,
}


@dataclass(frozen=True)
class CsvPreset:
    """One stock site's CSV: the site's rules from the targets table and how a row is built."""

    target: StockTarget
    build: RowBuilder

    @property
    def name(self) -> str:
        """Return the site id (the preset name the CLI and the page use)."""
        return self.target.id

    @property
    def label(self) -> str:
        """Return the site's name for messages."""
        return self.target.label

    @property
    def header(self) -> tuple[str, ...]:
        """Return the exact header row the site asks for."""
        return self.target.csv_columns

    @property
    def delimiter(self) -> str:
        """Return the site's field separator."""
        return self.target.delimiter

    def raw_row(self, file_name: str, image: GeneratedImage) -> list[str]:
        """Return one row as written before neutralising, with the site's AI flags applied."""
        cells = self.build(self.target, file_name, image)
        # Every image this app makes is AI-generated: write the flags the site asks AI content to carry.
        for column, value in self.target.ai_policy.csv_values:
            if column in self.header:
                cells[self.header.index(column)] = value
        return cells

    def row(self, file_name: str, image: GeneratedImage) -> list[str]:
        """Return one row as written to the file (formula-like cells neutralised)."""
        return [neutralise(cell) for cell in self.raw_row(file_name, image)]


@functools.cache
def csv_presets() -> dict[str, CsvPreset]:
    """Return the CSV presets of every site the app writes a CSV for, keyed by site id."""
    return {site: CsvPreset(target, _ROW_BUILDERS[site]) for site, target in load_targets().items()
            if target.has_csv and site in _ROW_BUILDERS}


def preset_names(names: Sequence[str]) -> list[str]:
    """Return the canonical preset names for user input (aliases, case, duplicates); refuse unknown ones."""
    presets = csv_presets()
    result: list[str] = []
    for raw in names:
        key = str(raw).strip().lower()
        if not key:
            continue
        key = _ALIASES.get(key, key)
        if key not in presets:
            raise ValidationError(f'Unknown stock CSV preset "{raw}". Choose from: {", ".join(presets)}.')
        if key not in result:
            result.append(key)
    return result


def _encode_line(preset: CsvPreset, cells: Sequence[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=preset.delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def render_rows(preset: CsvPreset, rows: Sequence[tuple[str, GeneratedImage]]) -> bytes:
    """Return one CSV file (header + rows) as UTF-8 bytes with the preset's delimiter."""
    return b"".join([_encode_line(preset, preset.header),
                     *(_encode_line(preset, preset.row(name, image)) for name, image in rows)])


def _part_name(file_name: str, number: int) -> str:
    stem, dot, ext = file_name.rpartition(".")
    return f"{stem}_part-{number}{dot}{ext}" if dot else f"{file_name}_part-{number}"


def render_files(preset: CsvPreset, rows: Sequence[tuple[str, GeneratedImage]]) -> list[tuple[str, bytes]]:
    """Return (file name, bytes) per CSV file: one file, or part-1, part-2... past the site's row or byte limit."""
    header = _encode_line(preset, preset.header)
    max_rows, max_bytes = preset.target.max_rows, preset.target.max_bytes
    files: list[list[bytes]] = [[header]]
    size = len(header)
    for name, image in rows:
        line = _encode_line(preset, preset.row(name, image))
        current = files[-1]
        is_full = (max_rows is not None and len(current) - 1 >= max_rows) or (
            max_bytes is not None and size + len(line) > max_bytes)
        if is_full and len(current) > 1:  # a row larger than the limit on its own still gets a file
            files.append([header])
            size = len(header)
        files[-1].append(line)
        size += len(line)
    base = preset.target.csv_file_name
    if len(files) == 1:
        return [(base, b"".join(files[0]))]
    logger.info("%s CSV split into %d files by the site's limits", preset.label, len(files))
    return [(_part_name(base, n), b"".join(lines)) for n, lines in enumerate(files, start=1)]

"""Stock-site targets: the upload rules of each agency, loaded from the stock_targets.json shipped in the package.

The table is data so a changed site rule is a one-line edit with its source beside it. This module imports
only the standard library (and gif_app.errors), so settings, the pipeline and the export layer can all use it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gif_app.errors import ValidationError

TABLE_FILE = "stock_targets.json"


@dataclass(frozen=True)
class Source:
    """Where one rule comes from: the page, when it was read, whether it is the site's own word."""

    url: str
    checked: str
    updated: str = ""
    is_verified: bool = False
    note: str = ""


@dataclass(frozen=True)
class Category:
    """One entry of a site's fixed category list: the value written to the CSV and its name."""

    id: str
    name: str


@dataclass(frozen=True)
class AiPolicy:
    """What a site says about AI-generated content and what the upload must carry for it."""

    accepts_ai: bool
    flag_text: str
    note: str
    source: Source
    # CSV column -> value to write for AI-generated images (e.g. {"Illustration": "Yes"}).
    csv_values: tuple[tuple[str, str], ...] = ()
    # Words a site forbids in titles of AI content (Adobe: no "generative AI" in the title).
    title_forbidden_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class StockTarget:
    """One stock site's upload rules; None means the site sets no such limit (or none is documented)."""

    id: str
    label: str
    formats: tuple[str, ...]
    transparent_formats: tuple[str, ...]
    colour_space: str
    min_megapixels: float | None
    max_megapixels: float | None
    min_side_px: int | None
    max_side_px: int | None
    max_file_mb: float | None
    title_max: int | None
    description_max: int | None
    keywords_min: int
    keywords_max: int | None
    title_forbidden_chars: str
    filename_max: int | None
    categories: tuple[Category, ...]
    min_categories: int
    max_categories: int
    csv_file_name: str
    csv_columns: tuple[str, ...]
    delimiter: str
    max_rows: int | None
    max_bytes: int | None
    ai_policy: AiPolicy
    sources: tuple[tuple[str, Source], ...]

    @property
    def has_csv(self) -> bool:
        """Return True when the app writes a CSV for this site."""
        return bool(self.csv_columns)

    @property
    def category_ids(self) -> tuple[str, ...]:
        """Return the values this site's category column accepts."""
        return tuple(c.id for c in self.categories)

    def category(self, value: str) -> Category | None:
        """Return the category for a value (its id or its name, any case), or None when the site has none such."""
        folded = value.strip().casefold()
        return next((c for c in self.categories if folded in (c.id.casefold(), c.name.casefold())), None)

    def source(self, rule: str) -> Source | None:
        """Return the source of one rule (keys as in stock_targets.json "sources")."""
        return dict(self.sources).get(rule)

    def accepts_format(self, pil_format: str, *, has_alpha: bool = False) -> bool:
        """Return True when a file of this Pillow format is accepted (transparent-only formats need alpha)."""
        name = pil_format.upper()
        return name in self.formats or (has_alpha and name in self.transparent_formats)


def _source(data: dict[str, Any]) -> Source:
    return Source(url=str(data["url"]), checked=str(data["checked"]), updated=str(data.get("updated", "")),
                  is_verified=bool(data.get("verified", False)), note=str(data.get("note", "")))


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _target(data: dict[str, Any]) -> StockTarget:
    policy = data["ai_policy"]
    return StockTarget(
        id=str(data["id"]), label=str(data["label"]),
        formats=tuple(str(f).upper() for f in data["formats"]),
        transparent_formats=tuple(str(f).upper() for f in data.get("transparent_formats", ())),
        colour_space=str(data["colour_space"]),
        min_megapixels=_optional_float(data.get("min_megapixels")),
        max_megapixels=_optional_float(data.get("max_megapixels")),
        min_side_px=_optional_int(data.get("min_side_px")), max_side_px=_optional_int(data.get("max_side_px")),
        max_file_mb=_optional_float(data.get("max_file_mb")),
        title_max=_optional_int(data.get("title_max")), description_max=_optional_int(data.get("description_max")),
        keywords_min=int(data.get("keywords_min") or 0), keywords_max=_optional_int(data.get("keywords_max")),
        title_forbidden_chars=str(data.get("title_forbidden_chars", "")),
        filename_max=_optional_int(data.get("filename_max")),
        categories=tuple(Category(str(i), str(n)) for i, n in data.get("categories", ())),
        min_categories=int(data.get("min_categories", 0)), max_categories=int(data.get("max_categories", 0)),
        csv_file_name=str(data.get("csv_file_name", "")),
        csv_columns=tuple(str(c) for c in data.get("csv_columns", ())),
        delimiter=str(data.get("delimiter", ",")),
        max_rows=_optional_int(data.get("max_rows")), max_bytes=_optional_int(data.get("max_bytes")),
        ai_policy=AiPolicy(
            accepts_ai=bool(policy["accepts_ai"]), flag_text=str(policy.get("flag_text", "")),
            note=str(policy["note"]), source=_source(policy["source"]),
            csv_values=tuple((str(k), str(v)) for k, v in dict(policy.get("csv_values") or {}).items()),
            title_forbidden_terms=tuple(str(t) for t in policy.get("title_forbidden_terms", ())),
        ),
        sources=tuple((str(rule), _source(src)) for rule, src in dict(data["sources"]).items()),
    )


def parse_targets(text: str) -> dict[str, StockTarget]:
    """Return the targets of a stock_targets.json text, keyed by site id, in file order."""
    return {target.id: target for target in (_target(item) for item in json.loads(text)["targets"])}


@functools.cache
def load_targets() -> dict[str, StockTarget]:
    """Return every stock site's rules from the packaged table, keyed by site id (read once per process)."""
    # importlib.resources finds the file in the source tree, an installed wheel and the PyInstaller bundle.
    text = resources.files("gif_app.export").joinpath(TABLE_FILE).read_text(encoding="utf-8")
    return parse_targets(text)


def get_target(site_id: str) -> StockTarget:
    """Return one site's rules, or raise ValidationError naming the known sites."""
    targets = load_targets()
    target = targets.get(site_id.strip().lower())
    if target is None:
        raise ValidationError(f'Unknown stock site "{site_id}". Choose from: {", ".join(targets)}.')
    return target


def target_ids() -> tuple[str, ...]:
    """Return the site ids in table order."""
    return tuple(load_targets())

"""Keyword files (TXT, CSV with headers), the selection order per generation and template substitution.

Fixes the anchor's defects: CRLF and BOM are handled, CSV headers are substituted literally (never
through a regex built from user text), random selection does not repeat a keyword until every keyword
was used, and a missing keyword file is an error instead of the keyword "default".
"""

from __future__ import annotations

import csv
import io
import logging
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from gif_app.errors import ConfigurationError

logger = logging.getLogger(__name__)

# The placeholder grammar is fixed; names are looked up in a dict, so header names with regex
# metacharacters (e.g. "Price ($)") are matched literally.
_PLACEHOLDER = re.compile(r"\$\{\{([^{}\n]+)\}\}|\$\{([^{}\n]+)\}|\{([^{}\n\"':]+)\}")
# The anchor blanks these when the keyword file has no value for them.
BLANKED_PLACEHOLDERS = frozenset({"Setting", "Style", "Mood"})
_DELIMITERS = (",", ";", "\t")
# A one-column CSV: no candidate delimiter in the header, so values may hold commas; split on nothing.
_NO_SPLIT = "\x1f"

TEMPLATE_USER_MESSAGE = "Generate one image prompt now, following your instructions."

BUILT_IN_PROMPT_WRITER = (
    "You write prompts for an AI image generator. The images are sold as commercial stock photography, "
    "so every prompt must describe a picture a stock agency would accept.\n"
    "Rules:\n"
    "- Describe one clear subject based on the keyword, with concrete, vivid details: the subject's look "
    "and action, the composition and camera angle, the lighting, the colour palette, the setting and "
    "the background.\n"
    "- Commercially safe only: no brand names, logos, trademarks, copyrighted characters, celebrities or "
    "real people's names, famous landmarks, recognisable products, watermarks or signatures.\n"
    "- No readable text, letters, numbers or signs in the image.\n"
    "- Photorealistic unless the keyword asks for an illustration; leave some clean space around the "
    "subject so the image works for designers.\n"
    "- Write in English, as a single line of 40 to 80 words, with no line breaks, lists or quotes.\n"
    'Answer with JSON only: {"prompt": "<the prompt>"}'
)


@dataclass(frozen=True)
class KeywordSource:
    """The rows of a loaded keyword file; every row has "keyword" plus each CSV header's value."""

    rows: tuple[dict[str, str], ...]
    headers: tuple[str, ...]
    is_csv: bool


@dataclass(frozen=True)
class KeywordPick:
    """The keyword(s) one generation uses and the template variables derived from them."""

    keywords: tuple[str, ...]
    values: dict[str, str] = field(hash=False)

    @property
    def keyword(self) -> str:
        """Return the keywords joined with ", "."""
        return ", ".join(self.keywords)


def load_keywords(path: Path | str | None) -> KeywordSource:
    """Load a TXT (one keyword per line) or CSV (header row) keyword file, or raise ConfigurationError."""
    if path is None or str(path).strip() in ("", "."):
        raise ConfigurationError("No keyword file is set. Choose one in Settings → File paths.")
    file = Path(path).expanduser()
    if not file.exists():
        raise ConfigurationError(
            f"The keyword file {file} was not found. Choose an existing file in Settings → File paths."
        )
    if not file.is_file():
        raise ConfigurationError(f"The keyword file {file} is a folder, not a file. Choose a .txt or .csv file.")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"The keyword file {file} could not be read: {exc.strerror or exc}.") from exc
    text = _decode(data, file.name)
    if file.suffix.lower() == ".csv":
        source = _parse_csv(text, file.name)
    else:
        source = _parse_txt(text, file.name)
    logger.info("Loaded %d keyword rows from %s", len(source.rows), file)
    return source


def _decode(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), naming the line and byte of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigurationError(
            f"The keyword file {name} is not UTF-8 text: byte {exc.start + 1} (line {line}) cannot be read. "
            "Save the file as UTF-8 (in Excel: CSV UTF-8) and choose it again."
        ) from exc


def _no_keywords(name: str) -> ConfigurationError:
    """Return the error for a file that holds nothing usable."""
    return ConfigurationError(
        f"The keyword file {name} has no keywords. Add one keyword per line (lines starting with # are "
        "comments) or, for a CSV file, a header row and at least one row of values."
    )


def _parse_txt(text: str, name: str) -> KeywordSource:
    """Return one row per non-blank, non-comment line."""
    rows = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            rows.append({"keyword": line})
    if not rows:
        raise _no_keywords(name)
    return KeywordSource(rows=tuple(rows), headers=(), is_csv=False)


def _sniff_delimiter(header_line: str) -> str:
    """Return the candidate delimiter that splits the header line into the most columns."""
    best, best_count = _NO_SPLIT, 1
    for delimiter in _DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _parse_csv(text: str, name: str) -> KeywordSource:
    """Return one row per non-empty CSV record, keyed by the (trimmed) header names."""
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if not header_line:
        raise _no_keywords(name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(header_line))
    try:
        # Blank lines come back as []; a line of bare delimiters is a (broken) header or an empty row.
        records = [record for record in reader if record]
    except csv.Error as exc:
        raise ConfigurationError(f"The keyword file {name} is not valid CSV: {exc}.") from exc
    if not any(cell.strip() for cell in records[0]):
        raise ConfigurationError(f"The keyword file {name} has no header row. Put the column names in line 1.")
    headers = tuple(cell.strip() or f"Column {i + 1}" for i, cell in enumerate(records[0]))
    key_index = next((i for i, h in enumerate(headers) if h.lower() == "keyword"), 0)
    rows = []
    for record in records[1:]:
        if not any(cell.strip() for cell in record):
            continue
        cells = [cell.strip() for cell in record] + [""] * (len(headers) - len(record))
        row = dict(zip(headers, cells, strict=False))
        row["keyword"] = cells[key_index]
        rows.append(row)
    if not rows:
        raise ConfigurationError(
            f"The keyword file {name} has a header row but no keyword rows. Add at least one row of values."
        )
    return KeywordSource(rows=tuple(rows), headers=headers, is_csv=True)


def plan_keywords(
    source: KeywordSource, count: int, *, is_random: bool, mix: int = 1, seed: int = 0
) -> list[KeywordPick]:
    """Return one pick per generation: sequential with wrap-around, or a seeded deck without repeats."""
    total = len(source.rows)
    if total == 0:
        raise ConfigurationError("The keyword file has no keywords.")
    mix = max(1, mix)
    if is_random:
        indices = _random_indices(total, count, mix, seed)
    else:
        indices = [[(i * mix + j) % total for j in range(mix)] for i in range(max(0, count))]
    return [_make_pick(source, group) for group in indices]


def _random_indices(total: int, count: int, mix: int, seed: int) -> list[list[int]]:
    """Draw groups from a shuffled deck, reshuffling when empty; no index twice in a group if possible."""
    rng = random.Random(seed)
    deck: list[int] = []
    groups: list[list[int]] = []
    for _ in range(max(0, count)):
        group: list[int] = []
        for _ in range(mix):
            if not deck:
                deck = list(range(total))
                rng.shuffle(deck)
            # Skip over indices already in this group; they stay in the deck for a later pick.
            position = next((p for p, index in enumerate(deck) if index not in group), 0)
            group.append(deck.pop(position))
        groups.append(group)
    return groups


def _make_pick(source: KeywordSource, group: list[int]) -> KeywordPick:
    """Build the pick for a group of row indices (duplicate keywords inside one pick dropped)."""
    keywords: list[str] = []
    seen: set[str] = set()
    for index in group:
        word = source.rows[index]["keyword"]
        if word.casefold() not in seen:
            seen.add(word.casefold())
            keywords.append(word)
    first = source.rows[group[0]]
    joined = ", ".join(keywords)
    values = {"Subject": joined}
    values.update({header: first.get(header, "") for header in source.headers})
    values["keyword"] = joined
    values["promptContext"] = first.get(source.headers[0], "") if source.headers else first["keyword"]
    return KeywordPick(keywords=tuple(keywords), values=values)


def substitute(template: str, values: dict[str, str]) -> str:
    """Replace {name}, ${name} and ${{name}} with values[name], literally, in one pass; collapse spaces."""

    def replace(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group is not None)
        if name in values:
            return values[name]
        if name.strip() in values:  # "${{ Subject }}" is what people type, too
            return values[name.strip()]
        if match.group(1) is not None and name.strip() in BLANKED_PLACEHOLDERS:
            return ""
        return match.group(0)

    text = _PLACEHOLDER.sub(replace, template)
    # Blanked placeholders leave double spaces; indentation at the start of a line is kept.
    text = re.sub(r"(?<=\S)[ \t]{2,}", " ", text)
    return re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE).strip()


def unknown_placeholders(template: str, values: dict[str, str]) -> list[str]:
    """Return the ${{name}} placeholders of a template that no value fills (for a warning in the log)."""
    names = [m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1) is not None]
    return sorted({n for n in names if n not in values and n.strip() not in BLANKED_PLACEHOLDERS})


def build_prompt_request(template: str | None, pick: KeywordPick) -> tuple[str, str]:
    """Return (system prompt, user message) for the LLM that writes this pick's image prompt."""
    if template and template.strip():
        return substitute(template, pick.values), TEMPLATE_USER_MESSAGE
    return BUILT_IN_PROMPT_WRITER, f"Write one image prompt for this keyword: {pick.keyword}"


def template_only_prompt(template: str | None, pick: KeywordPick) -> str:
    """Return the image prompt used without an LLM: the substituted template on one line, or the keyword."""
    if template and template.strip():
        text = " ".join(substitute(template, pick.values).split())
        if text:
            return text
    return pick.keyword

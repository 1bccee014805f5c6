"""File names from a template: ASCII by transliteration, within a length limit that keeps the number.

Text is transliterated with anyascii (ISC licence; Unidecode is GPL and text-unidecode is Artistic/GPL),
so "straße" gives "strasse" and a CJK keyword gives its romanisation instead of nothing. The limit counts
the whole name, extension included, as Adobe Stock's 30 characters do: the words give way, the number
never does. The place of {n} stays open in a NamePattern, so the finalize step can number on from the
highest number already in the output folder instead of restarting at 1 for every job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from anyascii import anyascii

_VARIABLE = re.compile(r"\{(\w+)\}")
# Where the number goes until it is known (a private-use character no template text can produce).
_SLOT = "\ue000"
NUMBER_WIDTH = 3
# Names Windows refuses whatever the extension.
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})
_EXTENSION_ALIASES = {"jpeg": "jpg", "tiff": "tif"}
# Variables whose words may be shortened to fit the limit; dates, numbers and ids are kept whole.
_SHRINKABLE = frozenset({"keyword", "title", "job"})
# Whole-path limits: Windows' MAX_PATH (260 UTF-16 units less the final NUL), elsewhere 1024 bytes less the NUL
# (macOS's PATH_MAX; Linux allows 4096, the lower figure keeps a folder portable). A name is 255 either way.
WINDOWS_PATH_MAX = 259
POSIX_PATH_MAX = 1023
COMPONENT_MAX = 255
# The shortest name still worth making: a few letters, the number and an extension.
MIN_NAME_ROOM = 12


class PathTooLongError(ValueError):
    """The folder alone leaves no room for a file name within the platform's path limit."""


def path_units(text: str, platform: str) -> int:
    """Return a path's length as the platform counts it: UTF-16 units on Windows, UTF-8 bytes elsewhere."""
    if platform == "win32":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogateescape"))


def name_room(folder: str, platform: str, reserve: int = 0) -> int:
    """Return the longest file name (extension included) that keeps folder/name within the platform's limits.

    `reserve` is room kept for a longer companion file beside it (a vector's preview). Raise PathTooLongError
    when the folder leaves less than MIN_NAME_ROOM.
    """
    path_max = WINDOWS_PATH_MAX if platform == "win32" else POSIX_PATH_MAX
    used = path_units(folder.rstrip("\\/"), platform) + 1  # the separator before the name
    room = min(COMPONENT_MAX, path_max - used) - reserve
    if room < MIN_NAME_ROOM:
        raise PathTooLongError(f"The folder {folder} is too deep: {path_max - used} characters are left for file "
                               f"names within this system's path limit of {path_max}. Choose a shorter folder.")
    return room


def capped_length(max_length: int, folder: str, platform: str, reserve: int = 0) -> int:
    """Return the file-name limit in force in folder: the user's, or less where the whole path would pass the
    platform's limit (the stem is trimmed; the extension and the number or "-2" suffix are kept)."""
    return min(max_length, name_room(folder, platform, reserve))


def ascii_text(value: str) -> str:
    """Return value transliterated to ASCII ("straße" -> "strasse", "猫" -> "Mao")."""
    return anyascii(unicodedata.normalize("NFC", value))


def slug(value: str) -> str:
    """Return value as lowercase ASCII with runs of anything else turned into a single "-"."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_text(value).lower()).strip("-")


def _literal(text: str) -> str:
    """Return the template's own text with only file-name-safe characters."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text(text))


def normalise_extension(extension: str) -> str:
    """Return the extension lower-cased, without a dot, with "jpeg" spelled "jpg"."""
    ext = extension.strip().lstrip(".").lower()
    return _EXTENSION_ALIASES.get(ext, ext)


def _tidy(name: str) -> str:
    """Collapse runs of separators and trim them from both ends (no hidden files, no "name-.png")."""
    name = re.sub(r"([-_.])[-_.]+", r"\1", name)
    return name.strip("-_.")


@dataclass(frozen=True)
class NamePattern:
    """A rendered template with the place of its number still open."""

    prefix: str
    suffix: str
    extension: str
    has_number: bool
    max_length: int

    def name(self, n: int) -> str:
        """Return the file name for number n (the name itself when the template has no {n})."""
        number = f"{n:0{NUMBER_WIDTH}d}" if self.has_number else ""
        prefix = self.prefix
        over = len(prefix) + len(number) + len(self.suffix) + len(self._dot_ext) - self.max_length
        if over > 0 and self.has_number:
            # A number wider than the room kept for it takes its place from the words before it.
            separator = prefix[-1] if prefix and prefix[-1] in "-_." else ""
            core = prefix[: len(prefix) - len(separator)]
            prefix = core[: max(0, len(core) - over)].rstrip("-_.") + separator
        return f"{prefix}{number}{self.suffix}{self._dot_ext}"

    def number_in(self, filename: str) -> int | None:
        """Return the number of a file named by this pattern ("-2" copies included), else None."""
        if not self.has_number:
            return None
        found = re.fullmatch(
            re.escape(self.prefix) + r"(\d+)" + re.escape(self.suffix) + r"(?:-\d+)?" + re.escape(self._dot_ext),
            filename,
        )
        return int(found.group(1)) if found else None

    @property
    def _dot_ext(self) -> str:
        return f".{self.extension}" if self.extension else ""


def name_pattern(
    template: str,
    *,
    keyword: str,
    title: str,
    job: str,
    date: datetime,
    image_id: str,
    max_length: int,
    extension: str,
) -> NamePattern:
    """Return the template rendered ({keyword} {title} {job} {date} {n} {id}) and fitted to max_length."""
    ext = normalise_extension(extension)
    values = {"keyword": slug(keyword), "title": slug(title), "job": slug(job), "date": date.strftime("%Y%m%d"),
              "n": _SLOT, "id": slug(image_id)}
    parts: list[tuple[str, bool]] = []  # (text, may be shortened)
    position = 0
    for match in _VARIABLE.finditer(template):
        parts.append((_literal(template[position : match.start()]), False))
        variable = match.group(1)
        parts.append((values.get(variable, ""), variable in _SHRINKABLE))  # unknown variables are left out
        position = match.end()
    parts.append((_literal(template[position:]), False))
    stem = _tidy("".join(text for text, _ in parts))
    if not stem:
        parts, stem = [("image_", False), (_SLOT, False)], f"image_{_SLOT}"
    budget = max(1, max_length - (len(ext) + 1 if ext else 0))
    if _visible_length(stem) > budget:
        stem = _fit(parts, budget)
    has_number = _SLOT in stem
    prefix, _, suffix = stem.partition(_SLOT)
    if not has_number and prefix.lower() in _RESERVED:
        prefix = f"{prefix}_"
    return NamePattern(prefix, suffix.replace(_SLOT, ""), ext, has_number, max_length)


def render_filename(
    template: str,
    *,
    keyword: str,
    title: str,
    job: str,
    date: datetime,
    n: int,
    image_id: str,
    max_length: int,
    extension: str,
) -> str:
    """Return a safe file name from the template for number n, extension included, within max_length."""
    return name_pattern(template, keyword=keyword, title=title, job=job, date=date, image_id=image_id,
                        max_length=max_length, extension=extension).name(n)


def _visible_length(stem: str) -> int:
    """Return the stem's length with the number slot counted at its reserved width."""
    return len(stem) + stem.count(_SLOT) * (NUMBER_WIDTH - 1)


def _fit(parts: list[tuple[str, bool]], budget: int) -> str:
    """Shorten the longest words first (at a "-" where one is near) until the stem fits the budget."""
    texts = [text for text, _ in parts]
    shrinkable = [i for i, (_, is_shrinkable) in enumerate(parts) if is_shrinkable]
    while _visible_length(_tidy("".join(texts))) > budget:
        candidates = [i for i in shrinkable if texts[i]]
        if not candidates:
            break
        longest = max(candidates, key=lambda i: len(texts[i]))
        excess = _visible_length(_tidy("".join(texts))) - budget
        keep = max(0, len(texts[longest]) - excess)
        cut = texts[longest][:keep]
        # Cut at a word boundary unless that would throw away more than half of what is kept.
        boundary = cut.rfind("-")
        if keep < len(texts[longest]) and texts[longest][keep] != "-" and boundary >= keep // 2:
            cut = cut[:boundary]
        texts[longest] = cut.rstrip("-")
    stem = _tidy("".join(texts))
    if _visible_length(stem) <= budget:
        return stem
    # Still too long on fixed text alone: cut the text before the number, then after it.
    prefix, slot, suffix = stem.partition(_SLOT)
    room = budget - (NUMBER_WIDTH if slot else 0)
    suffix = suffix[: max(0, room - len(prefix))] if len(prefix) < room else ""
    prefix = prefix[: max(0, room - len(suffix))]
    return _tidy(prefix + slot + suffix) if slot else _tidy(prefix)

"""Stock metadata: per-site limits, their enforcement, validation messages and the LLM prompts for it.

Presets (reference/protocols.md section B):
- Adobe Stock: title <= 70 characters (the CSV-safe rule; 200 is the hard limit), up to 49 keywords (helpx
  says 50, peers cap at 49). Adobe has no description field; 200 is used for the embedded description.
  Adobe sets no keyword minimum; fewer than 5 is flagged because such files are hard to find.
- Shutterstock: description <= 200 characters and it doubles as the title; 7 to 50 keywords.
- Freepik (peer-tested, unofficial): title <= 100 characters, 5 to 50 keywords, no description column.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from gif_app import settings as settings_mod
from gif_app.domain import Ownership, StockMetadata
from gif_app.export.targets import get_target
from gif_app.pipeline.categories import categories_rule
from gif_app.pipeline.keywords import substitute
from gif_app.providers.base import CategoryField

logger = logging.getLogger(__name__)

KEYWORD_MAX_CHARS = 50
_QUOTES_ANYWHERE = "\"“”„«»"
_QUOTES_AROUND = "'‘’`"
_TRAILING_JUNK = " \t,;:-–—/&(+|."
# Words a sentence cut at a word boundary should not end on.
_DANGLING = frozenset({"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"})


@dataclass(frozen=True)
class MetadataLimits:
    """The limits of one stock site (or the user's custom ones)."""

    title_max: int
    description_max: int
    keywords_min: int
    keywords_max: int
    preset: str
    label: str = ""
    uses_title: bool = True
    uses_description: bool = True

    def allows(self, limit: int) -> str:
        """Return "Adobe Stock allows 70" (or "the limit is 70" for custom limits) for messages."""
        return f"{self.label} allows {limit}" if self.label else f"the limit is {limit}"

    def needs(self, minimum: int) -> str:
        """Return "Shutterstock needs at least 7" (or "the minimum is 7") for messages."""
        return f"{self.label} needs at least {minimum}" if self.label else f"the minimum is {minimum}"


# A field a site does not have still gets text (the Excel and other sites show it), within this length.
UNUSED_FIELD_MAX = 200


def _site_limits(preset: str, site_id: str) -> MetadataLimits:
    """Return a metadata preset's limits as the stock-site table states them (export/stock_targets.json)."""
    site = get_target(site_id)
    return MetadataLimits(site.title_max or UNUSED_FIELD_MAX, site.description_max or UNUSED_FIELD_MAX,
                          site.keywords_min, site.keywords_max or 50, preset, site.label,
                          uses_title=site.title_max is not None, uses_description=site.description_max is not None)


PRESETS: dict[str, MetadataLimits] = {
    "adobe_stock": _site_limits("adobe_stock", "adobe"),
    "shutterstock": _site_limits("shutterstock", "shutterstock"),
    "freepik": _site_limits("freepik", "freepik"),
    "custom": MetadataLimits(70, UNUSED_FIELD_MAX, 7, 49, "custom"),
}


def limits_from_settings(metadata_section: Mapping[str, Any]) -> MetadataLimits:
    """Return the limits of a `metadata` section (a preset, or the custom numbers); the schema validates it."""
    return limits_from_validated(settings_mod.validated({"metadata": dict(metadata_section)}))


def limits_from_validated(settings: settings_mod.Settings) -> MetadataLimits:
    """Return the limits of settings that already passed the schema (its bounds are the only ones)."""
    section = settings["metadata"]
    preset = section["site_preset"]
    if preset != "custom":
        return PRESETS[preset]
    return replace(PRESETS["custom"], title_max=section["title_max_chars"],
                   description_max=section["description_max_chars"], keywords_min=section["keywords_min"],
                   keywords_max=section["keywords_max"])


def ownership_from_validated(settings: settings_mod.Settings) -> Ownership:
    """Return the creator and copyright line to embed (empty when the user set none)."""
    section = settings["metadata"]
    return Ownership(creator=str(section["creator"]).strip(), copyright=str(section["copyright"]).strip())


def clean_text(text: str) -> str:
    """Return text on one line without double quotes, surrounding quotes or repeated whitespace."""
    text = " ".join(text.translate({ord(q): " " for q in _QUOTES_ANYWHERE}).split())
    previous = None
    while previous != text:
        previous = text
        text = text.strip(_QUOTES_AROUND).strip()
    return text


def trim_words(text: str, limit: int) -> str:
    """Return text cut to at most `limit` characters at a word boundary, without trailing punctuation."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rfind(" ")
    if cut <= 0:
        # A single word longer than the limit: cutting it is the only way to fit.
        return text[:limit].rstrip(_TRAILING_JUNK) or text[:limit]
    words = text[:cut].rstrip(_TRAILING_JUNK).split(" ")
    while len(words) > 1 and words[-1].lower() in _DANGLING:
        words.pop()
    trimmed = " ".join(words).rstrip(_TRAILING_JUNK)
    return trimmed or text[:limit]


def clean_keywords(keywords: tuple[str, ...] | list[str], limit: int) -> tuple[str, ...]:
    """Return keywords split on commas/semicolons, trimmed, deduplicated case-insensitively, capped."""
    result: list[str] = []
    seen: set[str] = set()
    for entry in keywords:
        for part in re.split(r"[,;]", entry):
            word = clean_text(part).lstrip("#").strip()
            if not word or len(word) > KEYWORD_MAX_CHARS or word.casefold() in seen:
                continue
            seen.add(word.casefold())
            result.append(word)
    return tuple(result[: max(0, limit)])


def enforce_limits(meta: StockMetadata, limits: MetadataLimits) -> StockMetadata:
    """Return metadata that fits the limits: clean text cut at word boundaries, clean capped keywords."""
    title = clean_text(meta.title)
    description = clean_text(meta.description)
    # One field can stand in for the other: a file always needs a title (names, IPTC), and
    # Shutterstock's only text field is the description.
    if not title:
        title = description
    if not description and limits.uses_description:
        description = title
    return replace(
        meta,
        title=trim_words(title, limits.title_max),
        description=trim_words(description, limits.description_max),
        keywords=clean_keywords(meta.keywords, limits.keywords_max),
    )


def problems(meta: StockMetadata, limits: MetadataLimits) -> list[str]:
    """Return what a stock site would object to in this metadata, one readable sentence each."""
    found: list[str] = []
    if limits.uses_title and not meta.title.strip():
        found.append("Missing title")
    if len(meta.title) > limits.title_max:
        found.append(f"Title is {len(meta.title)} characters; {limits.allows(limits.title_max)}.")
    if limits.uses_description and not meta.description.strip():
        found.append("Missing description")
    if len(meta.description) > limits.description_max:
        found.append(f"Description is {len(meta.description)} characters; {limits.allows(limits.description_max)}.")
    count = len(meta.keywords)
    if count < limits.keywords_min:
        amount = "No keywords" if count == 0 else f"Only {count} keyword{'s' if count > 1 else ''}"
        found.append(f"{amount}; {limits.needs(limits.keywords_min)}.")
    if count > limits.keywords_max:
        found.append(f"{count} keywords; {limits.allows(limits.keywords_max)}.")
    long_words = [k for k in meta.keywords if len(k) > KEYWORD_MAX_CHARS]
    if long_words:
        found.append(f'Keyword "{long_words[0][:30]}…" is longer than {KEYWORD_MAX_CHARS} characters.')
    return found


BUILT_IN_METADATA_PROMPT = """You are an experienced stock photography contributor writing metadata for {site}.
Look at the image and write the metadata a buyer would search for. The image was generated from this prompt, \
which is context only; describe what is actually visible:
"{prompt}"
Main keyword: {keyword}

Rules:
- title: a natural, descriptive English phrase of at most {title_max} characters, no commas, no quotes.
- description: one or two English sentences of at most {description_max} characters about subject, \
action, setting, mood and colours.
- keywords: {keywords_min} to {keywords_max} single words or short phrases, most important first, \
lower case, no duplicates.
- No brand names, trademarks, logos, celebrities or real people's names, no AI terms \
(do not write "AI", "generative AI" or "generated").
- English only.
Answer with JSON only: {"title": "...", "description": "...", "keywords": ["...", "..."]} (plus \
"categories" when asked below)."""


def build_metadata_prompt(template: str | None, *, prompt: str, keyword: str, limits: MetadataLimits,
                          categories: tuple[CategoryField, ...] = ()) -> str:
    """Return the system prompt for metadata: the user's template filled in, or the built-in one.

    With categories, each site's list is spelled out after it (the schema holds the same lists as enums).
    """
    text = _metadata_prompt_text(template, prompt=prompt, keyword=keyword, limits=limits)
    return f"{text}\n{categories_rule(categories)}" if categories else text


def _metadata_prompt_text(template: str | None, *, prompt: str, keyword: str, limits: MetadataLimits) -> str:
    """Return the user's template filled in, or the built-in prompt filled in."""
    if template and template.strip():
        # Unlike the anchor, ${promptContext} in a custom file is filled with the generation prompt.
        return substitute(template, {"prompt": prompt, "keyword": keyword, "promptContext": prompt})
    values = {
        "site": limits.label or "stock sites",
        "prompt": " ".join(prompt.split()),
        "keyword": keyword,
        "title_max": str(limits.title_max),
        "description_max": str(limits.description_max),
        "keywords_min": str(max(limits.keywords_min, 1)),
        "keywords_max": str(limits.keywords_max),
    }
    return substitute(BUILT_IN_METADATA_PROMPT, values)


BUILT_IN_QC_PROMPT = """You are a strict reviewer at a commercial stock photography agency. Decide whether \
this image can be accepted for sale.
Fail the image if it shows any of these:
- text that is misspelled, garbled, nonsensical, offensive or trademarked (correct, generic typography is fine);
- a celebrity or a recognisable real person;
- brand logos, trademarks or recognisable commercial products;
- copyrighted characters (cartoon, film, game or comic characters);
- famous landmarks or protected buildings and artworks;
- watermarks, signatures or stamps;
- obvious technical defects: extra, missing, fused or malformed limbs, fingers or faces; distorted anatomy; \
heavy artefacts, noise or banding; strong blur on the main subject; cut-off subject.
Pass a clean, well-made image that is safe for commercial use.
Answer with JSON only: {"passed": true or false, "reason": "<one short sentence, as a reviewer would write it>"}"""


def qc_prompt(template: str | None) -> str:
    """Return the QC system prompt: the user's template if it has text, else the built-in reviewer."""
    if template and template.strip():
        return template.strip()
    return BUILT_IN_QC_PROMPT

"""Which OpenAI text models answer with Structured Outputs (`response_format` of type `json_schema`).

The app asks every prompt, QC verdict and metadata answer through a strict JSON schema, so the text model
setting must name a model that supports it. OpenAI's rule (Structured Outputs launch note and guide): the
`json_schema` response format works on gpt-4o-mini, gpt-4o-2024-08-06 and later snapshots and newer
families (gpt-4.1, gpt-5, o1, o3, o4-mini); gpt-3.5-turbo, gpt-4, gpt-4-turbo, gpt-4o-2024-05-13,
o1-mini and o1-preview answer 400 "Invalid parameter: 'response_format' of type 'json_schema' is not
supported with this model".

Decision for names this list does not know (a new model, a custom deployment): they are accepted. OpenAI
ships models faster than this list changes, and a model that turns out not to support the schema fails
the first call with OpenAI's own 400 message, before anything is spent on images. Only a model known
not to support it is refused by the settings, with the supported ones named.
A fine-tuned model (`ft:<base>:<org>::<id>`) is judged by its base model.
"""

from __future__ import annotations

import re

_DATE = r"(-\d{4}-\d{2}-\d{2})?"
# Checked first: a known snapshot without json_schema inside an otherwise supported family.
_UNSUPPORTED = tuple(re.compile(p) for p in (
    r"gpt-3\.5-turbo.*", r"gpt-4(-\d{4})?", r"gpt-4-32k.*", r"gpt-4-turbo.*", r"gpt-4-\d{4}-preview",
    r"gpt-4-vision-preview", r"gpt-4o-2024-05-13", r"o1-mini.*", r"o1-preview.*",
    # Image models are not chat models at all.
    r"gpt-image-.*", r"dall-e-.*",
))
_SUPPORTED = tuple(re.compile(p) for p in (
    rf"gpt-4o(-mini)?{_DATE}", rf"gpt-4\.1(-mini|-nano)?{_DATE}", rf"gpt-5(\.\d+)?(-mini|-nano)?{_DATE}",
    rf"o1{_DATE}", rf"o3(-mini)?{_DATE}", rf"o4-mini{_DATE}",
))
# Named in messages; all of them also take images, which QC and metadata send.
SUPPORTED_EXAMPLES: tuple[str, ...] = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5", "gpt-5-mini",
                                       "o4-mini")


def base_model(model: str) -> str:
    """Return the model id in lower case, with a fine-tune reduced to its base model."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    return name


def supports_json_schema(model: str) -> bool | None:
    """Return True (known to support json_schema), False (known not to) or None (not known here)."""
    name = base_model(model)
    if any(p.fullmatch(name) for p in _UNSUPPORTED):
        return False
    if any(p.fullmatch(name) for p in _SUPPORTED):
        return True
    return None


def json_schema_problem(model: str) -> str | None:
    """Return why the model cannot be the app's text model, or None when it can (or is not known here)."""
    if not model.strip() or supports_json_schema(model) is not False:
        return None
    return (f"{model.strip()} cannot answer in a JSON schema (OpenAI Structured Outputs), which prompts, QC and "
            f"metadata need. Use a model that can, such as {', '.join(SUPPORTED_EXAMPLES)}.")

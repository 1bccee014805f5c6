"""What the sandbox language model says: stock prompts, QC verdicts, metadata, schema-shaped JSON."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

QC_FAIL_REASONS = (
    "Visible watermark-like artefact in the lower corner",
    "Distorted text on the sign",
    "Malformed fingers on the left hand",
    "Noticeable noise and banding in the background gradient",
    "Subject is cut off at the frame edge",
    "Unnatural, melted edges around the main subject",
    "Logo-like shape that could be a trademark",
)
QC_PASS_REASON = "Sharp, well-exposed subject on a clean background; no artefacts, text or logos found"
NEGATIVE_PROMPT = "text, watermark, logo, signature, blurry, low quality, distorted, extra limbs"
STOCK_TAGS = (
    "isolated", "background", "clean", "bright", "modern", "minimal", "studio", "colorful", "design",
    "concept", "creative", "object", "nobody", "copy space", "high quality", "simple", "decoration",
    "graphic", "vibrant", "fresh", "commercial", "closeup", "detail", "soft light", "stock",
)
_STOPWORDS = frozenset(
    "a an the of and or for with in on at to from by into over under as is are be this that these those "
    "image photo picture prompt write generate create make please keyword keywords subject about".split()
)
_STYLES = (
    "soft natural window light, shallow depth of field",
    "bright studio lighting, crisp shadows",
    "warm golden-hour light, gentle bokeh",
    "clean high-key lighting, minimal composition",
)
_SUBJECT_LINE = re.compile(r"(?:keywords?|subject|topic|prompt|theme)\s*[:=]\s*(.+)", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“']([^\"”']{3,200})[\"”']")
_COUNT = re.compile(r"(\d{1,2})\s+(?:comma[- ]separated\s+)?(?:keywords|tags)", re.IGNORECASE)


@dataclass
class Conversation:
    """The texts and images of one request, whatever API shape they came in."""

    system: list[str] = field(default_factory=list)
    user: list[str] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)

    @property
    def has_image(self) -> bool:
        """Return whether the request carries an image."""
        return bool(self.images)

    def add_image_url(self, url: str) -> None:
        """Record an image: the decoded bytes of a data URL, else the URL text as its identity."""
        head, sep, payload = url.partition(",")
        if sep and head.startswith("data:") and head.endswith(";base64"):
            try:
                self.images.append(base64.b64decode(payload, validate=False))
                return
            except (binascii.Error, ValueError):
                logger.debug("sandbox got an undecodable data URL")
        self.images.append(url.encode("utf-8"))


def subject_of(conversation: Conversation) -> str:
    """Return the subject the user asks about: a labelled value, a quoted phrase or the last line."""
    text = "\n".join(conversation.user).strip()
    # The user turn names the subject; for image requests the system prompt often carries it instead.
    labelled = _SUBJECT_LINE.findall(text)
    if not labelled and conversation.has_image:
        labelled = _SUBJECT_LINE.findall("\n".join(conversation.system))[:1]
    if labelled:
        return str(labelled[-1]).strip().strip(".\"'")[:200]
    quoted = _QUOTED.findall(text)
    if quoted:
        return str(quoted[-1]).strip()
    system = [line.strip() for line in "\n".join(conversation.system).splitlines() if line.strip()]
    if system and not conversation.has_image and _is_generic(text):
        # A user's prompt template carries the subject in the system turn ("Generate one prompt now").
        return system[0].rstrip(".")[:160]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else "abstract shapes").strip(".")[:200]


def _is_generic(text: str) -> bool:
    """Return True for a user turn that only says "go" (the subject lives in the instructions)."""
    return not [w for w in words_of(text) if w not in _GENERIC_WORDS]


_GENERIC_WORDS = {"now", "following", "instructions", "one", "your", "based", "the", "single"}


def words_of(text: str) -> list[str]:
    """Return the meaningful lower-case words of a text, in order, without duplicates."""
    seen: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]+", text.lower()):
        if word not in _STOPWORDS and word not in seen and len(word) > 2:
            seen.append(word)
    return seen


def stock_prompt(subject: str) -> str:
    """Return a plausible stock-image prompt for a keyword or phrase."""
    style = _STYLES[hashlib.sha256(subject.lower().encode()).digest()[0] % len(_STYLES)]
    return (
        f"Professional stock photograph of {subject.strip()}, centered subject on a plain light background, "
        f"{style}, sharp focus, high detail, commercial quality, no text, no watermark, no logos"
    )


def qc_verdict(conversation: Conversation) -> tuple[bool, str]:
    """Return a deterministic verdict from the image bytes: about one image in four fails."""
    if not conversation.images:
        return True, "No image was attached, so nothing could be rejected"
    digest = hashlib.sha256(b"".join(conversation.images)).digest()
    if digest[0] % 4 == 0:
        return False, QC_FAIL_REASONS[digest[1] % len(QC_FAIL_REASONS)]
    return True, QC_PASS_REASON


def title_for(subject: str) -> str:
    """Return an 8-12 word stock title about the subject."""
    words = [w.capitalize() for w in words_of(subject)[:6]] or ["Abstract", "Shapes"]
    words += ["Isolated", "on", "a", "Clean", "Pastel", "Background"]
    if len(words) < 8:
        words += ["with", "Soft", "Studio", "Lighting"]
    return " ".join(words)


def description_for(subject: str) -> str:
    """Return a 150-250 character stock description about the subject."""
    core = subject.strip().rstrip(".") or "abstract shapes"
    text = (
        f"High quality stock image of {core} on a clean, bright background with soft natural light. "
        "Ideal for advertising, websites, editorial layouts and social media designs."
    )
    if len(text) > 250:
        text = text[:247].rsplit(" ", 1)[0] + "..."
    return text


def keywords_for(subject: str, count: int = 25) -> list[str]:
    """Return `count` distinct keywords: the subject's words first, then stock tags."""
    keywords = words_of(subject)
    keywords += [tag for tag in STOCK_TAGS if tag not in keywords]
    while len(keywords) < count:
        keywords.append(f"{keywords[len(keywords) % 3]} {len(keywords)}")
    return keywords[:count]


def wanted_keyword_count(conversation: Conversation, default: int = 25) -> int:
    """Return the keyword count the instructions ask for ("exactly 15 keywords"), else the default."""
    match = _COUNT.search("\n".join(conversation.system + conversation.user))
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 50 else default


def plain_reply(conversation: Conversation) -> str:
    """Answer without a response schema: QC or metadata JSON for an image, else a stock prompt."""
    subject = subject_of(conversation)
    if not conversation.has_image:
        return stock_prompt(subject)
    instructions = " ".join(conversation.system + conversation.user).lower()
    if any(word in instructions for word in ("title", "keyword", "metadata", "tags", "description")):
        tags = keywords_for(subject, wanted_keyword_count(conversation, 15))
        return json.dumps({"new_title": title_for(subject), "new_description": description_for(subject),
                           "uploadTags": ", ".join(tags)})
    passed, reason = qc_verdict(conversation)
    return json.dumps({"passed": passed, "reason": reason})

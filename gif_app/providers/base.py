"""Capability protocols the pipeline depends on, and the plain data they exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from gif_app.domain import CancelToken, StockMetadata


@dataclass(frozen=True)
class RenderRequest:
    """What to render: one prompt, `count` variations, in one provider call."""

    prompt: str
    count: int = 1
    negative_prompt: str = ""
    width: int | None = None
    height: int | None = None
    output_format: str = "png"
    model: str = ""
    seed: int | None = None
    aspect_ratio: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedImage:
    """One rendered result: its bytes (downloaded or decoded), seed, cost and the vendor's ids."""

    data: bytes
    extension: str
    seed: int | None = None
    cost: float = 0.0
    provider_ids: dict[str, Any] = field(default_factory=dict)
    # A paid result whose file did not arrive has no data, the reason here and its source in provider_ids.
    download_error: str = ""

    @property
    def is_missing(self) -> bool:
        """Return True for a paid result whose download failed (its bytes are not here)."""
        return bool(self.download_error)


@dataclass(frozen=True)
class QCVerdict:
    """The vision model's pass/fail verdict with its reason."""

    passed: bool
    reason: str


@dataclass(frozen=True)
class RemovalResult:
    """A background-removed image and what it cost."""

    data: bytes
    credits: float = 0.0
    width: int | None = None
    height: int | None = None


class PromptWriter(Protocol):
    """Writes one image prompt from a system prompt and a user message."""

    def write_prompt(self, system_prompt: str, user_message: str, cancel: CancelToken | None = None) -> str:
        """Return the prompt text."""
        ...


class ImageGenerator(Protocol):
    """Renders images for a prompt and returns their bytes."""

    name: str

    def render(self, request: RenderRequest, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Render `request.count` images and return them downloaded."""
        ...


@runtime_checkable
class ResultReader(Protocol):
    """Reads a sent task's results back by its id, free: how resume recovers an answer that was lost."""

    name: str

    def read_back(self, task_id: str, count: int, cancel: CancelToken | None = None) -> list[RenderedImage]:
        """Return the task's results (downloaded, or missing with their URL); never send a new paid request.

        Raise ProviderError with code NO_RESULT when the vendor says it has no result for the task (unknown,
        or failed); any other ProviderError is a question that may be asked again later.
        """
        ...


NO_RESULT_CODE = "no_result"  # ProviderError code: the vendor has no result for a task read back


class VisionJudge(Protocol):
    """Decides whether an image would pass a stock site's review."""

    def judge(
        self, image: bytes, mime: str, system_prompt: str, cancel: CancelToken | None = None
    ) -> QCVerdict:
        """Return the verdict for one (downscaled) image."""
        ...


@dataclass(frozen=True)
class CategoryField:
    """One stock site's category question: the names the model may choose from, and how many."""

    site: str
    label: str
    options: tuple[str, ...]
    max_count: int = 1


class MetadataWriter(Protocol):
    """Writes title, description, keywords and each asked site's categories for an image."""

    def describe(
        self, image: bytes, mime: str, system_prompt: str, cancel: CancelToken | None = None,
        categories: tuple[CategoryField, ...] = (),
    ) -> StockMetadata:
        """Return the model's metadata, categories as chosen names per site (limits are the caller's)."""
        ...


class BackgroundRemover(Protocol):
    """Cuts the subject out of its background."""

    name: str

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        """Return a PNG with a transparent background."""
        ...

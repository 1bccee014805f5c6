"""What a background remover reports beyond success or failure: a cut-out smaller than the one asked for."""

from __future__ import annotations

from gif_app.errors import ProviderError
from gif_app.providers.base import RemovalResult


class SmallerResultError(ProviderError):
    """The background was removed but the result is smaller than asked; the paid cut-out travels with it."""

    # The processing recipe decides by the failure policy: "mark_failed" fails the image, "approve" keeps
    # this cut-out and records the message on the image, so a preview is never swapped in silently.
    code = "smaller_than_asked"

    def __init__(self, message: str, *, vendor: str, result: RemovalResult) -> None:
        super().__init__(message, vendor=vendor)
        self.result = result

"""remove.bg API: multipart upload, binary result, credits and size from the response headers.

Size (https://www.remove.bg/api, "size"): "preview" is at most 0.25 MP for 1/4 credit; "full" the original
resolution up to 25 MP (10 MP as PNG) and "50MP" up to 50 MP (10 MP as PNG) for 1 credit; "auto" the
highest resolution the account's credits allow, which is a preview without credits. So:
- a size that costs a whole credit is sent by name after one GET /v1.0/account per remover (one per run);
  the balance is then kept locally from X-Credits-Charged, as remove.bg advises, and an image the balance
  cannot pay for is refused before upload (InsufficientCreditsError, naming the fix);
- every result is measured against what the size asked for; a smaller one (auto on an account without
  credits) raises SmallerResultError carrying the cut-out, for the failure policy to decide.
"""

from __future__ import annotations

import io
import logging
import threading
from typing import Any

import httpx
from PIL import Image, UnidentifiedImageError

from gif_app import charges
from gif_app.domain import CancelToken
from gif_app.errors import (
    AuthenticationError,
    ConfigurationError,
    InsufficientCreditsError,
    PossiblyChargedError,
    ProviderError,
)
from gif_app.prices import Call
from gif_app.providers.base import RemovalResult
from gif_app.providers.http import ClientFactory, build_client, image_extension, send_with_retries
from gif_app.providers.removal import SmallerResultError
from gif_app.vendors import default_base_url

logger = logging.getLogger(__name__)

VENDOR = "removebg"
REMOVE_PATH = "/v1.0/removebg"
ACCOUNT_PATH = "/v1.0/account"
# Sent exactly as written: the anchor turned "50MP" into "auto", which silently changed the output.
SIZES = ("auto", "preview", "full", "50MP", "medium", "hd", "4k", "small", "regular")
TYPES = ("auto", "person", "product", "car", "animal", "graphic", "transportation")
FORMATS = ("auto", "png", "jpg", "webp")
# Sizes billed one credit per image; free API calls do not cover them.
CREDIT_SIZES = frozenset({"full", "4k", "50MP", "medium", "hd"})
CREDIT_COST = 1.0
PREVIEW_COST = 0.25  # a preview without free API calls left
# Largest result per size in megapixels; "auto" asks for the best, as "full" does.
_MAX_MP = {"preview": 0.25, "small": 0.25, "regular": 0.25, "medium": 1.5, "hd": 4.0, "full": 25.0, "4k": 25.0,
           "auto": 25.0, "50MP": 50.0}
_PNG_MAX_MP = 10.0
# Rounding of the scaled sides may cost a few pixels; less than this share of the asked area is "smaller".
_SIZE_TOLERANCE = 0.98


def _choice(kind: str, value: str, allowed: tuple[str, ...]) -> str:
    """Return `value` as remove.bg spells it, or raise ConfigurationError naming the allowed values."""
    for option in allowed:
        if value.lower() == option.lower():
            return option
    raise ConfigurationError(f"remove.bg {kind} {value!r} is not one of {', '.join(allowed)}.")


def _header_float(headers: httpx.Headers, name: str) -> float | None:
    """Return a numeric response header, or None when it is missing or not a number."""
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def _unusable(response: httpx.Response) -> str:
    """Return why a 2xx answer holds no usable cut-out (no image, or one cut short), or ''."""
    if not response.content or response.headers.get("content-type", "").startswith("application/json"):
        return "remove.bg answered without an image."
    try:
        image_extension(response.content)
    except ValueError:
        return "remove.bg sent an image that cannot be decoded."
    return ""


def _pixel_size(data: bytes) -> tuple[int, int] | None:
    """Return an image's (width, height) from its header, or None when it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return picture.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def asked_pixels(size: str, output_format: str, source: tuple[int, int]) -> float:
    """Return the pixel count a size promises for a source image (the source's own, up to the size's cap)."""
    cap = _MAX_MP[size]
    if output_format in ("png", "auto"):
        cap = min(cap, _PNG_MAX_MP)  # remove.bg's PNG limit; "auto" format answers PNG for a cut-out
    return float(min(source[0] * source[1], cap * 1_000_000))


class RemoveBgRemover:
    """Cut the subject out with remove.bg."""

    name = "removebg"

    def __init__(
        self,
        api_key: str,
        base_url: str = default_base_url(VENDOR),
        timeout_s: float = 60.0,
        retries: int = 2,
        size: str = "full",
        bg_type: str = "auto",
        output_format: str = "png",
        backoff_s: float = 2.0,
        client_factory: ClientFactory = build_client,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._size = _choice("size", size, SIZES)
        self._type = _choice("type", bg_type, TYPES)
        self._format = _choice("format", output_format, FORMATS)
        self._backoff_s = backoff_s
        self._client_factory = client_factory
        # The account's credits as this remover last knew them (None: not checked, or the check failed).
        self._balance_lock = threading.Lock()
        self._credits: float | None = None
        self._is_checked = False

    def _client(self) -> httpx.Client:
        """Return a client carrying the key header."""
        if not self._api_key:
            raise ConfigurationError("remove.bg API key is missing. Set it in Settings > API keys.")
        return self._client_factory(self._base_url, self._timeout_s, {"X-Api-Key": self._api_key})

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        """Return the cut-out with its credits and size; SmallerResultError when smaller than asked."""
        form = {"size": self._size, "type": self._type, "format": self._format}
        reserved = self._reserve(cancel)
        try:
            with self._client() as client:
                # remove.bg takes no idempotency key: a call sent but not answered may be billed, so it is never
                # sent again; only a failed connect or an answered refusal (429, 5xx: not charged) is retried.
                response = send_with_retries(
                    client, "POST", REMOVE_PATH, vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
                    cancel=cancel, paid=True, data=form, files={"image_file": (filename, image)},
                )
        except PossiblyChargedError as exc:
            charge = self._possible_charge()
            charges.report(Call(VENDOR, images=1, dims={"size": self._size}))  # billed or not: priced as if it was
            self._settle(reserved, charge)  # assume the worst: the balance keeps what may have been taken
            cause = exc.transport.message if exc.transport is not None else exc.message
            raise PossiblyChargedError(
                f"{cause} remove.bg may have charged this call ({charge:g} credit); not repeated to avoid a "
                "second charge.",
                vendor=VENDOR, charge=charge, transport=exc.transport,
            ) from exc
        except BaseException:
            self._settle(reserved, 0.0)  # remove.bg charges nothing for an error
            raise
        reported = _header_float(response.headers, "X-Credits-Charged")
        charges.report(Call(VENDOR, images=1, dims={"size": self._size}, reported_credits=reported))
        problem = _unusable(response)
        # A 2xx is a cut-out made and paid for; an unusable one without its price header may have cost the most.
        charged = reported if reported is not None else (self._possible_charge() if problem else 0.0)
        self._settle(reserved, charged)
        if problem:
            raise PossiblyChargedError(
                f"{problem} remove.bg charged this call ({charged:g} credit); not repeated to avoid a second charge.",
                vendor=VENDOR, charge=charged,
                transport=ProviderError(problem, vendor=VENDOR, code="invalid_response"),
            )
        width = _header_float(response.headers, "X-Width")
        height = _header_float(response.headers, "X-Height")
        decoded = _pixel_size(response.content)
        if decoded is not None and (width is None or height is None):
            width, height = float(decoded[0]), float(decoded[1])
        result = RemovalResult(
            data=response.content,
            credits=charged,
            width=int(width) if width is not None else None,
            height=int(height) if height is not None else None,
        )
        self._check_size(image, result, decoded)
        return result

    def _possible_charge(self) -> float:
        """Return the most a call of this size can have cost (auto may be a full-size cut-out)."""
        return CREDIT_COST if self._size in CREDIT_SIZES or self._size == "auto" else PREVIEW_COST

    def _reserve(self, cancel: CancelToken | None) -> float:
        """Take a credit size's price from the known balance (checked once), or refuse; return what was taken."""
        if self._size not in CREDIT_SIZES:
            return 0.0
        with self._balance_lock:
            if not self._is_checked:
                self._credits = self._checked_credits(cancel)
                self._is_checked = True
            if self._credits is None:
                return 0.0  # the balance is unknown: remove.bg itself answers 402 when it cannot charge
            if self._credits < CREDIT_COST - 1e-9:
                raise InsufficientCreditsError(
                    f"remove.bg: the account has {self._credits:g} credits and size {self._size} costs "
                    f"{CREDIT_COST:g} credit per image (free API calls only give previews). Add credits at "
                    "remove.bg, or choose the remove.bg size Preview or Auto in Settings → Processing.",
                    vendor=VENDOR, status=402,
                )
            self._credits -= CREDIT_COST
            return CREDIT_COST

    def _checked_credits(self, cancel: CancelToken | None) -> float | None:
        """Return the account's total credits, or None when the check failed for a reason other than the key."""
        try:
            credits = self.account_credits(cancel).get("credits")
            total = credits.get("total") if isinstance(credits, dict) else None
            return float(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None
        except AuthenticationError:
            raise
        except ProviderError as exc:
            logger.warning("remove.bg account check failed (%s); sending size %s unchecked", exc.message,
                           self._size)
            return None

    def _settle(self, reserved: float, charged: float) -> None:
        """Correct the known balance by what remove.bg really charged for a call we reserved credits for."""
        with self._balance_lock:
            if self._credits is not None:
                self._credits += reserved - charged

    def _check_size(self, source: bytes, result: RemovalResult, decoded: tuple[int, int] | None) -> None:
        """Raise SmallerResultError when the cut-out has fewer pixels than the size promised for this source."""
        source_size = _pixel_size(source)
        got = (result.width, result.height) if result.width and result.height else decoded
        if source_size is None or got is None:
            return
        asked = asked_pixels(self._size, self._format, source_size)
        if got[0] * got[1] >= asked * _SIZE_TOLERANCE:
            return
        why = ("with size auto remove.bg answers a 0.25 MP preview when the account has no credits for full "
               "size; add credits, or choose size Full to be told before any upload"
               if self._size == "auto" else "the account may lack the credits for this size")
        raise SmallerResultError(
            f"remove.bg returned {got[0]}x{got[1]} ({got[0] * got[1] / 1e6:.2f} MP, {result.credits:g} credits) "
            f"for size {self._size}, smaller than the {asked / 1e6:.2f} MP asked for this "
            f"{source_size[0]}x{source_size[1]} image: {why}.",
            vendor=VENDOR, result=result,
        )

    def account_credits(self, cancel: CancelToken | None = None) -> dict[str, Any]:
        """Return the account's `attributes` (credits and free API calls) from GET /v1.0/account."""
        with self._client() as client:
            response = send_with_retries(
                client, "GET", ACCOUNT_PATH, vendor=VENDOR, retries=self._retries, backoff_s=self._backoff_s,
                cancel=cancel,
            )
        try:
            attributes = response.json()["data"]["attributes"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                "remove.bg sent an account answer we cannot read.", vendor=VENDOR, code="invalid_response"
            ) from exc
        if not isinstance(attributes, dict):
            raise ProviderError("remove.bg account answer has no attributes.", vendor=VENDOR,
                                code="invalid_response")
        return attributes

"""The one httpx client factory, the retry loop honouring Retry-After, and vendor error translation."""

from __future__ import annotations

import email.utils
import io
import json
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from gif_app import vector
from gif_app.domain import CancelToken
from gif_app.errors import (
    AuthenticationError,
    CancelledError,
    InsufficientCreditsError,
    PossiblyChargedError,
    ProviderError,
    ProviderTimeoutError,
)
from gif_app.logs import mask_fragments
from gif_app.providers.tls import vendor_tls_context
from gif_app.vendors import VENDORS

logger = logging.getLogger(__name__)
T = TypeVar("T")

ClientFactory = Callable[[str, float, dict[str, str] | None], httpx.Client]

VENDOR_NAMES = {v.id: v.label for v in VENDORS}
MAX_DELAY_S = 120.0  # longest single wait between attempts, whatever the vendor asks for
_AUTH_HEADERS = ("authorization", "x-api-key")
# Headers that carry a credential to some vendor; none of them may reach another origin.
_KEY_HEADERS = frozenset({*_AUTH_HEADERS, "api-key", "x-key", "proxy-authorization", "cookie"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
ERROR_TEXT_LIMIT = 200  # characters of a vendor's error text kept in a message
_MIN_SECRET_LEN = 8  # shorter "secrets" (test keys such as "invalid") would shred ordinary words


def build_client(base_url: str, timeout_s: float, headers: dict[str, str] | None = None) -> httpx.Client:
    """Return an httpx client with a timeout on every phase whose keys never leave `base_url`'s origin."""
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0))
    # httpx drops only Authorization on a cross-origin redirect; X-Api-Key would follow it to any host.
    guard = KeyGuard(base_url, headers or {})
    return httpx.Client(base_url=base_url, timeout=timeout, headers=headers, follow_redirects=True,
                        verify=vendor_tls_context(), event_hooks={"request": [guard]})


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    """Return a URL's (scheme, host, port), the default port spelled out."""
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


class KeyGuard:
    """A request hook that strips vendor credentials from every request (a redirect too) off the vendor's origin."""

    def __init__(self, base_url: str, headers: Mapping[str, str]) -> None:
        self._origin = origin_of(httpx.URL(base_url)) if base_url else None
        self._secrets = [s for s in secrets_of(headers) if len(s) >= _MIN_SECRET_LEN]

    def __call__(self, request: httpx.Request) -> None:
        """Remove every auth header, and any header carrying the key, when the request leaves the origin."""
        if self._origin is not None and origin_of(request.url) == self._origin:
            return
        for name, value in list(request.headers.items()):
            if name.lower() in _KEY_HEADERS or any(s in value for s in self._secrets):
                del request.headers[name]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in `text`, and what a cut left of a long one, with a mask."""
    # Longest first, so a key containing another is masked whole; fragments once no whole key is left.
    long_enough = [s for s in sorted(secrets, key=len, reverse=True) if s and len(s) >= _MIN_SECRET_LEN]
    for secret in long_enough:
        text = text.replace(secret, "***")
    for secret in long_enough:
        text = mask_fragments(text, secret, "***")
    return text


def shorten(text: str, secrets: Iterable[str], limit: int = ERROR_TEXT_LIMIT) -> str:
    """Return `text` redacted, then cut to `limit` characters: a cut made first could split a key past masking."""
    return redact(text, secrets)[:limit].strip()


def secrets_of(headers: Mapping[str, str]) -> list[str]:
    """Return the credential values carried by auth headers (Bearer tokens without the scheme too)."""
    found: list[str] = []
    for name, value in headers.items():
        if name.lower() in _AUTH_HEADERS and value:
            found.append(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.lower() == "bearer":
                found.append(token)
    return found


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the wait in seconds a Retry-After value asks for (delta seconds or HTTP-date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def retry_after_from_headers(headers: Mapping[str, str]) -> float | None:
    """Return the server's requested wait from `retry-after-ms` or `Retry-After`, if any."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))


def backoff_delay(attempt: int, backoff_s: float, retry_after: float | None) -> float:
    """Return how long to wait before retry number `attempt + 1`: exponential, at least Retry-After."""
    delay = backoff_s * float(2**attempt)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, MAX_DELAY_S)


def is_retryable_status(status: int) -> bool:
    """Return True for statuses worth another attempt (rate limits, timeouts, server errors)."""
    return status in (408, 425, 429) or status >= 500


def wait_or_cancel(delay: float, cancel: CancelToken | None) -> None:
    """Wait `delay` seconds; raise CancelledError at once if a force stop arrives meanwhile."""
    if delay <= 0:
        check_cancel(cancel)
        return
    if cancel is None:
        threading.Event().wait(delay)
        return
    if cancel.wait_aborted(delay):
        raise CancelledError("Stopped by the user while waiting to retry.")


def check_cancel(cancel: CancelToken | None) -> None:
    """Raise CancelledError if a force stop was requested."""
    if cancel is not None and cancel.is_aborted:
        raise CancelledError("Stopped by the user.")


def check_new_charge(cancel: CancelToken | None) -> None:
    """Raise CancelledError before a paid request once a force stop refuses new charges (a retry included)."""
    if cancel is not None and cancel.refuses_new_charges:
        raise CancelledError("Stopped by the user; no new paid request is sent.")


def vendor_message(vendor: str, body: Any) -> str:
    """Return the vendor's own error message from its JSON error body, or '' if it has none."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    errors = body.get("errors")
    if isinstance(errors, list):
        key = "title" if vendor == "removebg" else "message"
        for item in errors:
            if isinstance(item, dict):
                text = item.get(key) or item.get("message") or item.get("title")
                if text:
                    parts.append(str(text))
    data = body.get("data")
    if vendor == "piapi" and isinstance(data, dict) and isinstance(data.get("error"), dict):
        nested = [str(data["error"][k]) for k in ("message", "raw_message") if data["error"].get(k)]
        if nested:
            parts.append(": ".join(dict.fromkeys(nested)))
    error = body.get("error")
    if isinstance(error, dict) and error.get("message"):
        parts.append(str(error["message"]))
    elif isinstance(error, str) and error:
        parts.append(error)
    if not parts and isinstance(body.get("message"), str) and body["message"]:
        parts.append(body["message"])
    return "; ".join(parts)


def error_from_response(response: httpx.Response, vendor: str, secrets: Iterable[str] = ()) -> ProviderError:
    """Translate a failed HTTP response into the matching gif_app error, in the vendor's words."""
    status = response.status_code
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    secrets = list(secrets)
    # The vendor's own message is kept whole; a raw body is cut, after redaction.
    text = vendor_message(vendor, body) or shorten(response.text, secrets) or response.reason_phrase
    name = VENDOR_NAMES.get(vendor, vendor)
    message = redact(f"{name}: {text} (HTTP {status})", secrets)
    retry_after = retry_after_from_headers(response.headers)
    if status in (401, 403):
        return AuthenticationError(message, vendor=vendor, status=status)
    if status == 402:
        return InsufficientCreditsError(message, vendor=vendor, status=status)
    return ProviderError(
        message,
        vendor=vendor,
        status=status,
        code="rate_limited" if status == 429 else None,
        retry_after=retry_after,
        is_retryable=is_retryable_status(status),
    )


def error_from_transport(exc: httpx.HTTPError, vendor: str, secrets: Iterable[str] = ()) -> ProviderError:
    """Translate an httpx network or timeout failure into a retryable gif_app error."""
    name = VENDOR_NAMES.get(vendor, vendor)
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeoutError(
            f"{name} did not answer in time ({type(exc).__name__}).", vendor=vendor, is_retryable=True
        )
    detail = redact(str(exc) or type(exc).__name__, secrets)
    return ProviderError(
        f"{name} could not be reached: {detail}", vendor=vendor, code="network_error", is_retryable=True
    )


def is_unsent(exc: httpx.HTTPError) -> bool:
    """Return True when a request failed before reaching the vendor (no connection made), so it cost nothing."""
    # Anything later (a read timeout, a connection dropped mid-answer) may come after the vendor did the work.
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def not_repeated(error: ProviderError, vendor: str) -> PossiblyChargedError:
    """Return the error for a paid call that was sent but not answered: it may be billed, so it is not repeated."""
    name = VENDOR_NAMES.get(vendor, vendor)
    return PossiblyChargedError(
        f"{error.message} {name} may have charged this call; not repeated to avoid a second charge.",
        vendor=vendor, transport=error,
    )


def run_abortable(call: Callable[[], T], cancel: CancelToken | None) -> T:
    """Run a blocking call; a force stop returns at once with CancelledError (the call is abandoned).

    A socket blocked in a read cannot be woken from another thread portably, so the call runs on a
    helper thread (bounded by its own timeout) and the caller stops waiting for it.
    """
    if cancel is None:
        return call()
    done = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc
        finally:
            done.set()

    handle = cancel.add_abort_hook(done.set)
    try:
        threading.Thread(target=target, name="gif-provider-call", daemon=True).start()
        done.wait()
    finally:
        cancel.remove_abort_hook(handle)
    if "error" in box:
        raise box["error"]
    if "value" not in box:
        raise CancelledError("Stopped by the user.")
    return box["value"]  # type: ignore[no-any-return]


def send_with_retries(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    vendor: str,
    retries: int,
    backoff_s: float,
    cancel: CancelToken | None,
    paid: bool = False,
    ok_statuses: Collection[int] = (),
    **kwargs: Any,
) -> httpx.Response:
    """Send one request with up to `retries` retries on 429/5xx/network errors; return the 2xx response.

    A `paid` call is retried only when the vendor cannot have done the work: a failed connect, or an
    answer refusing it. Sent but unanswered, it raises PossiblyChargedError. `ok_statuses` are returned too.
    """
    secrets = secrets_of(client.headers) + secrets_of(kwargs.get("headers") or {})
    attempt = 0
    while True:
        check_cancel(cancel)
        if paid:
            check_new_charge(cancel)  # a refused render retried after a force stop would be a new charge
        try:
            response = run_abortable(lambda: client.request(method, url, **kwargs), cancel)
        except httpx.HTTPError as exc:
            check_cancel(cancel)  # a force stop closed the connection under the call
            error = error_from_transport(exc, vendor, secrets)
            if paid and not is_unsent(exc):
                raise not_repeated(error, vendor) from exc
        else:
            if response.is_success or response.status_code in ok_statuses:
                return response
            error = error_from_response(response, vendor, secrets)
        if not error.is_retryable or attempt >= retries:
            raise error
        delay = backoff_delay(attempt, backoff_s, error.retry_after)
        logger.warning(
            "%s request failed (%s), retry %d of %d in %.1f s",
            VENDOR_NAMES.get(vendor, vendor), error.message, attempt + 1, retries, delay,
        )
        wait_or_cancel(delay, cancel)
        attempt += 1


_PIL_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


def image_extension(data: bytes) -> str:
    """Return the file extension of a complete, decodable image (or well-formed SVG); raise ValueError if not."""
    if vector.looks_like_svg(data):  # a vector model's result: checked as XML, Pillow cannot read it
        vector.check_svg(data)
        return vector.EXTENSION
    # Imported here so that importing the HTTP layer never pays for Pillow.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
        with Image.open(io.BytesIO(data)) as full:
            full.load()  # verify() skips pixel data; load() catches a cut-off tail
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a complete image: {exc}") from exc  # a bomb fails this one download only
    return _PIL_EXTENSIONS.get(fmt, fmt.lower() or "png")


def download_image(
    client: httpx.Client,
    url: str,
    *,
    vendor: str,
    retries: int,
    backoff_s: float,
    cancel: CancelToken | None,
) -> tuple[bytes, str]:
    """Download one result image and return its bytes and extension; raise code 'download_failed'."""
    try:
        response = send_with_retries(
            client, "GET", url, vendor=vendor, retries=retries, backoff_s=backoff_s, cancel=cancel
        )
    except ProviderError as exc:
        raise ProviderError(
            f"Download failed: {exc.message}", vendor=vendor, code="download_failed", status=exc.status
        ) from exc
    try:
        return response.content, image_extension(response.content)
    except ValueError as exc:
        name = VENDOR_NAMES.get(vendor, vendor)
        raise ProviderError(
            f"Download failed: {name} sent an image that cannot be decoded ({len(response.content)} bytes).",
            vendor=vendor,
            code="download_failed",
        ) from exc

"""The one TLS context every vendor client uses: the operating system's trust store, through truststore."""

from __future__ import annotations

import functools
import ssl

import truststore


@functools.lru_cache(maxsize=1)
def vendor_tls_context() -> ssl.SSLContext:
    """Return the shared TLS context that verifies against the OS trust store (built once: it is not cheap).

    certifi's bundle alone knows nothing of a company's own root, so behind TLS inspection every vendor call
    failed; the OS store (Keychain, the Windows store, the distribution's CA file) holds what IT installed.
    """
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

"""Vendor clients verify TLS against the OS trust store (truststore), and still reach the loopback sandbox.

Behind a company's TLS inspection the vendors' certificates are signed by the company's own root, which IT
puts in the OS store and certifi's bundle never has. On Linux the OS store is OpenSSL's configured CA file,
which SSL_CERT_FILE names: here a root made for the test plays the company's root.
"""

from __future__ import annotations

import datetime
import http.server
import ssl
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import truststore
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gif_app.providers.http import build_client
from gif_app.providers.key_check import check_key
from gif_app.providers.openai_llm import build_openai_client
from gif_app.providers.tls import vendor_tls_context
from gif_app.sandbox.servers import SandboxServers


def _ssl_context_of(client: httpx.Client) -> object:
    return client._transport._pool._ssl_context  # type: ignore[attr-defined]  # httpx -> httpcore pool


def test_every_vendor_client_uses_the_one_truststore_context() -> None:
    context = vendor_tls_context()
    assert isinstance(context, truststore.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    with build_client("https://api.runware.ai/v1", 5.0, {"Authorization": "Bearer k"}) as client:
        assert _ssl_context_of(client) is context
    openai_client = build_openai_client("sk-test", "https://api.openai.com/v1", 5.0)
    try:
        assert _ssl_context_of(openai_client._client) is context
    finally:
        openai_client.close()


def test_the_loopback_sandbox_still_answers(sandbox: SandboxServers) -> None:
    for vendor in ("openai", "runware", "removebg"):
        result = check_key(vendor, "sandbox-key", sandbox.base_urls[vendor])
        assert result.status == "ok", result
    openai_client = build_openai_client("sandbox-key", sandbox.base_urls["openai"], 10.0)
    try:
        assert openai_client.models.list().data
    finally:
        openai_client.close()


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """Write a company root CA and a localhost certificate it signed; return (root, cert, key) files."""
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name("Inspecting Proxy Root")).issuer_name(_name(
        "Inspecting Proxy Root")).public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(root.subject)
        .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256()))
    paths = folder / "root.pem", folder / "leaf.pem", folder / "leaf.key"
    paths[0].write_bytes(root.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    return paths


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        pass


@pytest.fixture
def inspected_vendor(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve HTTPS on loopback with a certificate from a root only the 'OS store' knows; yield (url, root)."""
    root, cert, key = _certificates(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def fresh_context() -> Iterator[None]:
    vendor_tls_context.cache_clear()
    yield
    vendor_tls_context.cache_clear()


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="SSL_CERT_FILE is the OS store only on Linux (macOS: Keychain, Windows: its cert store)")
def test_a_root_in_the_os_store_is_trusted(inspected_vendor: tuple[str, Path], fresh_context: None,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    url, root = inspected_vendor
    with build_client(url, 10.0) as client, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        client.get("/")  # the company's root is not in the store yet
    vendor_tls_context.cache_clear()
    monkeypatch.setenv("SSL_CERT_FILE", str(root))  # IT installed it
    with build_client(url, 10.0) as client:
        assert client.get("/").json() == {"ok": True}

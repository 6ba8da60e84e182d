"""Media URLs from updates: refused into private networks, pinned to the checked address."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.channels import base

NAME = "cdn.canhgiac.test"


def _certificate(tmp: Path) -> tuple[Path, Path, str]:
    """A self-signed certificate for NAME: (cert file, key file, PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_text(pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file, pem


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """An https server on 127.0.0.1 with a certificate for NAME: (port, CA PEM, Host headers)."""
    cert_file, key_file, pem = _certificate(tmp_path)
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers.get("Host", ""))
            body = b"\xff\xd8 photo"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], pem, hosts
    finally:
        server.shutdown()
        server.server_close()


async def test_pinned_request_reaches_the_address_and_verifies_the_name(
    tls_server: tuple[int, str, list[str]],
) -> None:
    port, pem, hosts = tls_server
    url = f"https://{NAME}:{port}/photos/a.jpg"
    target, headers, extensions = base.pinned_request(url, "127.0.0.1")
    assert target.host == "127.0.0.1"
    verify = ssl.create_default_context(cadata=pem)
    async with httpx.AsyncClient(verify=verify, trust_env=False) as client:
        r = await client.get(target, headers=headers, extensions=extensions)
    assert r.content == b"\xff\xd8 photo"
    assert hosts == [f"{NAME}:{port}"]
    # Without the name for TLS, the certificate does not match the address: the check is real.
    async with httpx.AsyncClient(verify=verify, trust_env=False) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(target, headers=headers)


def test_pinned_request_leaves_unpinned_urls_alone() -> None:
    url = "https://93.184.216.34/a.jpg"
    assert base.pinned_request(url, None) == (httpx.URL(url), {}, {})
    assert base.pinned_request(url, "93.184.216.34") == (httpx.URL(url), {}, {})
    target, headers, ext = base.pinned_request("https://[2001:db8::1]:8443/x", "2001:4860::8888")
    assert str(target) == "https://[2001:4860::8888]:8443/x"
    assert headers == {"Host": "[2001:db8::1]:8443"}
    assert ext == {"sni_hostname": "2001:db8::1"}


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/a.jpg",  # public, but not https
        "https://10.1.2.3/a.jpg",
        "https://192.168.1.1/a.jpg",
        "https://100.64.0.1/a.jpg",  # carrier-grade NAT
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]/a.jpg",
        "https://[::ffff:127.0.0.1]/a.jpg",
        "https://localhost/a.jpg",  # a name: refused after resolving it
        "https:///a.jpg",
        "file:///etc/passwd",
    ],
)
async def test_check_media_url_refuses(url: str) -> None:
    with pytest.raises(base.UnsafeUrl):
        await base.check_media_url(url, trusted="http://127.0.0.1:8081")


async def test_check_media_url_allows_public_https_and_the_trusted_origin() -> None:
    assert await base.check_media_url("https://93.184.216.34/a.jpg") == "93.184.216.34"
    trusted = "http://127.0.0.1:8081"
    assert await base.check_media_url("http://127.0.0.1:8081/file/x.jpg", trusted) is None
    with pytest.raises(base.UnsafeUrl):  # same host, another port: another service
        await base.check_media_url("http://127.0.0.1:5432/", trusted=trusted)


async def test_a_proxied_name_is_left_to_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Behind an egress proxy the machine may not resolve outside names at all.
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "")
    assert await base.check_media_url("https://photo.zalo.test/a.jpg") is None
    with pytest.raises(base.UnsafeUrl):  # an address literal is still checked
        await base.check_media_url("https://10.0.0.5/a.jpg")

"""Endpoint safety: static URL rules, address ranges, DNS answers, and connect-time pinning."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse

from hub.endpoint_safety import (
    EndpointPolicy,
    IPAddress,
    Resolver,
    SafeTransport,
    UnresolvableEndpoint,
    check_endpoint,
    check_url,
    read_capped,
    safe_client,
)
from hub.settings import Settings
from schemas.errors import UnsafeEndpoint
from tests.devtools.portal.serving import serving

NONE = EndpointPolicy()
DEV = EndpointPolicy.from_entries(["localhost", "127.0.0.0/8", "portal.test"])


def fake_dns(answers: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in answers:
            raise UnresolvableEndpoint(f"cannot resolve {host}")
        return [ipaddress.ip_address(a) for a in answers[host]]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://portal.example.gov.vn/hook",
        "ftp://portal.example.gov.vn/hook",
        "/relative/hook",
        "https://user:pw@portal.example.gov.vn/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00:ec2::254]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
    ],
)
def test_refused_without_allow_list(url: str) -> None:
    with pytest.raises(UnsafeEndpoint) as caught:
        check_url(url, NONE)
    assert caught.value.code == "unsafe_endpoint"


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible (deprecated), loopback inside
        "::10.0.0.1",  # IPv4-compatible, private inside
        "::8.8.8.8",  # IPv4-compatible, even with a public address inside
        "::ffff:8.8.8.8",  # IPv4-mapped
        "::ffff:0:a00:1",  # IPv4-translated (SIIT)
        "64:ff9b::7f00:1",  # NAT64 well-known prefix, loopback inside
        "64:ff9b:1::a00:1",  # NAT64 local-use prefix
        "2002:7f00:1::1",  # 6to4 embedding 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 embedding 192.168.1.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "fec0::1",  # site-local (deprecated)
        "100::1",  # discard-only
        "2001:db8::1",  # documentation
        "ff02::1",  # multicast
        "::",  # unspecified
    ],
)
def test_reserved_ipv6_forms_refused_without_allow_list(address: str) -> None:
    """Validated only: none of these is ever dialled."""
    with pytest.raises(UnsafeEndpoint):
        check_url(f"https://[{address}]/hook", NONE)


async def test_a_name_resolving_to_an_ipv4_compatible_address_is_refused() -> None:
    with pytest.raises(UnsafeEndpoint):
        answers = fake_dns({"portal.example": ["::127.0.0.1"]})
        await check_endpoint("https://portal.example/hook", NONE, answers)


@pytest.mark.parametrize("address", ["2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"])
def test_public_ipv6_forms_accepted(address: str) -> None:
    assert check_url(f"https://[{address}]/hook", NONE).port == 443


def test_public_https_ip_accepted() -> None:
    assert check_url("https://93.184.216.34:8443/hook", NONE).port == 8443
    target = check_url("https://93.184.216.34/hook", NONE)
    assert (target.host, target.port) == ("93.184.216.34", 443)
    with pytest.raises(UnsafeEndpoint):
        check_url("https://203.0.113.9/hook", NONE)  # documentation range, not global


def test_allow_list_permits_http_and_private_addresses_for_development() -> None:
    assert check_url("http://localhost:8088/hook", DEV).port == 8088
    assert check_url("http://127.0.0.1:8088/hook", DEV).host == "127.0.0.1"
    with pytest.raises(UnsafeEndpoint):
        check_url("http://10.0.0.1/hook", DEV)


def test_metadata_refused_even_when_allow_listed() -> None:
    policy = EndpointPolicy.from_entries(["169.254.0.0/16"])
    with pytest.raises(UnsafeEndpoint, match="metadata"):
        check_url("http://169.254.169.254/", policy)


def test_policy_reads_settings() -> None:
    policy = EndpointPolicy.from_settings(Settings(endpoint_allowlist=["LocalHost.", "10.0.0.0/8"]))
    assert policy.allows_host("localhost")
    assert policy.allows_host("10.9.9.9")
    assert not policy.allows_host("192.168.0.1")


async def test_hostname_resolving_to_loopback_refused() -> None:
    with pytest.raises(UnsafeEndpoint, match="non-public"):
        await check_endpoint("https://localhost/hook", NONE)


async def test_one_private_answer_among_public_ones_refuses_the_host() -> None:
    dns = fake_dns({"portal.example": ["93.184.216.34", "10.0.0.5"]})
    with pytest.raises(UnsafeEndpoint, match=r"10\.0\.0\.5"):
        await check_endpoint("https://portal.example/hook", NONE, dns)
    ok = fake_dns({"portal.example": ["93.184.216.34"]})
    assert await check_endpoint("https://portal.example/hook", NONE, ok) == [
        ipaddress.ip_address("93.184.216.34")
    ]


async def test_unresolvable_host_refused_at_registration() -> None:
    with pytest.raises(UnresolvableEndpoint):
        await check_endpoint("https://nowhere.invalid/hook", NONE)


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/host")
    async def host(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.headers["host"])

    @app.get("/redirect")
    async def redirect() -> RedirectResponse:
        return RedirectResponse("http://127.0.0.1:1/elsewhere", status_code=302)

    @app.get("/big")
    async def big() -> PlainTextResponse:
        return PlainTextResponse("x" * 1_000_000)

    return app


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    async with serving(_app()) as url:
        yield url


async def test_connect_time_check_refuses_loopback_not_allow_listed(base_url: str) -> None:
    async with safe_client(NONE, timeout_s=5) as client:
        with pytest.raises(UnsafeEndpoint):
            await client.get(f"{base_url}/host")


async def test_transport_connects_to_the_checked_address_keeping_the_host_name(base_url: str) -> None:
    port = httpx.URL(base_url).port
    dns = fake_dns({"portal.test": ["127.0.0.1"]})
    transport = SafeTransport(DEV, resolve=dns)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(f"http://portal.test:{port}/host")
    assert response.text == f"portal.test:{port}"


async def test_rebinding_to_a_private_address_is_refused_at_connect() -> None:
    dns = fake_dns({"portal.example": ["127.0.0.1"]})
    transport = SafeTransport(EndpointPolicy.from_entries(["portal.test"]), resolve=dns)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(UnsafeEndpoint):
            await client.get("https://portal.example/hook")


async def test_unresolvable_at_connect_is_a_retriable_connect_error() -> None:
    transport = SafeTransport(NONE, resolve=fake_dns({}))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("https://portal.example/hook")


async def test_redirects_are_not_followed(base_url: str) -> None:
    async with safe_client(DEV, timeout_s=5) as client:
        response = await client.get(f"{base_url}/redirect")
    assert response.status_code == 302


async def test_response_body_read_up_to_the_limit(base_url: str) -> None:
    async with safe_client(DEV, timeout_s=5) as client, client.stream("GET", f"{base_url}/big") as response:
        body = await read_capped(response, 1000)
    assert body == b"x" * 1000


def _tls_files(tmp_path: Path) -> tuple[Path, Path, ssl.SSLContext]:
    """A CA and a certificate for portal.test signed by it; and a client context trusting the CA."""
    now = datetime.now(UTC)

    def certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: Any) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
        )
        if subject == "test-ca":
            builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    ca = certificate("test-ca", ca_key, ca_name, ca_key)
    leaf = certificate("portal.test", leaf_key, ca_name, ca_key)
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return cert_file, key_file, context


async def test_https_to_a_pinned_address_verifies_the_certificate_for_the_name(tmp_path: Path) -> None:
    cert_file, key_file, trust = _tls_files(tmp_path)
    tls = {"ssl_certfile": str(cert_file), "ssl_keyfile": str(key_file)}
    async with serving(_app(), **tls) as base_url:
        port = httpx.URL(base_url).port
        dns = fake_dns({"portal.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
        policy = EndpointPolicy.from_entries(["portal.test", "other.test"])
        transport = SafeTransport(policy, resolve=dns, pools=lambda: httpx.AsyncHTTPTransport(verify=trust))
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.get(f"https://portal.test:{port}/host")
            assert response.text == f"portal.test:{port}"
            with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
                await client.get(f"https://other.test:{port}/host")


async def test_a_refused_url_is_refused_on_every_push_and_an_accepted_one_keeps_working() -> None:
    """The transport remembers the URLs it checked (one parse per endpoint, not per push): only
    those that passed."""
    answered = httpx.MockTransport(lambda request: httpx.Response(204))
    transport = SafeTransport(DEV, resolve=fake_dns({}), pools=lambda: answered)
    async with httpx.AsyncClient(transport=transport) as client:
        for _ in range(2):
            with pytest.raises(UnsafeEndpoint):
                await client.post("http://user:pw@127.0.0.1:9/hook")
            assert (await client.post("http://127.0.0.1:9/hook")).status_code == 204

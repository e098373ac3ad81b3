"""Endpoint safety: the hub never pushes to its own network, whatever a subscriber registers.

A webhook URL is caller-chosen, so it is a server-side request forgery vector. Guarantees:

- only ``https``, unless the host (or its IP network) is on the development allow-list;
- no address that is loopback, private, link-local, shared, reserved, multicast or unspecified,
  including such addresses embedded in IPv6 (6to4, NAT64), and no reserved IPv6 form at all
  (IPv4-compatible, IPv4-mapped or -translated, NAT64 local-use, Teredo, site-local), unless
  allow-listed;
  cloud metadata addresses never, allow-list or not;
- checked at registration (``check_endpoint``) and again at every connection
  (``SafeTransport``), which connects to the very address it checked, so DNS rebinding between
  check and connect is useless; TLS still verifies the certificate against the host name;
- ``safe_client`` follows no redirects and ignores proxy variables; ``read_capped`` reads a
  response body only up to a limit.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field

import httpx

from hub.settings import Settings
from schemas.errors import InvalidInput, UnsafeEndpoint

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv6 forms never dialled, whatever they carry: each is a way to reach an IPv4 host (often the
# hub's own) that the IPv4 rules would refuse, or a range with no business hosting a portal.
# Python's ``is_global`` misses some of them (``::127.0.0.1`` counts as global in 3.11).
_REFUSED_IPV6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/96",  # IPv4-compatible ::a.b.c.d (deprecated; some stacks route it to IPv4)
        "::ffff:0:0/96",  # IPv4-mapped ::ffff:a.b.c.d
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # NAT64 local-use prefix
        "2001::/32",  # Teredo (the client address inside is obfuscated)
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
    )
)
DEFAULT_PORTS = {"https": 443, "http": 80}


class UnresolvableEndpoint(InvalidInput):
    code = "unresolvable_endpoint"


@dataclass(frozen=True)
class EndpointPolicy:
    """The development allow-list: exact host names and IP networks exempt from the address rules."""

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> EndpointPolicy:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                hosts.add(_normal_host(entry))
        return cls(frozenset(hosts), tuple(networks))

    @classmethod
    def from_settings(cls, settings: Settings) -> EndpointPolicy:
        return cls.from_entries(settings.endpoint_allowlist)

    def allows_host(self, host: str) -> bool:
        if _normal_host(host) in self.allow_hosts:
            return True
        literal = _ip_literal(host)
        return literal is not None and self.allows_address(literal)

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.allow_networks)


def _normal_host(host: str) -> str:
    return host.strip().lower().rstrip(".").strip("[]")


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(_normal_host(host))
    except ValueError:
        return None


def _embedded(address: IPAddress) -> Iterator[IPAddress]:
    """The address and any IPv4 address it carries (a way to smuggle 127.0.0.1 through IPv6)."""
    yield address
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour):
            if inner is not None:
                yield inner
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def _refused_ipv6_form(address: IPAddress) -> bool:
    """A reserved IPv6 form; the NAT64 and 6to4 prefixes pass here, their embedded IPv4 is checked."""
    if not isinstance(address, ipaddress.IPv6Address) or address in _NAT64 or address.sixtofour:
        return False
    return address.is_reserved or any(address in network for network in _REFUSED_IPV6)


def is_public(address: IPAddress) -> bool:
    if _refused_ipv6_form(address):
        return False
    return all(a.is_global and not a.is_multicast and a not in METADATA_ADDRESSES for a in _embedded(address))


def check_address(host: str, address: IPAddress, policy: EndpointPolicy) -> None:
    """Raise ``UnsafeEndpoint`` unless ``host`` may be reached at ``address``."""
    if any(a in METADATA_ADDRESSES for a in _embedded(address)):
        raise UnsafeEndpoint(f"{host} resolves to a cloud metadata address", details={"host": host})
    if is_public(address) or policy.allows_host(host) or policy.allows_address(address):
        return
    raise UnsafeEndpoint(
        f"{host} resolves to a non-public address ({address}); only allow-listed for development",
        details={"host": host, "address": str(address)},
    )


@dataclass(frozen=True)
class Target:
    """A checked URL split into what connecting needs."""

    url: httpx.URL
    host: str
    port: int


def check_url(url: str, policy: EndpointPolicy) -> Target:
    """Static checks (no DNS): scheme, host present, no credentials, IP literals' ranges."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UnsafeEndpoint(f"not a valid URL: {exc}") from exc
    host = parsed.host
    if parsed.scheme not in DEFAULT_PORTS or not host:
        raise UnsafeEndpoint("endpoint must be an absolute https URL", details={"url": url})
    if parsed.scheme != "https" and not policy.allows_host(host):
        raise UnsafeEndpoint("endpoint must use https (plain http only for allow-listed hosts)")
    if parsed.userinfo:
        raise UnsafeEndpoint("credentials in the URL are refused (they would leak into logs)")
    literal = _ip_literal(host)
    if literal is not None:
        check_address(host, literal, policy)
    return Target(parsed, host, parsed.port or DEFAULT_PORTS[parsed.scheme])


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses of ``host``, through the OS resolver, without blocking the loop."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableEndpoint(f"cannot resolve {host}: {exc}", details={"host": host}) from exc
    addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return sorted(addresses, key=lambda a: (a.version, int(a)))


async def resolve_checked(target: Target, policy: EndpointPolicy, resolve: Resolver) -> list[IPAddress]:
    """Every address ``target`` resolves to, all checked: one bad address refuses the host."""
    literal = _ip_literal(target.host)
    addresses = [literal] if literal is not None else await resolve(target.host, target.port)
    if not addresses:
        raise UnresolvableEndpoint(f"{target.host} has no address", details={"host": target.host})
    for address in addresses:
        check_address(target.host, address, policy)
    return addresses


async def check_endpoint(
    url: str, policy: EndpointPolicy, resolve: Resolver = system_resolve
) -> list[IPAddress]:
    """The registration check: raise ``UnsafeEndpoint`` / ``UnresolvableEndpoint``, else the addresses."""
    return await resolve_checked(check_url(url, policy), policy, resolve)


@dataclass
class _AddressCache:
    """Checked addresses per (host, port) for a short time: a resolver call per push is wasteful."""

    ttl_s: float
    entries: dict[tuple[str, int], tuple[float, list[IPAddress]]] = field(default_factory=dict)

    def get(self, key: tuple[str, int]) -> list[IPAddress] | None:
        hit = self.entries.get(key)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def put(self, key: tuple[str, int], addresses: list[IPAddress]) -> None:
        self.entries[key] = (time.monotonic() + self.ttl_s, addresses)


TransportFactory = Callable[[], httpx.AsyncBaseTransport]
CHECKED_URLS = 64  # URLs whose static checks a transport remembers


def _plain_transport() -> httpx.AsyncBaseTransport:
    return httpx.AsyncHTTPTransport(trust_env=False)


class SafeTransport(httpx.AsyncBaseTransport):
    """Checks every request's destination and connects to the checked address itself.

    The URL's host is swapped for the checked IP; the ``Host`` header keeps the name and TLS
    verifies the certificate for it (``sni_hostname``). Addresses are tried in order on connect
    errors. Each host name gets its own connection pool (from ``pools``): pools are keyed by
    address, and a connection verified for one name must never carry a request for another
    name that happens to resolve to the same address.

    Raises ``UnsafeEndpoint`` (permanent) for a refused address, ``httpx.ConnectError``
    (retriable) when the name does not resolve now.
    """

    def __init__(
        self,
        policy: EndpointPolicy,
        *,
        resolve: Resolver = system_resolve,
        dns_ttl_s: float = 30.0,
        pools: TransportFactory = _plain_transport,
    ) -> None:
        self._policy = policy
        self._resolve = resolve
        self._cache = _AddressCache(dns_ttl_s)
        self._new_pool = pools
        self._pools: dict[str, httpx.AsyncBaseTransport] = {}
        self._checked: dict[str, Target] = {}  # a sender pushes to one URL: parsed and checked once

    def _target(self, url: str) -> Target:
        target = self._checked.get(url)
        if target is None:
            target = check_url(url, self._policy)  # raises for a refused URL: never remembered
            if len(self._checked) >= CHECKED_URLS:
                self._checked.clear()
            self._checked[url] = target
        return target

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self._target(str(request.url))
        addresses = await self._addresses(target, request)
        pool = self._pools.get(target.host) or self._pools.setdefault(target.host, self._new_pool())
        for address in addresses[:-1]:
            try:
                return await pool.handle_async_request(_pinned(request, target, address))
            except httpx.ConnectError:
                continue
        return await pool.handle_async_request(_pinned(request, target, addresses[-1]))

    async def _addresses(self, target: Target, request: httpx.Request) -> list[IPAddress]:
        key = (target.host, target.port)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            addresses = await resolve_checked(target, self._policy, self._resolve)
        except UnresolvableEndpoint as exc:
            raise httpx.ConnectError(exc.message, request=request) from exc
        self._cache.put(key, addresses)
        return addresses

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


def _pinned(request: httpx.Request, target: Target, address: IPAddress) -> httpx.Request:
    extensions = dict(request.extensions)
    if target.url.scheme == "https":
        extensions["sni_hostname"] = target.host
    return httpx.Request(
        request.method,
        request.url.copy_with(host=str(address)),
        headers=request.headers,  # keeps Host: <name>
        stream=request.stream,
        extensions=extensions,
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context (httpx's default: certifi's CAs) for every pool of the process: each pool
    made its own, loading the whole CA bundle (about 0.5 MB), so 100 sinks held 47 MB of copies
    (memray, ADR 018)."""
    return httpx.create_ssl_context()


def safe_client(policy: EndpointPolicy, *, timeout_s: float, max_connections: int = 16) -> httpx.AsyncClient:
    """The HTTP client for pushes: safe transport, no redirects, no proxies from the environment."""
    limits = httpx.Limits(max_connections=max_connections)
    return httpx.AsyncClient(
        transport=SafeTransport(
            policy,
            pools=lambda: httpx.AsyncHTTPTransport(trust_env=False, limits=limits, verify=_tls_context()),
        ),
        headers={"Accept-Encoding": "identity"},  # so read_capped's raw bytes are the body
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout_s),
    )


async def read_capped(response: httpx.Response, limit_bytes: int) -> bytes:
    """At most ``limit_bytes`` of a streamed response body; the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk[: limit_bytes - size])
        size += len(chunks[-1])
        if size >= limit_bytes:
            break
    return b"".join(chunks)


__all__ = [
    "EndpointPolicy",
    "IPAddress",
    "Resolver",
    "SafeTransport",
    "Target",
    "TransportFactory",
    "UnresolvableEndpoint",
    "check_address",
    "check_endpoint",
    "check_url",
    "is_public",
    "read_capped",
    "safe_client",
    "system_resolve",
]

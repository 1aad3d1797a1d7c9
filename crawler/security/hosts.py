"""Which URLs a portal may make the crawler fetch: the host policy, pure.

A portal is allowed ``http``/``https`` URLs on its own hosts: the hosts of
its start URLs plus those its registry entry lists under ``allowed_hosts``.
A *host* is the hostname plus the port when the port is not the scheme's
default (``www.gov.cn`` for ``http://www.gov.cn/`` and ``https://www.gov.cn/``,
``127.0.0.1:8081`` for ``http://127.0.0.1:8081/``): another port on the same
machine is another service (Redis on 6379, scrapyd on 6800), so it is another
host.  Addresses that are not globally routable (loopback, private, link-local,
unspecified, …) are refused unless one of the entry's own start URLs is such an
address, which keeps the loopback fixture portals working.

Literal addresses are recognised here, in every form the C library accepts
(``127.0.0.1``, ``2130706433``, ``0x7f.1``, ``[::1]``, ``[::ffff:127.0.0.1]``).
A hostname is resolved by the offsite middleware (Scrapy's own caching
resolver, off the reactor thread, the answer the download then connects to)
and judged here by :meth:`PortalHosts.resolved_refusal`: a name that resolves
to a non-public address is refused unless one of the entry's start URLs is on
a non-public address, spelled or resolved.  A page spelling a non-public
address literally still needs a start URL that spells one.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# What inet_aton reads as an IPv4 address: 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1.
INET_ATON_FORM = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Refusal:
    """Why a URL is not fetched: `reason` names the stats counter, `message` says it plainly."""

    reason: str  # scheme | host | private_address | unknown_portal
    url: str
    message: str


def normalise_hostname(hostname: str) -> str:
    """Lowercase, no trailing dot, IDNA for non-ASCII names (as Scrapy writes request URLs).

    >>> normalise_hostname("WWW.Gov.CN.")
    'www.gov.cn'
    >>> normalise_hostname("政府.中国")
    'xn--mxtq1m.xn--fiqs8s'
    """
    name = hostname.strip().rstrip(".").lower()
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return name


@functools.lru_cache(maxsize=4096)  # asked for every request; addresses are immutable
def literal_address(hostname: str) -> Address | None:
    """The IP address a hostname spells literally, in any form a resolver would accept.

    >>> str(literal_address("2130706433"))
    '127.0.0.1'
    >>> str(literal_address("::ffff:10.0.0.1"))
    '10.0.0.1'
    >>> literal_address("www.gov.cn") is None
    True
    """
    name = hostname.strip("[]")
    address: Address | None
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
        if INET_ATON_FORM.match(name):
            try:
                address = ipaddress.IPv4Address(socket.inet_aton(name))
            except OSError:
                address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_private(address: Address) -> bool:
    """Not a public unicast address: loopback, private, link-local, unspecified, reserved, multicast.

    >>> [is_private(ipaddress.ip_address(a)) for a in ("127.0.0.1", "169.254.1.1", "fe80::1", "0.0.0.0", "1.2.4.8")]
    [True, True, True, True, False]
    """
    return not address.is_global or address.is_multicast


def host_of(url: str) -> str | None:
    """The host key of an http(s) URL, or None when it names no usable host.

    >>> host_of("https://WWW.gov.cn:443/a"), host_of("http://127.0.0.1:8081/"), host_of("http://[::1]:81/")
    ('www.gov.cn', '127.0.0.1:8081', '[::1]:81')
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    if not parts.hostname:
        return None
    name = normalise_hostname(parts.hostname)
    if ":" in name:
        name = f"[{name}]"
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return name
    return f"{name}:{port}"


def host_key(entry: str) -> str:
    """The host key of a registry ``allowed_hosts`` entry (``files.gov.cn`` or ``files.gov.cn:8080``).

    >>> host_key("Files.Gov.CN:8080")
    'files.gov.cn:8080'
    """
    return host_of(f"http://{entry.strip()}/") or entry.strip().lower()


def scheme_refusal(url: str) -> Refusal | None:
    """A refusal when `url` is not http(s) (file:, data:, ftp:, s3:, …).

    >>> scheme_refusal("file:///etc/passwd").reason
    'scheme'
    """
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    if scheme in SCHEMES:
        return None
    return Refusal("scheme", url, f"scheme {scheme or '(none)'!r} is not fetched: only http and https")


def _hostname(key: str) -> str:
    return key.rsplit(":", 1)[0] if not key.endswith("]") and ":" in key else key


def hostname_of(url: str) -> str | None:
    """The hostname of `url` when it is a name to resolve, None for a literal address or no host.

    >>> hostname_of("http://localhost:8081/x"), hostname_of("http://127.0.0.1/"), hostname_of("http://2130706433/")
    ('localhost', None, None)
    """
    host = host_of(url)
    if host is None:
        return None
    name = _hostname(host)
    return None if literal_address(name) is not None else name


@dataclass(frozen=True)
class PortalHosts:
    """One portal's allowed hosts, and whether non-public addresses are among them."""

    portal_id: str
    hosts: frozenset[str]
    private_ok: bool  # a start URL spells a non-public address
    names: tuple[str, ...] = ()  # the start URLs' hostnames that are names, not addresses (resolved to judge)

    @classmethod
    def of(cls, portal_id: str, start_urls: Iterable[str], allowed_hosts: Iterable[str] = ()) -> PortalHosts:
        starts = [h for h in (host_of(u) for u in start_urls) if h]
        private_ok = any((a := literal_address(_hostname(h))) is not None and is_private(a) for h in starts)
        names = tuple(dict.fromkeys(n for h in starts if literal_address(n := _hostname(h)) is None))
        return cls(portal_id, frozenset(starts) | {host_key(h) for h in allowed_hosts}, private_ok, names)

    def resolved_refusal(self, url: str, address: Address, start_private: bool) -> Refusal | None:
        """Why `url`, whose hostname resolved to `address`, may not be fetched; None when it may.

        `start_private`: one of the entry's start URLs is on a non-public
        address (spelled, or its name resolved to one).

        >>> portal = PortalHosts.of("p", ["http://www.gov.cn/"], ["files.gov.cn"])
        >>> portal.resolved_refusal("http://files.gov.cn/a.pdf", ipaddress.ip_address("10.0.0.5"), False).reason
        'private_address'
        >>> portal.resolved_refusal("http://files.gov.cn/a.pdf", ipaddress.ip_address("10.0.0.5"), True) is None
        True
        """
        if not is_private(address) or start_private or self.private_ok:
            return None
        host = host_of(url) or url
        return Refusal(
            "private_address",
            url,
            f"{_hostname(host)} resolves to {address}, a loopback, private or link-local address, and no "
            f"start URL of portal {self.portal_id} is on one",
        )

    def refusal(self, url: str) -> Refusal | None:
        """None when `url` may be fetched for this portal, else why not."""
        wrong_scheme = scheme_refusal(url)
        if wrong_scheme is not None:
            return wrong_scheme
        host = host_of(url)
        if host is None:
            return Refusal("host", url, "the URL names no valid host")
        address = literal_address(_hostname(host))
        if address is not None and is_private(address) and not self.private_ok:
            return Refusal(
                "private_address",
                url,
                f"{address} is a loopback, private or link-local address and no start URL of "
                f"portal {self.portal_id} is one",
            )
        if host not in self.hosts:
            return Refusal(
                "host",
                url,
                f"host {host} is not one of portal {self.portal_id}'s hosts ({', '.join(sorted(self.hosts))}); "
                "list it under allowed_hosts in the registry to allow it",
            )
        return None


@dataclass(frozen=True)
class HostPolicy:
    """The host sets of every portal of a crawl."""

    portals: dict[str, PortalHosts]
    any_host: bool = False  # a spider without a registry (scrapy shell/fetch): the scheme rule only

    @classmethod
    def of(cls, portals: Iterable[PortalHosts], any_host: bool = False) -> HostPolicy:
        return cls({p.portal_id: p for p in portals}, any_host)

    def refusal(self, url: str, portal_id: str | None = None) -> Refusal | None:
        """Why `url` may not be fetched for `portal_id`; None when it may.

        A request that names no portal (robots.txt, which Scrapy makes for a
        host it is about to fetch) is allowed when some portal of the crawl
        allows it.
        """
        if self.any_host and not self.portals:
            return scheme_refusal(url)
        if portal_id is not None:
            portal = self.portals.get(portal_id)
            if portal is None:
                return Refusal("unknown_portal", url, f"portal {portal_id!r} is not one of this crawl's portals")
            return portal.refusal(url)
        # Only a portal listing the host can allow it: those first (a crawl of hundreds of portals asks for
        # every robots.txt); the whole list only to say why a URL is refused.
        if any(p.refusal(url) is None for p in self._by_host.get(host_of(url) or "", ())):
            return None
        refusals = [p.refusal(url) for p in self.portals.values()]
        if not refusals:
            return Refusal("host", url, "this crawl has no portals, so no host is allowed")
        if any(r is None for r in refusals):
            return None
        first = next(r for r in refusals if r is not None)
        if first.reason == "host":
            return Refusal("host", url, f"host {host_of(url)} is not a host of any portal of this crawl")
        return first

    @functools.cached_property
    def _by_host(self) -> dict[str, list[PortalHosts]]:
        """The portals of each host, in the crawl's order."""
        index: dict[str, list[PortalHosts]] = {}
        for portal in self.portals.values():
            for host in portal.hosts:
                index.setdefault(host, []).append(portal)
        return index

    def portals_on(self, url: str) -> list[PortalHosts]:
        """The portals whose hosts include `url`'s host (who a rendered page belongs to)."""
        return list(self._by_host.get(host_of(url) or "", ()))

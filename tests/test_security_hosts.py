"""The host policy as a table: which URL a portal may fetch, and why not."""

from __future__ import annotations

import pytest

from crawler.registry import RegistryError, parse_registry
from crawler.security.hosts import HostPolicy, PortalHosts, host_of, literal_address

PUBLIC = PortalHosts.of("gov", ["http://www.anning.gov.cn/zwgk/ndbg/"], ["files.anning.gov.cn", "10.1.2.3"])
LOOPBACK = PortalHosts.of("fx", ["http://127.0.0.1:8081/ndbg/index.html"])


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://www.anning.gov.cn/a.html", "www.anning.gov.cn"),
        ("https://WWW.Anning.Gov.CN:443/a.html", "www.anning.gov.cn"),
        ("http://www.anning.gov.cn:80/a.html", "www.anning.gov.cn"),
        ("http://www.anning.gov.cn:8080/a.html", "www.anning.gov.cn:8080"),
        ("http://www.anning.gov.cn./a.html", "www.anning.gov.cn"),
        ("http://user:pw@www.anning.gov.cn/a.html", "www.anning.gov.cn"),
        ("http://[::1]:8081/", "[::1]:8081"),
        ("http://www.anning.gov.cn:99999/", None),
        ("http:///a.html", None),
    ],
)
def test_host_is_hostname_plus_a_non_default_port(url: str, host: str | None) -> None:
    assert host_of(url) == host


@pytest.mark.parametrize(
    ("hostname", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::ffff:169.254.169.254]", "169.254.169.254"),
        ("::1", "::1"),
        ("www.anning.gov.cn", None),
        ("cafe.de", None),
    ],
)
def test_literal_addresses_are_read_in_every_form_a_resolver_accepts(hostname: str, address: str | None) -> None:
    found = literal_address(hostname)
    assert (str(found) if found is not None else None) == address


@pytest.mark.parametrize(
    ("portal", "url", "reason"),
    [
        (PUBLIC, "http://www.anning.gov.cn/zwgk/ndbg/t1.html", None),
        (PUBLIC, "https://www.anning.gov.cn/zwgk/ndbg/t1.html", None),  # http → https on the same host
        (PUBLIC, "http://files.anning.gov.cn/P02024.pdf", None),  # listed in allowed_hosts
        (PUBLIC, "file:///etc/passwd", "scheme"),
        (PUBLIC, "FILE:///etc/passwd", "scheme"),
        (PUBLIC, "data:text/html,<h1>x</h1>", "scheme"),
        (PUBLIC, "ftp://www.anning.gov.cn/a.pdf", "scheme"),
        (PUBLIC, "s3://bucket/key", "scheme"),
        (PUBLIC, "http://anning.gov.cn/a.html", "host"),  # no subdomain or parent matching
        (PUBLIC, "http://evil.anning.gov.cn/a.html", "host"),
        (PUBLIC, "http://www.anning.gov.cn:6379/", "host"),  # another port is another host
        (PUBLIC, "http://10.1.2.3/a.html", "private_address"),  # listed, but the start URL is public
        (PUBLIC, "http://127.0.0.1/a.html", "private_address"),
        (PUBLIC, "http://169.254.169.254/latest/meta-data/", "private_address"),
        (PUBLIC, "http://[fe80::1]/", "private_address"),
        (PUBLIC, "http://[fc00::1]/", "private_address"),
        (PUBLIC, "http://0.0.0.0/", "private_address"),
        (PUBLIC, "http://172.16.0.1/", "private_address"),
        (PUBLIC, "http://192.168.1.1/", "private_address"),
        (LOOPBACK, "http://127.0.0.1:8081/ndbg/t1.html", None),  # the entry's own start URL is loopback
        (LOOPBACK, "http://127.0.0.1:8082/ndbg/t1.html", "host"),
        (LOOPBACK, "http://localhost:8081/ndbg/t1.html", "host"),  # the same machine by another name
    ],
)
def test_a_portal_may_fetch_http_on_its_own_hosts_only(portal: PortalHosts, url: str, reason: str | None) -> None:
    refusal = portal.refusal(url)
    assert (refusal.reason if refusal else None) == reason


def test_requests_without_a_portal_pass_when_some_portal_allows_them() -> None:
    policy = HostPolicy.of([PUBLIC, LOOPBACK])

    def reason(url: str, portal_id: str | None = None) -> str | None:
        refusal = policy.refusal(url, portal_id)
        return refusal.reason if refusal else None

    assert reason("http://127.0.0.1:8081/robots.txt") is None  # robots.txt carries no portal_id
    assert reason("http://www.anning.gov.cn/robots.txt") is None
    assert reason("http://other.gov.cn/robots.txt") == "host"
    assert reason("http://127.0.0.1:8081/ndbg/t1.html", "gov") == "private_address"  # another portal's host
    assert reason("http://www.anning.gov.cn/", "nope") == "unknown_portal"


def _entry(**fields: object) -> dict[str, object]:
    return {
        "portals": [{"id": "p", "name": "安宁县", "province": "yunnan", "start_urls": ["http://a.gov.cn/"], **fields}]
    }


def test_allowed_hosts_is_read_from_the_registry() -> None:
    [portal] = parse_registry(_entry(allowed_hosts=["files.a.gov.cn", "a.gov.cn:8080"]), "test").portals
    assert portal.allowed_hosts == ("files.a.gov.cn", "a.gov.cn:8080")


@pytest.mark.parametrize(
    ("hosts", "problem"),
    [
        (["http://files.a.gov.cn"], "not a host"),
        (["files.a.gov.cn/att"], "not a host"),
        (["*.a.gov.cn"], "not a host"),
        (["user@files.a.gov.cn"], "not a host"),
        (["files.a.gov.cn:99999"], "out of range"),
        ("files.a.gov.cn", "expected array"),
        (["files.a.gov.cn", "files.a.gov.cn"], "non-unique"),
    ],
)
def test_bad_allowed_hosts_are_refused_with_the_field_named(hosts: object, problem: str) -> None:
    with pytest.raises(RegistryError, match=r"portal 'p': field 'allowed_hosts.*" + problem):
        parse_registry(_entry(allowed_hosts=hosts), "test")

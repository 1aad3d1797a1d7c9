"""The two spiders behind `scrapy discover` and `scrapy portals --check`.

Both run through the real Scrapy engine with the project's settings:
robots.txt, per-host politeness, retries with backoff, and the host policy
of crawler/security/ (each spider's ``selected`` portals name the hosts
it may fetch: for discovery, the start URL's host plus ``--allow-host``;
for a check, the entry's own hosts).  The rules they apply are pure and
live elsewhere: crawler/cms/discover.py (links, entries),
crawler/cms/fingerprint.py (CMS signals), crawler/cms/liveness.py (verdicts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import scrapy
from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse

from crawler.cms import get_adapter
from crawler.cms.discover import (
    COLUMN_TEXT,
    Column,
    PageLink,
    ProbeResult,
    Site,
    candidate_portal,
    classify,
    column_words,
    describe_site,
    page_key,
    page_links,
    page_title,
    probe,
    same_page,
)
from crawler.cms.fingerprint import Fingerprint, annual_tree_nodes, fingerprints
from crawler.cms.liveness import Check, failure_check, response_check
from crawler.registry import Portal
from crawler.security.hosts import HostPolicy, PortalHosts, host_of
from crawler.security.offsite import policy_for

logger = logging.getLogger(__name__)

MAX_DEPTH = 3  # start page → 信息公开 → 信息公开 sub-page → column
MAX_PAGES = 40  # pages fetched per start URL, candidates and probes included
MAX_PROBES = 3  # further requests a column's adapter may make before a verdict


@dataclass
class Discovery:
    """One start URL's discovery: what was seen, what was found, why nothing was."""

    portal: Portal
    site: Site | None = None
    columns: dict[str, Column] = field(default_factory=dict)
    visited: set[str] = field(default_factory=set)
    fetched: int = 0
    off_host: list[PageLink] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hubs_seen: list[str] = field(default_factory=list)
    candidates_seen: list[str] = field(default_factory=list)


class ColumnDiscovery:
    """From each start URL, follow 信息公开 → 年报 links and prove each column with its own adapter.

    Not a spider itself: the spider that owns it (DiscoverSpider for
    `scrapy discover`, province_reports with ``-a discover=URL``) yields its
    requests; ``on_column`` is called once per column proved and may return
    requests of its own (province_reports crawls the column at once).
    """

    def __init__(
        self,
        urls: Iterable[str],
        allowed_hosts: Iterable[str] = (),
        province: str | None = None,
        level: str | None = None,
        on_column: Callable[[Discovery, Column], Iterable[Request]] | None = None,
    ):
        self.allowed = tuple(allowed_hosts)
        self.province = province
        self.level = level
        self.on_column = on_column
        self.discoveries: list[Discovery] = []
        for n, url in enumerate(urls, 1):
            portal = Portal(
                id=f"discover-{n}", name=url, province="beijing", start_urls=(url,), allowed_hosts=self.allowed
            )
            self.discoveries.append(Discovery(portal))
        self.host_policy = HostPolicy.of(PortalHosts.of(p.id, p.start_urls, p.allowed_hosts) for p in self.portals)

    @property
    def portals(self) -> list[Portal]:
        """The start URLs as pseudo-portals: their hosts (and --allow-host ones) are what discovery may fetch."""
        return [d.portal for d in self.discoveries]

    def attach(self, policy: HostPolicy) -> None:
        """Use the spider's host policy (the one the offsite middleware enforces), adding the start URLs' hosts."""
        for portal in self.portals:
            policy.portals.setdefault(portal.id, PortalHosts.of(portal.id, portal.start_urls, portal.allowed_hosts))
        self.host_policy = policy

    def start_requests(self) -> Iterator[Request]:
        for discovery in self.discoveries:
            url = discovery.portal.start_urls[0]
            discovery.visited.add(page_key(url))
            yield self._request(discovery, url, self.parse, hops=0, trail=[], candidate=False)

    def _discovery(self, response_or_request: Response | Request) -> Discovery:
        pid = response_or_request.meta["portal_id"]
        return next(d for d in self.discoveries if d.portal.id == pid)

    def _request(self, discovery: Discovery, url: str, callback: Any, **meta: Any) -> Request:
        discovery.fetched += 1
        return Request(
            url,
            callback=callback,
            errback=self.failed,
            dont_filter=True,
            meta={"portal_id": discovery.portal.id, "page_kind": "discover", **meta},
        )

    def failed(self, failure: Any) -> None:
        request = failure.request
        discovery = self._discovery(request)
        check = failure_check(failure, discovery.portal.id, request.url)
        message = f"{request.url}: {check.status} ({check.detail})"
        discovery.problems.append(message)
        logger.warning("Discovery %s", message)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """A start, 信息公开 or candidate column page: prove it if it may be a column, then follow its links."""
        discovery = self._discovery(response)
        if not isinstance(response, TextResponse):
            ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
            discovery.problems.append(f"{response.url}: not a text page ({ctype or 'no Content-Type'})")
            return
        depth = int(response.meta.get("hops", 0))
        trail: list[str] = list(response.meta.get("trail") or [])
        if discovery.site is None:
            discovery.site = describe_site(response.text, discovery.portal.start_urls[0], self.province, self.level)
        prints = fingerprints(response.text, response.url)
        platform = next((fp for fp in prints if fp.cms == "json" and fp.start_url), None)
        looks_like_column = bool(COLUMN_TEXT.search(page_title(response.text)))
        if response.meta.get("candidate") or platform is not None or looks_like_column:
            if not response.meta.get("candidate"):  # a followed candidate is listed already, with its link's words
                discovery.candidates_seen.append(f"{page_title(response.text) or '?'} <{response.url}>")
            label = response.meta.get("link_text", "")
            if platform is not None:  # the column is a node of the platform's tree: its name, not the link's
                label = platform_column_name(response.text) or label
            yield from self._prove(response, discovery, platform or prints[0], label, trail)
        columns, hubs = classify(page_links(response.text, response.url))
        for link in columns:
            yield from self._follow(discovery, link, depth + 1, trail, True)
        if depth + 1 < MAX_DEPTH:
            for link in hubs:
                yield from self._follow(discovery, link, depth + 1, [*trail, link.text], False)

    def _follow(
        self, discovery: Discovery, link: PageLink, depth: int, trail: list[str], candidate: bool
    ) -> Iterator[Request]:
        url = link.url.split("#", 1)[0] if "#" in link.url and "gkmlpt" not in link.url else link.url
        if page_key(url) in discovery.visited:
            return
        refusal = self.host_policy.refusal(url, discovery.portal.id)
        if refusal is not None:
            if refusal.reason == "host" and link not in discovery.off_host:
                discovery.off_host.append(link)
            return
        if discovery.fetched >= MAX_PAGES:
            if "page budget" not in " ".join(discovery.problems):
                discovery.problems.append(f"stopped after {MAX_PAGES} pages (page budget)")
            return
        discovery.visited.add(page_key(url))
        (discovery.candidates_seen if candidate else discovery.hubs_seen).append(f"{link.text or '?'} <{url}>")
        yield self._request(
            discovery, url, self.parse, hops=depth, trail=trail, candidate=candidate, link_text=link.text
        )

    def _prove(
        self, response: TextResponse, discovery: Discovery, fp: Fingerprint, link_text: str, trail: list[str]
    ) -> Iterator[Request]:
        """Run the fingerprinted adapter on the page (or on the first requests it makes) until it finds reports."""
        portal = candidate_portal(discovery.portal.id, response.url, fp, self.allowed)
        start = portal.start_urls[0]
        if any(page_key(start) == page_key(c) for c in discovery.columns):
            return
        label = link_text or column_words(page_title(response.text))
        first = get_adapter(portal.cms).first_requests(portal, start)
        if all(same_page(r.url, response.url) for r in first):
            yield from self._judge(response, discovery, portal, fp, probe(response, portal), label, trail, 0)
        else:
            for request in first:
                yield self._probe_request(discovery, request, portal, fp, label, trail, 1)

    def _probe_request(
        self,
        discovery: Discovery,
        request: Request,
        portal: Portal,
        fp: Fingerprint,
        label: str,
        trail: list[str],
        n: int,
    ) -> Request:
        discovery.fetched += 1
        meta = {
            **request.meta,
            "portal_id": discovery.portal.id,
            "page_kind": "discover",
            "probe": (portal, fp, label, trail, n),
        }
        return request.replace(callback=self.parse_probe, errback=self.failed, meta=meta, dont_filter=True)

    def parse_probe(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        discovery = self._discovery(response)
        portal, fp, label, trail, n = response.meta["probe"]
        if not isinstance(response, TextResponse):
            discovery.problems.append(f"{response.url}: the {portal.cms} adapter's request answered no text")
            return
        yield from self._judge(response, discovery, portal, fp, probe(response, portal), label, trail, n)

    def _judge(
        self,
        response: TextResponse,
        discovery: Discovery,
        portal: Portal,
        fp: Fingerprint,
        result: ProbeResult,
        label: str,
        trail: list[str],
        n: int,
    ) -> Iterator[Request]:
        start = portal.start_urls[0]
        # The column's own further pages (index_1, list_2, ?pageNum=2) are not other columns.
        discovery.visited.update(page_key(r.url) for r in result.next_requests)
        discovery.visited.add(page_key(response.url))
        if result.reports:
            if not any(page_key(start) == page_key(c) for c in discovery.columns):
                column = Column(start, fp, label, trail, len(result.reports), result.titles[0])
                discovery.columns[start] = column
                logger.info("Discovery: %s is a %s column (%s)", start, fp.cms, "; ".join(fp.signals))
                if self.on_column is not None:
                    yield from self.on_column(discovery, column)
            return
        if n < MAX_PROBES and discovery.fetched < MAX_PAGES:
            for request in result.next_requests[:3]:
                if self.host_policy.refusal(request.url, discovery.portal.id) is None:
                    yield self._probe_request(discovery, request, portal, fp, label, trail, n + 1)
            if result.next_requests:
                return
        reason = result.stop_reason or "its adapter found no report links"
        discovery.problems.append(f"{start}: looked like a {fp.cms} column ({'; '.join(fp.signals)}) but {reason}")


class DiscoverSpider(scrapy.Spider):
    """`scrapy discover`: the column discovery alone; the command prints what it found."""

    name = "discover_columns"

    def __init__(
        self,
        urls: Iterable[str] = (),
        allowed_hosts: Iterable[str] = (),
        province: str | None = None,
        level: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.discovery = ColumnDiscovery(urls, allowed_hosts, province, level)
        self.selected: list[Portal] = self.discovery.portals
        self.host_policy = policy_for(self)
        self.discovery.attach(self.host_policy)

    @property
    def discoveries(self) -> list[Discovery]:
        return self.discovery.discoveries

    async def start(self) -> Any:
        for request in self.discovery.start_requests():
            yield request


class CheckSpider(scrapy.Spider):
    """Fetch each entry's first listing page once and say whether its column is alive, moved, dead or wrong_cms."""

    name = "check_portals"

    def __init__(self, portals: Iterable[Portal] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.selected: list[Portal] = list(portals)
        self.checks: dict[tuple[str, str], Check] = {}
        self.host_policy = policy_for(self)

    async def start(self) -> Any:
        for portal in self.selected:
            for url in portal.start_urls:
                for request in get_adapter(portal.cms).first_requests(portal, url)[:1]:
                    yield self._request(request, portal, url, 0)

    def _request(self, request: Request, portal: Portal, url: str, hop: int) -> Request:
        meta = {**request.meta, "portal_id": portal.id, "page_kind": "check", "check": (portal.id, url, hop)}
        return request.replace(callback=self.parse, errback=self.failed, meta=meta, dont_filter=True)

    def _portal(self, portal_id: str) -> Portal:
        return next(p for p in self.selected if p.id == portal_id)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        portal_id, url, hop = response.meta["check"]
        portal = self._portal(portal_id)
        check, follow = response_check(response, portal, url, hop)
        first = response.meta.get("check_first") or (response.status, response.url)
        if follow and hop < MAX_PROBES - 1:
            request = self._request(follow[0], portal, url, hop + 1)
            request.meta["check_first"] = first
            yield request
            return
        if hop:  # the verdict came from the adapter's API page: the table shows the listing page's answer
            check = replace(check, http_status=first[0], final_url=first[1])
        self.checks[(portal_id, url)] = check

    def failed(self, failure: Any) -> None:
        portal_id, url, hop = failure.request.meta["check"]
        check = failure_check(failure, portal_id, url)
        if hop:  # the listing page answered; the request its adapter makes next (a list API) did not
            first = failure.request.meta.get("check_first") or (None, None)
            detail = f"the listing page answers, but its adapter's request {failure.request.url} failed: {check.detail}"
            check = replace(check, detail=detail, http_status=first[0], final_url=first[1])
        self.checks[(portal_id, url)] = check

    def results(self) -> list[Check]:
        """One check per entry and start URL, in registry order (never fetched: said so)."""
        rows: list[Check] = []
        for portal in self.selected:
            for url in portal.start_urls:
                rows.append(
                    self.checks.get((portal.id, url))
                    or Check(portal.id, url, "dead", "never answered (the crawl ended first)", None, None)
                )
        return rows


def platform_column_name(text: str) -> str | None:
    """The name of the 年报 node of a platform shell's tree."""
    scripts = "\n".join(Selector(text=text).xpath("//script/text()").getall())
    nodes = annual_tree_nodes(scripts)
    return str(nodes[0]["name"]) if nodes else None


def hosts_of(links: Iterable[PageLink]) -> list[str]:
    return sorted({h for h in (host_of(link.url) for link in links) if h})

"""Refuse every request off the portal's own hosts, before it is downloaded.

Sits first on the engine side (order 50, where Scrapy's OffsiteMiddleware
was), so every request passes it: listing pages, reports, attachments,
robots.txt (made by RobotsTxtMiddleware through the same chain), redirects
and meta refreshes (RedirectMiddleware and MetaRefreshMiddleware return a new
request that the engine schedules again, so it comes back here), and the
listing requests that are rendered in Chromium.  Scrapy's own
OffsiteMiddleware is replaced, not subclassed: it lets every ``dont_filter``
request through (this spider sets it on all of them), knows one domain list
per spider where we need one host set per portal, and drops requests at
scheduling time, where the errback that stores a cover page never runs.

A response is checked too: a 3xx or meta refresh that Scrapy declined to
follow because of its scheme (``file:``), and a rendered page that ended up
on another host, are refused rather than stored as the report.

A hostname is resolved before its request goes on (Scrapy's caching resolver,
in a thread, so the reactor never blocks on DNS; the download then connects to
the same cached answer): a name resolving to a loopback, private or
link-local address is refused unless one of the portal's start URLs is on
such an address (crawler/security/hosts.py).  A name that does not resolve is
left to fail in the download, as it would.

A refusal raises :class:`OffsiteRefused` (an IgnoreRequest, so the request's
errback runs and the rest of the crawl goes on), is counted as
``offsite/<reason>_count``, logged (a warning the first time per portal,
reason and host), and for listing and report pages written to ``pages``
with the reason as its error.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from crawler.middlewares.pagelog import send_page
from crawler.security import browser
from crawler.security.hosts import Address, HostPolicy, PortalHosts, Refusal, host_of, hostname_of, is_private

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
RECORDED_KINDS = ("report", "listing")


class OffsiteRefused(IgnoreRequest):
    """A request the host policy refuses: another scheme, another host, a private address."""

    def __init__(self, refusal: Refusal):
        super().__init__(f"refused ({refusal.reason}): {refusal.url}: {refusal.message}")
        self.refusal = refusal
        self.page_recorded = True  # PageLogMiddleware.process_exception leaves it alone


def policy_for(spider: Spider) -> HostPolicy:
    """The host sets of the spider's selected portals.

    A spider that keeps a policy of its own (``host_policy``) shares it.
    A spider without a portal registry (``scrapy shell``/``scrapy fetch`` use
    Scrapy's default spider) fetches what its user asks for, so only the
    scheme rule applies to it.
    """
    shared = getattr(spider, "host_policy", None)
    if isinstance(shared, HostPolicy):
        # The spider's own policy object, so portals it adds mid-crawl (columns found by
        # ``-a discover=URL``) are enforced here as soon as it adds them.
        return shared
    portals = getattr(spider, "selected", None)
    if portals is None:
        logger.info("Spider %s has no portal registry: only http(s) is enforced, not hosts", spider.name)
        return HostPolicy.of([], any_host=True)
    return HostPolicy.of(PortalHosts.of(p.id, p.start_urls, p.allowed_hosts) for p in portals)


class PortalOffsiteMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.policy = HostPolicy.of([])
        self.warned: set[tuple[str | None, str, str]] = set()
        self.addresses: dict[str, Address] = {}  # hostname -> the address it resolved to in this crawl
        self.start_private: dict[str, bool] = {}  # portal id -> a start URL is on a non-public address
        settings = crawler.settings
        self.meta_refresh = settings.getbool("METAREFRESH_ENABLED")
        self.meta_refresh_maxdelay = settings.getfloat("METAREFRESH_MAXDELAY")
        self.meta_refresh_ignore = settings.getlist("METAREFRESH_IGNORE_TAGS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalOffsiteMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        self.policy = policy_for(spider)
        browser.install(self.policy, self.crawler.stats)
        for portal in self.policy.portals.values():
            logger.debug("Portal %s may fetch from: %s", portal.portal_id, ", ".join(sorted(portal.hosts)))

    async def process_request(self, request: Request) -> None:
        portal_id = request.meta.get("portal_id")
        refusal = self.policy.refusal(request.url, portal_id)
        if refusal is None and self.policy.portals:
            refusal = await self.resolved_refusal(request.url, portal_id)
        if refusal is not None:
            self.refuse(request, refusal)

    async def resolved_refusal(self, url: str, portal_id: str | None) -> Refusal | None:
        """The private-address rule for a hostname, on the address it resolves to."""
        name = hostname_of(url)
        address = await self.resolve(name) if name else None
        if address is None or not is_private(address):
            return None
        portal = self.policy.portals.get(portal_id) if portal_id else None
        portals = [portal] if portal is not None else self.policy.portals_on(url)
        refusals = [p.resolved_refusal(url, address, await self.starts_private(p)) for p in portals]
        if not refusals or any(r is None for r in refusals):
            return None
        return refusals[0]

    async def resolve(self, name: str) -> Address | None:
        """`name`'s address by Scrapy's resolver (DNS_RESOLVER, cached), None when it does not resolve."""
        if name in self.addresses:
            return self.addresses[name]
        from twisted.internet import reactor

        try:
            answer = await maybe_deferred_to_future(reactor.resolve(name))  # type: ignore[arg-type]
            address = ipaddress.ip_address(answer)
        except Exception as exc:  # noqa: BLE001 - unresolvable: the download fails as it would, saying why
            logger.debug("Could not resolve %s: %s", name, exc)
            return None
        self.addresses[name] = address
        return address

    async def starts_private(self, portal: PortalHosts) -> bool:
        """Whether one of the portal's start URLs is on a non-public address, spelled or resolved."""
        if portal.portal_id not in self.start_private:
            private = portal.private_ok
            for name in portal.names:
                address = await self.resolve(name)
                private = private or (address is not None and is_private(address))
            self.start_private[portal.portal_id] = private
        return self.start_private[portal.portal_id]

    def process_response(self, request: Request, response: Response) -> Response:
        portal_id = request.meta.get("portal_id")
        if response.url != request.url:  # rendered: the page Chromium ended up showing
            refusal = self.policy.refusal(response.url, portal_id)
            if refusal is not None:
                self.refuse(request, refusal, f"the rendered page {request.url} ended up there")
        target, how = self._declined_redirect(request, response)
        if target is not None:
            refusal = self.policy.refusal(target, portal_id)
            if refusal is not None:
                self.refuse(request, refusal, f"{how} from {request.url}")
        return response

    def _declined_redirect(self, request: Request, response: Response) -> tuple[str | None, str]:
        """Where a response sends us that Scrapy's redirect middlewares did not follow (or None)."""
        if request.meta.get("dont_redirect"):
            return None, ""
        location = response.headers.get("Location")
        if response.status in REDIRECT_STATUSES and location:
            return urljoin(request.url, safe_url_string(location)), f"HTTP {response.status} redirect"
        if self.meta_refresh and isinstance(response, HtmlResponse):
            interval, url = get_meta_refresh(response, ignore_tags=self.meta_refresh_ignore)
            if url and interval is not None and interval < self.meta_refresh_maxdelay:
                return url, "meta refresh"
        return None, ""

    def refuse(self, request: Request, refusal: Refusal, via: str | None = None) -> None:
        """Count, log and record the refusal, then raise it."""
        redirected = request.meta.get("redirect_urls")
        if via is None and redirected:
            via = f"{request.meta.get('redirect_reasons', ['redirect'])[-1]} from {redirected[-1]}"
        stats = self.crawler.stats
        stats.inc_value(f"offsite/{refusal.reason}_count")
        stats.inc_value("offsite/refused_count")
        portal_id = request.meta.get("portal_id")
        kind = request.meta.get("page_kind", "other")
        error = f"refused ({refusal.reason}): {refusal.message}" + (f" [{via}]" if via else "")
        key = (portal_id, refusal.reason, host_of(refusal.url) or refusal.url.split(":", 1)[0])
        level = logging.DEBUG if key in self.warned else logging.WARNING
        self.warned.add(key)
        logger.log(level, "Refused %s request to %s (portal %s): %s", kind, refusal.url, portal_id, error)
        if kind in RECORDED_KINDS:
            send_page(self.crawler, self._target(request, refusal.url), "refused", error=error[:500])
        raise OffsiteRefused(refusal)

    @staticmethod
    def _target(request: Request, url: str) -> Request:
        """The refused URL as a request carrying the original's meta (for its `pages` record)."""
        if url == request.url:
            return request
        try:
            return request.replace(url=url)
        except ValueError:
            return request


def refusal_of(failure: Any) -> Refusal | None:
    """The refusal behind an errback's failure, when it is one."""
    value = getattr(failure, "value", None)
    return value.refusal if isinstance(value, OffsiteRefused) else None

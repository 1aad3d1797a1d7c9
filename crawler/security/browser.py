"""The same host policy inside Chromium: abort what a rendered page asks of other hosts.

Two hooks, because a rendered page's requests take two paths:

* :func:`guard_page`, called by the page init callback with the Scrapy
  request, routes every request of the page (documents, frames, scripts,
  images, XHR) first and aborts those the page's own portal may not fetch;
  WebSockets, which page routes do not see, are closed unless allowed.
* :func:`abort_request` is ``PLAYWRIGHT_ABORT_REQUEST``: scrapy-playwright
  asks it about every request that reaches its own route.  It is handed only
  the Playwright request, so it allows what the portals of the page's
  current host may fetch (any portal of the crawl while the page is blank).

Service workers, whose own fetches pass no page route, are blocked in the
browser context (``service_workers: block``, crawler/browser/handler.py).
Not covered by routes: Chromium's own DNS lookups and preconnects, and
WebRTC's STUN traffic (no HTTP request is sent by either).

The policy is installed by :class:`crawler.security.offsite.PortalOffsiteMiddleware`
when the spider opens: scrapy-playwright loads the predicate by name and
gives it no crawler, so it is kept here, per process.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

from crawler.security.hosts import HostPolicy, PortalHosts, Refusal, scheme_refusal

if TYPE_CHECKING:
    from playwright.async_api import Page, Route, WebSocketRoute
    from playwright.async_api import Request as PlaywrightRequest
    from scrapy import Request
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

ALL = re.compile(r".*")
_state: dict[str, Any] = {"policy": None, "stats": None}


def install(policy: HostPolicy, stats: StatsCollector | None) -> None:
    """Make `policy` the one rendered pages are held to (one crawl per process)."""
    _state["policy"], _state["stats"] = policy, stats


def _count(refusal: Refusal, url: str) -> None:
    stats = _state["stats"]
    if stats is not None:
        stats.inc_value(f"offsite/{refusal.reason}_count")
        stats.inc_value("offsite/browser_count")
    logger.info("Browser: aborted request to %s: %s", url, refusal.message)


def _refusal(url: str, portal: PortalHosts | None) -> Refusal | None:
    policy: HostPolicy | None = _state["policy"]
    if url.startswith(("data:", "blob:", "about:")):  # in-page content, no fetch leaves the browser
        return None
    if portal is not None:
        return portal.refusal(url)
    if policy is None:  # no crawl installed a policy: still only http(s)
        return scheme_refusal(url)
    return policy.refusal(url)


def _page_url(pw_request: PlaywrightRequest) -> str:
    try:
        return pw_request.frame.page.url
    except PlaywrightError:  # a service worker's request has no frame
        return ""


async def abort_request(pw_request: PlaywrightRequest) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: True for a request the page's portal(s) may not make."""
    policy: HostPolicy | None = _state["policy"]
    owners: list[PortalHosts | None] = list(policy.portals_on(_page_url(pw_request))) if policy else []
    refusal: Refusal | None = None
    for portal in owners or [None]:
        refusal = _refusal(pw_request.url, portal)
        if refusal is None:
            return False
    if refusal is not None:
        _count(refusal, pw_request.url)
    return refusal is not None


async def guard_page(page: Page, request: Request) -> None:
    """Page init callback step: hold every request of this page to its portal's hosts.

    Call it last in the page init callback: the route registered last runs
    first, so a refused document is aborted before any other route fetches it.
    """
    policy: HostPolicy | None = _state["policy"]
    portal_id = request.meta.get("portal_id")
    portal = policy.portals.get(portal_id) if policy is not None and portal_id else None

    async def route(route: Route, pw_request: PlaywrightRequest) -> None:
        refusal = _refusal(pw_request.url, portal)
        if refusal is None:
            await route.fallback()
            return
        _count(refusal, pw_request.url)
        await route.abort("blockedbyclient")

    async def websocket(ws: WebSocketRoute) -> None:
        refusal = _refusal(ws.url.replace("ws", "http", 1), portal)
        if refusal is None:
            ws.connect_to_server()
            return
        _count(refusal, ws.url)
        await ws.close(code=1008, reason="refused by the crawler's host policy")

    await page.route("**", route)
    await page.route_web_socket(ALL, websocket)

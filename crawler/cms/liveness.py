"""Is a registry column still there? The verdicts of `scrapy portals --check`, pure.

One fetch of an entry's first listing page (and, where its adapter needs
them, up to two more requests: a JSON platform's API, a year column) ends
in one of:

* ``alive`` — the page answered and the declared ``cms`` adapter finds
  report links (or the pager that leads to them);
* ``moved`` — an HTTP redirect or a meta refresh took the request
  elsewhere (``final_url`` is the target; also when the target is on
  another host and so not fetched), or the page says it moved (已迁移,
  新网址 …) and links the new place;
* ``dead`` — 404/410, DNS failure, connection refused, timeouts or 5xx
  after the retries;
* ``wrong_cms`` — the page is alive but the declared adapter finds
  nothing while another family's fingerprint matches (named in ``detail``);
* ``blocked`` — robots.txt forbids the page, or the portal answers
  401/403/412 (an anti-bot wall): alive perhaps, but not for us;
* ``empty`` — alive, yet no adapter finds report links or a pager on it.

Each check is one row of ``portal_checks`` (migration v6), so a scheduled
run leaves a history of which columns need attention.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_meta_refresh
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.cms.discover import candidate_portal, page_key, probe
from crawler.cms.fingerprint import fingerprints
from crawler.security.offsite import OffsiteRefused

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy import Request
    from scrapy.http import Response

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

STATUSES = ("alive", "moved", "dead", "wrong_cms", "blocked", "empty")
DEAD_STATUSES = {404, 410}
BLOCKED_STATUSES = {401, 403, 412}
MOVED_TEXT = re.compile(
    r"已迁移|已迁至|迁移至|已搬迁|已改版|已调整至|已移至|已更换|新网址|新地址|页面已移动|栏目已调整|已停止更新"
)


@dataclass(frozen=True)
class Check:
    """One entry's start URL, checked."""

    portal_id: str
    url: str
    status: str
    detail: str
    http_status: int | None
    final_url: str | None


def response_check(response: Response, portal: Portal, url: str, hop: int) -> tuple[Check, list[Request]]:
    """The verdict on a page that answered, and the adapter's next request when the page alone cannot tell."""
    final = response.url
    redirects = response.meta.get("redirect_urls") or []
    reasons = response.meta.get("redirect_reasons") or []
    if not isinstance(response, TextResponse):
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
        return Check(
            portal.id, url, "empty", f"not a text page ({ctype or 'no Content-Type'})", response.status, final
        ), []
    result = probe(response, portal)
    if redirects and hop == 0 and same_place(redirects[0], final):
        redirects = []  # /nb → /nb/, http → https: the same page, not a move worth anyone's attention
    if redirects and hop == 0:
        how = (
            "meta refresh"
            if reasons and reasons[-1] == "meta refresh"
            else f"HTTP {reasons[-1] if reasons else 'redirect'}"
        )
        found = (
            f"; there the {portal.cms} adapter finds {len(result.reports)} report link(s): update start_urls"
            if result.reports
            else ""
        )
        first = reasons[0] if reasons and isinstance(reasons[0], int) else response.status
        return Check(portal.id, url, "moved", f"{how} to {final}{found}", first, final), []
    if result.reports:
        pager = f", pager declares {result.declared_pages} page(s)" if result.declared_pages else ""
        detail = f"{len(result.reports)} report link(s){pager}, e.g. {result.titles[0]}"
        return Check(portal.id, url, "alive", detail, response.status, final), []
    if result.next_requests:
        detail = f"the {portal.cms} adapter finds the pager ({len(result.next_requests)} further request(s)) but no report titles yet"
        return Check(portal.id, url, "alive", detail, response.status, final), result.next_requests[:1]
    target = moved_notice(response)
    if target is not None:
        return Check(portal.id, url, "moved", f"the page says it moved, linking {target}", response.status, target), []
    other = other_family(response, portal)
    if other is not None:
        return Check(portal.id, url, "wrong_cms", other, response.status, final), []
    why = f" ({result.stop_reason})" if result.stop_reason else ""
    return Check(
        portal.id, url, "empty", f"no adapter finds report links or a pager here{why}", response.status, final
    ), []


def same_place(a: str, b: str) -> bool:
    """The same page but for the scheme, a trailing slash or an index file (page_key)."""

    def key(url: str) -> str:
        return page_key(url).split("://", 1)[-1].rstrip("/")

    return key(a) == key(b)


def moved_notice(response: TextResponse) -> str | None:
    """The new address a "this column moved" page gives (a slow meta refresh, or the link by the notice)."""
    selector = Selector(text=response.text)
    words = " ".join(selector.xpath("//body//text()").getall())
    _interval, refresh = get_meta_refresh(response)
    if refresh:
        return refresh
    if not MOVED_TEXT.search(words):
        return None
    for anchor in selector.css("a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        if href and not href.lower().startswith(("javascript:", "#", "mailto:")):
            return urljoin(response.url, href)
    return None


def other_family(response: TextResponse, portal: Portal) -> str | None:
    """Why the page belongs to another CMS family than the entry declares, or None."""
    for fp in fingerprints(response.text, response.url):
        if fp.cms == portal.cms:
            continue
        alternative = candidate_portal(portal.id, response.url, fp, portal.allowed_hosts)
        try:
            found = probe(response, alternative).reports
        except Exception as exc:  # noqa: BLE001 - a page that breaks another adapter says nothing either way
            logger.debug("Check %s: the %s adapter failed on it: %s", response.url, fp.cms, exc)
            found = []
        specific = fp.signals != ("plain HTML list",)
        if found or (specific and fp.cms != "static"):
            options = f" with options {fp.options}" if fp.options else ""
            seen = f", whose adapter finds {len(found)} report link(s)" if found else ""
            return (
                f"declared cms {portal.cms} finds nothing; the page shows {fp.cms}{options} "
                f"({'; '.join(fp.signals)}){seen}"
            )
    return None


def failure_check(failure: Any, portal_id: str, url: str) -> Check:
    """The verdict on a request that failed after the retries (or was refused)."""
    value = failure.value
    request = failure.request
    redirected = request.meta.get("redirect_urls") or []
    via = f" (redirected from {redirected[0]})" if redirected else ""
    if isinstance(value, OffsiteRefused):
        refusal = value.refusal
        if redirected or refusal.url != request.url:
            detail = f"redirects to {refusal.url}, not followed: {refusal.message}"
            return Check(portal_id, url, "moved", detail, None, refusal.url)
        return Check(portal_id, url, "blocked", f"refused by the host policy: {refusal.message}", None, request.url)
    if isinstance(value, HttpError):
        response = value.response
        status = response.status
        if status in DEAD_STATUSES:
            return Check(portal_id, url, "dead", f"HTTP {status}{via}", status, response.url)
        if status in BLOCKED_STATUSES:
            return Check(
                portal_id, url, "blocked", f"HTTP {status} (refused or an anti-bot wall){via}", status, response.url
            )
        return Check(portal_id, url, "dead", f"HTTP {status} after retries{via}", status, response.url)
    if "robots.txt" in str(value):
        return Check(portal_id, url, "blocked", "robots.txt forbids fetching it", None, request.url)
    kinds: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
        ((CannotResolveHostError, DNSLookupError), "DNS lookup failed"),
        ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection refused"),
        ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timed out"),
    )
    for kind, words in kinds:
        if isinstance(value, kind):
            return Check(portal_id, url, "dead", f"{words} after retries", None, None)
    return Check(portal_id, url, "dead", f"{type(value).__name__} after retries: {value}", None, None)


def store_checks(db: sqlite_utils.Database, checks: Iterable[Check], now: str) -> int:
    """Append the checks to ``portal_checks``; return how many rows were written."""
    rows = [{**asdict(check), "checked_at": now} for check in checks]
    with db.atomic():
        db.table("portal_checks").insert_all(rows)
    return len(rows)


def format_checks(checks: list[Check]) -> str:
    """An aligned table (id, status, http, url, detail) and a count per status."""
    header = ("id", "status", "http", "url", "detail")
    rows = [header] + [
        (
            c.portal_id,
            c.status,
            str(c.http_status or "-"),
            c.url,
            c.detail
            + (f" → {c.final_url}" if c.status == "moved" and c.final_url and c.final_url not in c.detail else ""),
        )
        for c in checks
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]
    counts = {s: sum(1 for c in checks if c.status == s) for s in STATUSES}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "0 checked")
    return "\n".join(lines)

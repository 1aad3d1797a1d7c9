"""The spider: walk each portal column's listing, fetch its annual reports.

Arguments (the contract in DESIGN.md): ``province`` (slug or Chinese name;
all when omitted), ``portals`` (path of a YAML registry replacing the bundled
one), ``years`` (``2021-2024`` or ``2023``), ``refresh`` (``1`` re-fetches
known reports and walks every listing page), ``discover`` (``URL[,URL…]``:
no registry; the 年报 columns are found from these home pages, as `scrapy
discover` finds them, and crawled at once; ``province`` then names their
province).  The store is ``REPORTS_DB``.

Requests bypass Scrapy's persisted dupefilter (``dont_filter``) and are
de-duplicated here, per run: after a SIGKILL the JOBDIR's ``requests.seen``
may list requests whose results never reached the database, and trusting it
would lose them.  The database is the only record of what is done.

Incremental by design: reports already stored are not fetched again, and a
newest-first listing stops paging at the first page whose reports are all
known — but only when the previous crawl of that listing finished, so a
crawl killed halfway is resumed, not cut short.

Attachments: a report page that holds little text of its own (no 一、…
parts) but links a PDF/DOCX/DOC (详见附件, 附件：….pdf) is a cover page: the
attachment is fetched as the report (meta ``attachment_of`` = the page's
URL) and the cover page's URL is kept as the report's ``link_url``, so a
re-crawl knows it.  A full-text report page that also links a copy is
stored as HTML; the copy is not fetched.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.http import Response, TextResponse
from w3lib.url import canonicalize_url

from crawler.arguments import parse_discover, parse_refresh, parse_years
from crawler.attachments.detect import may_link_attachment
from crawler.attachments.links import attachment_to_follow
from crawler.budgets import download_budget_error, html_budget_error
from crawler.cms import get_adapter
from crawler.cms.base import oversized
from crawler.cms.discover import Column, column_entry
from crawler.cms.probes import ColumnDiscovery, Discovery
from crawler.cms.walks import ListingWalks
from crawler.items import ReportItem
from crawler.parsing.titles import is_report_title, title_year
from crawler.registry import Portal, Registry, RegistryError, load_registry
from crawler.security.hosts import PortalHosts
from crawler.security.offsite import policy_for, refusal_of
from crawler.spiders import flipbook, table_images
from crawler.spiders.chains import linked_url, report_meta
from crawler.storage import (
    completed_listings,
    known_report_urls,
    mark_listings_complete,
    mark_listings_incomplete,
    open_db,
)

logger = logging.getLogger(__name__)


def fetched(response: Response) -> dict[str, Any]:
    """What a report item needs of a response (plain data: it may travel in request meta)."""
    ctype = response.headers.get("Content-Type")
    return {
        "url": canonicalize_url(response.url),
        "status": response.status,
        "content_type": ctype.decode("latin-1") if ctype else None,
        "body": response.body,
    }


class ProvinceReportsSpider(scrapy.Spider):
    name = "province_reports"

    def __init__(
        self,
        province: str | None = None,
        portals: str | None = None,
        years: str | None = None,
        refresh: str | int | None = None,
        discover: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.province = province
        self.portals_path = portals
        self.years = parse_years(years)
        self.refresh = parse_refresh(refresh)
        self.discovery: ColumnDiscovery | None = None
        if discover:  # no registry: the columns found from these pages are the portals (added as found)
            self.registry: Registry = Registry((), source="discover")
            self.selected: list[Portal] = []
            self.discovery = ColumnDiscovery(parse_discover(discover), (), province, None, self._discovered)
        else:
            self.registry = load_registry(portals)
            self.selected = self.registry.select(province=province)
        if not self.selected and self.discovery is None:
            raise RegistryError(f"no portal in {self.registry.source} for province={province!r}")
        for portal in self.selected:
            get_adapter(portal.cms)  # fail now, not mid-crawl, on an unknown cms
        self.known: set[str] = set()
        self.complete: set[str] = set()
        self.walks = ListingWalks()
        self.incomplete_listings: list[tuple[str, str, str]] = []  # (start_url, portal_id, reason), at close
        self.requested: set[bytes] = set()
        self.host_policy = policy_for(self)
        if self.discovery is not None:
            self.discovery.attach(self.host_policy)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ProvinceReportsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _opened(self, spider: scrapy.Spider) -> None:
        """Load what the store already holds, once add-ons have made the settings final.

        Not in ``from_crawler``: Scrapy creates the spider before it applies
        add-ons, and the distributed add-on empties ``REPORTS_DB`` for workers.
        """
        db_path = self.crawler.settings.get("REPORTS_DB")
        if db_path and not self.refresh:
            db = open_db(db_path)
            self.known = known_report_urls(db)
            self.complete = completed_listings(db)
            db.close()

    async def start(self) -> AsyncIterator[Request]:
        if self.crawler.settings.get("REDIS_URL"):
            # Distributed crawl: listing requests were seeded into the shared
            # Redis queue by `scrapy seed`; every worker just takes from it.
            return
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterable[Request]:
        if self.discovery is not None:
            yield from self.discovery.start_requests()
        for portal in self.selected:
            adapter = get_adapter(portal.cms)
            for url in portal.start_urls:
                for request in adapter.first_requests(portal, url):
                    if self._first_time(request):
                        yield self._listing_request(request, portal, url)

    def _discovered(self, discovery: Discovery, column: Column) -> Iterable[Request]:
        """A column proved by ``-a discover``: made a portal of this crawl (hosts included) and walked now."""
        assert self.discovery is not None and discovery.site is not None
        entry = column_entry(column, discovery.site, {p.id for p in self.selected})
        portal = Portal(
            id=entry["id"],
            name=entry["name"],
            province=entry["province"],
            start_urls=tuple(entry["start_urls"]),
            cms=entry["cms"],
            level=entry.get("level"),
            options=entry["options"],
            evidence=entry["evidence"],
        )
        self.selected.append(portal)
        self.host_policy.portals[portal.id] = PortalHosts.of(portal.id, portal.start_urls, portal.allowed_hosts)
        logger.info("Discovered column %s (%s) at %s: crawling it", portal.id, portal.cms, portal.start_urls[0])
        for url in portal.start_urls:
            for request in get_adapter(portal.cms).first_requests(portal, url):
                if self._first_time(request):
                    yield self._listing_request(request, portal, url)

    def _first_time(self, request: Request) -> bool:
        """True the first time this run asks for `request` (see module docstring)."""
        fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
        if fingerprint in self.requested:
            return False
        self.requested.add(fingerprint)
        return True

    def _listing_request(self, request: Request, portal: Portal, start_url: str) -> Request:
        meta = {**request.meta, "portal_id": portal.id, "start_url": start_url, "page_kind": "listing"}
        meta.setdefault("listing_max_pages", self.crawler.settings.getint("LISTING_MAX_PAGES", 200))
        meta.setdefault("listing_max_links", self.crawler.settings.getint("LISTING_MAX_LINKS", 5_000))
        if portal.cms == "browser" or portal.option("render"):
            meta["render"] = True  # rendered in headless Chromium (scrapy-playwright)
        return request.replace(callback=self.parse, errback=self.listing_failed, meta=meta, dont_filter=True)

    def _portal(self, portal_id: str) -> Portal:
        return next(p for p in self.selected if p.id == portal_id)

    def parse(self, response: Response, **kwargs: Any) -> Iterable[Request]:
        """A listing page: queue new reports, then the next page if worth it."""
        portal = self._portal(response.meta["portal_id"])
        start_url = response.meta["start_url"]
        if not isinstance(response, TextResponse):
            logger.warning("Listing %s is not text (%s); skipped", response.url, response.headers.get("Content-Type"))
            return
        page = oversized(response) or get_adapter(portal.cms).parse(response, portal)
        self._count(portal.id, "listing_pages")
        reports = [link for link in page.links if is_report_title(link.title)]
        self.crawler.stats.inc_value("listing/links_count", len(page.links))
        self.crawler.stats.inc_value("listing/non_report_links_count", len(page.links) - len(reports))
        new = 0
        for link in reports:
            if self.years and not self._year_wanted(link.title):
                self.crawler.stats.inc_value("listing/outside_years_count")
                continue
            if link.url in self.known:
                self.crawler.stats.inc_value("listing/known_report_count")
                self._count(portal.id, "known")
                continue
            # A link the host policy refuses is requested (so `pages` says why it is missing)
            # but is no new report: it must not keep an incremental crawl paging on.
            if self.host_policy.refusal(link.url, portal.id) is None:
                new += 1
            request = Request(
                link.url,
                callback=self.parse_report,
                errback=self.report_failed,
                priority=10,
                dont_filter=True,
                meta={
                    "portal_id": portal.id,
                    "page_kind": "report",
                    "listing_url": response.url,
                    "link_title": link.title,
                    "link_date": link.date,
                },
            )
            if self._first_time(request):
                self._count(portal.id, "new_links")
                yield request
        all_known = bool(reports) and new == 0 and not self.years
        if all_known and start_url in self.complete and not self.refresh:
            logger.info("Listing %s: every report already stored; not paging further", response.url)
            self.crawler.stats.inc_value("listing/stopped_known_count")
            self.walks.record(start_url, page, response.url, followed=[], stopped_known=True)
            return
        followed = []
        for request in page.next_requests:
            if self._first_time(request):
                if self.host_policy.refusal(request.url, portal.id) is None:  # a refused one ends the walk
                    followed.append(request)
                yield self._listing_request(request, portal, start_url)
        self.walks.record(start_url, page, response.url, followed=followed)

    def _year_wanted(self, title: str) -> bool:
        year = title_year(title)
        return year is None or self.years is None or self.years[0] <= year <= self.years[1]

    def parse_report(self, response: Response) -> Iterable[ReportItem | Request]:
        if flipbook.META in response.meta:  # a page of a flipbook being read (crawler/spiders/flipbook.py)
            yield from flipbook.page_arrived(self, response)
            return
        if table_images.META in response.meta:  # a report's table image (crawler/spiders/table_images.py)
            yield from table_images.image_arrived(self, response)
            return
        portal = self._portal(response.meta["portal_id"])
        big = html_budget_error(response.body, "the page")  # not parsed here; decode stores it with the error
        # Parsed here only when its bytes could link a file: the core parses every page once more anyway.
        if (
            isinstance(response, TextResponse)
            and "attachment_of" not in response.meta
            and big is None
            and may_link_attachment(response.body, response.url)
        ):
            attachment = attachment_to_follow(response.selector, response.url)
            if attachment is not None:
                yield from self._follow_attachment(response, attachment)
                return
        if isinstance(response, TextResponse) and "attachment_of" not in response.meta and big is None:
            book = flipbook.follow(self, response)  # a byte test first: most pages are not parsed for it
            if book is not None:
                yield from book
                return
        link_url = response.meta.get("attachment_of") or linked_url(response)
        yield from table_images.with_images(self, response, portal, fetched(response), link_url)

    def _report_item(
        self,
        portal: Portal,
        meta: dict[str, Any],
        page: dict[str, Any],
        link_url: str,
        errors: list[dict[str, str]] | None = None,
    ) -> ReportItem:
        return ReportItem(
            url=page["url"],
            link_url=link_url,
            portal_id=portal.id,
            province=portal.province,
            level=portal.level,
            listing_url=meta.get("listing_url"),
            link_title=meta.get("link_title"),
            link_date=meta.get("link_date"),
            status=page["status"],
            content_type=page["content_type"],
            body=page["body"],
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            errors=errors or [],
        )

    def _follow_attachment(self, response: TextResponse, url: str) -> Iterable[Request]:
        """The cover page's attachment is the report: fetch it instead of storing the page."""
        self.crawler.stats.inc_value("report/attachment_page_count")
        if canonicalize_url(url) in self.known:
            self.crawler.stats.inc_value("report/attachment_known_count")
            return
        meta = report_meta(response.meta)
        # The cover page rides along (it is small: that is why it is a cover page),
        # so that an attachment which never arrives still leaves the page stored.
        request = Request(
            url,
            callback=self.parse_report,
            errback=self.report_failed,
            priority=10,
            dont_filter=True,
            meta={
                **meta,
                "page_kind": "report",
                "cover_page": fetched(response),
                "cover_link_url": linked_url(response),
                "attachment_of": canonicalize_url(response.url),
            },
        )
        if self._first_time(request):
            logger.info("Report page %s holds an attachment: following %s", response.url, url)
            self.crawler.stats.inc_value("report/attachment_followed_count")
            yield request

    def _count(self, portal_id: str | None, event: str) -> None:
        """Per-portal tallies for the run report (crawler/run_report.py)."""
        self.crawler.stats.inc_value(f"portal/{portal_id}/{event}")

    def listing_failed(self, failure: Any) -> None:
        request = failure.request
        if refusal_of(failure) is not None:  # logged, counted and recorded by the offsite middleware
            self.crawler.stats.inc_value("listing/refused_count")
            return
        logger.error("Listing %s failed after retries: %s", request.url, failure.value)
        self.crawler.stats.inc_value("listing/failed_count")
        self._count(request.meta.get("portal_id"), "listing_failed")

    def report_failed(self, failure: Any) -> Iterable[ReportItem | Request]:
        request = failure.request
        if flipbook.META in request.meta:
            yield from flipbook.page_failed(self, failure)
            return
        if table_images.META in request.meta:
            yield from table_images.image_failed(self, failure)
            return
        refusal = refusal_of(failure)
        over_budget = download_budget_error(failure.value)
        if refusal is not None:
            # Refused by the host policy (logged and in pages already): not a failure to retry
            # next crawl, so it does not keep the listing from being marked complete.
            self.crawler.stats.inc_value("report/refused_count")
            reason = f"the attachment was {failure.value}"
        elif over_budget is not None:
            # Over DOWNLOAD_MAXSIZE (a gzip bomb, a page of 100 MB): stored as a report naming the
            # budget, not left a failed fetch to retry every crawl.
            self.crawler.stats.inc_value("report/over_budget_count")
            logger.warning("Report %s: %s (stored with the error)", request.url, over_budget)
            reason = f"attachment {request.url} was cut ({over_budget})"
            if request.meta.get("cover_page") is None:
                page = {"url": canonicalize_url(request.url), "status": None, "content_type": None, "body": b""}
                link_url = linked_url(request)
                error = {"stage": "fetch", "error": over_budget}
                yield self._report_item(self._portal(request.meta["portal_id"]), request.meta, page, link_url, [error])
                return
        else:
            logger.error("Report %s failed after retries: %s (kept in pages)", request.url, failure.value)
            self.crawler.stats.inc_value("report/failed_count")
            self._count(request.meta.get("portal_id"), "report_failed")
            reason = f"attachment {request.url} failed after retries ({failure.value})"
        cover = request.meta.get("cover_page")
        if cover is not None:  # the attachment never came: store the cover page, saying why
            self.crawler.stats.inc_value("report/cover_page_stored_count")
            error = {"stage": "fetch", "error": f"{reason}; the cover page is stored instead"}
            yield self._report_item(
                self._portal(request.meta["portal_id"]), request.meta, cover, request.meta["cover_link_url"], [error]
            )

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        """Record which listings were walked to their end, and which fell short and why.

        A listing is complete only when its last page was reached and no page
        declared more pages or records than were reached (crawler/cms/walks.py),
        and only after a crawl that finished without failures.  One that fell
        short is marked incomplete with the reason, whatever the crawl's end,
        so the next crawl walks it again to the end.
        """
        db_path = self.crawler.settings.get("REPORTS_DB")
        if not db_path:
            return
        failures = self.crawler.stats.get_value("report/failed_count", 0) + self.crawler.stats.get_value(
            "listing/failed_count", 0
        )
        done: list[tuple[str, str]] = []
        short: list[tuple[str, str, str]] = []
        for p in self.selected:
            for url in p.start_urls:
                if not self.walks.walked(url):
                    if url in self.complete:
                        done.append((url, p.id))
                    continue
                shortfall = self.walks.shortfall(url)
                if shortfall is None:
                    done.append((url, p.id))
                else:
                    short.append((url, p.id, shortfall))
                    self.crawler.stats.inc_value("listing/incomplete_count")
                    logger.warning("Listing %s (%s) is incomplete: %s", url, p.id, shortfall)
        self.incomplete_listings = short
        now = datetime.now(UTC).isoformat(timespec="seconds")
        db = open_db(db_path)
        try:
            if short:
                mark_listings_incomplete(db, short, now)
            if reason == "finished" and not failures:
                mark_listings_complete(db, done, now)
        finally:
            db.close()

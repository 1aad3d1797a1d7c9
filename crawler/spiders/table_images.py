"""Tables printed as images in an HTML report: the spider fetches them, the core OCRs them.

For a report page (HTML, not an attachment) :func:`with_images` picks the
body ``<img>``s that look like tables
(:func:`~crawler.attachments.formats.images.table_image_urls`: size,
aspect, alt/title, no chrome), keeps those on the portal's own hosts (the
others are counted in ``images/skipped_count`` and never requested), at
most ``TABLE_IMAGES_MAX_PER_REPORT``, and requests them one after another
through the spider's ``parse_report`` / ``report_failed``, each capped at
``TABLE_IMAGE_MAX_BYTES`` (Scrapy's ``download_maxsize``).  The report item
then carries them as ``images`` ({url: bytes}) for the core's ``images``
stage (crawler/core/table_images.py).  An image that cannot be fetched is
named on the report; the page is stored all the same.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import Response, TextResponse

from crawler.attachments.formats.images import table_image_urls
from crawler.budgets import BudgetExceeded, html_budget_error
from crawler.security.offsite import refusal_of
from crawler.spiders.chains import report_meta

if TYPE_CHECKING:
    from crawler.items import ReportItem
    from crawler.registry import Portal
    from crawler.spiders.province_reports import ProvinceReportsSpider

logger = logging.getLogger(__name__)

META = "table_images"  # request meta key holding the report whose images are being fetched
IMG_TAG = re.compile(rb"<img\b", re.I)
SIZE = re.compile(r"(?:receive|Received) (\d+) bytes")  # Scrapy's get_maxsize_msg


def with_images(
    spider: ProvinceReportsSpider, response: Response, portal: Portal, page: dict[str, Any], link_url: str
) -> Iterable[ReportItem | Request]:
    """The report item for `page`, after its table images are fetched (or at once when it has none)."""
    settings = spider.crawler.settings
    limit = settings.getint("TABLE_IMAGES_MAX_PER_REPORT", 6)
    if (
        not isinstance(response, TextResponse)
        or "attachment_of" in response.meta
        or limit <= 0
        or not IMG_TAG.search(response.body)  # most report pages: no parse needed to know
        or html_budget_error(response.body, "the page") is not None  # not parsed: decode names the budget
    ):
        yield spider._report_item(portal, response.meta, page, link_url)
        return
    stats = spider.crawler.stats
    errors: list[dict[str, str]] = []
    wanted: list[str] = []
    allowed = 0
    for url in table_image_urls(response.selector, response.url, limit=None):
        if spider.host_policy.refusal(url, portal.id) is not None:
            stats.inc_value("images/skipped_count")
            stats.inc_value("images/offsite_count")
            logger.debug("Table image %s of %s is off the portal's hosts: not fetched", url, response.url)
            continue
        allowed += 1
        if len(wanted) < limit:
            wanted.append(url)
        else:
            stats.inc_value("images/skipped_count")
    over = allowed - len(wanted)
    if over:
        error = BudgetExceeded(f"{len(wanted) + over} table images in the page", "TABLE_IMAGES_MAX_PER_REPORT", limit)
        errors.append({"stage": "images", "error": f"{error}; the first {limit} were fetched"})
    if not wanted:
        yield spider._report_item(portal, response.meta, page, link_url, errors)
        return
    stats.inc_value("images/reports_count")
    state = {"page": page, "link_url": link_url, "urls": wanted, "done": 0, "images": {}, "errors": errors}
    yield _next(spider, report_meta(response.meta), state)


def _next(spider: ProvinceReportsSpider, meta: dict[str, Any], state: dict[str, Any]) -> ReportItem | Request:
    """The request for the report's next image, or (all tried) the report item with its images."""
    if state["done"] < len(state["urls"]):
        return Request(
            state["urls"][state["done"]],
            callback=spider.parse_report,
            errback=spider.report_failed,
            priority=20,  # finish this report before starting others: its page rides in memory
            dont_filter=True,
            meta={
                **meta,
                "page_kind": "table_image",
                "download_maxsize": spider.crawler.settings.getint("TABLE_IMAGE_MAX_BYTES", 10 * 1024 * 1024),
                META: state,
            },
        )
    item = spider._report_item(
        spider._portal(meta["portal_id"]), meta, state["page"], state["link_url"], state["errors"]
    )
    item["images"] = state["images"]
    return item


def image_arrived(spider: ProvinceReportsSpider, response: Response) -> Iterable[ReportItem | Request]:
    state = response.meta[META]
    state["images"][state["urls"][state["done"]]] = response.body
    state["done"] += 1
    spider.crawler.stats.inc_value("images/fetched_count")
    yield _next(spider, report_meta(response.meta), state)


def image_failed(spider: ProvinceReportsSpider, failure: Any) -> Iterable[ReportItem | Request]:
    """An image that could not be fetched is named on the report; the others (and the page) go on."""
    request = failure.request
    state = request.meta[META]
    url = state["urls"][state["done"]]
    if isinstance(failure.value, DownloadCancelledError):  # Scrapy cut it at download_maxsize
        limit = request.meta.get("download_maxsize", 0)
        size = SIZE.search(str(failure.value))
        what = f"table image {url} is {size.group(1)} bytes" if size else f"table image {url} is larger"
        error = f"{BudgetExceeded(what, 'TABLE_IMAGE_MAX_BYTES', limit)}; not fetched"
    elif refusal_of(failure) is not None:
        error = f"table image {url} refused by the host policy"
    elif getattr(failure.value, "response", None) is not None:  # HttpError
        error = f"table image {url} not fetched: HTTP {failure.value.response.status}"
    else:
        error = f"table image {url} not fetched: {type(failure.value).__name__}: {failure.value}"
    state["errors"].append({"stage": "images", "error": error})
    state["done"] += 1
    spider.crawler.stats.inc_value("images/failed_count")
    logger.warning("%s", error)
    yield _next(spider, report_meta(request.meta), state)

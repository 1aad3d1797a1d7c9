"""AttachmentPipeline: a PDF/DOCX report body → HTML and one parsed tree, before decode."""

from __future__ import annotations

import logging

import parsel
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.attachments import LEGACY_DOC_ERROR, AttachmentError, converter_name, is_attachment, to_html
from crawler.items import ReportItem, add_error

logger = logging.getLogger(__name__)


class AttachmentPipeline:
    """For PDF/DOCX bodies set ``html``, ``tree``, ``source_encoding``, ``encoding_reason``.

    Runs just before decode (priority 90).  HTML bodies pass untouched.  A
    legacy .doc or a corrupt file is recorded with :func:`add_error` (stage
    ``attachment``) and the item is left as it was; its bytes stay in ``pages``.

    Settings: ``ATTACHMENTS_ENABLED`` (default True).
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentPipeline:
        if not crawler.settings.getbool("ATTACHMENTS_ENABLED", True):
            raise NotConfigured("ATTACHMENTS_ENABLED is off")
        return cls(crawler)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"attachment/{key}")

    def process_item(self, item: ReportItem) -> ReportItem:
        body = item.get("body")
        if not isinstance(body, bytes) or not body:
            return item
        kind = is_attachment(item.get("content_type"), body, item.get("url"))
        if kind is None:
            return item
        self._inc(f"kind/{kind}")
        try:
            html = to_html(kind, body)
        except AttachmentError as exc:
            logger.warning("attachment %s (%s) not converted: %s", item.get("url"), kind, exc)
            add_error(item, "attachment", str(exc))
            self._inc("failed_count")
            return item
        except Exception as exc:  # a converter bug must not cost the item: it is stored with the error
            logger.exception("attachment %s (%s): converter failed", item.get("url"), kind)
            add_error(item, "attachment", f"{kind} converter failed: {type(exc).__name__}: {exc}")
            self._inc("failed_count")
            return item
        if html is None:
            logger.info("attachment %s: %s", item.get("url"), LEGACY_DOC_ERROR)
            add_error(item, "attachment", LEGACY_DOC_ERROR)
            self._inc("unparsed_doc_count")
            return item
        item["html"] = html
        item["tree"] = parsel.Selector(text=html, type="html")
        item["source_encoding"] = kind
        item["encoding_reason"] = f"attachment: {kind} ({converter_name(kind)})"
        item["repairs"] = []
        self._inc("converted_count")
        return item

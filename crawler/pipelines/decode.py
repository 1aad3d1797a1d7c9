"""DecodePipeline: response bytes → repaired text and one parsed tree."""

from __future__ import annotations

import logging

import parsel
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import ReportItem, add_error
from crawler.text.encoding import decode_body

logger = logging.getLogger(__name__)


class DecodePipeline:
    """Set ``html``, ``tree``, ``source_encoding``, ``encoding_reason``, ``repairs``.

    Settings: ``DECODE_ENABLED`` (default True).
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DecodePipeline:
        if not crawler.settings.getbool("DECODE_ENABLED", True):
            raise NotConfigured("DECODE_ENABLED is off")
        return cls(crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"decode/{key}", count)

    def process_item(self, item: ReportItem) -> ReportItem:
        if item.get("tree") is not None or any(e.get("stage") == "attachment" for e in item.get("errors") or []):
            # A PDF/DOCX already converted by AttachmentPipeline, or a file it
            # refused (.doc, corrupt): decoding its bytes as HTML gives garbage.
            self._inc("skipped_attachment_count")
            return item
        body = item.get("body")
        if not isinstance(body, bytes) or not body:
            add_error(item, "decode", f"no body to decode for {item.get('url')}")
            self._inc("missing_body_count")
            return item
        try:
            decoded = decode_body(body, item.get("content_type"))
            item["tree"] = parsel.Selector(text=decoded.html, type="html")
        except Exception as exc:  # keep the item: the store records the failure
            logger.warning("decode failed for %s: %s", item.get("url"), exc)
            add_error(item, "decode", f"{type(exc).__name__}: {exc}")
            self._inc("failed_count")
            return item
        item["html"] = decoded.html
        item["source_encoding"] = decoded.encoding
        item["encoding_reason"] = decoded.reason
        item["repairs"] = decoded.repairs
        self._inc(f"encoding/{decoded.encoding}")
        if decoded.reason.startswith("detected"):
            self._inc("detected_count")
            logger.info("%s: %s", item.get("url"), decoded.reason)
        if decoded.repairs:
            self._inc("repaired_count")
            self._inc("repairs_count", len(decoded.repairs))
            logger.info(
                "%s: %d mojibake repairs (%s)",
                item.get("url"),
                len(decoded.repairs),
                ", ".join(sorted({r["kind"] for r in decoded.repairs})),
            )
        return item

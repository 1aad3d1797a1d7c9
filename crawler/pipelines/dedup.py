"""Give each report its identity, so the same report seen twice is one row.

The key is the normalised 索引号 (``index_key``, set by the metadata stage)
when the page prints one; else publisher + report year + title, compacted;
else the URL.  ``report_id`` is a short hash of that key, stable across
crawls and portals; the store keeps the more complete copy and every URL.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from crawler.items import ReportItem, add_error
from crawler.parsing.labels import compact
from crawler.parsing.metadata import index_key

logger = logging.getLogger(__name__)

TITLE_NOISE = re.compile(r"[()\[\]【】《》“”\"'、,，.。:：·_\-—]+")


def dedup_key(item: ReportItem | dict[str, Any]) -> str:
    """The identity of a report.

    >>> dedup_key({"index_no": " ００２５９０６２２／2022-79879 ", "url": "http://a/1"})
    'index:002590622/2022-79879'
    >>> dedup_key({"publisher": "盖北镇", "report_year": 2021, "title": "2021年 盖北镇政府信息公开年度报告", "url": "u"})
    'title:盖北镇|2021|2021年盖北镇政府信息公开年度报告'
    """
    key = item.get("index_key") or index_key(item.get("index_no"))
    if key:
        return "index:" + key
    publisher, year, title = item.get("publisher"), item.get("report_year"), item.get("title")
    if publisher and year and title:
        return f"title:{compact(str(publisher))}|{year}|{TITLE_NOISE.sub('', compact(str(title)).lower())}"
    return "url:" + str(item["url"])


class DedupPipeline:
    def process_item(self, item: ReportItem) -> ReportItem:
        try:
            key = dedup_key(item)
        except Exception as exc:  # odd metadata must not cost the report: it is keyed by URL
            logger.exception("dedup key failed for %s", item.get("url"))
            add_error(item, "dedup", f"{type(exc).__name__}: {exc}")
            key = "url:" + str(item["url"])
        item["dedup_key"] = key
        item["report_id"] = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        return item

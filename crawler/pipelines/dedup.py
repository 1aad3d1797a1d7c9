"""Give each report its identity, so the same report seen twice is one row.

The key is the normalised 索引号 when the page prints one; else publisher +
report year + normalised title; else the URL.  ``report_id`` is a short hash
of that key, stable across crawls and portals.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from crawler.items import ReportItem

SPACES = re.compile(r"[\s\u3000\xa0]+")
TITLE_NOISE = re.compile(r"[（）()【】\[\]《》“”\"'、,，.。:：·_\-—]+")


def normalise_key(text: str) -> str:
    """Full/half width, spaces and case folded away.

    >>> normalise_key(" ００２５９０６２２／2022-79879 ")
    '002590622/2022-79879'
    """
    return SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


def dedup_key(item: ReportItem | dict[str, Any]) -> str:
    index_no = item.get("index_key") or item.get("index_no")
    if index_no:
        return "index:" + normalise_key(str(index_no))
    publisher, year, title = item.get("publisher"), item.get("report_year"), item.get("title")
    if publisher and year and title:
        return f"title:{normalise_key(str(publisher))}|{year}|{TITLE_NOISE.sub('', normalise_key(str(title)))}"
    return "url:" + str(item["url"])


class DedupPipeline:
    def process_item(self, item: ReportItem) -> ReportItem:
        key = dedup_key(item)
        item["dedup_key"] = key
        item["report_id"] = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        return item

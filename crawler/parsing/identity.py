"""A report's identity, so the same report seen twice is one row.

The key is the normalised 索引号 when the page prints one; else publisher +
report year + title, compacted; else the URL.  ``report_id`` is a short hash
of that key, stable across crawls and portals.
"""

from __future__ import annotations

import hashlib
import re

from crawler.parsing.labels import compact
from crawler.parsing.metadata import index_key as normalised_index

TITLE_NOISE = re.compile(r"[()\[\]【】《》“”\"'、,，.。:：·_\-—]+")


def dedup_key(
    *,
    url: str,
    index_key: str | None = None,
    index_no: str | None = None,
    publisher: str | None = None,
    report_year: int | None = None,
    title: str | None = None,
) -> str:
    """The identity of a report.

    >>> dedup_key(index_no=" ００２５９０６２２／2022-79879 ", url="http://a/1")
    'index:002590622/2022-79879'
    >>> dedup_key(publisher="盖北镇", report_year=2021, title="2021年 盖北镇政府信息公开年度报告", url="u")
    'title:盖北镇|2021|2021年盖北镇政府信息公开年度报告'
    """
    key = index_key or normalised_index(index_no)
    if key:
        return "index:" + key
    if publisher and report_year and title:
        return f"title:{compact(str(publisher))}|{report_year}|{TITLE_NOISE.sub('', compact(str(title)).lower())}"
    return "url:" + str(url)


def report_id(key: str) -> str:
    """The stored id of a dedup key: 16 hex digits of its SHA-1.

    >>> report_id("url:u")
    'b2817d66689ba52e'
    """
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

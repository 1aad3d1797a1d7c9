"""A report's identity, so the same report seen twice is one row.

The key is the normalised 索引号 when the page prints one — on its own when
it starts with the issuing organisation's code (002590622/2022-79879), which
makes it unique; a bare serial number (26114: TRS portals number their pages
from 1, and the same numbers recur on every county's portal) only together
with the portal (its registry id, else its host) and the body that printed it, so a page elsewhere that
prints the same number replaces nothing.  Without a 索引号: publisher + report
year + title, compacted; else the URL.  ``report_id`` is a short hash of that
key, stable across crawls.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from crawler.parsing.bodies import body_name
from crawler.parsing.labels import compact
from crawler.parsing.metadata import index_key as normalised_index
from crawler.parsing.metadata import publisher_from_title

ORGANISATION_CODED = re.compile(r"^[0-9A-Z]{6,}[/\-]")
TITLE_NOISE = re.compile(r"[()\[\]【】《》“”\"'、,，.。:：·_\-—]+")


def dedup_key(
    *,
    url: str,
    portal_id: str | None = None,
    index_key: str | None = None,
    index_no: str | None = None,
    publisher: str | None = None,
    report_year: int | None = None,
    title: str | None = None,
) -> str:
    """The identity of a report.

    >>> dedup_key(index_no=" ００２５９０６２２／2022-79879 ", url="http://a/1")
    'index:002590622/2022-79879'
    >>> dedup_key(index_no="26114", publisher="抚宁区人民政府办公室", url="http://www.funing.gov.cn/a.html")
    'index:www.funing.gov.cn|抚宁区人民政府|26114'
    >>> dedup_key(index_no="26114", publisher="抚宁区人民政府办公室", url="http://x/a.html", portal_id="hebei-funing")
    'index:hebei-funing|抚宁区人民政府|26114'
    >>> dedup_key(publisher="盖北镇", report_year=2021, title="2021年 盖北镇政府信息公开年度报告", url="u")
    'title:盖北镇|2021|2021年盖北镇政府信息公开年度报告'
    """
    key = index_key or normalised_index(index_no)
    if key and ORGANISATION_CODED.match(key):
        return "index:" + key
    if key:
        issuer = body_name(publisher) or body_name(publisher_from_title(title)) or ""
        return f"index:{portal_id or urlsplit(url).netloc}|{issuer}|{key}"
    if publisher and report_year and title:
        return f"title:{compact(str(publisher))}|{report_year}|{TITLE_NOISE.sub('', compact(str(title)).lower())}"
    return "url:" + str(url)


# A grid carrying fewer printed non-zero numbers than this is too common to tell two reports apart.
CONTENT_MIN_NONZERO = 10


def content_key(cells: Iterable[Mapping[str, object]]) -> str | None:
    """A fingerprint of a report's table cells, to find the same report published twice.

    A portal that publishes a report as a page and again as a PDF often prints
    the body's name in only one of them, so their dedup keys differ; their
    numbers do not.  None when the tables say too little (mostly zeros).

    >>> cells = [{"table_code": "active", "row_code": "rules", "col_code": "issued", "value": v} for v in range(12)]
    >>> content_key(cells[:5]) is None, len(content_key(cells) or "")
    (True, 16)
    """
    cells = cells if isinstance(cells, (list, tuple)) else list(cells)
    if not _enough_nonzero(cells):  # asked first: most of the cost is the fingerprint below
        return None
    printed = sorted(
        {
            (str(c.get("table_code")), str(c.get("row_code")), str(c.get("col_code")), repr(c.get("value")))
            for c in cells
        }
    )
    return hashlib.sha1(repr(printed).encode("utf-8")).hexdigest()[:16]


def _enough_nonzero(cells: list[Mapping[str, object]] | tuple[Mapping[str, object], ...]) -> bool:
    """Whether at least ``CONTENT_MIN_NONZERO`` cells print a non-zero number: counting stops there (a third of a full count)."""
    count = 0
    for cell in cells:
        value = cell.get("value")
        if isinstance(value, (int, float)) and value:
            count += 1
            if count >= CONTENT_MIN_NONZERO:
                return True
    return count >= CONTENT_MIN_NONZERO


def report_id(key: str) -> str:
    """The stored id of a dedup key: 16 hex digits of its SHA-1.

    >>> report_id("url:u")
    'b2817d66689ba52e'
    """
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

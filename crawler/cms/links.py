"""Which listing links are further listing pages (下一页, index_N.html).

Which links are reports is :mod:`crawler.parsing.titles`: the same rule
decides a page's own title.
"""

from __future__ import annotations

import re

from crawler.text.pinyin import strip_pinyin

NEXT_PAGE = re.compile(r"^\s*(下一[页頁]|下[页頁]|后一[页頁]|後一[頁页]|next\s*page|>|›|»)\s*$", re.I)
INDEX_PAGE = re.compile(r"(?:^|/)index_\d+\.s?html?$")


def is_next_page(text: str) -> bool:
    return bool(NEXT_PAGE.match(strip_pinyin(text or "")))


def is_index_page(url: str) -> bool:
    return bool(INDEX_PAGE.search(url.split("?", 1)[0]))

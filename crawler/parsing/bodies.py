"""Which body published a report, as one stable id across years and spellings.

Real reports name their body differently from year to year: 台州市黄岩区人民政府
办公室 on one page, 黄岩区 in the next year's title, 黃岩區人民政府 on a
Traditional mirror.  :func:`body_name` reduces each to one form: Simplified,
no spaces or punctuation, the 办公室 that publishes a government's report
folded into the government, a bare region read as its government, and the
parent regions before the body's own region dropped (台州市黄岩区 → 黄岩区).
``body_id`` hashes that form with the province, so two 鼓楼区 in different
provinces stay apart.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from crawler.parsing.metadata import publisher_from_title
from crawler.text.normalise import normalise_fragment

REGION_UNIT = r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|街道|省|市|州|盟|区|县|旗|镇|乡)"
REGION = re.compile(rf"[^\s省市盟区县旗镇乡]{{1,10}}{REGION_UNIT}")  # greedy: 台州市, not 台州 + 市
# Words ending in a region unit that are not regions.
NOT_REGIONS = ("城市", "超市", "都市", "社区", "园区", "景区", "小区", "矿区", "库区", "林区", "山区", "牧区", "城区")
NOISE = re.compile(r"[\s()（）\[\]【】《》“”\"'·、,，.。:：_\-—]+")
GOVERNMENT_OFFICE = re.compile(r"(?:人民)?政府(?:办公室|办公厅|办)$")
GOVERNMENT = re.compile(r"(?:人民)?政府$")


@dataclass(frozen=True)
class Body:
    body_id: str
    name: str  # the normalised name
    level: str | None  # guessed from the name when it says (镇 → township, 局 → department …)


def _regions(name: str) -> list[str]:
    """The region tokens the name starts with: 台州市黄岩区院桥镇人民政府 → [台州市, 黄岩区, 院桥镇]."""
    tokens: list[str] = []
    pos = 0
    while True:
        match = REGION.match(name, pos)
        if not match or match.group(0) in NOT_REGIONS or match.group(0).endswith(NOT_REGIONS):
            return tokens
        tokens.append(match.group(0))
        pos = match.end()


def body_name(raw: str | None, *, traditional: bool = True) -> str | None:
    """The normalised name of a body, or None when ``raw`` names none.

    >>> body_name("台州市黄岩区人民政府办公室")
    '黄岩区人民政府'
    >>> body_name("黄岩区"), body_name("黃岩區人民政府")
    ('黄岩区人民政府', '黄岩区人民政府')
    >>> body_name("秦皇岛市抚宁区应急管理局"), body_name("浙江省教育厅")
    ('抚宁区应急管理局', '浙江省教育厅')
    >>> body_name("黄岩区城市管理局")
    '黄岩区城市管理局'
    """
    if not raw:
        return None
    name = NOISE.sub("", normalise_fragment(raw, traditional=traditional))
    if len(name) < 2:
        return None
    name = GOVERNMENT_OFFICE.sub("人民政府", name)
    name = GOVERNMENT.sub("人民政府", name)
    regions = _regions(name)
    if not regions:
        return name
    rest = name[sum(len(r) for r in regions) :]
    if not rest:  # a bare region is its government
        rest = "办事处" if regions[-1].endswith("街道") else "人民政府"
    return regions[-1] + rest


def body_level(name: str) -> str | None:
    """The level a normalised name says, if it does.

    >>> body_level("院桥镇人民政府"), body_level("黄岩区卫生健康局"), body_level("浙江省人民政府")
    ('township', 'department', 'province')
    """
    if not GOVERNMENT.search(name) and not name.endswith("办事处"):
        return "department"
    regions = _regions(name)
    unit = regions[-1] if regions else ""
    if unit.endswith(("镇", "乡", "街道")):
        return "township"
    if unit.endswith(("省", "自治区")) or unit in ("北京市", "天津市", "上海市", "重庆市"):
        return "province"
    if unit.endswith(("市", "州", "盟", "地区")):
        return "city"
    if unit.endswith(("区", "县", "旗")):
        return "county"
    return None


def body_of(
    *,
    province: str | None,
    title: str | None,
    publisher: str | None,
    link_title: str | None = None,
    column_name: str | None = None,
) -> Body | None:
    """The report's body, from wherever its name is printed.

    The title's body comes first (a government's report is often published
    by its 办公室, or by a platform operator), then the publisher line, the
    listing's link text, and last the portal column's own name.
    """
    for raw in (publisher_from_title(title), publisher, publisher_from_title(link_title), _column_body(column_name)):
        name = body_name(raw)
        if name:
            key = f"{province or ''}|{name}"
            return Body(hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], name, body_level(name))
    return None


def _column_body(column_name: str | None) -> str | None:
    """黄岩区人民政府 政府信息公开年报 → 黄岩区人民政府 (the registry's column names)."""
    if not column_name:
        return None
    head = re.split(r"\s|政府信息公开", column_name.strip(), maxsplit=1)[0]
    return head or None

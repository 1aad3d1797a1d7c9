"""How much of the country the registry covers: `scrapy portals --stats`, pure.

Per province and level: entries, distinct prefecture-level cities the
entries belong to, and how many start URLs were *observed* (the evidence URL
is the start URL itself: the listing was seen) versus *derived* (built from a
report URL by the rule the entry's note states), the registry header's
convention.  A prefecture-level city is read from the entry's name: the
first ``…市 / …州 / …盟 / …地区`` before the body's own name, for city
entries and for the counties and departments under them (``南京市江宁区`` →
南京市); provincial entries and names without one count none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from crawler.registry import LEVELS, PROVINCES, Portal

# 南京市, 黔东南州 / 黔东南苗族侗族自治州, 阿拉善盟, 阿里地区 — at the start of the name, after the province if printed.
# 杭州市 not 杭州; 泽州县 is a county, not a 州.
CITY = re.compile(r"^(?P<city>[\u4e00-\u9fff]{1,9}?(?:自治州|地区|盟|市|州(?![市县区])))")
PROVINCE_PREFIX = tuple(sorted(PROVINCES.values(), key=len, reverse=True))
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def prefecture_city(portal: Portal) -> str | None:
    """The prefecture-level city an entry belongs to, from its name (None for provincial bodies)."""
    if portal.level == "province":
        return None
    name = portal.name.split()[0]
    for prefix in PROVINCE_PREFIX:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    if name.startswith(MUNICIPALITIES) or not name:
        return None  # a municipality's districts are county-level; it has no prefecture-level cities
    match = CITY.match(name)
    if not match:
        return None
    city = match.group("city")
    if len(city) == 2 and city.endswith("州"):
        city += "市"  # 杭州高新区 → 杭州市: two-character 州 names are cities (自治州 short names are longer)
    if portal.level in ("county", "township") and name[len(city) :].startswith(("人民政府", "政府", " ")):
        return None  # 高平市人民政府: a county-level city itself, not one under a prefecture
    return city


def is_observed(portal: Portal) -> bool:
    """The evidence URL is one of the start URLs: the listing itself was seen."""
    evidence = portal.evidence or {}
    return str(evidence.get("url", "")) in portal.start_urls


@dataclass
class Coverage:
    province: str
    level: str
    entries: int = 0
    observed: int = 0
    derived: int = 0
    cities: set[str] = field(default_factory=set)


def coverage(portals: Iterable[Portal]) -> list[Coverage]:
    """One row per (province, level) that has entries, in province then level order."""
    rows: dict[tuple[str, str], Coverage] = {}
    for portal in portals:
        level = portal.level or "-"
        row = rows.setdefault((portal.province, level), Coverage(portal.province, level))
        row.entries += 1
        if is_observed(portal):
            row.observed += 1
        else:
            row.derived += 1
        city = prefecture_city(portal)
        if city:
            row.cities.add(city)
    order = {p: n for n, p in enumerate(PROVINCES)}
    levels = {lv: n for n, lv in enumerate((*LEVELS, "-"))}
    return sorted(rows.values(), key=lambda r: (order.get(r.province, 99), levels.get(r.level, 99)))


def format_coverage(portals: list[Portal]) -> str:
    """The per-province, per-level table, a per-province total line each, and a national total."""
    rows = coverage(portals)
    header = ("province", "level", "entries", "cities", "observed", "derived")
    table: list[tuple[str, ...]] = [header]
    for province in dict.fromkeys(r.province for r in rows):
        mine = [r for r in rows if r.province == province]
        for r in mine:
            table.append((r.province, r.level, str(r.entries), str(len(r.cities)), str(r.observed), str(r.derived)))
        cities = set().union(*(r.cities for r in mine))
        table.append(
            (
                province,
                "all",
                str(sum(r.entries for r in mine)),
                str(len(cities)),
                str(sum(r.observed for r in mine)),
                str(sum(r.derived for r in mine)),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.rjust(w) if i >= 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]
    all_cities = {(r.province, c) for r in rows for c in r.cities}
    provinces = {r.province for r in rows}
    own = {p.province for p in portals if p.level == "province"}
    lines.append(
        f"{len(portals)} entries, {len(provinces)}/31 provinces, {len(own)}/31 with a province-level entry, "
        f"{len(all_cities)} prefecture-level cities, "
        f"{sum(r.observed for r in rows)} observed / {sum(r.derived for r in rows)} derived start URLs"
    )
    return "\n".join(lines)

"""How much of the country the registry covers: `scrapy portals --stats`, pure.

Per province and level: entries, distinct prefecture-level divisions the
entries belong to, and how many start URLs were *observed* (the evidence URL
is the start URL itself: the listing was seen) versus *derived* (built from a
report URL by the rule the entry's note states), the registry header's
convention.  Per province: how many of its prefecture-level divisions
(crawler/registry/prefectures.py, 民政部 2024) have an entry, and which have
none.  An entry belongs to a division only when its name starts (after the
province, if printed) with a form of one of that province's divisions:
``南京市江宁区`` → 南京市, ``黄石市大冶市`` → 黄石市; a name that prints only a
county-level city (``大冶市``, ``滕州市``) or a district belongs to none, because
the reference carries no county-level links.  Provincial entries count none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.registry import LEVELS, PROVINCES, Portal
from crawler.registry.prefectures import PREFECTURES, Prefecture, match_prefecture

PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def _province_forms(province: str) -> tuple[str, ...]:
    """浙江省 and 浙江; 广西壮族自治区 and 广西: the ways a name may print its own province first."""
    full = PROVINCES.get(province, "")
    for suffix in PROVINCE_SUFFIXES:
        if full.endswith(suffix):
            return (full, full[: -len(suffix)])
    return (full,) if full else ()


def prefecture_of(portal: Portal) -> tuple[Prefecture, str] | None:
    """The division an entry belongs to and the form its name printed (None for provincial bodies)."""
    if portal.level == "province":
        return None
    name = portal.name.strip()
    full, *short = _province_forms(portal.province) or ("",)
    if full and name.startswith(full):
        candidates = [name[len(full) :]]  # 吉林省… is the province, not 吉林市
    else:
        candidates = [name]  # 吉林市…, 吉林经济技术开发区: as printed first
        candidates += [name[len(s) :] for s in short if s and name.startswith(s)]  # 浙江杭州…
    for text in candidates:
        found = match_prefecture(portal.province, text)
        if found:
            return found
    return None


def prefecture_city(portal: Portal) -> str | None:
    """The division as the entry's name prints it (a bare stem as the usual form: 杭州 → 杭州市)."""
    found = prefecture_of(portal)
    if found is None:
        return None
    division, form = found
    return form if form in (division.name, division.short) else division.short


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
        found = prefecture_of(portal)
        if found:
            row.cities.add(found[0].name)
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


@dataclass
class PrefectureCoverage:
    """One province's prefecture-level divisions against the entries that belong to them."""

    province: str
    divisions: tuple[Prefecture, ...]
    entries: int = 0
    covered: set[str] = field(default_factory=set)  # full names of divisions with any entry
    city_level: set[str] = field(default_factory=set)  # … with an entry at level city (its government's column)

    @property
    def missing(self) -> list[str]:
        return [d.name for d in self.divisions if d.name not in self.covered]


def prefecture_coverage(portals: Iterable[Portal], provinces: Sequence[str] | None = None) -> list[PrefectureCoverage]:
    """One row per province in `provinces` (default: every province with divisions), in registry order."""
    scope = [p for p in (provinces if provinces is not None else PREFECTURES) if p in PREFECTURES]
    rows = {p: PrefectureCoverage(p, PREFECTURES[p]) for p in scope}
    for portal in portals:
        row = rows.get(portal.province)
        if row is None:
            continue
        row.entries += 1
        found = prefecture_of(portal)
        if found:
            row.covered.add(found[0].name)
            if portal.level == "city":
                row.city_level.add(found[0].name)
    return list(rows.values())


def format_prefectures(portals: Iterable[Portal], provinces: Sequence[str] | None = None, missing: bool = False) -> str:
    """covered/total prefecture-level divisions per province with entries (every one with `missing`), and a total.

    ``city_level`` counts the divisions whose own government column is in
    the registry (an entry at level city); ``missing`` lists, by full name,
    the divisions with no entry at all.
    """
    rows = prefecture_coverage(portals, provinces)
    if provinces is not None and not rows:
        return f"{' '.join(provinces)}: a municipality, no prefecture-level divisions"
    header = ("province", "prefectures", "city_level", *(("missing",) if missing else ()))
    table: list[tuple[str, ...]] = [header]
    for r in rows:
        if r.entries or missing:
            cells = (r.province, f"{len(r.covered)}/{len(r.divisions)}", str(len(r.city_level)))
            table.append((*cells, " ".join(r.missing) or "-") if missing else cells)
    total = sum(len(r.divisions) for r in rows)  # 333 (prefectures.TOTAL) for the whole country
    table.append(
        (
            "all",
            f"{sum(len(r.covered) for r in rows)}/{total}",
            str(sum(len(r.city_level) for r in rows)),
            *((str(sum(len(r.missing) for r in rows)),) if missing else ()),
        )
    )
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines: list[str] = []
    for row in table:
        padded = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2]), *row[3:]]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)

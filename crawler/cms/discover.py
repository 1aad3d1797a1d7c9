"""Finding a portal's 年报 column(s) from its home or 政府信息公开 page: the rules, pure.

Real portals reach the column in a few shapes (fixtures/sites/HOMES.md): a
nav bar 政务公开/信息公开 leading to a 政府信息公开 page whose left tree
lists 政府信息公开指南 / 制度 / 法定主动公开内容 / 政府信息公开年报; menus
written by scripts (``document.write('<a …>')``, ``var menu = [{name:
'…', url: '…'}]``); jump menus (``<select onchange>`` with ``<option
value>``); a 信息公开目录 platform whose tree is data (gkmlpt ``TREE``).
:func:`page_links` reads all of them; :func:`classify` says which links
are 年报 columns (link text or URL: gknb, xxgknb, ndbg, annualreport …)
and which lead to the 信息公开 part of the site, where columns are.

:func:`column_entry` writes the registry entry for a column found, and
:func:`probe` runs the column's own adapter on a fetched page: a column
counts as found only when its adapter finds report links there (or a pager
that leads to them), so an entry printed is one the crawler can walk.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from w3lib.url import canonicalize_url

from crawler.cms import get_adapter
from crawler.cms.base import SKIP_SCHEMES
from crawler.parsing.titles import is_report_title
from crawler.registry import PROVINCES, Portal
from crawler.registry.provinces import province_slug
from crawler.security.hosts import host_key, host_of
from crawler.text.pinyin import strip_pinyin
from crawler.text.script import TRADITIONAL, detect_script, to_simplified

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import TextResponse

    from crawler.cms.fingerprint import Fingerprint

logger = logging.getLogger(__name__)

# A 年报 column's name: 政府信息公开年报, 政府信息公开工作年度报告, 年度报告 … — not one year's report,
# not a statistics or company annual report.
COLUMN_TEXT = re.compile(r"(年报|年度报告|年度工作报告)")
NOT_COLUMN_TEXT = re.compile(r"(19|20)\d\d|统计|企业|工商|财务|决算|预算|年报公示|审计|报表|图解|解读|通知|关于")
COLUMN_URL = re.compile(r"(?i)(?:xxgknb|gknb|zfxxgknb|ndbg|annual_?report|nianbao|ndgzbg|gzndbg|xxgkndbg)")
# 政府信息公开指南 / 制度 pages are followed too: many 信息公开 sections show their parts as tabs
# (指南 | 制度 | 年报) on each of those pages, and a home page may link only the 指南.
HUB_TEXT = re.compile(r"政府信息公开|信息公开|政务公开|公开目录|主动公开")
NOT_HUB_TEXT = re.compile(r"申请|条例|规定|意见|监督|保障|解读|通知|表$")
HUB_URL = re.compile(
    r"(?i)(?:^|/)(?:zfxxgk|xxgk|zwgk|gkml|gkmlpt|xxgkml|govinfo|openness|zfxxgkml|xxgkzl)(?:/|$|\.|index)"
)
SCRIPT_HTML = re.compile(r"<a\s[^<>]*href[^<>]*>.*?</a>", re.S | re.I)
SCRIPT_PAIR = re.compile(
    r"""\{[^{}]*?\b(?:name|title|text|label)\s*:\s*(['"])(?P<text>[^'"\n]{1,40})\1[^{}]*?"""
    r"""\b(?:url|href|link|path)\s*:\s*(['"])(?P<url>[^'"\n]{1,300})\3[^{}]*?\}"""
)
SCRIPT_PAIR_REVERSED = re.compile(
    r"""\{[^{}]*?\b(?:url|href|link|path)\s*:\s*(['"])(?P<url>[^'"\n]{1,300})\1[^{}]*?"""
    r"""\b(?:name|title|text|label)\s*:\s*(['"])(?P<text>[^'"\n]{1,40})\3[^{}]*?\}"""
)
LOCATION = re.compile(r"""(?:location(?:\.href)?\s*=|window\.open\()\s*['"]([^'"]+)['"]""")
SITE_NAME = re.compile(r"[^\s\-_|—–·:：>»]*?(?:人民政府|政府|局|厅|委员会|管委会|办公室|中心)")


@dataclass(frozen=True)
class PageLink:
    """A link a page offers, wherever it was written (anchor, script menu, jump menu)."""

    url: str
    text: str
    how: str  # anchor | script | option | onclick


def plain_words(text: str, traditional: bool) -> str:
    """Link words as the rules read them: pinyin glosses out (年報(bào)), Traditional made Simplified."""
    words = strip_pinyin(text or "")
    return to_simplified(words) if traditional else words


def is_traditional(selector: Selector) -> bool:
    return detect_script(" ".join(selector.xpath("//title//text() | //a//text()").getall())) == TRADITIONAL


def page_links(text: str, base_url: str) -> list[PageLink]:
    """Every link of the page: anchors, areas, jump-menu options, onclick targets and script-built menus."""
    selector = Selector(text=text or "<html></html>")
    traditional = is_traditional(selector)
    found: list[PageLink] = []
    seen: set[tuple[str, str]] = set()

    def add(href: str | None, label: str, how: str) -> None:
        href = (href or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            return
        url = urljoin(base_url, href)
        if not url.startswith(("http://", "https://")):
            return
        label = re.sub(r"\s+", "", plain_words(label, traditional))
        if (url, label) not in seen:
            seen.add((url, label))
            found.append(PageLink(url, label, how))

    for anchor in selector.css("a[href], area[href]"):
        words = " ".join(anchor.xpath(".//text()").getall()).strip()
        title = anchor.attrib.get("title", "").strip()
        # 指南 / 年报 under a title="政府信息公开年报": the title is the column's full name
        add(anchor.attrib.get("href"), title if len(title) > len(words) and words in title else words, "anchor")
    for option in selector.css("option[value]"):
        add(option.attrib.get("value"), " ".join(option.xpath(".//text()").getall()), "option")
    for element in selector.xpath("//*[@onclick]"):
        target = LOCATION.search(element.attrib.get("onclick", ""))
        if target:
            add(target.group(1), " ".join(element.xpath(".//text()").getall()), "onclick")
    scripts = "\n".join(selector.xpath("//script/text()").getall())
    for fragment in SCRIPT_HTML.findall(scripts):
        piece = Selector(text=fragment.replace("\\'", "'").replace('\\"', '"'))
        for anchor in piece.css("a[href]"):
            add(anchor.attrib.get("href"), " ".join(anchor.xpath(".//text()").getall()), "script")
    for pattern in (SCRIPT_PAIR, SCRIPT_PAIR_REVERSED):
        for match in pattern.finditer(scripts):
            add(match.group("url"), match.group("text"), "script")
    return found


def is_column_link(link: PageLink) -> bool:
    """A link to a 年报 column (by its words, or by a gknb/ndbg-style URL with words that are not another thing's)."""
    text = link.text
    if is_report_title(text):
        return False  # one report, not the column
    if COLUMN_TEXT.search(text) and not NOT_COLUMN_TEXT.search(text) and len(text) <= 24:
        return True
    path = urlsplit(link.url).path
    return bool(COLUMN_URL.search(path)) and not NOT_COLUMN_TEXT.search(text) and not is_report_title(text)


def is_hub_link(link: PageLink) -> bool:
    """A link into the 信息公开 part of the site (where the 年报 column is listed).

    By its words (信息公开, 政务公开 …), or by an xxgk/zwgk-style URL under
    words short enough for a menu (更多, 目录) — not an item's title that
    happens to live under /zwgk/ (2024年政府工作报告).
    """
    text = link.text
    if NOT_HUB_TEXT.search(text) or is_report_title(text):
        return False
    if HUB_TEXT.search(text) and len(text) <= 16:
        return True
    menu_words = len(text) <= 8 and not re.search(r"\d", text)
    return menu_words and bool(HUB_URL.search(urlsplit(link.url).path))


def classify(links: list[PageLink]) -> tuple[list[PageLink], list[PageLink]]:
    """(column links, hub links) of a page, in page order, each URL once."""
    columns: list[PageLink] = []
    hubs: list[PageLink] = []
    seen: set[str] = set()
    for link in links:
        key = link.url
        if key in seen:
            continue
        if is_column_link(link):
            columns.append(link)
            seen.add(key)
        elif is_hub_link(link):
            hubs.append(link)
            seen.add(key)
    return columns, hubs


def page_title(text: str) -> str:
    selector = Selector(text=text or "<html></html>")
    title = " ".join(selector.css("title::text").getall())
    return re.sub(r"\s+", " ", plain_words(title, is_traditional(selector))).strip()


def column_words(title: str) -> str:
    """The part of a page title that names the column (``政府信息公开年报_抚宁区人民政府`` → 政府信息公开年报)."""
    parts = [p for p in re.split(r"[\s\-_|—–·:：>»]+", title) if p]
    return next((p for p in parts if COLUMN_TEXT.search(p)), title)


def site_name(title: str) -> str | None:
    """The government a page title names (``首页-闽溪县人民政府门户网站`` → 闽溪县人民政府)."""
    for part in re.split(r"[\s\-_|—–·:：>»]+", title):
        match = SITE_NAME.search(part)
        if match and len(match.group(0)) >= 4:
            return match.group(0)
    return None


def province_named(text: str) -> str | None:
    """The slug of the first province a page names (full name, or short name before a place)."""
    plain = re.sub(r"\s+", "", Selector(text=text or "<html></html>").xpath("string(//body)").get() or "")
    title = page_title(text)
    best: tuple[int, str] | None = None
    for haystack in (title, plain):
        for slug, full in PROVINCES.items():
            short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", full)
            for name in (full, short):
                at = haystack.find(name)
                if at >= 0 and (best is None or at < best[0]):
                    best = (at, slug)
        if best is not None:
            return best[1]
    return None


def level_of(name: str) -> str | None:
    """The registry level a body's name implies (省人民政府, 市…, 县/区/旗…, 乡/镇/街道…, 局/厅/委…)."""
    if re.search(r"(局|厅|委员会|办公室|中心|管委会)$", name) and "人民政府" not in name[-4:]:
        return "department"
    body = name.removesuffix("人民政府").removesuffix("政府")
    if any(body in (full, full.removesuffix("省")) for full in PROVINCES.values()) or body.endswith(("自治区",)):
        return "province"
    if body.endswith(("乡", "镇", "街道", "苏木")):
        return "township"
    if body.endswith(("县", "区", "旗", "县级市")):
        return "county"
    if body.endswith(("市", "州", "盟", "地区")):
        return "city"
    return None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def column_id(column_url: str, taken: set[str]) -> str:
    """A registry id from the host and the column's directory (``minxi-gov-zfxxgknb``), unique among `taken`."""
    parts = urlsplit(column_url)
    host = parts.hostname or "portal"
    labels = [x for x in host.split(".") if x not in ("www", "gov", "cn", "com", "org", "net")]
    base = slug("-".join(labels) + (f"-{parts.port}" if parts.port else "")) or "portal"
    fragment = slug(parts.fragment)
    dirs = [slug(d) for d in parts.path.split("/") if d and "." not in d]
    tail = fragment or (dirs[-1] if dirs else "") or "nb"
    candidate = f"{base}-{tail}"
    number = 2
    unique = candidate
    while unique in taken:
        unique = f"{candidate}-{number}"
        number += 1
    taken.add(unique)
    return unique


@dataclass
class Column:
    """A 年报 column found and proved: the page it was seen on, its fingerprint, how it was reached."""

    url: str
    fingerprint: Fingerprint
    link_text: str
    trail: list[str]  # link texts from the start page to the column
    reports_seen: int
    sample: str  # one report title the adapter found


@dataclass
class Site:
    """What the start page says about the portal: its name, province, level."""

    start_url: str
    name: str | None = None
    province: str | None = None
    level: str | None = None
    notes: list[str] = field(default_factory=list)


def describe_site(text: str, start_url: str, province: str | None = None, level: str | None = None) -> Site:
    name = site_name(page_title(text))
    found = province_slug(province) if province else province_named(text)
    return Site(start_url, name, found, level or (level_of(name) if name else None))


def column_entry(
    column: Column, site: Site, taken: set[str], today: str | None = None, allowed_hosts: Iterable[str] = ()
) -> dict[str, Any]:
    """The registry entry (crawler/registry/portals.yaml's schema) for a column found by discovery.

    With ``allowed_hosts`` (discovery's ``--allow-host``), the entry allows the
    start page's host and those hosts besides the column's own: a column on
    ``xxgk.example.gov.cn`` reached from ``www.example.gov.cn`` often links back.
    """
    fp = column.fingerprint
    start = fp.start_url or column.url
    label = column.link_text if COLUMN_TEXT.search(column.link_text) else "政府信息公开年报"
    entry: dict[str, Any] = {
        "id": column_id(start, taken),
        "name": f"{site.name or urlsplit(start).hostname} {label}",
        "province": site.province or "",
    }
    if site.level:
        entry["level"] = site.level
    entry["cms"] = fp.cms
    entry["start_urls"] = [start]
    allowed = {host_of(site.start_url), *map(host_key, allowed_hosts)} - {host_of(start)} if allowed_hosts else set()
    if allowed:
        entry["allowed_hosts"] = sorted(h for h in allowed if h)
    entry["options"] = dict(fp.options)
    entry["evidence"] = {
        "url": start,
        "observed": today or datetime.now(UTC).date().isoformat(),
        "source": "discover",
    }
    trail = " → ".join([*column.trail, column.link_text]) if column.trail else column.link_text
    entry["note"] = (
        f"Found by scrapy discover from {site.start_url} ({trail}); {'; '.join(fp.signals)}; "
        f"{column.reports_seen} report link(s) seen on the first page(s), e.g. {column.sample}."
    )
    return entry


@dataclass
class ProbeResult:
    """What a column's adapter made of one page: report links, further requests, what the page declared."""

    reports: list[str]
    titles: list[str]
    next_requests: list[Request]
    declared_pages: int | None
    stop_reason: str | None


def probe(response: TextResponse, portal: Portal) -> ProbeResult:
    """Run `portal`'s adapter on `response`: the report links it finds and the requests it would make next."""
    page = get_adapter(portal.cms).parse(response, portal)
    reports = [link for link in page.links if is_report_title(link.title)]
    return ProbeResult(
        [link.url for link in reports],
        [link.title for link in reports],
        list(page.next_requests),
        page.declared_pages,
        page.stop_reason,
    )


def candidate_portal(portal_id: str, url: str, fp: Fingerprint, allowed_hosts: tuple[str, ...] = ()) -> Portal:
    """A throwaway registry entry for a column being proved (its adapter needs one)."""
    return Portal(
        id=portal_id,
        name=portal_id,
        province="beijing",  # not used by the adapters; the printed entry carries the real one
        start_urls=(fp.start_url or url,),
        cms=fp.cms,
        options=dict(fp.options),
        allowed_hosts=allowed_hosts,
    )


def same_page(a: str, b: str) -> bool:
    return canonicalize_url(a, keep_fragments=False) == canonicalize_url(b, keep_fragments=False)


INDEX_FILE = re.compile(r"/(?:index|default)\.(?:s?html?|jsp|aspx?|php)$", re.I)


def page_key(url: str) -> str:
    """One key per page: ``…/xxgknb/`` and ``…/xxgknb/index.html`` are the same column (a platform's #column is kept)."""
    canonical = canonicalize_url(url, keep_fragments="gkmlpt" in url)
    parts = urlsplit(canonical)
    return parts._replace(path=INDEX_FILE.sub("/", parts.path) or "/").geturl()

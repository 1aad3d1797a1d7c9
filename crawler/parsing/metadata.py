"""Report metadata: title, 索引号, publisher, dates, report year, 文号, format."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date

from lxml import etree
from parsel import Selector

from crawler.parsing.labels import (
    BODY_SUFFIXES,
    CHROME_LABELS,
    CN_DIGITS,
    FORMAT_MARKERS,
    META_LABELS,
    META_TAGS,
    NOT_BODIES,
    TAIWAN_WORDS,
    compact,
)
from crawler.parsing.titles import YEAR, is_report_title

_ALL_LABELS = sorted({lab for labs in META_LABELS.values() for lab in labs}, key=len, reverse=True)
_LABEL_RE = re.compile(r"(?P<label>" + "|".join(re.escape(lab) for lab in _ALL_LABELS) + r")\s*[:：]\s*")
# Where a value ends: a known label (metadata or page chrome) with its colon, found
# first, so "某区政府办公室发布日期：" ends at 发布日期, not at 公室发布日期; else any
# "标签:" that starts after a space (an unknown label cannot eat into the value).
_KNOWN_LABELS = sorted({*_ALL_LABELS, *CHROME_LABELS}, key=len, reverse=True)
_KNOWN_LABEL_RE = re.compile("(?:" + "|".join(re.escape(lab) for lab in _KNOWN_LABELS) + r")\s*[:：]")
_ANY_LABEL_RE = re.compile(r"(?:^|(?<=\s))[\u4e00-\u9fff]{2,6}\s*[:：]")
# Chrome printed after a value: 【大 中 小】, [打印], 字号 controls.
_CHROME_TAIL = re.compile(r"\s*[【\[〖(（]?\s*(?:字号|字体|打印|分享|关闭|大\s*中\s*小|默认|超大)|\s*[【\[〖]")


def meta_fields(meta_text: str) -> dict[str, str]:
    """Label → printed value from a metadata block; empty values are left out.

    Takes ``标签: 值`` lines and table rows rendered as ``标签 | 值 | 标签 | 值``.

    >>> meta_fields("索引号: 002590622/2022-79879 公开方式: 主动公开\\n文号: 公开日期: 2022-01-21")
    {'index_no': '002590622/2022-79879', 'publish_date': '2022-01-21'}
    >>> meta_fields("索引号 | 014133461/2025-00008 | 分类 | 年报\\n发布机构 | 某镇人民政府 | 发布日期 | 2025-01-21\\n文号 | | 时效 | 有效")
    {'index_no': '014133461/2025-00008', 'publisher': '某镇人民政府', 'publish_date': '2025-01-21'}
    >>> meta_fields("中文名\\n某县年报\\n发布单位\\n某县林业局\\n发布时间\\n2022年1月28日")
    {'publisher': '某县林业局', 'publish_date': '2022年1月28日'}
    """
    found: dict[str, str] = {}
    meta_text = _BRACKETED_LABEL.sub(r"\1：", meta_text or "")
    for line in _label_lines_joined(meta_text.splitlines()):
        if "|" in line:
            cells = [c.strip() for c in line.split("|")]
            for label_cell, value_cell in itertools.pairwise(cells):
                field = _FIELD_OF_LABEL.get(_LABEL_NOISE.sub("", label_cell))
                if field:
                    _keep(found, field, _LABEL_RE.sub("", value_cell) if _LABEL_RE.match(value_cell) else value_cell)
            segments = cells
        else:
            segments = [line]
        for segment in segments:
            for match in _LABEL_RE.finditer(segment):
                field = _FIELD_OF_LABEL[_SPACES.sub("", match["label"])]
                rest = segment[match.end() :]
                end = _value_end(rest)
                _keep(found, field, rest[:end])
    return found


# 【发布机构】青衡县卫生健康局: a label in brackets instead of before a colon.
_BRACKETED_LABEL = re.compile(
    r"[【\[〖]\s*("
    + "|".join(
        re.escape(lab) for lab in sorted({lab for labs in META_LABELS.values() for lab in labs}, key=len, reverse=True)
    )
    + r")\s*[】\]〗]\s*"
)
# A byline with no labels: 鹤泉市人民政府 www.hequan.gov.cn 2021-01-29
_BYLINE = re.compile(
    r"^\s*(?P<body>\S{2,40}?)\s+(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+\S*\s+(?P<date>\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?)"
)


def byline(lines: Iterable[str]) -> tuple[str | None, str | None]:
    """(body, date) from an unlabelled ``body site date`` line above the report.

    >>> byline(["首页 > 年报", "鹤泉市人民政府 www.hequan.gov.cn 2021-01-29"])
    ('鹤泉市人民政府', '2021-01-29')
    """
    for line in lines:
        match = _BYLINE.match(line)
        if match and is_body_name(match["body"]):
            return match["body"], match["date"]
    return None, None


def _label_lines_joined(lines: list[str]) -> list[str]:
    """A label printed alone on its line with its value on the next (``<dt>发布单位</dt><dd>…</dd>``,
    ``来源：`` then ``东湖镇``) read as one ``label：value`` line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        label = _LABEL_NOISE.sub("", line)
        nxt = lines[i + 1].strip() if label in _FIELD_OF_LABEL and i + 1 < len(lines) else ""
        if nxt and _LABEL_NOISE.sub("", nxt) not in _FIELD_OF_LABEL:
            out.append(f"{label}：{nxt}")
            i += 2
            continue
        out.append(line)
        i += 1
    return out


_LABEL_NOISE = re.compile(r"[\s:：]+")  # around a label: 发布 单位 ：
_SPACES = re.compile(r"\s+")
_HANZI = re.compile(r"[\u4e00-\u9fff]")
_DATE_START = re.compile(r"\d{4}\s*[-年/.]")
_WIDE_GAP = re.compile(r"\s{2,}|\t")


def _value_end(rest: str) -> int:
    """Where the value that starts ``rest`` ends: at the next label, known first."""
    ends = [m.start() for m in (_KNOWN_LABEL_RE.search(rest), _ANY_LABEL_RE.search(rest)) if m]
    return min(ends) if ends else len(rest)


BODY_ENDINGS = (*BODY_SUFFIXES, "办", "区", "县", "市", "省", "州", "盟", "旗", "会", "站", "队", "馆", "部", "社")


def is_body_name(value: str) -> bool:
    """True when ``value`` reads as the name of a public body, not a glyph, date, label or site.

    >>> is_body_name("澜溪区人民政府办公室"), is_body_name("县政府办"), is_body_name("【"), is_body_name("本站")
    (True, True, False, False)
    >>> is_body_name("2024-01-25"), is_body_name("澜溪")
    (False, False)
    """
    return _is_body_name(value) if len(value) <= _CACHED_NAME_CHARS else _body_name_test(value)


_CACHED_NAME_CHARS = 80  # lines and names this short repeat across a portal's pages


def _body_name_test(value: str) -> bool:
    text = value.strip()
    if text in NOT_BODIES or len(_HANZI.findall(text)) < 2:
        return False
    if _DATE_START.search(text):
        return False
    return text.endswith(BODY_ENDINGS)


_is_body_name = functools.lru_cache(maxsize=16384)(_body_name_test)
_FIELD_OF_LABEL = {re.sub(r"\s+", "", label): field for field, labels in META_LABELS.items() for label in labels}


def _keep(found: dict[str, str], field: str, value: str) -> None:
    """Record a field's first usable value, trimmed the way the field needs."""
    value = value.strip()
    if field in ("index_no", "doc_no"):
        value = value.split()[0] if value.split() else ""
    elif field != "publish_date":
        value = _WIDE_GAP.split(value)[0].strip()
    if field == "publish_date":
        value = _CHROME_TAIL.split(value, maxsplit=1)[0].strip()
        if parse_date(value) is None:
            return
    if field == "publisher":
        value = _CHROME_TAIL.split(value, maxsplit=1)[0].strip()
        if len(value) > 40 or _ANY_LABEL_RE.match(value) or not is_body_name(value):
            return
    if value and field not in found:
        found[field] = value


def index_key(index_no: str | None) -> str | None:
    """Normalised 索引号 for dedup: width folded, no spaces, upper case.

    >>> index_key(" ００２５９０６２２／2022－79879 ")
    '002590622/2022-79879'
    """
    if not index_no:
        return None
    text = unicodedata.normalize("NFKC", index_no)
    text = re.sub(r"[‐‑‒–—―−－]", "-", text)
    return re.sub(r"\s+", "", text).upper() or None


def _cn_number(text: str) -> int | None:
    """二〇二一 → 2021, 十二 → 12, 二十七 → 27."""
    values = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0}
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (values.get(tens, 1) if tens else 1) * 10 + (values.get(ones, 0) if ones else 0)
    if text and all(c in values for c in text):
        return int("".join(str(values[c]) for c in text))
    return None


_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|[-/.．])?\s*(?P<m>\d{1,2})\s*(?:月|[-/.．])\s*(?P<d>\d{1,2})(?!\d)\s*日?"
)
_CN_DATE_RE = re.compile(rf"(?P<y>[{CN_DIGITS}○O]{{4}})年(?P<m>[{CN_DIGITS}]{{1,2}})月(?P<d>[{CN_DIGITS}]{{1,3}})日")


def parse_date(text: str) -> str | None:
    """ISO date from a printed date, repairing dropped 年/日 characters.

    >>> [parse_date(x) for x in ["2022-01-21 15:41", "20211月7", "2021年3月5日", "二〇二一年一月七日"]]
    ['2022-01-21', '2021-01-07', '2021-03-05', '2021-01-07']
    """
    text = text or ""
    return _parse_date_cached(text) if len(text) <= _CACHED_DATE_CHARS else _parse_date(text)


_CACHED_DATE_CHARS = 80  # printed dates and the values labelled as dates: short, and they recur


def _parse_date(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", text)
    for regex, conv in ((_DATE_RE, int), (_CN_DATE_RE, _cn_number)):
        for match in regex.finditer(text):
            try:
                y, m, d = (conv(match[k]) for k in ("y", "m", "d"))
                return date(y, m, d).isoformat()  # type: ignore[arg-type]  # _cn_number gives None for a non-number: TypeError, caught below
            except (TypeError, ValueError):
                continue
    return None


_parse_date_cached = functools.lru_cache(maxsize=8192)(_parse_date)


# Elements are found by lxml's tag filter (C, a proxy only per match), not XPath: libxml2
# evaluates ``//h1|//h2|//h3`` as three walks and a sort, and ``self::`` tests slowly.
_TEXT = etree.XPath("normalize-space(.)")
_PAGE_TITLE = etree.XPath("normalize-space(//title)")


def _meta_tags(tree: Selector | None) -> dict[str, str]:
    """Every ``<meta name content>`` of the page, first one per name (one pass, not one query per name)."""
    if tree is None or not isinstance(tree.root, etree._Element):
        return {}
    found: dict[str, str] = {}
    for meta in tree.root.iter("meta"):
        name, content = meta.get("name"), meta.get("content")
        if name is None or content is None:
            continue
        value = content.strip()
        if value:
            found.setdefault(name, value)
    return found


def _meta_tag(tree: Selector | None, names: tuple[str, ...], tags: dict[str, str] | None = None) -> str | None:
    tags = _meta_tags(tree) if tags is None else tags
    return next((tags[name] for name in names if name in tags), None)


def _texts(elements: Iterable[etree._Element]) -> list[str]:
    """Each element's text, whitespace normalised as XPath's ``normalize-space`` does."""
    return [str(_TEXT(el)) for el in elements]


def _is_report_title(line: str) -> bool:
    """The listing's rule (year, 年报/年度报告, disclosure, not a notice), on a title-sized line.

    Sidebars on report pages link 2024年政府工作报告 and 编制工作的通知; the
    same rule that keeps them out of the crawl keeps them out of ``title``.
    """
    return len(line) <= 80 and "。" not in line and is_report_title(line)


def find_title(
    text: str,
    tree: Selector | None,
    link_title: str | None,
    normalise: Callable[[str], str] | None = None,
    meta: dict[str, str] | None = None,
    lines: list[str] | None = None,
) -> str | None:
    """The report's title: the document's heading, a heading, a title-like line, its own name, link, meta, <title>.

    Strings taken from the tree go through ``normalise`` (the text stage's
    cleaner) so a Traditional page gives its Simplified title.  ``lines``:
    ``text.splitlines()``, when the caller has them.
    """
    clean = normalise or (lambda s: s)
    root = tree.root if tree is not None and isinstance(tree.root, etree._Element) else None
    # What a reader sees comes before what only the HTML head says: the heading the
    # document prints on itself (a centred bold line) first — 柘源县人民政府2019年… under
    # an <h1> 2019年柘源县… —, then headings, the first lines, the name the report gives
    # itself in its first sentences, the listing's link; the meta tag and <title> last.
    heads = [clean(h) for h in _texts(root.iter("h1", "h2", "h3"))] if root is not None else []
    from_tree = _texts(_document_headings(root)) if root is not None else []
    candidates = [clean(c) for c in from_tree if c] + heads
    if root is not None:
        candidates += [clean(c) for c in _texts(_title_boxes(root)) if c]
    first_lines = [line.strip() for line in ((text or "").splitlines() if lines is None else lines)[:12]]
    candidates += first_lines
    # A title printed over two lines (a PDF): 云杉县自然资源局 / 2021年政府信息公开工作年度报告
    candidates += [a + b for a, b in itertools.pairwise(first_lines) if is_body_name(a) and not _is_report_title(a)]
    candidates += [m["title"] for m in _SELF_NAMED.finditer((text or "")[:800])]
    candidates.append(link_title or "")
    if root is not None:
        candidates.append(clean(_meta_tag(tree, META_TAGS["title"], meta) or ""))
        page_title = clean(str(_PAGE_TITLE(root)))
        candidates += re.split(r"\s*[_|｜]\s*|\s+-\s+|\s*—\s*", page_title)
        # a title split over two headings: <h1>某县人民政府</h1><h2>2020年…年度报告</h2>
        candidates += [a + b for a, b in itertools.pairwise(heads) if is_body_name(a)]
    titles = [_tidy_title(c) for c in candidates if c and _is_report_title(c.strip())]
    if not titles:
        return None
    first = titles[0]
    if publisher_from_title(first) is None:  # no body in it: a fuller form printed elsewhere wins
        bare = re.sub(r"\s", "", first)
        for fuller in titles[1:]:
            if re.sub(r"\s", "", fuller).endswith(bare) and publisher_from_title(fuller):
                return fuller
    return first


# The report naming itself: 编制了东湖镇2021年政府信息公开工作年度报告。
_SELF_NAMED = re.compile(
    r"(?:编制了?|现将|现公布|公布|发布|形成了?)(?P<title>[^，,。；;《》“”\s]{0,40}?(?:19|20)\d{2}\s*年[^，,。；;《》“”]{0,24}?报告)"
)
# A CMS's visible title box (Hanweb <div class="art-title">, TRS <div class="title">), not a link list:
# a div/p/span/td one of whose classes ends in "title" (ASCII case and _ folded), holding no link.
# The XPath finds the few elements whose class mentions "title" (an attribute test, fast in
# libxml2); the exact test is Python's, because the same test in XPath (concat/translate on
# every element) was a quarter of the metadata stage.
_CLASS_MENTIONS_TITLE = etree.XPath("//@class[contains(translate(., 'TITLE', 'title'), 'title')]/parent::*")
_TITLE_BOX_TAGS = frozenset(("div", "p", "span", "td"))
_CLASS_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", "abcdefghijklmnopqrstuvwxyz-")


def _title_boxes(root: etree._Element, limit: int = 3) -> list[etree._Element]:
    """The first ``limit`` title boxes, in document order."""
    found: list[etree._Element] = []
    for el in _CLASS_MENTIONS_TITLE(root):
        if el.tag not in _TITLE_BOX_TAGS or "title " not in f" {el.get('class', '').translate(_CLASS_FOLD)} ":
            continue
        if next(el.iter("a"), None) is None:
            found.append(el)
            if len(found) == limit:
                break
    return found


# A centred paragraph that is all bold: the heading the document prints on itself.
_ALL_BOLD = etree.XPath("normalize-space(.) = normalize-space(strong) or normalize-space(.) = normalize-space(b)")


def _document_headings(root: etree._Element, limit: int = 3) -> list[etree._Element]:
    """The first ``limit`` centred all-bold ``<p>`` (``text-align:center`` or ``align=center``), in order.

    Walked in Python with the bold test in XPath per centred paragraph: one
    XPath over every ``<p>`` cost three times as much.
    """
    found: list[etree._Element] = []
    for p in root.iter("p"):
        style = p.get("style")
        centred = (style is not None and "text-align:center" in style.replace(" ", "")) or p.get("align") == "center"
        if centred and _ALL_BOLD(p):
            found.append(p)
            if len(found) == limit:
                break
    return found


# What a portal prints after a title that is not part of it: （全文）, （正文）.
_TITLE_SUFFIX = re.compile(r"\s*[(（]\s*(?:全文|正文)\s*[)）]\s*$")


def _tidy_title(candidate: str) -> str:
    """One space at most, none inside the year (a PDF prints 2021 年), no （全文） tail."""
    return _tidied(candidate) if len(candidate) <= 200 else _tidy(candidate)


def _tidy(candidate: str) -> str:
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", candidate)).strip()
    return _TITLE_SUFFIX.sub("", re.sub(r"(\d)\s+(?=年)", r"\1", text))


_tidied = functools.lru_cache(maxsize=8192)(_tidy)
_YEAR_IN_TEXT = re.compile(
    r"现将\s*((?:19|20)\d{2})\s*年|统计期限自\s*((?:19|20)\d{2})|"
    r"((?:19|20)\d{2})\s*年度?政府信息公开"
)


def report_year(title: str | None, text: str, publish_date: str | None) -> int | None:
    """The year reported on: from the title, else the text, else publish year - 1.

    >>> report_year("某镇2020年政府信息公开年度报告", "", "2021-01-07")
    2020
    >>> report_year(None, "", "2021-01-07")
    2020
    """
    for source, regex in ((title or "", YEAR), (text or "", _YEAR_IN_TEXT)):
        match = regex.search(unicodedata.normalize("NFKC", source))
        if match:
            return int(next(g for g in match.groups() if g))
    if publish_date:
        return int(publish_date[:4]) - 1
    return None


_SIGNATURE_DATE = re.compile(
    rf"^\s*((?:19|20)\d{{2}}\s*年?\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日?|[{CN_DIGITS}○O]{{4}}年[{CN_DIGITS}]{{1,2}}月[{CN_DIGITS}]{{1,3}}日)\s*$"
)


_SIGNATURE_LINES = 15  # a signature's date is on one of the last lines


def signature(text: str, *, lines: list[str] | None = None) -> tuple[str | None, str | None]:
    """(body, ISO date) from the signature block closing the report, if any.

    ``lines``: ``text.splitlines()``, when the caller has them.  Only the last
    non-empty lines are read (the date's candidates and the line above them).
    """
    lines = _last_lines((text or "").splitlines() if lines is None else lines, _SIGNATURE_LINES + 1)
    for i in range(len(lines) - 1, max(len(lines) - 15, 0) - 1, -1):
        if _SIGNATURE_DATE.match(unicodedata.normalize("NFKC", lines[i])):
            body = lines[i - 1] if i > 0 else None
            if body and (len(body) > 40 or not body.endswith(BODY_SUFFIXES)):
                body = None
            return body, parse_date(lines[i])
    return None, None


def _last_lines(lines: list[str], n: int) -> list[str]:
    """The last ``n`` non-empty lines, stripped, in order."""
    tail: list[str] = []
    for line in reversed(lines):
        stripped = line.strip()
        if stripped:
            tail.append(stripped)
            if len(tail) == n:
                break
    tail.reverse()
    return tail


def publisher_from_title(title: str | None) -> str | None:
    """The body named before the year in a report title.

    >>> publisher_from_title("灌南县北陈集镇2024年政府信息公开工作年度报告")
    '灌南县北陈集镇'
    >>> publisher_from_title("关于澜溪区市场监督管理局2022年度政府信息公开工作年度报告")
    '澜溪区市场监督管理局'
    """
    if not title:
        return None
    match = re.match(r"^\s*(?:[【\[].{0,8}?[】\]])?\s*(?:关于)?(.{2,40}?)\s*[(（]?(?:19|20)\d{2}\s*年", title)
    return match[1].strip() if match else None


def _clean_doc_no(value: str | None) -> str | None:
    if value and re.search(r"[〔\[【(（]\s*\d{4}|号", value):
        return value
    return None


def detect_format(text: str, year: int | None) -> str:
    """'2021', '2019' or 'legacy', from the template wording the report uses.

    The year decides only when the text carries no template wording at all.

    >>> detect_format("第二十条第（一）项 信息内容 本年制发件数 本年废止件数", 2020)
    '2021'
    >>> detect_format("四、政府信息公开的收费及减免情况", 2021)
    'legacy'
    >>> detect_format("一、总体情况", 2020)
    '2019'
    """
    return _format_of(compact(text), year)


def _format_of(flat: str, year: int | None) -> str:
    """:func:`detect_format` of a text already compacted (or flattened by :func:`_marker_flat`)."""
    counts = {fmt: sum(marker in flat for marker in markers) for fmt, markers in _FLAT_MARKERS.items()}
    if counts["2021"] or counts["2019"]:
        return "2021" if counts["2021"] >= counts["2019"] else "2019"
    if counts["legacy"]:
        return "legacy"
    if year is None:
        return "2021"
    return "2021" if year >= 2021 else "2019" if year >= 2019 else "legacy"


_FLAT_MARKERS = {fmt: tuple(compact(marker) for marker in markers) for fmt, markers in FORMAT_MARKERS.items()}


# A marker found in the raw text is in the compacted text too when each of its characters is a
# CJK ideograph (compact's NFKC and whitespace removal leave those in place) that no Taiwan word
# compact rewrites contains.
_RAW_2021_MARKERS = tuple(
    marker
    for marker in _FLAT_MARKERS["2021"]
    if all("\u4e00" <= ch <= "\u9fff" and not any(ch in word for word, _ in TAIWAN_WORDS) for ch in marker)
)


def _report_format(
    text: str, table_text: str | Callable[[], str], clean: Callable[[str], str], year: int | None
) -> str:
    """:func:`detect_format` of the text and the cleaned table text, cleaning the tables only when needed.

    A text printing as many 2021 markers as there are 2019 markers is '2021'
    whatever its tables add (2021 wins ties), so neither it nor its tables are
    compacted (the raw text is searched for markers that compacting cannot
    change).  Otherwise the table text is cleaned with its whitespace runs
    collapsed first: the markers are matched compacted (no whitespace), and
    the cleaner's changes (pinyin, script, widths) do not depend on how long
    a blank run is, but cleaning the page's blank text nodes one line at a
    time was half the cost.
    """
    printed_2021 = sum(marker in text for marker in _RAW_2021_MARKERS)
    if printed_2021 and printed_2021 >= len(_FLAT_MARKERS["2019"]):
        return "2021"
    tables = table_text() if callable(table_text) else table_text
    return _format_of(_marker_flat(f"{text}\n{clean(' '.join(tables.split()))}"), year)


# What NFKC turns into CJK ideographs: radicals, Hangzhou numerals, Kanbun, enclosed and squared
# CJK, compatibility ideographs.  Everything else it leaves an ideograph, a space or neither.
_TO_IDEOGRAPHS_RE = re.compile(
    "[\u2e80-\u2fff\u3038-\u303a\u3190-\u319f\u3200-\u33ff\uf900-\ufaff\U0001f200-\U0001f2ff\U0002f800-\U0002fa1f]"
)
_IDEOGRAPHS_ONLY = all(
    "\u4e00" <= ch <= "\u9fff"
    for word in (*itertools.chain(*FORMAT_MARKERS.values()), *itertools.chain(*TAIWAN_WORDS))
    for ch in word
)
_TAIWAN_RE = re.compile("|".join(word for word, _ in TAIWAN_WORDS))
_MAINLAND = dict(TAIWAN_WORDS)
_WHITESPACE_RE = re.compile(r"\s+")


def _marker_flat(text: str) -> str:
    """A text in which the format markers are found exactly where they are in ``compact(text)``.

    ``compact`` is NFKC, then no whitespace, then Taiwan words read as
    mainland ones; NFKC was most of the format's cost.  The markers and
    Taiwan words are CJK ideographs, which NFKC leaves in place, and
    outside ``_TO_IDEOGRAPHS_RE`` it makes no ideograph, turns no
    whitespace into anything else and nothing else into whitespace (a test
    checks every code point): so without it, the ideographs sit between the
    same separators and every marker is found as after it.
    """
    if not _IDEOGRAPHS_ONLY or _TO_IDEOGRAPHS_RE.search(text):
        return compact(text)
    return _TAIWAN_RE.sub(lambda match: _MAINLAND[match.group()], _WHITESPACE_RE.sub("", text))


def header_lines(lines: Iterable[str], *, limit: int = 120) -> list[str]:
    """The page's lines above its first numbered part: where metadata blocks sit.

    >>> header_lines(["首页 > 年报", "索引号: 1", "一、总体情况", "来源: 正文里"])
    ['首页 > 年报', '索引号: 1']
    """
    out = []
    for line in lines:
        if _PART_START.match(line):
            break
        if len(line) <= limit:
            out.append(line)
    return out


_PART_START = re.compile(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]")


def extract_metadata(
    *,
    text: str,
    meta_text: str = "",
    tree: Selector | None = None,
    table_text: str | Callable[[], str] = "",
    link_title: str | None = None,
    link_date: str | None = None,
    page_lines: Iterable[str] | None = None,
    normalise: Callable[[str], str] | None = None,
) -> dict[str, object]:
    """All metadata fields of one report (None where the page has none).

    Labelled values come from, in order: the metadata block the text stage
    found (``meta_text``), the page's lines above the report's first part
    (``page_lines``, e.g. a TRS ``发布机构:`` line outside the block), and the
    first lines of the report text.  ``table_text`` (the text of the tables,
    where the format's markers are printed) may be a function giving it: it
    is read only when the report text leaves the format open.
    """
    clean = normalise or (lambda s: s)
    text_lines = (text or "").splitlines()
    header = header_lines(page_lines or [])
    header_text = "\n".join(header)
    clean_header = [clean(line) for line in header]
    clean_header_text = "\n".join(clean_header)
    header_fields = meta_fields(header_text)
    # 索引号 and 文号 exactly as printed: from the page's own lines first
    printed = {k: v for k, v in header_fields.items() if k in ("index_no", "doc_no")}
    fields: dict[str, str] = {}
    for source in (
        printed,
        meta_fields(meta_text),
        header_fields if clean_header_text == header_text else meta_fields(clean_header_text),
        meta_fields("\n".join(text_lines[:15])),
    ):
        for key, value in source.items():
            fields.setdefault(key, value)
    meta = _meta_tags(tree)
    title = find_title(text, tree, link_title, normalise, meta, lines=text_lines) or fields.get("title")
    sig_body, sig_date = signature(text, lines=text_lines)
    by_body, by_date = byline(clean_header)
    if by_date:
        fields.setdefault("publish_date", by_date)
    publish_date = (
        parse_date(fields.get("publish_date", ""))
        or parse_date(_meta_tag(tree, META_TAGS["publish_date"], meta) or "")
        or sig_date
        or parse_date(link_date or "")
    )
    tag_publisher = _meta_tag(tree, META_TAGS["publisher"], meta)
    publisher, publisher_source = next(
        (
            (value, source)
            for value, source in (
                (fields.get("publisher"), "field"),
                (clean(tag_publisher) if tag_publisher else None, "meta"),
                (by_body, "byline"),
                (sig_body, "signature"),
                (publisher_from_title(title), "title"),
            )
            if value and is_body_name(value)
        ),
        (None, None),
    )
    index_no = fields.get("index_no")
    year = report_year(title, text, publish_date)
    return {
        "title": title,
        "index_no": index_no,
        "index_key": index_key(index_no),
        "publisher": publisher,
        "publisher_source": publisher_source,
        "publish_date": publish_date,
        "report_year": year,
        "doc_no": _clean_doc_no(fields.get("doc_no")),
        "format": _report_format(text or "", table_text, clean, year),
    }

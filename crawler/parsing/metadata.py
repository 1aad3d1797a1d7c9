"""Report metadata: title, 索引号, publisher, dates, report year, 文号, format."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from parsel import Selector

from crawler.parsing.labels import (
    BODY_SUFFIXES, CN_DIGITS, FORMAT_MARKERS, META_LABELS, META_TAGS, REPORT_WORDS, compact,
)

_ALL_LABELS = sorted({lab for labs in META_LABELS.values() for lab in labs}, key=len, reverse=True)
_LABEL_RE = re.compile(
    r"(?P<label>" + "|".join(re.escape(lab) for lab in _ALL_LABELS) + r")\s*[:：]\s*"
)
# Any "标签:" marks the end of the previous value, known label or not.
_ANY_LABEL_RE = re.compile(r"[\u4e00-\u9fff]{2,6}\s*[:：]")


def meta_fields(meta_text: str) -> dict[str, str]:
    """Label → printed value from a metadata block; empty values are left out.

    >>> meta_fields("索引号: 002590622/2022-79879 公开方式: 主动公开\\n文号: 公开日期: 2022-01-21")
    {'index_no': '002590622/2022-79879', 'publish_date': '2022-01-21'}
    """
    found: dict[str, str] = {}
    for line in (meta_text or "").splitlines():
        for match in _LABEL_RE.finditer(line):
            label = re.sub(r"\s+", "", match["label"])
            field = next(f for f, labs in META_LABELS.items()
                         if label in {re.sub(r"\s+", "", x) for x in labs})
            rest = line[match.end():]
            end = _ANY_LABEL_RE.search(rest)
            value = (rest[: end.start()] if end else rest).strip()
            if field in ("index_no", "doc_no"):
                value = value.split()[0] if value.split() else ""
            elif field != "publish_date":
                value = re.split(r"\s{2,}|\t", value)[0].strip()
            if value and field not in found and not (
                    field == "publish_date" and parse_date(value) is None):
                found[field] = value
    return found


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
_CN_DATE_RE = re.compile(
    rf"(?P<y>[{CN_DIGITS}○O]{{4}})年(?P<m>[{CN_DIGITS}]{{1,2}})月(?P<d>[{CN_DIGITS}]{{1,3}})日"
)


def parse_date(text: str) -> str | None:
    """ISO date from a printed date, repairing dropped 年/日 characters.

    >>> [parse_date(x) for x in ["2022-01-21 15:41", "20211月7", "2021年3月5日", "二〇二一年一月七日"]]
    ['2022-01-21', '2021-01-07', '2021-03-05', '2021-01-07']
    """
    text = unicodedata.normalize("NFKC", text or "")
    for regex, conv in ((_DATE_RE, int), (_CN_DATE_RE, _cn_number)):
        for match in regex.finditer(text):
            try:
                y, m, d = (conv(match[k]) for k in ("y", "m", "d"))
                return date(y, m, d).isoformat()  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
    return None


def _meta_tag(tree: Selector | None, names: tuple[str, ...]) -> str | None:
    if tree is None:
        return None
    for name in names:
        value = tree.xpath(f'//meta[@name="{name}"]/@content').get()
        if value and value.strip():
            return value.strip()
    return None


def _is_report_title(line: str) -> bool:
    return any(w in line for w in REPORT_WORDS) and len(line) <= 80 and "。" not in line


def find_title(text: str, tree: Selector | None, link_title: str | None) -> str | None:
    """The report's title: meta tag, heading, first title-like line, link, <title>."""
    candidates = [_meta_tag(tree, META_TAGS["title"])]
    if tree is not None:
        candidates += [" ".join(h.xpath("normalize-space(.)").getall())
                       for h in tree.xpath("//h1|//h2|//h3")]
    candidates += [line.strip() for line in (text or "").splitlines()[:12]]
    candidates.append(link_title)
    if tree is not None:
        page_title = tree.xpath("normalize-space(//title)").get() or ""
        candidates += re.split(r"\s*[_|｜]\s*|\s+-\s+|\s*—\s*", page_title)
    for candidate in candidates:
        if candidate and _is_report_title(candidate.strip()):
            return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", candidate)).strip()
    return None


_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_IN_TEXT = re.compile(r"现将\s*((?:19|20)\d{2})\s*年|统计期限自\s*((?:19|20)\d{2})|"
                           r"((?:19|20)\d{2})\s*年度?政府信息公开")


def report_year(title: str | None, text: str, publish_date: str | None) -> int | None:
    """The year reported on: from the title, else the text, else publish year - 1.

    >>> report_year("某镇2020年政府信息公开年度报告", "", "2021-01-07")
    2020
    >>> report_year(None, "", "2021-01-07")
    2020
    """
    for source, regex in ((title or "", _YEAR_IN_TITLE), (text or "", _YEAR_IN_TEXT)):
        match = regex.search(unicodedata.normalize("NFKC", source))
        if match:
            return int(next(g for g in match.groups() if g))
    if publish_date:
        return int(publish_date[:4]) - 1
    return None


_SIGNATURE_DATE = re.compile(
    rf"^\s*((?:19|20)\d{{2}}\s*年?\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日?|[{CN_DIGITS}○O]{{4}}年[{CN_DIGITS}]{{1,2}}月[{CN_DIGITS}]{{1,3}}日)\s*$"
)


def signature(text: str) -> tuple[str | None, str | None]:
    """(body, ISO date) from the signature block closing the report, if any."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for i in range(len(lines) - 1, max(len(lines) - 15, 0) - 1, -1):
        if _SIGNATURE_DATE.match(unicodedata.normalize("NFKC", lines[i])):
            body = lines[i - 1] if i > 0 else None
            if body and (len(body) > 40 or not body.endswith(BODY_SUFFIXES)):
                body = None
            return body, parse_date(lines[i])
    return None, None


def publisher_from_title(title: str | None) -> str | None:
    """The body named before the year in a report title.

    >>> publisher_from_title("灌南县北陈集镇2024年政府信息公开工作年度报告")
    '灌南县北陈集镇'
    """
    if not title:
        return None
    match = re.match(r"^\s*(.{2,40}?)\s*[(（]?(?:19|20)\d{2}\s*年", title)
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
    flat = compact(text)
    counts = {fmt: sum(compact(marker) in flat for marker in markers)
              for fmt, markers in FORMAT_MARKERS.items()}
    if counts["2021"] or counts["2019"]:
        return "2021" if counts["2021"] >= counts["2019"] else "2019"
    if counts["legacy"]:
        return "legacy"
    if year is None:
        return "2021"
    return "2021" if year >= 2021 else "2019" if year >= 2019 else "legacy"


def extract_metadata(
    *,
    text: str,
    meta_text: str = "",
    tree: Selector | None = None,
    table_text: str = "",
    link_title: str | None = None,
    link_date: str | None = None,
) -> dict[str, object]:
    """All metadata fields of one report (None where the page has none)."""
    fields = meta_fields(meta_text)
    head = "\n".join((text or "").splitlines()[:15])
    for key, value in meta_fields(head).items():
        fields.setdefault(key, value)
    title = find_title(text, tree, link_title) or fields.get("title")
    sig_body, sig_date = signature(text)
    publish_date = (
        parse_date(fields.get("publish_date", ""))
        or parse_date(_meta_tag(tree, META_TAGS["publish_date"]) or "")
        or sig_date
        or parse_date(link_date or "")
    )
    publisher = (
        fields.get("publisher")
        or _meta_tag(tree, META_TAGS["publisher"])
        or sig_body
        or publisher_from_title(title)
    )
    index_no = fields.get("index_no")
    year = report_year(title, text, publish_date)
    return {
        "title": title,
        "index_no": index_no,
        "index_key": index_key(index_no),
        "publisher": publisher,
        "publish_date": publish_date,
        "report_year": year,
        "doc_no": _clean_doc_no(fields.get("doc_no")),
        "format": detect_format(f"{text}\n{table_text}", year),
    }

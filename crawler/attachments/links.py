"""Does an HTML report page hand its report over to an attachment?

A cover page (详见附件; 附件：武义县…年度报告.pdf) holds little text of its
own; a full-text report page may link a PDF copy too, and keeps the HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from crawler.attachments.detect import EXTENSION, url_extension
from crawler.parsing.titles import is_report_title

# A report's own part headings (一、总体情况 … / 第一部分): two or more mean full text.
PART_HEADING = re.compile(r"^\s*(?:[一二三四五六七]\s*[、.．]|第[一二三四五六七]部分)")
HANZI = re.compile(r"[\u4e00-\u9fff]")
THIN_HANZI = 600  # a cover page's own text (chrome, metadata, one sentence) stays below this
TITLED_ONLY = {"xls", "xlsx", "et", "image"}  # url_extension() kinds followed only when the link names a report
LABEL = re.compile(r"附\s*件|下\s*[载載]|全文")
DOWNLOAD_SCRIPT = re.compile(r"download|downfile|getfile|attach|fileid|file_id", re.I)
OWN_TEXT = (
    "//body//text()[not(ancestor::a or ancestor::script or ancestor::style or ancestor::select"
    " or ancestor::noscript or ancestor::option)]"
)


@dataclass(frozen=True)
class AttachmentLink:
    url: str
    text: str
    report_title: bool  # the link text is a report title (武义县…2023年…年度报告.pdf)
    labelled: bool  # 附件 / 下载 in the link or just before it


def page_is_thin(selector: Selector) -> bool:
    """True when the page's own text (outside links) holds no report: < 2 part headings, little text.

    >>> page_is_thin(Selector(text="<body><p>详见附件。</p></body>"))
    True
    """
    nodes = [t.strip() for t in selector.xpath(OWN_TEXT).getall() if t.strip()]
    parts = {m.group(0).strip()[:1] for t in nodes if (m := PART_HEADING.match(t))}
    hanzi = sum(len(HANZI.findall(t)) for t in nodes)
    return len(parts) < 2 and hanzi < THIN_HANZI


def attachment_links(selector: Selector, base_url: str) -> list[AttachmentLink]:
    """Links to PDF/DOCX/DOC files on the page, in document order."""
    out = []
    texts_before = _TextsBefore()
    for a in selector.xpath("//body//a[@href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        try:
            url = urljoin(base_url, href)
        except ValueError:  # "http://[::1", not a URL at all: no attachment
            continue
        text = " ".join(a.xpath("normalize-space(.)").getall() + [a.attrib.get("title", "")]).strip()
        before = texts_before(a.root)
        labelled = bool(LABEL.search(text) or LABEL.search(before))
        by_href = url_extension(url) is not None
        by_text = bool(EXTENSION.search(text)) and (labelled or bool(DOWNLOAD_SCRIPT.search(href)))
        by_label = labelled and bool(DOWNLOAD_SCRIPT.search(href))
        if not (by_href or by_text or by_label):
            continue
        title = EXTENSION.sub("", text.split(" ")[0] if text else "")
        out.append(AttachmentLink(url, text, is_report_title(title) or is_report_title(text), labelled))
    return out


_STRING = etree.XPath("string()")
BEFORE = 12  # characters of the enclosing element's text read before a link (附件：…)


class _TextsBefore:
    """Up to 12 characters of the enclosing element's text just before each link (附件：…).

    Each enclosing element's text is read once, with what comes before each
    of its children: a ``<div>`` of 2,000 links costs one pass, not one per
    link (joining the whole ``<div>`` once per link was quadratic).
    """

    def __init__(self) -> None:
        # parent → {child: the text before it}; holding the children keeps lxml
        # handing back the same element objects, so they work as keys.
        self.parents: dict[etree._Element, dict[etree._Element, str]] = {}

    def __call__(self, a: etree._Element) -> str:
        parent = a.getparent()
        if parent is None:
            return ""
        if parent not in self.parents:
            self.parents[parent] = self._read(parent)
        return self.parents[parent].get(a, "")

    @staticmethod
    def _read(parent: etree._Element) -> dict[etree._Element, str]:
        """The last characters before each child, reading text nodes as XPath ``string(..)`` does."""
        seen = parent.text or ""
        befores: dict[etree._Element, str] = {}
        for child in parent:
            own = str(_STRING(child)) if isinstance(child.tag, str) else ""  # a comment holds no text
            befores[child] = seen[-BEFORE:] if own else ""  # a link without text has no place in the text
            seen = (seen + own)[-BEFORE:] + (child.tail or "")
        return befores


def attachment_to_follow(selector: Selector, base_url: str) -> str | None:
    """URL of the attachment that is this page's report, or None to keep the HTML.

    Only a thin page (see :func:`page_is_thin`) hands over, and only to a
    link that names a report or is labelled 附件/下载 — never to a sidebar
    政府信息公开指南.pdf.
    """
    links = attachment_links(selector, base_url)
    if not links or not page_is_thin(selector):
        return None
    # A spreadsheet or an image only labelled 附件 is as often a budget table or a photo as the report:
    # those are followed only when their link names a report.
    ranked = [x for x in links if x.report_title] or [
        x for x in links if x.labelled and url_extension(x.url) not in TITLED_ONLY
    ]
    return ranked[0].url if ranked else None
